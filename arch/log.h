/*
 * Logging to the serial line. Every line the hypervisor prints is one of:
 *   "hv: ..."            information            (LOG_INFO)
 *   "hv: warn: ..."      something unexpected   (LOG_WARN)
 *   "hv: error: ..."     a failure              (LOG_ERROR)
 *   "hv: debug: ..."     only with log=debug    (LOG_DEBUG)
 *   "cap: key=value..."  the capability report
 *   "PANIC: ..."         a fatal hypervisor fault (see arch/exceptions.c)
 *   "[guest] ..."        a guest's own COM1 output, forwarded
 * so the test runner (tests/run) can read every line without guessing.
 */
#ifndef ARCH_LOG_H
#define ARCH_LOG_H

#include "arch/types.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A raw line (no "hv: " prefix), e.g. for the capability report. */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define pr_err(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
