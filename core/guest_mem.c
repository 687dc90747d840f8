#include "core/guest_mem.h"
#include "arch/string.h"

int gmem_write(const struct guest_mem *m, u64 gpa, const void *src, u64 len)
{
	if (!gmem_contains(m, gpa, len))
		return -1;
	memcpy(m->host + gpa, src, len);
	return 0;
}

int gmem_read(const struct guest_mem *m, u64 gpa, void *dst, u64 len)
{
	if (!gmem_contains(m, gpa, len))
		return -1;
	memcpy(dst, m->host + gpa, len);
	return 0;
}

int gmem_fill(const struct guest_mem *m, u64 gpa, u8 byte, u64 len)
{
	if (!gmem_contains(m, gpa, len))
		return -1;
	memset(m->host + gpa, byte, len);
	return 0;
}
