/*
 * The Linux guest's init talks to pmuvisor through its ports (core/abi.h;
 * Debian's kernels have no /dev/port, so this static helper takes them with
 * ioperm). Built by tests/linux/build.
 *   hvport exit STATUS   ends the machine through the debug-exit port, as
 *                        pmuvisor offers it and QEMU's isa-debug-exit does
 *   hvport mark ID       asks pmuvisor to print its bench mark line (the
 *                        vCPU's exit counts so far); does nothing where
 *                        CPUID does not say pmuvisor (directly on QEMU)
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#include "core/abi.h"

static int take_port(unsigned port)
{
	if (ioperm(port, 4, 1)) {
		perror("hvport: ioperm");
		return -1;
	}
	return 0;
}

/* pmuvisor's signature in leaf 0x40000000 (core/cpuid_policy.c), behind the hypervisor bit. */
static int under_pmuvisor(void)
{
	unsigned a, b, c, d;
	char name[13] = { 0 };
	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return 0;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(name, &b, 4);
	memcpy(name + 4, &c, 4);
	memcpy(name + 8, &d, 4);
	return !strcmp(name, "pmuvisor");
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "exit") && strcmp(argv[1], "mark"))) {
		fprintf(stderr, "usage: hvport exit STATUS | hvport mark ID\n");
		return 2;
	}
	unsigned long value = strtoul(argv[2], NULL, 0);
	if (!strcmp(argv[1], "mark")) {
		if (!under_pmuvisor())
			return 0;
		if (take_port(GUEST_BENCH_MARK_PORT))
			return 1;
		outl((unsigned)value, GUEST_BENCH_MARK_PORT);
		return 0;
	}
	if (take_port(GUEST_DEBUG_EXIT_PORT))
		return 1;
	outb((unsigned char)value, GUEST_DEBUG_EXIT_PORT);
	fprintf(stderr, "hvport: port 0x%x did not end the machine\n", GUEST_DEBUG_EXIT_PORT);
	return 1;
}
