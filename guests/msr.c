/* MSR policy as a guest sees it: allowed MSRs behave, all others #GP and change nothing. */
#include "guests/lib/guest.h"

static bool denied_rw(u32 msr)
{
	u64 v;
	return rdmsr_safe(msr, &v) == VEC_GP && wrmsr_safe(msr, 0) == VEC_GP;
}

static bool writes_and_reads_back(u32 msr, u64 val)
{
	u64 got = 0;
	return wrmsr_safe(msr, val) == 0 && rdmsr_safe(msr, &got) == 0 && got == val;
}

/*
 * Intel's MISC_ENABLE is the guest's view (this guest has no vPMU): fast
 * strings enabled, BTS and PEBS unavailable, performance monitoring not
 * available, all read-only.
 */
static void misc_enable(void)
{
	u64 v = 0;
	if (!guest_on_intel) {
		report(denied_rw(MSR_MISC_ENABLE), "MISC_ENABLE (Intel's) raises #GP on AMD");
		return;
	}
	int vec = rdmsr_safe(MSR_MISC_ENABLE, &v);
	report(!vec && v == (BIT(0) | BIT(11) | BIT(12)),
	       "MISC_ENABLE reads fast strings on, BTS and PEBS unavailable, no PMU (0x%lx)", v);
	report(wrmsr_safe(MSR_MISC_ENABLE, v) == 0 && wrmsr_safe(MSR_MISC_ENABLE, v ^ 1) == VEC_GP,
	       "MISC_ENABLE takes a write-back of its value; a change raises #GP");
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u64 efer = 0, t1 = 0, t2 = 0;
	int vec = rdmsr_safe(MSR_EFER, &efer);
	report(vec == 0 && (efer & EFER_LME) && (efer & EFER_LMA),
	       "EFER reads with LME and LMA set (0x%lx)", efer);
	report(!(efer & EFER_SVME), "EFER.SVME is hidden");
	report(wrmsr_safe(MSR_EFER, efer) == 0, "EFER write of the same value succeeds");
	report(wrmsr_safe(MSR_EFER, efer | EFER_SVME) == VEC_GP, "setting EFER.SVME raises #GP");
	u64 before[EXIT_REASON_COUNT], after[EXIT_REASON_COUNT];
	hc_exit_counts(before);
	int v1 = rdmsr_safe(MSR_TSC, &t1);
	u64 r1 = rdtsc();
	for (volatile int i = 0; i < 1000; i++)
		;
	int v2 = rdmsr_safe(MSR_TSC, &t2);
	u64 r2 = rdtsc();
	hc_exit_counts(after);
	bool no_exit = after[EXIT_MSR_READ] == before[EXIT_MSR_READ];
	if (!v1 && !v2 && no_exit && t1 == 0 && t2 == 0 && r2 > r1)
		report_skip("RDMSR(IA32_TSC) reads 0 here while RDTSC counts: QEMU TCG does so "
			    "even without a hypervisor (tests/README.md)",
			    "IA32_TSC is read without an exit and increases");
	else
		report(!v1 && !v2 && no_exit && t2 > t1,
		       "IA32_TSC is read without an exit and increases (%lu then %lu)", t1, t2);
	report(writes_and_reads_back(MSR_FS_BASE, 0x1234000) &&
		       writes_and_reads_back(MSR_GS_BASE, 0x5678000) &&
		       writes_and_reads_back(MSR_KERNEL_GS_BASE, 0x9ABC000),
	       "FS_BASE, GS_BASE and KERNEL_GS_BASE keep what is written");
	report(wrmsr_safe(MSR_FS_BASE, 0x0000800000000000ULL) == VEC_GP,
	       "a non-canonical FS_BASE raises #GP");

	/* Host-owned MSRs: the host's value is read by the hypervisor before and after. */
	u32 audited = guest_on_intel ? MSR_FEATURE_CONTROL : MSR_HWCR;
	long host_before = hc_host_msr(audited), misc_before = hc_host_msr(MSR_MISC_ENABLE);
	bool all_gp = denied_rw(MSR_FEATURE_CONTROL) && denied_rw(MSR_VM_HSAVE_PA) &&
		      denied_rw(MSR_SMM_BASE) && denied_rw(MSR_VMX_BASIC) && denied_rw(MSR_HWCR);
	report(all_gp, "host-owned MSRs (FEATURE_CONTROL, VM_HSAVE_PA, SMM_BASE, VMX_BASIC, HWCR) "
		       "raise #GP on read and write");
	misc_enable();
	report(denied_rw(0x12345678) && denied_rw(0x40001234) && denied_rw(0xC0012345),
	       "unknown MSRs raise #GP on read and write");
	report(host_before >= 0 && hc_host_msr(audited) == host_before,
	       "the host's 0x%x is unchanged after the denied writes", audited);
	report(misc_before >= 0 && hc_host_msr(MSR_MISC_ENABLE) == misc_before,
	       "the host's MISC_ENABLE is unchanged");
	report(hc_host_msr(MSR_TSC) == HC_EINVAL, "the audit hypercall refuses MSRs not on its list");
	return tap_status();
}
