#include "core/fw_cfg.h"

/* Item keys and layouts as in QEMU's include/standard-headers/linux/qemu_fw_cfg.h. */
enum {
	FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_RAM_SIZE = 0x03, FW_CFG_NB_CPUS = 0x05,
	FW_CFG_MAX_CPUS = 0x0F, FW_CFG_FILE_DIR = 0x19,
};
#define FW_CFG_ID_TRADITIONAL 1 /* bit 0: the I/O interface; bit 1 (DMA) is not offered */
#define CPUS 1

void fw_cfg_select(struct fw_cfg *f, u16 key)
{
	f->selector = key;
	f->offset = 0;
}

static void le(u8 *out, u64 v, u32 n)
{
	for (u32 i = 0; i < n; i++)
		out[i] = (u8)(v >> (8 * i));
}

/* The selected item's bytes; returns its length (0: no such item). */
static u32 item(u16 key, u64 ram_bytes, u8 out[8])
{
	switch (key) {
	case FW_CFG_SIGNATURE: out[0] = 'Q'; out[1] = 'E'; out[2] = 'M'; out[3] = 'U'; return 4;
	case FW_CFG_ID: le(out, FW_CFG_ID_TRADITIONAL, 4); return 4;
	case FW_CFG_RAM_SIZE: le(out, ram_bytes, 8); return 8;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS: le(out, CPUS, 2); return 2;
	case FW_CFG_FILE_DIR: le(out, 0, 4); return 4; /* a big-endian count of 0 files */
	default: return 0;
	}
}

u8 fw_cfg_read(struct fw_cfg *f, u64 ram_bytes)
{
	u8 bytes[8] = { 0 };
	u32 len = item(f->selector, ram_bytes, bytes);
	if (f->offset >= len)
		return 0;
	return bytes[f->offset++];
}
