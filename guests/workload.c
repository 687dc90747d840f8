/*
 * A profiler's PMU work, for the cost measurements (make bench):
 *   kind=sampling   per sample, what perf's PMI handler does: read the status,
 *                   stop, read the counter, re-arm it, clear the status,
 *                   unmask the LVTPC, start again
 *   kind=multiplex  per rotation, what perf stat does with more events than
 *                   counters: stop, read and reprogram every counter, start
 *   kind=counting   program once, read at the end
 *   kind=reads      one counter read per operation
 *   kind=cpuid, msr one CPUID (leaf 0) or RDMSR (PAT, emulated) per operation:
 *                   the hypervisor's cost of a plain round trip
 *   kind=none       the same work, no PMU
 * ops=N operations, work=W loop iterations of "work" between them. The
 * emulators raise no PMIs, so the handler runs from the work loop. The guest
 * asserts the exits its operations cost, exactly, from its mode (expect=)
 * and what its suite line says it was given (fewer=1: fewer counters than
 * the host, fixed_filtered=1: a fixed counter filtered), which decide
 * whether the global registers are written without an exit, and prints one "bench ..." line
 * of counts for tests/bench.
 */
#include "guests/lib/guest.h"
#include "guests/lib/pmu.h"
#include "arch/string.h"
#include "pmu/pmu_hw.h"

#define MUX_COUNTERS 2
#define ACCOUNTING_CALLS 5

enum mode { OFF, EMULATED, MEDIATED };

struct pmu_msrs {
	u32 sel[MUX_COUNTERS], ctr[MUX_COUNTERS], global, status, status_reset;
};

static struct pmu_msrs msrs;
static enum mode mode;
static bool filtered;
static bool ctrl_direct, status_direct; /* GLOBAL_CTRL, the status reset: no exit (mediated) */
static bool global; /* GLOBAL_CTRL/STATUS exist (Intel, AMD PerfMonV2); else selectors gate */
static bool unmask; /* the local APIC masks the LVTPC on a PMI (Intel; not AMD): unmask it */

#define SELECTOR(event) ((event) | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN)

static void work(u64 iterations)
{
	for (volatile u64 i = 0; i < iterations; i++)
		;
}

static void wr(u32 msr, u64 v) { wrmsr_safe(msr, v); }
static u64 rd(u32 msr)
{
	u64 v = 0;
	rdmsr_safe(msr, &v);
	return v;
}

/* Stop or start counting: the global control, or counter 0's selector without one. */
static void enable(bool on)
{
	if (global)
		wr(msrs.global, on);
	else
		wr(msrs.sel[0], on ? SELECTOR(0xC0) : 0);
}

static void sample(void)
{
	u64 status = global ? rd(msrs.status) : 0;
	enable(false);
	(void)rd(msrs.ctr[0]);
	wr(msrs.ctr[0], (1ULL << 48) - 100000);
	if (global)
		wr(msrs.status_reset, status);
	if (unmask)
		wr(MSR_X2APIC_LVTPC, 0xF0); /* as the handler's last act */
	enable(true);
}

static void rotate(u32 round)
{
	if (global)
		wr(msrs.global, 0);
	for (u32 i = 0; i < MUX_COUNTERS; i++) {
		(void)rd(msrs.ctr[i]);
		wr(msrs.sel[i], SELECTOR(0xC0 + round % 4));
		wr(msrs.ctr[i], 0);
	}
	if (global)
		wr(msrs.global, (1u << MUX_COUNTERS) - 1);
}

/*
 * Exits per operation in this mode. Mediated: counters and status reads pass
 * through, and with every counter of the host GLOBAL_CTRL and the status
 * reset too (GLOBAL_CTRL only while no fixed counter is filtered); selectors and the LVTPC always exit. Without a global
 * control (AMD legacy counters) counter 0's selector stops and starts.
 */
static u64 expected_exits(const char *kind)
{
	bool med = mode == MEDIATED;
	u64 ctrl = ctrl_direct ? 0 : 1; /* one stop or start */
	u64 reset = global && !status_direct ? 1 : 0;
	u64 status_read = global && !med ? 1 : 0;
	if (!strcmp(kind, "sampling")) /* stop, start, [LVTPC], status reset and read, counter */
		return 2 * ctrl + unmask + reset + status_read + (med ? 0 : 2);
	if (!strcmp(kind, "multiplex")) /* [stop, start], per counter: selector, [read, write] */
		return (global ? 2 * ctrl : 0) + MUX_COUNTERS * (med ? 1 : 3);
	if (!strcmp(kind, "reads"))
		return med ? 0 : 1;
	return 0;
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	char kind[16] = "none", m[16] = "off";
	cmdline_value("kind", kind, sizeof(kind));
	cmdline_value("expect", m, sizeof(m));
	mode = !strcmp(m, "mediated") ? MEDIATED : !strcmp(m, "emulated") ? EMULATED : OFF;
	filtered = cmdline_uint("filtered", 0);
	u64 ops = cmdline_uint("ops", 1000), per = cmdline_uint("work", 1000);
	global = pmu_probe()->global;
	unmask = pmu_probe()->intel;
	/*
	 * With every counter of the host: the status reset where a set MSR exists
	 * (Intel v4+, PerfMonV2); GLOBAL_CTRL while no fixed counter is filtered.
	 */
	bool all = mode == MEDIATED && global && !cmdline_uint("fewer", 0);
	const struct guest_pmu *gp = pmu_probe();
	status_direct = all && (!gp->intel || gp->caps.version >= 4);
	ctrl_direct = all && !(cmdline_uint("fixed_filtered", 0) && gp->caps.fixed_bitmap);
	for (u32 i = 0; i < MUX_COUNTERS; i++) {
		msrs.sel[i] = pmu_gp_eventsel_msr(i);
		msrs.ctr[i] = pmu_gp_counter_msr(i);
	}
	msrs.global = pmu_global_ctrl_msr();
	msrs.status = pmu_global_status_msr();
	msrs.status_reset = pmu_global_status_reset_msr();
	bool pmu = strcmp(kind, "none") != 0;

	u64 base = 0;
	rdmsr_safe(MSR_APIC_BASE, &base);
	wrmsr_safe(MSR_APIC_BASE, base | BIT(10)); /* x2APIC: the LVTPC at MSR 0x834 */
	if (!strcmp(kind, "counting")) {
		wr(msrs.sel[0], SELECTOR(0xC0));
		if (global)
			wr(msrs.global, 1);
	}

	u64 e0[EXIT_REASON_COUNT], e1[EXIT_REASON_COUNT], c0[EXIT_REASON_COUNT],
	    c1[EXIT_REASON_COUNT];
	struct hc_pmu_stats p0, p1;
	hc_exit_counts(e0);
	hypercall(HC_EXIT_CYCLES, (unsigned long)c0, sizeof(c0), 0);
	hc_pmu_stats(&p0);
	u64 t0 = rdtsc();
	for (u64 i = 0; i < ops; i++) {
		work(per);
		if (!strcmp(kind, "sampling"))
			sample();
		else if (!strcmp(kind, "multiplex"))
			rotate((u32)i);
		else if (!strcmp(kind, "reads"))
			(void)rd(msrs.ctr[0]);
		else if (!strcmp(kind, "cpuid"))
			(void)cpuid(0, 0);
		else if (!strcmp(kind, "msr"))
			(void)rd(MSR_PAT);
	}
	u64 t1 = rdtsc();
	hc_pmu_stats(&p1);
	hypercall(HC_EXIT_CYCLES, (unsigned long)c1, sizeof(c1), 0);
	hc_exit_counts(e1);
	if (!strcmp(kind, "counting"))
		(void)rd(msrs.ctr[0]);

	/* the five accounting hypercalls after the first snapshot are not the workload's */
	u64 msr_exits = (e1[EXIT_MSR_READ] - e0[EXIT_MSR_READ]) + (e1[EXIT_MSR_WRITE] - e0[EXIT_MSR_WRITE]);
	u64 total = 0, hv_cycles = 0;
	for (int r = 0; r < EXIT_REASON_COUNT; r++) {
		total += e1[r] - e0[r];
		hv_cycles += c1[r] - c0[r];
	}
	u64 reads = 0, writes = 0;
	for (int p = 0; p < HC_PHASE_COUNT; p++) {
		reads += p1.reads[p] - p0.reads[p];
		writes += p1.writes[p] - p0.writes[p];
	}
	u64 at_switch = (p1.reads[HC_PHASE_ENTRY] - p0.reads[HC_PHASE_ENTRY]) +
			(p1.writes[HC_PHASE_ENTRY] - p0.writes[HC_PHASE_ENTRY]);
	/* the operations' own exits and the hypervisor's ticks on them, exactly */
	bool by_cpuid = !strcmp(kind, "cpuid");
	u64 op_exits = by_cpuid ? e1[EXIT_CPUID] - e0[EXIT_CPUID] : msr_exits;
	u64 op_hv_tsc = by_cpuid ? c1[EXIT_CPUID] - c0[EXIT_CPUID]
				 : (c1[EXIT_MSR_READ] - c0[EXIT_MSR_READ]) +
					   (c1[EXIT_MSR_WRITE] - c0[EXIT_MSR_WRITE]);
	gprintf("bench kind=%s mode=%s filtered=%lu ctrl_direct=%lu status_direct=%lu ops=%lu "
		"work=%lu exits=%lu msr_exits=%lu hv_tsc=%lu pmu_reads=%lu pmu_writes=%lu "
		"switch_accesses=%lu tsc=%lu op_exits=%lu op_hv_tsc=%lu global=%lu lvtpc=%lu\n", kind, m,
		(u64)filtered, (u64)ctrl_direct, (u64)status_direct, ops, per,
		total - ACCOUNTING_CALLS, msr_exits, hv_cycles, reads, writes, at_switch, t1 - t0,
		op_exits, op_hv_tsc, (u64)global, (u64)unmask);
	report(total >= ACCOUNTING_CALLS, "the workload ran %lu operations (%lu exits)", ops,
	       total - ACCOUNTING_CALLS);
	if (pmu && mode != OFF && strcmp(kind, "counting"))
		report(msr_exits == ops * expected_exits(kind),
		       "%s: %lu MSR exits for %lu operations, exactly %lu each", kind, msr_exits, ops,
		       expected_exits(kind));
	if (by_cpuid || !strcmp(kind, "msr"))
		report(op_exits == ops, "%s: %lu exits for %lu operations, one each", kind, op_exits,
		       ops);
	return tap_status();
}
