/*
 * What a boot path hands to core_main(): the one structure shared by the
 * multiboot2 (GRUB) path and the UEFI path. Everything is physical and
 * identity mapped when core_main() runs.
 */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include "arch/types.h"

#define BOOT_MAX_MODULES 32
#define BOOT_MAX_RANGES 64
#define BOOT_CMDLINE_MAX 2048
#define BOOT_MODULE_STRING_MAX 256

enum boot_path { BOOT_MULTIBOOT2 = 1, BOOT_UEFI = 2 };

/* A guest image (or other blob) the loader put in memory. */
struct boot_module {
	u64 start, size;
	char string[BOOT_MODULE_STRING_MAX]; /* "name.elf guest args..." */
};

/* Usable RAM only; everything else is reserved. */
struct boot_range {
	u64 start, size;
};

struct boot_info {
	enum boot_path path;
	char cmdline[BOOT_CMDLINE_MAX];
	u32 nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	u32 nr_ranges;
	struct boot_range ranges[BOOT_MAX_RANGES];
	u64 acpi_rsdp; /* 0 when unknown */
};

/* The one core entry both boot paths end in (64-bit, paging on, identity). */
void core_main(struct boot_info *bi) __attribute__((noreturn));

#endif
