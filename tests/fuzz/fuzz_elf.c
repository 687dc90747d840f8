/*
 * A guest image from anyone: loaded into a bounded guest memory, never beyond
 * it, and the boot information placed beside it, never on it.
 */
#include <stdlib.h>
#include <string.h>
#include "core/mb1_info.h"

#define RAM (4u << 20)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static u8 ram[RAM + 4096];
	static const struct guest_mem mem = { ram, RAM };
	memset(ram + RAM, 0xA5, 4096); /* a guard page ASan does not see: check it by hand */
	struct elf_load_result r;
	if (!elf_load(data, size, &mem, &r)) {
		if (r.high > RAM)
			abort();
		struct mb1_layout boot;
		if (!mb1_info_build(&mem, &r, "fuzz.elf arg", &boot) &&
		    (boot.end > RAM || elf_overlaps(&r, boot.gdt, boot.end)))
			abort();
	}
	for (int i = 0; i < 4096; i++)
		if (ram[RAM + i] != 0xA5)
			abort();
	return 0;
}
