/*
 * What a multiboot1 guest finds beside its image: the boot information (EBX
 * at entry) with its memory map and command line, and the flat GDT the entry
 * selectors name, as QEMU's multiboot loader provides one. Host-testable.
 */
#ifndef CORE_MB1_INFO_H
#define CORE_MB1_INFO_H

#include "core/elf_loader.h"
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
 * The one block pmuvisor writes into guest memory, in this order: GDT,
 * boot information, memory map, command line. Its first choice is 0xF0000,
 * in the hole the memory map keeps from the guest below 1 MiB (where a PC's
 * BIOS lies), so no kernel is ever told to use that memory; when the image
 * has a segment there, right after the image's highest byte, page aligned,
 * where QEMU's loader puts its boot information.
 */
#define MB1_BLOCK_FIRST_CHOICE 0xF0000

/* The flat GDT the entry selectors (code 0x08, data 0x10) name; a Linux guest gets it too. */
extern const u64 entry_flat_gdt[3];
struct mb1_layout {
	u64 gdt, info, end; /* guest-physical: the GDT, the boot information, the block's end */
};

/* Places and writes the block around the loaded image; NULL, or why it cannot. */
const char *mb1_info_build(const struct guest_mem *mem, const struct elf_load_result *image,
			   const char *cmdline, struct mb1_layout *out);

#endif
