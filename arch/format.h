/* A small printf-style formatter: freestanding, host-testable. */
#ifndef ARCH_FORMAT_H
#define ARCH_FORMAT_H

#include <stdarg.h>
#include "arch/types.h"

/*
 * Supports %d %i %u %x %X %p %s %c %% with flags '0' '-', a width, a
 * precision for %s (".N" or ".*"), and the length modifiers l, ll, z.
 * Writes at most size-1 characters and a NUL; returns the length the full
 * output would have had.
 */
int vformat(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
