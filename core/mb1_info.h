/* The multiboot1 information a guest finds in EBX at entry. Host-testable. */
#ifndef CORE_MB1_INFO_H
#define CORE_MB1_INFO_H

#include "core/guest_mem.h"

#define MB1_BOOTLOADER_MAGIC 0x2BADB002
#define MB1_INFO_MEMORY BIT(0)
#define MB1_INFO_CMDLINE BIT(2)
#define MB1_INFO_MMAP BIT(6)
#define MB1_MMAP_AVAILABLE 1

/* Multiboot 0.6.96, section 3.3 (what the guest finds, and guests/lib reads). */
struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));

struct mb1_mmap_entry {
	u32 size; /* of the rest of the entry */
	u64 addr, len;
	u32 type;
} __attribute__((packed));

/*
 * Writes the info at `gpa` (cmdline and memory map after it) and the flat GDT
 * at GUEST_GDT_GPA that the entry state's selectors point at, as QEMU's
 * multiboot loader provides one; 0 or -1 if it does not fit.
 */
int mb1_info_build(const struct guest_mem *mem, u64 gpa, const char *cmdline);

#endif
