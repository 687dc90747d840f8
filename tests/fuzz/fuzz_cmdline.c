/* The hypervisor command line, as a bootloader could pass anything. */
#include <stdlib.h>
#include <string.h>
#include "core/cmdline.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char line[1024], err[160];
	static struct config cfg;
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	memcpy(line, data, n);
	line[n] = '\0';
	if (cmdline_parse(line, &cfg, err, sizeof(err)) == 0 && cfg.nr_guests > CONFIG_MAX_GUESTS)
		abort();
	return 0;
}
