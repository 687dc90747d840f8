/*
 * Abuse of the PMU: counter 0 is programmed and enabled, then the LVTPC is
 * rewritten with garbage while it counts (illegal vectors, NMI mode, reserved
 * bits), selectors get reserved bits, counters beyond those given are poked,
 * and the guest ends with counting on. Each access must behave per the
 * contract or #GP, pmuvisor must not hang or panic, the host's MSRs are
 * audited unchanged, and the canary guest after it starts from a clean PMU.
 * A PMI through an illegal LVTPC vector is dropped by the virtual LAPIC
 * (ESR bit 6); emulators raise no PMIs, so tests/host/test_vlapic proves it.
 */
#include "guests/lib/guest.h"
#include "guests/lib/pmu.h"

#define X2APIC_SVR 0x80F
#define LVTPC_WRITABLE 0x107FFu /* vector, delivery mode, mask */
#define SEL_ENABLE (BIT(22) | BIT(20) | BIT(17) | BIT(16)) /* EN, INT, OS, USR */
#define EVENT_INSTRUCTIONS 0xC0

int guest_main(const char *cmdline)
{
	(void)cmdline;
	static const u32 garbage[] = { 0x02, 0x400 | 0xFF, 0xFFFFFFFF, 0x10020, 0x00, 0x2FF };
	const struct guest_pmu *pmu = pmu_probe();
	u32 sel0 = pmu_gp_eventsel_msr(0);
	u32 gp = (u32)cmdline_uint("gp", pmu->caps.nr_gp);
	u32 beyond = pmu_gp_eventsel_msr(gp); /* 0: the layout has none past those given */
	u64 v = 0;

	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | BIT(10));
	wrmsr(X2APIC_SVR, 0x1FF);
	report(wrmsr_safe(sel0, SEL_ENABLE | EVENT_INSTRUCTIONS) == 0, "counter 0 programmed");
	if (pmu->global)
		wrmsr(pmu_global_ctrl_msr(), 1); /* and counting */
	for (size_t i = 0; i < ARRAY_SIZE(garbage); i++) {
		int vec = wrmsr_safe(MSR_X2APIC_LVTPC, garbage[i]);
		bool ok = vec == 0 && rdmsr_safe(MSR_X2APIC_LVTPC, &v) == 0 &&
			  v == (garbage[i] & LVTPC_WRITABLE);
		report(ok, "LVTPC 0x%x while counting: accepted, reads 0x%lx", garbage[i], v);
	}
	report(wrmsr_safe(MSR_X2APIC_LVTPC, BIT(32) | 0x20) == VEC_GP, "LVTPC with high bits: #GP");
	report(wrmsr_safe(sel0, SEL_ENABLE | EVENT_INSTRUCTIONS | BIT(63)) == VEC_GP,
	       "a selector with a reserved bit: #GP");
	if (beyond)
		report(wrmsr_safe(beyond, SEL_ENABLE) == VEC_GP && rdmsr_safe(beyond, &v) == VEC_GP,
		       "selector %u beyond the %u given: #GP", gp, gp);
	else /* AMD without PerfMonV2 cannot be given fewer: its layout implies them all */
		report_skip("every selector of this PMU's layout was given",
			    "a selector beyond those given: #GP");
	if (pmu->global)
		report(wrmsr_safe(pmu_global_ctrl_msr(), BIT(63)) == VEC_GP,
		       "GLOBAL_CTRL with a reserved bit: #GP");
	else
		report_skip("CPUID offers no GLOBAL_CTRL (AMD legacy counters)",
			    "GLOBAL_CTRL reserved bits");
	report(rdmsr_safe(sel0, &v) == 0 && (v & SEL_ENABLE) == SEL_ENABLE,
	       "counter 0 is still enabled: the guest ends with counting on");
	return tap_status();
}
