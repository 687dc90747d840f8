/* Checks of MSRs the guest owns outright: pmuvisor passes them through, so the CPU decides. */
#include "guests/lib/guest.h"

void report_cpu_refuses_wrmsr(u32 msr, u64 val, const char *what)
{
	u64 before[EXIT_REASON_COUNT], after[EXIT_REASON_COUNT], old = 0;
	int rd = rdmsr_safe(msr, &old);
	hc_exit_counts(before);
	int vec = wrmsr_safe(msr, val);
	hc_exit_counts(after);
	bool exited = after[EXIT_MSR_WRITE] != before[EXIT_MSR_WRITE];
	if (vec == 0 && !exited) {
		if (!rd)
			wrmsr(msr, old);
		report_skip("the CPU itself accepted it, with no exit: an emulator without this "
			    "check, as without a hypervisor (tests/README.md)", "%s raises #GP", what);
		return;
	}
	report(vec == VEC_GP && !exited, "%s raises #GP, from the CPU itself (no exit)", what);
}
