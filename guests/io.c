/* Port I/O: COM1 works, every other port is denied (all ones, dropped) and each access exits. */
#include "guests/lib/guest.h"

#define N 100

int guest_main(const char *cmdline)
{
	(void)cmdline;
	report(inb(0x3FD) & 0x20, "COM1 line status shows the transmitter empty");
	report(inb(0x80) == 0xFF, "byte read of denied port 0x80 is all ones");
	report(inb(0x70) == 0xFF, "byte read of denied port 0x70 (RTC) is all ones");
	report(inw(0x1234) == 0xFFFF, "word read of denied port 0x1234 is all ones");
	outl(0xCF8, 0x80000000);
	report(inl(0xCF8) == 0xFFFFFFFF, "PCI config address write dropped, reads all ones");
	outb(0x60, 0xAA);
	report(inb(0x60) == 0xFF, "keyboard controller write dropped");

	u64 before[EXIT_REASON_COUNT], after[EXIT_REASON_COUNT];
	hc_exit_counts(before);
	for (int i = 0; i < N; i++)
		inb(0x80);
	hc_exit_counts(after);
	u64 io = after[EXIT_IO] - before[EXIT_IO];
	report(io == N, "%d reads of port 0x80 cost %lu I/O exits", N, io);
	report(after[EXIT_HYPERCALL] - before[EXIT_HYPERCALL] == 1, "plus one counters hypercall");
	return tap_status();
}
