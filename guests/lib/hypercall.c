/* Hypercalls: VMMCALL on AMD, VMCALL on Intel, chosen at run time. */
#include "guests/lib/guest.h"

long hypercall(unsigned long nr, unsigned long a, unsigned long b, unsigned long c)
{
	long ret = (long)nr;
	u64 vec = 0;
	if (guest_on_intel)
		asm volatile("1: vmcall\n2:\n" EXTABLE_ENTRY(1b, 2b)
			     : "+a"(ret), "+S"(vec) : "b"(a), "c"(b), "d"(c) : "memory");
	else
		asm volatile("1: vmmcall\n2:\n" EXTABLE_ENTRY(1b, 2b)
			     : "+a"(ret), "+S"(vec) : "b"(a), "c"(b), "d"(c) : "memory");
	return vec ? HC_FAULTED((long)vec) : ret;
}

long hc_host_nmis(void) { return hypercall(HC_HOST_NMIS, 0, 0, 0); }

long hc_exit_counts(u64 counts[EXIT_REASON_COUNT])
{
	return hypercall(HC_EXIT_COUNTS, (unsigned long)counts, sizeof(u64) * EXIT_REASON_COUNT, 0);
}

long hc_pmu_stats(struct hc_pmu_stats *s)
{
	return hypercall(HC_PMU_STATS, (unsigned long)s, sizeof(*s), 0);
}

long hc_host_msr(u32 msr) { return hypercall(HC_HOST_MSR, msr, 0, 0); }
