/*
 * The host's own MSRs, read before a guest runs and compared after it
 * ended: a guest must never change host state it was not given, whatever
 * it tried (docs/design.md, "Containment and bad input"). PMU MSRs are not
 * on the list: the guest legitimately owns them while its context is loaded.
 */
#ifndef CORE_HOST_AUDIT_H
#define CORE_HOST_AUDIT_H

#include "arch/types.h"

#define HOST_AUDIT_MAX 24

struct host_audit {
	u32 count;
	u32 msr[HOST_AUDIT_MAX];
	u64 value[HOST_AUDIT_MAX];
};

/* Reads every audited MSR this CPU has. */
void host_audit_take(struct host_audit *a);
/* Compares with now; prints each difference; returns how many changed. */
u32 host_audit_check(const struct host_audit *before, const char *guest);

#endif
