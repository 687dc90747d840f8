/*
 * The PMU contract as a guest sees it, in the mode its command line names
 * (expect=off|emulated|mediated, gp=N counters when fewer than the host's):
 * CPUID leaves, MSR behaviour, RDPMC, the virtual LVTPC, exit counts per
 * operation, no PMU access by the hypervisor on re-entry, and counting where
 * the platform counts. Vendor differences are chosen from CPUID.
 */
#include "guests/lib/guest.h"
#include "guests/lib/pmu.h"
#include "arch/string.h"
#include "pmu/pmu_hw.h"

#define N 100
#define APIC_BASE_EXTD BIT(10)

enum mode { OFF, EMULATED, MEDIATED };

static enum mode mode;
static u32 gp;         /* counters the guest was given */
static u32 sel0, ctr0; /* MSRs of counter 0 */
static bool counts, rdpmc_works, shared_counters;
static const struct guest_pmu *pmu;

static u64 exits_of(enum exit_reason r, void (*op)(void))
{
	u64 before[EXIT_REASON_COUNT], after[EXIT_REASON_COUNT];
	hc_exit_counts(before);
	for (int i = 0; i < N; i++)
		op();
	hc_exit_counts(after);
	return after[r] - before[r];
}

static void read_counter0(void)
{
	u64 v;
	rdmsr_safe(ctr0, &v);
}

static void rdpmc0(void)
{
	u64 v;
	rdpmc_safe(0, &v);
}

static void stop_counting(void) { wrmsr_safe(pmu_global_ctrl_msr(), 0); }
static void reset_no_status(void) { wrmsr_safe(pmu_global_status_reset_msr(), 0); }

/*
 * With every counter of the host (no gp=) the status reset is the guest's
 * where the set MSR exists (Intel v4+, PerfMonV2), and GLOBAL_CTRL (VT-x
 * saves it at every exit, AMD-V with the rest of the context).
 */
static bool status_direct(void)
{
	bool status_set = !pmu->intel || pmu->caps.version >= 4;
	return pmu->global && mode == MEDIATED && !cmdline_uint("gp", 0) && status_set;
}

static bool ctrl_direct(void)
{
	return pmu->global && mode == MEDIATED && !cmdline_uint("gp", 0);
}

/*
 * How many counters CPUID must show: gp= when fewer were given, else the host
 * PMU's own count, which the runner knows from the platform (host_gp=), never
 * a number read back from the CPUID under test. 0: nobody knows (a real CPU).
 */
static u32 expected_gp(void) { return (u32)cmdline_uint("gp", cmdline_uint("host_gp", 0)); }

/*
 * Intel's MISC_ENABLE says whether there is a PMU, as KVM's does; BTS and PEBS
 * are never offered; fast strings (bit 0) are on, as after reset.
 */
static void misc_enable_pmu_bits(void)
{
	u64 v = 0;
	if (!pmu->intel)
		return;
	u64 want = BIT(0) | BIT(11) | BIT(12) | (mode == OFF ? 0 : BIT(7));
	int vec = rdmsr_safe(MSR_MISC_ENABLE, &v);
	report(!vec && v == want, "MISC_ENABLE: performance monitoring %savailable, BTS and PEBS unavailable (0x%lx)",
	       mode == OFF ? "not " : "", v);
}

static void cpuid_leaves(void)
{
	if (mode == OFF) {
		struct cpuid_regs a = cpuid(0xA, 0);
		if (pmu->intel)
			report(!(a.eax | a.ebx | a.ecx | a.edx), "CPUID leaf 0xA is zero");
		else
			report(!pmu->amd_core && !pmu->caps.amd_perfmon_v2,
			       "PerfCtrExtCore and PerfMonV2 are hidden");
		return;
	}
	u32 want = expected_gp(), shown = pmu->caps.nr_gp;
	if (!want) {
		report_skip("the runner does not know this host's PMU (no host_gp=)",
			    "CPUID shows as many counters as were given");
		return;
	}
	/* pmuvisor refuses fewer where CPUID cannot show it (AMD without PerfMonV2). */
	report(shown == want,
	       "CPUID shows %u counters (%s v%u; expected %u)", shown,
	       pmu->intel ? "arch perfmon" : "AMD", pmu->caps.version, want);
	if (pmu->intel)
		report(pmu->caps.version >= 2, "arch perfmon v%u (at least 2)", pmu->caps.version);
}

static void off_mode(void)
{
	u64 v = 1;
	if (pmu->intel) { /* the first two exist since the P6: 0, writes dropped (as KVM) */
		bool ok = wrmsr_safe(MSR_IA32_PERFEVTSEL0, 0x4300C0) == 0 &&
			  rdmsr_safe(MSR_IA32_PERFEVTSEL0, &v) == 0;
		report(ok && v == 0, "event selector 0: the write is dropped, it reads 0 (0x%lx)", v);
		v = 1;
		ok = rdmsr_safe(MSR_IA32_PMC0 + 1, &v) == 0;
		report(ok && v == 0, "counter 1 reads 0 (0x%lx)", v);
		report(rdmsr_safe(MSR_IA32_PMC0 + 2, &v) == VEC_GP &&
			       wrmsr_safe(MSR_IA32_PERFEVTSEL0 + 2, 0) == VEC_GP,
		       "counter and selector 2 (none since the P6) raise #GP");
	} else { /* AMD's legacy four exist on every AMD CPU: 0, writes dropped (as KVM) */
		bool ok = wrmsr_safe(sel0, 0x4300C0) == 0 && rdmsr_safe(sel0, &v) == 0;
		report(ok && v == 0, "legacy event selector: the write is dropped, it reads 0 (0x%lx)",
		       v);
		v = 1;
		ok = rdmsr_safe(ctr0, &v) == 0;
		report(ok && v == 0, "legacy counter reads 0 (0x%lx)", v);
		report(rdmsr_safe(MSR_F15H_PERFCTL0, &v) == VEC_GP,
		       "PerfCtrExtCore's selector (not offered) raises #GP");
	}
	report(rdpmc_safe(0, &v) == VEC_GP, "RDPMC raises #GP");
	report(exits_of(EXIT_MSR_READ, read_counter0) == N, "%d counter reads cost %d exits", N, N);
}

/* Every selector and counter MSR of the layout past those given. */
static bool beyond_given_fault(void)
{
	bool all = true;
	u64 v;
	for (u32 i = gp; pmu_gp_eventsel_msr(i); i++) {
		bool ok = wrmsr_safe(pmu_gp_eventsel_msr(i), 0) == VEC_GP &&
			  rdmsr_safe(pmu_gp_counter_msr(i), &v) == VEC_GP;
		if (!ok)
			diag("counter %u: selector 0x%x or counter 0x%x does not raise #GP", i,
			     pmu_gp_eventsel_msr(i), pmu_gp_counter_msr(i));
		all &= ok;
	}
	return all;
}

/* A fixed counter MSR is there exactly when CPUID's bitmap names it (none on AMD). */
static void fixed_counters_exist(void)
{
	if (!pmu_fixed_counter_msr(0))
		return;
	u32 found = 0, layout = 0;
	u64 v;
	for (u32 i = 0; pmu_fixed_counter_msr(i); i++) {
		layout |= BIT(i);
		if (rdmsr_safe(pmu_fixed_counter_msr(i), &v) == 0)
			found |= BIT(i);
	}
	u32 want = pmu->caps.fixed_bitmap & layout;
	report(found == want, "fixed counters 0x%x exist, as CPUID says (0x%x)", found, want);
}

/* GLOBAL_CTRL is there exactly when CPUID offers it (never in off mode). */
static void global_ctrl_exists(void)
{
	u64 v;
	u32 msr = pmu_global_ctrl_msr();
	bool exists = rdmsr_safe(msr, &v) == 0;
	report(exists == pmu->global, "GLOBAL_CTRL (0x%x) %s, as CPUID says", msr,
	       exists ? "reads" : "raises #GP");
}

static u64 global_read;
static void read_global_ctrl(void) { rdmsr_safe(pmu_global_ctrl_msr(), &global_read); }

/* SDM, and AMD's PPRs for PerfMonV2: reset enables every general counter, no fixed one. */
static void global_ctrl_reset_value(void)
{
	const char *what = "GLOBAL_CTRL reads its reset value: the general counters enabled";
	/* Passed through, the read shows the hardware, which in an emulator holds nothing. */
	if (exits_of(EXIT_MSR_READ, read_global_ctrl) == 0 && !counts) {
		report_skip("GLOBAL_CTRL reads pass through to an emulated PMU that reads 0", "%s",
			    what);
		return;
	}
	report(global_read == BIT(gp) - 1, "%s (%u: 0x%lx)", what, gp, global_read);
}

static void msr_behaviour(void)
{
	u64 v = 0, sel = 0xC0 | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN;
	if (pmu->global)
		global_ctrl_reset_value();
	bool ok = wrmsr_safe(sel0, sel) == 0 && rdmsr_safe(sel0, &v) == 0 && v == sel;
	report(ok, "an event selector reads back what was written (0x%lx)", v);
	report(wrmsr_safe(sel0, sel | pmu_eventsel_reserved_bit()) == VEC_GP,
	       "a reserved selector bit raises #GP");
	const char *beyond = "selectors and counters from counter %u on (not given) raise #GP";
	if (pmu_gp_eventsel_msr(gp))
		report(beyond_given_fault(), beyond, gp);
	else
		report_skip("this vendor's layout has no counter past those given", beyond, gp);
	global_ctrl_exists();
	fixed_counters_exist();
	if (pmu->intel) {
		u64 caps = 0;
		int vec = rdmsr_safe(MSR_IA32_PERF_CAPABILITIES, &caps);
		u64 x;
		bool fw = caps & PERF_CAP_FW_WRITES;
		report(!vec && (rdmsr_safe(MSR_IA32_A_PMC0, &x) == 0) == fw,
		       "full-width counters exist exactly when PERF_CAPABILITIES says (0x%lx)", caps);
		report(wrmsr_safe(MSR_IA32_PERF_CAPABILITIES, 0) == VEC_GP,
		       "PERF_CAPABILITIES is read-only");
	}
	/* Bit 40: neither a counter (GP or fixed) nor PERF_METRICS on either vendor. */
	const char *reserved = "a reserved GLOBAL_CTRL bit raises #GP";
	if (ctrl_direct() && !counts)
		report_skip("GLOBAL_CTRL is passed through to an emulated PMU that drops writes",
			    reserved);
	else if (pmu->global)
		report(wrmsr_safe(pmu_global_ctrl_msr(), BIT(40)) == VEC_GP, reserved);
	wrmsr_safe(sel0, 0);
	if (!counts) {
		report_skip("the platform's PMU MSRs read 0 and drop writes (emulator)",
			    "a counter reads back what was written");
		return;
	}
	report(wrmsr_safe(ctr0, 0x1234) == 0 && rdmsr_safe(ctr0, &v) == 0 && v == 0x1234,
	       "a counter reads back what was written");
}

static void rdpmc_checks(bool intercepted)
{
	u64 v;
	/* Passed through, RDPMC is the platform's: only a real PMU makes these checks ours. */
	if (!intercepted && !counts) {
		const char *why = rdpmc_works ? "RDPMC is passed through to an emulated PMU that does "
						"not validate indexes (Bochs)"
					      : "RDPMC is passed through and faults on this platform "
						"(QEMU TCG: #UD)";
		report_skip(why, "RDPMC of a given counter works");
		report_skip(why, "RDPMC of a counter not given raises #GP");
		return;
	}
	report(rdpmc_safe(0, &v) == 0, "RDPMC of counter 0 works");
	report(rdpmc_safe(gp, &v) == VEC_GP, "RDPMC of counter %u (not given) raises #GP", gp);
}

static void virtual_lvtpc(void)
{
	u64 base = 0, v = 0;
	rdmsr_safe(MSR_APIC_BASE, &base);
	report(wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_EXTD) == 0 &&
		       wrmsr_safe(MSR_X2APIC_LVTPC, 0x104FE) == 0 && rdmsr_safe(MSR_X2APIC_LVTPC, &v) == 0 &&
		       v == 0x104FE,
	       "the virtual LVTPC (x2APIC 0x834) reads back what was written (0x%lx)", v);
}

static void exit_costs(void)
{
	u64 reads = exits_of(EXIT_MSR_READ, read_counter0);
	u64 expect = mode == MEDIATED ? 0 : N;
	report(reads == expect, "%d counter reads cost %lu MSR exits (expected %lu)", N, reads, expect);
	/* RDPMC exits unless every index it can reach is the guest's own counter. */
	bool intercepted = mode == EMULATED || cmdline_uint("gp", 0) || shared_counters;
	if (intercepted || rdpmc_works) {
		u64 r = exits_of(EXIT_RDPMC, rdpmc0);
		report(r == (intercepted ? N : 0), "%d RDPMCs cost %lu RDPMC exits (expected %d)", N, r,
		       intercepted ? N : 0);
	} else {
		report_skip("RDPMC faults on this platform (QEMU TCG: #UD)", "RDPMC costs no exit");
	}
	rdpmc_checks(intercepted);
	if (!pmu->global)
		return;
	u64 want = ctrl_direct() ? 0 : N;
	u64 w = exits_of(EXIT_MSR_WRITE, stop_counting);
	report(w == want, "%d GLOBAL_CTRL writes cost %lu MSR exits (expected %lu)", N, w, want);
	want = status_direct() ? 0 : N;
	w = exits_of(EXIT_MSR_WRITE, reset_no_status);
	report(w == want, "%d status resets cost %lu MSR exits (expected %lu)", N, w, want);
}

/* Invariant 8: the hypervisor touches no PMU MSR when the same vCPU re-enters. */
static void idle_reentry_costs_nothing(void)
{
	struct hc_pmu_stats a, b;
	hc_pmu_stats(&a);
	for (int i = 0; i < N; i++)
		cpuid(0, 0);
	hc_pmu_stats(&b);
	u64 delta = 0;
	for (int p = 0; p < HC_PHASE_COUNT; p++)
		delta += (b.reads[p] - a.reads[p]) + (b.writes[p] - a.writes[p]);
	u64 loads = mode == OFF ? 0 : 1; /* one load when the guest started, none after */
	report(delta == 0 && b.loads == loads, "%d re-entries: %lu hypervisor PMU accesses, %llu loads",
	       N, delta, b.loads);
}

static void counting(void)
{
	if (!counts) {
		report_skip("the platform's PMU does not count (emulator)", "a counter counts a loop");
		return;
	}
	wrmsr_safe(ctr0, 0);
	/* The selector's enable bit alone starts it: GLOBAL_CTRL, if any, is at its reset value. */
	wrmsr_safe(sel0, 0xC0 | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN);
	for (volatile int i = 0; i < 100000; i++)
		;
	wrmsr_safe(sel0, 0);
	u64 v = 0;
	rdmsr_safe(ctr0, &v);
	report(v >= 100000 && v < 2000000,
	       "100,000 iterations count %lu instructions, started by the selector alone", v);
}


int guest_main(const char *cmdline)
{
	(void)cmdline;
	char m[16] = "";
	cmdline_value("expect", m, sizeof(m));
	mode = !strcmp(m, "mediated") ? MEDIATED : !strcmp(m, "emulated") ? EMULATED : OFF;
	u32 ebx = cpuid(0x40000001, 0).ebx;
	counts = ebx & HV_LEAF_PMU_COUNTS;
	/* Whether counting checks run or SKIP must not rest on pmuvisor's probe alone. */
	u64 runner_counts = cmdline_uint("counts", 2);
	if (runner_counts == 2)
		report_skip("the runner does not know whether this platform counts (no counts=)",
			    "pmuvisor's probe of the PMU agrees with the runner");
	else
		report(counts == (runner_counts == 1), "pmuvisor's probe says the PMU %s, as the "
		       "runner says", counts ? "counts" : "does not count");
	rdpmc_works = ebx & HV_LEAF_RDPMC_WORKS;
	shared_counters = ebx & HV_LEAF_PMU_SHARED;
	pmu = pmu_probe();
	sel0 = pmu_gp_eventsel_msr(0);
	ctr0 = pmu_gp_counter_msr(0);
	gp = (u32)cmdline_uint("gp", pmu->caps.nr_gp);
	diag("mode %s, %u counters, platform counts: %s, RDPMC works: %s", m, gp,
	     counts ? "yes" : "no", rdpmc_works ? "yes" : "no");
	cpuid_leaves();
	misc_enable_pmu_bits();
	if (mode == OFF) {
		off_mode();
		global_ctrl_exists();
		fixed_counters_exist();
	} else {
		msr_behaviour();
		exit_costs();
		counting();
	}
	virtual_lvtpc();
	idle_reentry_costs_nothing();
	return tap_status();
}
