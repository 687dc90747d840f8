/* Exact exit counts through the counters hypercall: N operations cost N exits. */
#include "guests/lib/guest.h"
#include "arch/string.h"

#define N 1000

static u64 before[EXIT_REASON_COUNT], after[EXIT_REASON_COUNT];

static u64 delta(enum exit_reason r) { return after[r] - before[r]; }

/*
 * Every reason but `reason` (and the one HC_EXIT_COUNTS hypercall) is
 * unchanged; physical interrupts (the hypervisor's watchdog ticks) come
 * whenever they come and are no cost of the operations counted.
 */
static bool only(enum exit_reason reason)
{
	for (int r = 0; r < EXIT_REASON_COUNT; r++) {
		if (r == EXIT_INTERRUPT)
			continue;
		u64 expected = (r == (int)reason ? N : 0) + (r == EXIT_HYPERCALL ? 1 : 0);
		if (delta(r) != expected) {
			diag("reason %d changed by %lu, expected %lu", r, delta(r), expected);
			return false;
		}
	}
	return true;
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	report(hc_exit_counts(before) == EXIT_REASON_COUNT, "HC_EXIT_COUNTS returns %d reasons",
	       EXIT_REASON_COUNT);

	hc_exit_counts(before);
	for (int i = 0; i < N; i++)
		cpuid(0, 0);
	hc_exit_counts(after);
	report(delta(EXIT_CPUID) == N, "%d CPUIDs cost %lu CPUID exits", N, delta(EXIT_CPUID));
	report(only(EXIT_CPUID), "and nothing else but the counters hypercall");

	hc_exit_counts(before);
	for (int i = 0; i < N; i++)
		hypercall(HC_VERSION, 0, 0, 0);
	hc_exit_counts(after);
	report(only(EXIT_HYPERCALL), "%d HC_VERSION hypercalls cost exactly %d hypercall exits", N,
	       N + 1);

	hc_exit_counts(before);
	for (int i = 0; i < N; i++) {
		u64 v;
		rdmsr_safe(0xC0000080, &v); /* EFER: emulated, so it exits */
	}
	hc_exit_counts(after);
	report(only(EXIT_MSR_READ), "%d EFER reads cost %lu MSR-read exits", N, delta(EXIT_MSR_READ));

	hc_exit_counts(before);
	for (int i = 0; i < N; i++)
		rdtsc(); /* never intercepted */
	hc_exit_counts(after);
	bool none = true;
	for (int r = 0; r < EXIT_REASON_COUNT; r++)
		none &= r == EXIT_INTERRUPT || delta(r) == (r == EXIT_HYPERCALL);
	report(none, "%d RDTSCs cost no exit", N);
	return tap_status();
}
