/*
 * A minimal QEMU fw_cfg, the legacy I/O interface only (selector port 0x510,
 * data port 0x511, no DMA): the signature, the ID, the RAM size, the CPU
 * count and an empty file directory, so test kernels written for QEMU find
 * what they look for. Host-testable.
 */
#ifndef CORE_FW_CFG_H
#define CORE_FW_CFG_H

#include "arch/types.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511

struct fw_cfg {
	u16 selector;
	u32 offset;
};

/* A 16-bit write to the selector port: picks an item, back to its first byte. */
void fw_cfg_select(struct fw_cfg *f, u16 key);
/* The next byte of the selected item (0 past its end or for unknown items). */
u8 fw_cfg_read(struct fw_cfg *f, u64 ram_bytes);

#endif
