/* The hypervisor's serial log, for host tests: the line goes to stderr. */
#include <stdarg.h>
#include <stdio.h>

#include "arch/log.h"

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "log(%d): ", (int)level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
