#include "core/mb1_info.h"
#include "arch/string.h"
#include "core/abi.h"

#define LOW_MEM_KIB 640

int mb1_info_build(const struct guest_mem *mem, u64 gpa, const char *cmdline)
{
	u64 mmap_gpa = gpa + sizeof(struct mb1_info);
	struct mb1_mmap_entry mmap[2] = {
		{ sizeof(struct mb1_mmap_entry) - 4, 0, LOW_MEM_KIB * 1024, MB1_MMAP_AVAILABLE },
		{ sizeof(struct mb1_mmap_entry) - 4, 0x100000, mem->size - 0x100000,
		  MB1_MMAP_AVAILABLE },
	};
	u64 cmdline_gpa = mmap_gpa + sizeof(mmap);
	struct mb1_info info = {
		.flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MMAP,
		.mem_lower = LOW_MEM_KIB,
		.mem_upper = (u32)((mem->size - 0x100000) / 1024),
		.cmdline = (u32)cmdline_gpa,
		.mmap_length = sizeof(mmap),
		.mmap_addr = (u32)mmap_gpa,
	};
	if (mem->size <= 0x100000 || cmdline_gpa + strlen(cmdline) + 1 > 0x9FC00)
		return -1;
	static const u64 gdt[3] = { 0, 0x00CF9B000000FFFFULL, 0x00CF93000000FFFFULL };
	if (gmem_write(mem, gpa, &info, sizeof(info)) || gmem_write(mem, mmap_gpa, mmap, sizeof(mmap)) ||
	    gmem_write(mem, GUEST_GDT_GPA, gdt, sizeof(gdt)))
		return -1;
	return gmem_write(mem, cmdline_gpa, cmdline, strlen(cmdline) + 1);
}
