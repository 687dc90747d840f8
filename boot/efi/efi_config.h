/*
 * The UEFI loader's config file, \pmuvisor.cfg on the ESP:
 *   # comment
 *   cmdline <pmuvisor command line>         (at most once)
 *   module <path on the ESP> [module string] (the string defaults to the file name)
 * Host-testable: no firmware calls.
 */
#ifndef BOOT_EFI_EFI_CONFIG_H
#define BOOT_EFI_EFI_CONFIG_H

#include "boot/boot_info.h"

#define EFI_PATH_MAX 128

struct efi_config {
	char cmdline[BOOT_CMDLINE_MAX];
	u32 nr_modules;
	struct {
		char path[EFI_PATH_MAX];
		char string[BOOT_MODULE_STRING_MAX];
	} modules[BOOT_MAX_MODULES];
};

/* 0, or -1 with a message naming the line in err. */
int efi_config_parse(const char *text, size_t len, struct efi_config *out, char *err,
		     size_t errlen);

#endif
