/* UEFI memory map -> boot_info ranges (host-testable: the descriptor layout is spelled out). */
#ifndef BOOT_EFI_EFI_MEMMAP_H
#define BOOT_EFI_EFI_MEMMAP_H

#include "boot/boot_info.h"

/* UEFI 2.x, 7.2: EFI_MEMORY_DESCRIPTOR; entries are desc_size apart, which may exceed this. */
struct efi_memory_descriptor {
	u32 type, pad;
	u64 physical_start, virtual_start, number_of_pages, attribute;
};

#define EFI_CONVENTIONAL_MEMORY 7

/*
 * Fills bi->ranges with the conventional memory of the map, adjacent
 * ranges merged; when there are more than BOOT_MAX_RANGES, the largest.
 */
void efi_memmap_to_ranges(const void *map, u64 map_size, u64 desc_size, struct boot_info *bi);

#endif
