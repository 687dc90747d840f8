/* What a boot loader hands over: multiboot2 information, the ESP config, a UEFI memory map. */
#include <stdlib.h>
#include <string.h>
#include "boot/efi/efi_config.h"
#include "boot/efi/efi_memmap.h"
#include "boot/multiboot2_info.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct boot_info bi;
	static struct efi_config cfg;
	char err[160];
	u64 copy[4096 / 8];
	if (size < 1 || size > sizeof(copy))
		return 0;
	memcpy(copy, data + 1, size - 1); /* aligned like the real structures */
	switch (data[0] % 3) {
	case 0:
		if (size - 1 >= sizeof(struct mb2_info_header) &&
		    !mb2_parse((const void *)copy, size - 1, &bi) &&
		    (bi.nr_modules > BOOT_MAX_MODULES || bi.nr_ranges > BOOT_MAX_RANGES))
			abort();
		break;
	case 1:
		if (!efi_config_parse((const char *)data + 1, size - 1, &cfg, err, sizeof(err)) &&
		    cfg.nr_modules > BOOT_MAX_MODULES)
			abort();
		break;
	default:
		efi_memmap_to_ranges(copy, size - 1, 24 + data[0] % 64, &bi);
		if (bi.nr_ranges > BOOT_MAX_RANGES)
			abort();
	}
	return 0;
}
