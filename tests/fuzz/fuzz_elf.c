/* A guest image from anyone: loaded into a bounded guest memory, never beyond it. */
#include <stdlib.h>
#include <string.h>
#include "core/elf_loader.h"

#define RAM (4u << 20)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static u8 ram[RAM + 4096];
	static const struct guest_mem mem = { ram, RAM };
	memset(ram + RAM, 0xA5, 4096); /* a guard page ASan does not see: check it by hand */
	struct elf_load_result r;
	if (!elf_load(data, size, &mem, 1u << 20, &r) && (r.high > RAM || r.low < (1u << 20)))
		abort();
	for (int i = 0; i < 4096; i++)
		if (ram[RAM + i] != 0xA5)
			abort();
	return 0;
}
