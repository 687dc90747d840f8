#include "boot/efi/efi_memmap.h"

#define EFI_PAGE 4096ULL

static void add(struct boot_info *bi, u64 start, u64 size)
{
	for (u32 i = 0; i < bi->nr_ranges; i++) {
		struct boot_range *r = &bi->ranges[i];
		if (r->start + r->size == start) {
			r->size += size;
			return;
		}
		if (start + size == r->start) {
			r->start = start;
			r->size += size;
			return;
		}
	}
	if (bi->nr_ranges < BOOT_MAX_RANGES) {
		bi->ranges[bi->nr_ranges++] = (struct boot_range){ start, size };
		return;
	}
	u32 smallest = 0; /* full: the new range replaces the smallest if it is larger */
	for (u32 i = 1; i < bi->nr_ranges; i++)
		if (bi->ranges[i].size < bi->ranges[smallest].size)
			smallest = i;
	if (bi->ranges[smallest].size < size)
		bi->ranges[smallest] = (struct boot_range){ start, size };
}

void efi_memmap_to_ranges(const void *map, u64 map_size, u64 desc_size, struct boot_info *bi)
{
	bi->nr_ranges = 0;
	/* A size that is too small or breaks 8-byte alignment is a broken map: use none of it. */
	if (desc_size < sizeof(struct efi_memory_descriptor) || desc_size % 8)
		return;
	for (u64 off = 0; off + desc_size <= map_size; off += desc_size) {
		const struct efi_memory_descriptor *d = (const void *)((const u8 *)map + off);
		if (d->type == EFI_CONVENTIONAL_MEMORY && d->number_of_pages)
			add(bi, d->physical_start, d->number_of_pages * EFI_PAGE);
	}
}
