#include <stdarg.h>
#include "arch/log.h"
#include "arch/format.h"
#include "arch/serial.h"

enum log_level log_threshold = LOG_INFO;

static const char *const level_prefix[] = {
	[LOG_ERROR] = "hv: error: ",
	[LOG_WARN] = "hv: warn: ",
	[LOG_INFO] = "hv: ",
	[LOG_DEBUG] = "hv: debug: ",
};

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	size_t n = 0;
	while (prefix[n])
		n++;
	serial_write(prefix, n);
	int len = vformat(line, sizeof(line), fmt, ap);
	if (len >= (int)sizeof(line))
		len = sizeof(line) - 1;
	serial_write(line, (size_t)len);
	serial_write("\n", 1);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(level_prefix[level], fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}
