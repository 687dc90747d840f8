/*
 * Port I/O: COM1 works, every other port is denied (all ones, dropped) and each
 * access exits; INS/OUTS in 64-bit code reach the same ports, a long REP a
 * bounded number of elements per exit. With reset=cf9 or reset=8042 it asks
 * for a reset instead, which must stop it.
 */
#include "arch/string.h"
#include "guests/lib/guest.h"

#define N 100
#define STRING_ELEMENTS_PER_EXIT 256 /* core/io.c */

static u8 buf[1000];

/* REP INSB of the denied port 0x80: all ones, in the exits a long REP takes. */
static void string_io_64(void)
{
	u64 before[EXIT_REASON_COUNT], after[EXIT_REASON_COUNT];
	u64 rdi = (u64)buf, rcx = sizeof(buf);
	hc_exit_counts(before);
	asm volatile("rep insb" : "+D"(rdi), "+c"(rcx) : "d"(0x80) : "memory");
	hc_exit_counts(after);
	bool ones = true;
	for (u32 i = 0; i < sizeof(buf); i++)
		ones &= buf[i] == 0xFF;
	report(ones && rdi == (u64)buf + sizeof(buf) && rcx == 0,
	       "REP INSB of %zu bytes: all ones, RDI past the buffer, RCX 0", sizeof(buf));
	u64 io = after[EXIT_IO] - before[EXIT_IO];
	report(io == (sizeof(buf) + STRING_ELEMENTS_PER_EXIT - 1) / STRING_ELEMENTS_PER_EXIT,
	       "it took %lu I/O exits, %u elements per exit", io, STRING_ELEMENTS_PER_EXIT);

	const char *text = "12345678";
	u64 rsi = (u64)text + 7;
	rcx = 2;
	asm volatile("std; rep outsl; cld" : "+S"(rsi), "+c"(rcx) : "d"(0x80) : "memory");
	report(rsi == (u64)text - 1 && rcx == 0, "REP OUTSD with DF=1 steps RSI down by 4");

	/* 32-bit addressing in 64-bit code: EDI and ECX, written back zero-extended */
	u64 rdi32 = 0xFFFFFFFF00000000ULL | (u64)buf, rcx32 = 0xFFFFFFFF00000003ULL;
	asm volatile("addr32 rep insw" : "+D"(rdi32), "+c"(rcx32) : "d"(0x80) : "memory");
	report(rdi32 == (u64)buf + 6 && rcx32 == 0, "a32 REP INSW uses EDI and ECX, zero-extended");
}

/* reset=cf9 or reset=8042: ask for a reset as a PC's firmware or kernel would; pmuvisor stops the guest. */
static void reset_request(const char *how)
{
	if (!strcmp(how, "cf9"))
		outb(0xCF9, 0x06);
	else
		outb(0x64, 0xFE);
	report(false, "the reset request (%s) returned", how);
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	char reset[8] = "";
	if (cmdline_value("reset", reset, sizeof(reset))) {
		reset_request(reset);
		return tap_status();
	}
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
	string_io_64();
	return tap_status();
}
