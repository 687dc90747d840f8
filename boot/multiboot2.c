/* Multiboot2 information -> struct boot_info. */
#include "boot/boot_info.h"
#include "boot/multiboot2_info.h"
#include "arch/log.h"
#include "arch/platform_exit.h"
#include "arch/serial.h"

void mb2_main(u32 magic, u64 info) __attribute__((noreturn));

static struct boot_info mb2_boot_info;

void mb2_main(u32 magic, u64 info)
{
	if (magic != MB2_BOOTLOADER_MAGIC) {
		serial_init();
		pr_err("boot: not started by a multiboot2 loader (magic 0x%x)", magic);
		platform_exit(STATUS_BAD_INPUT);
	}
	const struct mb2_info_header *hdr = (const void *)(uintptr_t)info;
	const char *err = mb2_parse(hdr, hdr->total_size, &mb2_boot_info);
	if (err) {
		serial_init();
		pr_err("boot: bad multiboot2 information: %s", err);
		platform_exit(STATUS_BAD_INPUT);
	}
	core_main(&mb2_boot_info);
}
