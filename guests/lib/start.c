/* From the assembly entry to guest_main(): boot information, IDT, vendor. */
#include "guests/lib/guest.h"
#include "arch/string.h"
#include "core/mb1_info.h"


const struct mb1_info *guest_mbi;
bool guest_on_intel;
static const char *cmdline = "";

void guest_idt_init(void);
void guest_start(u32 magic, u32 mbi) __attribute__((noreturn));

void guest_start(u32 magic, u32 mbi)
{
	guest_idt_init();
	if (magic != MB1_BOOTLOADER_MAGIC) {
		gprintf("not ok - not started by a multiboot loader (magic 0x%x)\n", magic);
		guest_exit(2);
	}
	guest_mbi = (const struct mb1_info *)(uintptr_t)mbi;
	if (guest_mbi->flags & MB1_INFO_CMDLINE)
		cmdline = (const char *)(uintptr_t)guest_mbi->cmdline;
	struct cpuid_regs v = cpuid(0, 0);
	guest_on_intel = v.ebx == 0x756E6547; /* "Genu" */
	int status = guest_main(cmdline);
	tap_done();
	guest_exit(status ? status : tap_status());
}

u64 guest_ram_end(void)
{
	u64 end = 0;
	if (!(guest_mbi->flags & MB1_INFO_MMAP))
		return 0;
	u64 p = guest_mbi->mmap_addr, stop = p + guest_mbi->mmap_length;
	while (p < stop) {
		const struct mb1_mmap_entry *e = (const void *)(uintptr_t)p;
		if (e->type == MB1_MMAP_AVAILABLE && e->addr + e->len > end)
			end = e->addr + e->len;
		p += e->size + 4;
	}
	return end;
}

/* "key=value" in the command line, words separated by spaces. */
bool cmdline_value(const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	for (const char *s = cmdline; *s;) {
		while (*s == ' ')
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ' ')
			n++;
		if (n > klen && !strncmp(s, key, klen) && s[klen] == '=') {
			size_t vlen = n - klen - 1;
			if (vlen >= size)
				vlen = size - 1;
			memcpy(out, s + klen + 1, vlen);
			out[vlen] = '\0';
			return true;
		}
		s += n;
	}
	return false;
}

u64 cmdline_uint(const char *key, u64 fallback)
{
	char v[24];
	if (!cmdline_value(key, v, sizeof(v)))
		return fallback;
	u64 n = 0;
	for (const char *p = v; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (u64)(*p - '0');
	return n;
}
