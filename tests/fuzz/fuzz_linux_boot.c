/*
 * A Linux kernel image from anyone: the setup header parsed, the kernel, its
 * initrd and the zero page placed in a bounded guest memory, never beyond it.
 * The input's first byte sets the initrd's size (in KiB), the rest is the image.
 */
#include <stdlib.h>
#include <string.h>
#include "core/linux_boot.h"

#define RAM (24u << 20)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static u8 ram[RAM + 4096];
	static const struct guest_mem mem = { ram, RAM };
	static const u8 initrd[255 << 10];
	if (size < 1)
		return 0;
	u64 initrd_size = (u64)data[0] << 10;
	memset(ram + RAM, 0xA5, 4096); /* a guard page ASan does not see: check it by hand */
	struct linux_boot_result r;
	char err[200];
	if (!linux_boot_load(data + 1, size - 1, initrd, initrd_size, "console=ttyS0", 0xE0000,
			     &mem, &r, err, sizeof(err))) {
		if (r.kernel_end > RAM || r.initrd_gpa + r.initrd_size > RAM ||
		    (initrd_size && r.initrd_gpa < r.kernel_end))
			abort();
	} else if (!err[0]) {
		abort(); /* a refusal always says why */
	}
	for (int i = 0; i < 4096; i++)
		if (ram[RAM + i] != 0xA5)
			abort();
	return 0;
}
