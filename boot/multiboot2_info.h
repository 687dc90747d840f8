/* Multiboot2 boot information parsing (host-testable: no hardware access). */
#ifndef BOOT_MULTIBOOT2_INFO_H
#define BOOT_MULTIBOOT2_INFO_H

#include "boot/boot_info.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289

struct mb2_info_header {
	u32 total_size, reserved;
};

/*
 * Fills bi from the information at hdr (len bytes available). Returns NULL,
 * or a message naming what is malformed. Never reads past len.
 */
const char *mb2_parse(const struct mb2_info_header *hdr, u64 len, struct boot_info *bi);

#endif
