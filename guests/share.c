/*
 * PMU isolation while guests share the CPU (docs/design.md, "Sharing a
 * CPU"): run in a group (group=) with other guests of any mode, this guest
 * programs its PMU with values of its own (seed=N makes them differ from the
 * other guests'), then keeps reading them back until the CPU has come back
 * to it from another guest slices= times. Whatever was written must read
 * back unchanged after every preemption: event selectors, FIXED_CTR_CTRL,
 * GLOBAL_CTRL, the virtual LVTPC and, where the platform's PMU holds values
 * (not in the emulators, whose PMU MSRs read 0), counters, GLOBAL_STATUS and
 * PERF_METRICS. So must the MSRs pmuvisor switches lazily between guests
 * (STAR, LSTAR, SFMASK, KERNEL_GS_BASE, TSC_AUX: core/msr_switch.c) and
 * IA32_TSC_ADJUST, each set to a value of this guest's own. Nothing counts meanwhile (every enable bit is clear), so
 * the values are exact. With vpmu=off the PMU stays absent throughout. Where
 * the platform counts, counter 0 also counts a loop of known length across
 * preemptions: its count must be this guest's own. With halt=1 it sleeps
 * in HLT on its own periodic LAPIC timer between checks: the CPU goes to
 * the others meanwhile, and the timer's interrupt brings it back. Periodic,
 * not one-shot: QEMU TCG can let an interrupt in between STI and HLT
 * (tests/README.md), and a HLT after a one-shot timer's only interrupt has
 * nothing left to end it.
 *   expect=off|emulated|mediated  seed=N  slices=N  halt=1
 *   filtered=1: an event filter denies event 0xC0 and the fixed counter
 *     that counts it (pmu_filter=deny:c0.00:fixed=1), so GLOBAL_CTRL is
 *     masked and its reads exit, and counter 0 must count nothing
 *   counts=0|1: the runner's word on whether the PMU counts
 */
#include "guests/lib/guest.h"
#include "guests/lib/pmu.h"
#include "arch/string.h"
#include "pmu/pmu_hw.h"

#define APIC_BASE_EXTD BIT(10)
#define LVT_MASKED BIT(16)
#define X2APIC_EOI 0x80B
#define X2APIC_SVR 0x80F
#define SVR_ENABLE 0x1FF /* APIC software-enabled, spurious vector 0xFF */
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_TIMER_INITIAL 0x838
#define X2APIC_TIMER_DIVIDE 0x83E
#define DIVIDE_BY_1 0xB
#define TIMER_VECTOR 0x30
#define TIMER_PERIODIC BIT(17)
#define HALT_NS 200000 /* the APIC bus counts nanoseconds (1 GHz, CPUID 0x40000010) */
#define MAX_REGS 40
#define EXT1_EDX_RDTSCP BIT(27)
#define LOOP_ITERATIONS 5000000ULL /* 2 instructions each: many slices long on real CPUs */

/* A register and what this guest wrote to it. */
struct reg {
	const char *what;
	u32 msr;
	u64 value;
	bool software; /* read back from pmuvisor's copy: checkable on every platform */
	u64 mismatches;
};

static struct reg regs[MAX_REGS];
static u32 nr_regs;
static u64 seed;
static bool counts;

static void program(const char *what, u32 msr, u64 value, bool software)
{
	if (nr_regs == MAX_REGS || !msr)
		return;
	if (wrmsr_safe(msr, value)) {
		report(false, "%s (MSR 0x%x) takes 0x%lx", what, msr, value);
		return;
	}
	regs[nr_regs++] = (struct reg){ what, msr, value, software, 0 };
}

/* Values no other seed writes; no enable bit set anywhere, so nothing counts. */
static void program_pmu(const struct guest_pmu *p, bool global_ctrl_software)
{
	u32 gp = (u32)cmdline_uint("gp", p->caps.nr_gp);
	u64 global = 0;
	for (u32 i = 0; i < gp; i++) {
		u64 sel = (0x10 + seed * 8 + i) | (seed << 8) | EVTSEL_USR | EVTSEL_OS | EVTSEL_INT;
		program("event selector", pmu_gp_eventsel_msr(i), sel, true);
		program("counter", pmu_gp_counter_msr(i), (seed << 20) | (i << 12) | 0x5A5, false);
		global |= (u64)((seed + i) & 1) << i;
	}
	if (p->intel && p->caps.fixed_bitmap) {
		u64 ctrl = 0;
		for (u32 i = 0; i < 4; i++) {
			if (!(p->caps.fixed_bitmap & BIT(i)))
				continue;
			program("fixed counter", pmu_fixed_counter_msr(i), (seed << 20) | (0xF00 + i),
				false);
			ctrl |= (u64)((seed + i) & 1) << (4 * i + 3); /* PMI bit only, never enabled */
			global |= (u64)((seed + i + 1) & 1) << (32 + i);
		}
		program("FIXED_CTR_CTRL", pmu_fixed_ctrl_msr(), ctrl, true);
		/* after FIXED_CTR3, whose write clears it */
		u64 caps = 0;
		if ((p->caps.fixed_bitmap & BIT(3)) &&
		    !rdmsr_safe(MSR_IA32_PERF_CAPABILITIES, &caps) && (caps & PERF_CAP_PERF_METRICS))
			program("PERF_METRICS", MSR_IA32_PERF_METRICS, seed * 0x0101010101010101ULL,
				false);
	}
	if (!p->global)
		return;
	program("GLOBAL_CTRL", pmu_global_ctrl_msr(), global, global_ctrl_software);
	u32 set = p->intel ? MSR_IA32_PERF_GLOBAL_STATUS_SET : MSR_AMD_PERF_GLOBAL_STATUS_SET;
	if (!p->intel || p->caps.version >= 4) {
		u64 status = BIT(seed % gp);
		if (!wrmsr_safe(set, status))
			regs[nr_regs++] = (struct reg){ "GLOBAL_STATUS", pmu_global_status_msr(),
							status, false, 0 };
	}
}

static void check_all(void)
{
	for (u32 i = 0; i < nr_regs; i++) {
		struct reg *r = &regs[i];
		u64 v = ~0ULL;
		if (!r->software && !counts)
			continue;
		if (rdmsr_safe(r->msr, &v) || v != r->value) {
			if (!r->mismatches)
				diag("%s (MSR 0x%x) reads 0x%lx, this guest wrote 0x%lx", r->what,
				     r->msr, v, r->value);
			r->mismatches++;
		}
	}
}

static void report_regs(u64 checks, u64 switched)
{
	for (u32 i = 0; i < nr_regs; i++) {
		const struct reg *r = &regs[i];
		if (!r->software && !counts) {
			report_skip("the platform's PMU MSRs read 0 and drop writes (emulator)",
				    "%s 0x%x is this guest's after %lu switches", r->what, r->msr,
				    switched);
			continue;
		}
		report(!r->mismatches, "%s 0x%x reads back 0x%lx in %lu checks across %lu switches",
		       r->what, r->msr, r->value, checks, switched);
	}
}

static volatile u64 timer_fired;

static void on_timer(struct trap_frame *f)
{
	(void)f;
	timer_fired++;
	wrmsr(X2APIC_EOI, 0);
}

/* HLT until this guest's own timer fires; false if something else woke it. */
static bool sleep_on_timer(void)
{
	u64 before = timer_fired;
	asm volatile("sti; hlt; cli");
	return timer_fired > before;
}

static struct hc_sched_stats sched_stats(void)
{
	struct hc_sched_stats s = { 0 };
	hypercall(HC_SCHED_STATS, (unsigned long)&s, sizeof(s), 0);
	return s;
}

/*
 * No PMU: the counters every CPU of the vendor has (AMD's legacy four,
 * Intel's first two) read 0 whatever the other guests wrote into them, and
 * on Intel the third raises #GP.
 */
static bool off_pmu_absent(const struct guest_pmu *p)
{
	u64 sel = 1, ctr = 1, beyond;
	bool zero = !rdmsr_safe(pmu_gp_eventsel_msr(0), &sel) && !sel &&
		    !rdmsr_safe(pmu_gp_counter_msr(0), &ctr) && !ctr;
	return zero && (!p->intel || rdmsr_safe(pmu_gp_counter_msr(2), &beyond) == VEC_GP);
}

/*
 * Counter 0 counts instructions retired over a loop the CPU leaves many
 * times: exactly this guest's, or none at all when its filter denies them.
 */
static void count_own_instructions(const struct guest_pmu *p, u64 switched_before, bool denied)
{
	if (!counts) {
		report_skip("the platform's PMU does not count (emulator)",
			    "counter 0 counts only this guest's instructions while others run");
		return;
	}
	u32 sel = pmu_gp_eventsel_msr(0), ctr = pmu_gp_counter_msr(0);
	wrmsr_safe(ctr, 0);
	wrmsr_safe(sel, 0xC0 | EVTSEL_USR | EVTSEL_OS | EVTSEL_EN);
	if (p->global)
		wrmsr_safe(pmu_global_ctrl_msr(), 1);
	u64 n = LOOP_ITERATIONS;
	asm volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
	if (p->global)
		wrmsr_safe(pmu_global_ctrl_msr(), 0);
	wrmsr_safe(sel, 0);
	u64 v = 0;
	rdmsr_safe(ctr, &v);
	u64 switched = sched_stats().switched_in - switched_before;
	if (denied) {
		report(v == 0, "counter 0, its event denied by the filter, counted %lu across %lu "
		       "switches (expected 0)", v, switched);
		return;
	}
	u64 want = 2 * LOOP_ITERATIONS, slack = want / 1000 + 10000;
	report(v >= want && v <= want + slack,
	       "counter 0 counted %lu instructions for a loop of %lu (at most %lu more) across "
	       "%lu switches", v, want, slack, switched);
}

/*
 * The extended state is this guest's alone too: YMM15, upper half included,
 * holds a pattern of its seed, and XCR0 is left at a value of its own (odd
 * seeds without AVX, hiding that upper half), while the CPU moves between
 * guests that do the same.
 */
static u64 ymm_pattern[4] __attribute__((aligned(32)));

static bool fill_ymm(void)
{
	if (!cpu_has_avx()) {
		report_skip("CPUID offers no AVX", "YMM15 and XCR0 are this guest's alone");
		return false;
	}
	for (int i = 0; i < 4; i++)
		ymm_pattern[i] = 0x1111111111111111ULL * seed + (u64)i;
	write_cr4(read_cr4() | CR4_OSXSAVE);
	xsetbv(XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);
	asm volatile("vmovdqa %0, %%ymm15" : : "m"(ymm_pattern));
	xsetbv(seed & 1 ? XSTATE_X87 | XSTATE_SSE : XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);
	return true;
}

static void check_ymm(u64 switched)
{
	u64 xcr0 = xgetbv(), want = seed & 1 ? XSTATE_X87 | XSTATE_SSE : 0x7;
	static u64 now[4] __attribute__((aligned(32)));
	xsetbv(XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);
	asm volatile("vmovdqa %%ymm15, %0" : "=m"(now));
	report(xcr0 == want && !memcmp(now, ymm_pattern, sizeof(now)),
	       "XCR0 (0x%lx) and YMM15 are this guest's after %lu switches", xcr0, switched);
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	char m[16] = "off";
	cmdline_value("expect", m, sizeof(m));
	bool off = !strcmp(m, "off"), emulated = !strcmp(m, "emulated");
	bool filtered = cmdline_uint("filtered", 0);
	seed = cmdline_uint("seed", 1);
	u64 slices = cmdline_uint("slices", 20);
	counts = cpuid(0x40000001, 0).ebx & HV_LEAF_PMU_COUNTS;
	u64 runner_counts = cmdline_uint("counts", 2);
	if (runner_counts != 2)
		report(counts == (runner_counts == 1), "pmuvisor's probe says the PMU %s, as the "
		       "runner says", counts ? "counts" : "does not count");
	const struct guest_pmu *p = pmu_probe();
	u64 base = 0;
	rdmsr_safe(MSR_APIC_BASE, &base);
	wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_EXTD); /* x2APIC: the LVTPC at MSR 0x834 */

	struct hc_sched_stats s0 = sched_stats();
	report(s0.live >= 2, "shares the CPU with %lu other guests (slice: %lu TSC ticks)",
	       (u64)s0.live - 1, (u64)s0.slice_tsc);
	if (off)
		report(p->caps.nr_gp == 0 || !p->intel, "CPUID shows no PMU");
	else
		program_pmu(p, emulated || filtered);
	program("virtual LVTPC", MSR_X2APIC_LVTPC, LVT_MASKED | (0x40 + seed), true);
	program("STAR", MSR_STAR, seed << 48 | seed << 32 | seed << 12, true);
	program("LSTAR", MSR_LSTAR, 0xFFFF800000000000ULL | seed << 12, true);
	program("SFMASK", MSR_SFMASK, 0x100 | seed, true);
	program("KERNEL_GS_BASE", MSR_KERNEL_GS_BASE, 0x7000000 | seed << 16, true);
	program("TSC_ADJUST", MSR_TSC_ADJUST, seed << 36, true);
	if (cpuid(0x80000001, 0).edx & EXT1_EDX_RDTSCP)
		program("TSC_AUX", MSR_TSC_AUX, 0x100 | seed, true);

	bool halt = cmdline_uint("halt", 0);
	if (halt) {
		guest_irq_register(TIMER_VECTOR, on_timer);
		wrmsr(X2APIC_SVR, SVR_ENABLE); /* a software-disabled APIC masks its timer */
		wrmsr(X2APIC_TIMER_DIVIDE, DIVIDE_BY_1);
		wrmsr(X2APIC_LVT_TIMER, TIMER_VECTOR | TIMER_PERIODIC);
		wrmsr(X2APIC_TIMER_INITIAL, HALT_NS);
	}
	u64 checks = 0, absent_failures = 0, woken = 0, switched;
	bool avx = fill_ymm();
	do {
		if (halt)
			woken += sleep_on_timer();
		else
			for (volatile u32 w = 0; w < 2000; w++)
				;
		check_all();
		if (off && !off_pmu_absent(p))
			absent_failures++;
		checks++;
		switched = sched_stats().switched_in - s0.switched_in;
	} while (switched < slices && sched_stats().live > 1);
	/* Round-robin: when the first guest is done, each other one is at most a turn behind. */
	u64 least = slices > s0.live - 1 ? slices - (s0.live - 1) : 0;
	report(switched >= least, "the CPU came back to this guest %lu times (at least %lu)",
	       switched, least);
	if (halt) {
		wrmsr(X2APIC_LVT_TIMER, TIMER_VECTOR | LVT_MASKED); /* the timer stops */
		report(woken == checks, "%lu HLTs each ended by this guest's own timer (%lu)", checks,
		       woken);
	}
	report_regs(checks, switched);
	if (avx)
		check_ymm(switched);
	if (off)
		report(!absent_failures, "no PMU in %lu checks across %lu switches (%lu failed)",
		       checks, switched, absent_failures);
	else
		count_own_instructions(p, sched_stats().switched_in, filtered);
	return tap_status();
}
