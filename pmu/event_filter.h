/*
 * A PMU event filter like KVM's: an allow or deny list of (event select,
 * unit mask) and a fixed-counter bitmap. Given on the command line as
 *   pmu_filter=allow:c0.00,3c.00:fixed=0x1
 *   pmu_filter=deny:2e.4f:fixed=0x4
 * (event and unit mask in hex; AMD event selects up to 0xfff). For fixed
 * counters, as in KVM: with allow, counter i counts iff bit i is set; with
 * deny, iff it is clear. A filtered event never counts. Host-testable.
 */
#ifndef PMU_EVENT_FILTER_H
#define PMU_EVENT_FILTER_H

#include "arch/types.h"

#define EVENT_FILTER_MAX 16

struct event_filter {
	bool active;
	bool allow; /* true: allow list, false: deny list */
	u32 nr;
	struct {
		u16 event;
		u8 umask;
	} events[EVENT_FILTER_MAX];
	u32 fixed_mask;
};

/* Parses the value of pmu_filter= (len characters); 0, or -1 with a message. */
int event_filter_parse(const char *s, size_t len, struct event_filter *out, char *err,
		       size_t errlen);
/* Whether an event selector's (event, unit mask) may count. */
bool event_filter_allows(const struct event_filter *f, u16 event, u8 umask);
bool event_filter_allows_fixed(const struct event_filter *f, u32 index);

#endif
