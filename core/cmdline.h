/*
 * The hypervisor command line: space-separated key=value tokens, like a
 * kernel's. Global keys apply to the hypervisor; "guest=NAME" starts a guest
 * and the per-guest keys after it (vpmu=, mem=, ...) apply to that guest.
 * Per-guest keys before the first guest= set the defaults of every guest.
 * Host-testable: no hardware access.
 */
#ifndef CORE_CMDLINE_H
#define CORE_CMDLINE_H

#include "core/config.h"

/* Returns 0, or -1 with a message naming the bad token in err. */
int cmdline_parse(const char *cmdline, struct config *out, char *err, size_t errlen);

/* One line per known key ("key=choice|choice  help"), for diagnostics. */
void cmdline_describe(void (*emit)(const char *line));

#endif
