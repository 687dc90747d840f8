#include "core/mb1_info.h"
#include "arch/string.h"
#include "core/abi.h"

#define LOW_MEM_KIB 640
#define MIB (1ULL << 20)

const u64 entry_flat_gdt[3] = { 0, 0x00CF9B000000FFFFULL, 0x00CF93000000FFFFULL };
_Static_assert(sizeof(entry_flat_gdt) == GUEST_GDT_LIMIT + 1, "the GDT the entry state names");

/* The first candidate where the whole block lies in RAM below 4 GiB and off the image. */
static bool place(const struct guest_mem *mem, const struct elf_load_result *image, u64 bytes,
		  u64 *at)
{
	const u64 candidates[2] = { MB1_BLOCK_FIRST_CHOICE, ALIGN_UP(image->high, PAGE_SIZE) };
	for (int i = 0; i < 2; i++) {
		u64 end = candidates[i] + bytes;
		if (gmem_contains(mem, candidates[i], bytes) && end <= (1ULL << 32) &&
		    !elf_overlaps(image, candidates[i], end)) {
			*at = candidates[i];
			return true;
		}
	}
	return false;
}

const char *mb1_info_build(const struct guest_mem *mem, const struct elf_load_result *image,
			   const char *cmdline, struct mb1_layout *out)
{
	if (mem->size <= MIB)
		return "guest RAM must be larger than 1 MiB";
	struct mb1_mmap_entry mmap[2] = {
		{ sizeof(struct mb1_mmap_entry) - 4, 0, LOW_MEM_KIB * 1024, MB1_MMAP_AVAILABLE },
		{ sizeof(struct mb1_mmap_entry) - 4, MIB, mem->size - MIB, MB1_MMAP_AVAILABLE },
	};
	u64 cmdline_len = strlen(cmdline) + 1;
	u64 info_off = sizeof(entry_flat_gdt), mmap_off = info_off + sizeof(struct mb1_info);
	u64 cmdline_off = mmap_off + sizeof(mmap), bytes = cmdline_off + cmdline_len, at;
	if (!place(mem, image, bytes, &at))
		return "no room for the boot information: the image covers 0xF0000 and leaves "
		       "none after it";
	struct mb1_info info = {
		.flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MMAP,
		.mem_lower = LOW_MEM_KIB,
		.mem_upper = (u32)((mem->size - MIB) / 1024),
		.cmdline = (u32)(at + cmdline_off),
		.mmap_length = sizeof(mmap),
		.mmap_addr = (u32)(at + mmap_off),
	};
	gmem_write(mem, at, entry_flat_gdt, sizeof(entry_flat_gdt));
	gmem_write(mem, at + info_off, &info, sizeof(info));
	gmem_write(mem, at + mmap_off, mmap, sizeof(mmap));
	gmem_write(mem, at + cmdline_off, cmdline, cmdline_len);
	*out = (struct mb1_layout){ .gdt = at, .info = at + info_off, .end = at + bytes };
	return NULL;
}
