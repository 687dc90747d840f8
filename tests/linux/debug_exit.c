/*
 * debug_exit STATUS: ends the machine through the debug-exit port (0xf4), as
 * pmuvisor offers it to a guest and QEMU's isa-debug-exit does, for the
 * Linux guest's init (Debian's kernels have no /dev/port). Built static by
 * tests/linux/build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		perror("debug_exit: ioperm");
		return 1;
	}
	outb((unsigned char)status, DEBUG_EXIT_PORT);
	fprintf(stderr, "debug_exit: port 0x%x did not end the machine\n", DEBUG_EXIT_PORT);
	return 1;
}
