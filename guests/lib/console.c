/* COM1 output (pmuvisor forwards whole lines) and the TAP counters. */
#include <stdarg.h>
#include "guests/lib/guest.h"
#include "arch/format.h"
#include "arch/string.h"

#define COM1 0x3f8
#define LSR_THR_EMPTY 0x20

static int planned = -1, run, failed;

static void put(const char *s)
{
	for (; *s; s++) {
		for (int i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THR_EMPTY); i++)
			;
		outb(COM1, (u8)*s);
	}
}

static void vput(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char line[256];
	vformat(line, sizeof(line), fmt, ap);
	put(prefix);
	put(line);
	put(suffix);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vput("", fmt, ap, "");
	va_end(ap);
}

void plan(int n)
{
	planned = n;
	gprintf("1..%d\n", n);
}

bool report(bool ok, const char *fmt, ...)
{
	char prefix[32];
	format(prefix, sizeof(prefix), "%s %d - ", ok ? "ok" : "not ok", ++run);
	failed += !ok;
	va_list ap;
	va_start(ap, fmt);
	vput(prefix, fmt, ap, "\n");
	va_end(ap);
	return ok;
}

void report_skip(const char *reason, const char *fmt, ...)
{
	char prefix[32];
	format(prefix, sizeof(prefix), "ok %d - ", ++run);
	va_list ap;
	va_start(ap, fmt);
	vput(prefix, fmt, ap, " # SKIP ");
	va_end(ap);
	put(reason);
	put("\n");
}

void diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vput("# ", fmt, ap, "\n");
	va_end(ap);
}

int tap_status(void)
{
	if (planned != run)
		diag("planned %d tests but ran %d", planned, run);
	return failed || planned != run;
}

void guest_exit(int status)
{
	outl(GUEST_DEBUG_EXIT_PORT, (u32)status);
	halt_forever();
}
