/*
 * COM1 output (pmuvisor forwards whole lines) and TAP: results are counted
 * as they come and the plan is printed last, by tap_done(), so no guest
 * counts its checks by hand. A guest that dies before its end prints no
 * plan, which the runner reports.
 */
#include <stdarg.h>
#include "guests/lib/guest.h"
#include "arch/format.h"
#include "arch/string.h"

#define COM1 0x3f8
#define LSR_THR_EMPTY 0x20

static int run, failed, skipped;
static bool done;

/* "a: b: ", one entry per push (cut at the buffer's end). */
#define PREFIX_DEPTH 8
static char prefix[96];
static size_t prefix_len[PREFIX_DEPTH], depth;

static void put(const char *s)
{
	for (; *s; s++) {
		for (int i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THR_EMPTY); i++)
			;
		outb(COM1, (u8)*s);
	}
}

static void vput(const char *head, const char *fmt, va_list ap, const char *suffix)
{
	char line[256];
	vformat(line, sizeof(line), fmt, ap);
	put(head);
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

void report_prefix_push(const char *name)
{
	size_t len = strlen(prefix);
	if (depth < PREFIX_DEPTH) {
		prefix_len[depth] = len;
		format(prefix + len, sizeof(prefix) - len, "%s: ", name);
	} else {
		diag("report prefix '%s' nested too deep", name);
	}
	depth++;
}

void report_prefix_pop(void)
{
	if (!depth) {
		diag("report_prefix_pop without a push");
		return;
	}
	if (--depth < PREFIX_DEPTH)
		prefix[prefix_len[depth]] = '\0';
}

/* "ok N - prefix: " */
static void result_head(char *head, size_t size, bool ok)
{
	format(head, size, "%s %d - %s", ok ? "ok" : "not ok", ++run, prefix);
}

bool report(bool ok, const char *fmt, ...)
{
	char head[128];
	result_head(head, sizeof(head), ok);
	failed += !ok;
	va_list ap;
	va_start(ap, fmt);
	vput(head, fmt, ap, "\n");
	va_end(ap);
	return ok;
}

void report_skip(const char *reason, const char *fmt, ...)
{
	char head[128];
	result_head(head, sizeof(head), true);
	skipped++;
	va_list ap;
	va_start(ap, fmt);
	vput(head, fmt, ap, " # SKIP ");
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
	return failed != 0;
}

void tap_done(void)
{
	if (done)
		return;
	done = true;
	if (depth)
		diag("%zu report prefixes still pushed at the end", depth);
	diag("%d passed, %d failed, %d skipped", run - failed - skipped, failed, skipped);
	gprintf("1..%d\n", run);
}

void guest_exit(int status)
{
	outl(GUEST_DEBUG_EXIT_PORT, (u32)status);
	halt_forever();
}
