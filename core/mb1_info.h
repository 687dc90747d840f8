/* The multiboot1 information a guest finds in EBX at entry. Host-testable. */
#ifndef CORE_MB1_INFO_H
#define CORE_MB1_INFO_H

#include "core/guest_mem.h"

#define MB1_BOOTLOADER_MAGIC 0x2BADB002

/* Writes the info at `gpa` (cmdline and memory map after it); 0 or -1 if it does not fit. */
int mb1_info_build(const struct guest_mem *mem, u64 gpa, const char *cmdline);

#endif
