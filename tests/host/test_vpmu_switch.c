/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c tests/pmu_model/model_cpus.c tests/pmu_model/model_host.c */
/*
 * What a world switch and a vCPU switch cost in PMU accesses, and in which
 * order (docs/design.md, "The PMU contract", invariants 1-5 and 8), against
 * the PMU model and the trace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "pmu/pmu_hw.h"
#include "pmu/pmu_profiles.h"
#include "pmu/pmu_vendor.h"
#include "pmu/vpmu.h"
#include "tests/pmu_model/model_host.h"
#include "tests/pmu_model/world_switch.h"

static struct guest_config cfg;
static struct vpmu_desc da, db;
static struct vpmu a, b;
static struct pmu_trace trace;
static struct pmu_trace_record trace_rec[PMU_TRACE_MAX];

static void setup(enum pmu_profile p, enum vpmu_mode mode)
{
	const struct pmu_caps *host = pmu_profile_caps(p, NULL);
	char err[128];
	cfg = (struct guest_config){ .vpmu = mode, .pmu_gp = PMU_ALL_COUNTERS,
				     .pmu_fixed = PMU_ALL_COUNTERS };
	pmu_model_init(&hw_model, model_cpu_of_profile(p));
	pmu_cpu_init(host);
	assert_int_equal(vpmu_desc_derive(host, &cfg, &da, err, sizeof(err)), 0);
	assert_int_equal(vpmu_desc_derive(host, &cfg, &db, err, sizeof(err)), 0);
	trace = (struct pmu_trace){ .enabled = true, .cap = PMU_TRACE_MAX, .rec = trace_rec };
	vpmu_init(&a, &da, &trace);
	vpmu_init(&b, &db, NULL);
	hw_model.accesses = hw_model.writes = 0;
}

/* Derives d again from cfg (after a test changed it) and starts vp on it. */
static void rederive(enum pmu_profile p, struct vpmu_desc *d, struct vpmu *vp)
{
	char err[128];
	assert_int_equal(vpmu_desc_derive(pmu_profile_caps(p, NULL), &cfg, d, err, sizeof(err)), 0);
	vpmu_init(vp, d, NULL);
}

/* The yardstick of make bench: every register of the host's context read at a put, written at a load. */
static void full_save_restore_counts_every_register_twice(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V5_METRICS, VPMU_MEDIATED);
	assert_int_equal(vpmu_full_switch_accesses(), 2 * (8 + 8 + 4 + 1 + 2 + 1));
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	assert_int_equal(vpmu_full_switch_accesses(), 2 * (4 + 4 + 3 + 1 + 2));
	setup(PROFILE_AMD_LEGACY, VPMU_MEDIATED);
	assert_int_equal(vpmu_full_switch_accesses(), 2 * (4 + 4));
	setup(PROFILE_AMD_CORE_V2, VPMU_MEDIATED);
	assert_int_equal(vpmu_full_switch_accesses(), 2 * (6 + 6 + 2));
}

static void same_vcpu_reentry_writes_nothing(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V5_METRICS, VPMU_MEDIATED);
	vpmu_load(&a);
	u64 first = hw_model.writes;
	assert_int_equal(first, 2); /* GLOBAL_CTRL=0, then the LVTPC: the context is all zero */
	for (int i = 0; i < 100; i++)
		vpmu_load(&a); /* every re-entry */
	assert_int_equal(hw_model.writes, first);
	assert_int_equal(a.stats.writes[PHASE_LOAD], 2);
	assert_int_equal(a.loads, 1);
}

static void switch_writes_only_what_differs(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	vpmu_load(&a);
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERFEVTSEL0 + 1, 0x3C | EVTSEL_OS | EVTSEL_EN));
	assert_true(vpmu_msr_write(&a, MSR_IA32_A_PMC0 + 1, 1000));
	vpmu_load(&b); /* puts a: reads 4 counters + 3 fixed + status; GLOBAL_CTRL=0, LVTPC back */
	assert_int_equal(a.stats.reads[PHASE_PUT], 4 + 3 + 1);
	assert_int_equal(a.stats.writes[PHASE_PUT], 2);
	/* b's context is all zero: only selector 1 and counter 1 differ, plus GLOBAL_CTRL, LVTPC */
	assert_int_equal(b.stats.writes[PHASE_LOAD], 4);
	vpmu_load(&a);
	assert_int_equal(a.stats.writes[PHASE_LOAD], 2 + 4);
	assert_int_equal(hw_model.violations, 0);
}

static void lvtpc_switched_only_with_global_ctrl_clear(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	vpmu_lvtpc_write(&a, 0x4FE); /* NMI, vector 0xFE: the hardware gets the mediated vector */
	vpmu_load(&a);
	assert_int_equal(hw_model.lvtpc, PMU_MEDIATED_PMI_VECTOR);
	assert_int_equal(vpmu_lvtpc_read(&a), 0x4FE); /* reads back as the guest wrote it */
	vpmu_lvtpc_write(&a, 0x104FE);                 /* the mask bit reaches the hardware */
	assert_int_equal(hw_model.lvtpc, PMU_MEDIATED_PMI_VECTOR | LVTPC_MASKED);
	/* a guest counting at VM exit: the next load must clear GLOBAL_CTRL before the LVTPC */
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERF_GLOBAL_CTRL, 1));
	pmu_model_vm_entry(&hw_model, a.global_ctrl_hw);
	pmu_model_vm_exit(&hw_model, 0);
	hw_model.global_ctrl = 1; /* as if the exit had left it nonzero (a stale MSR-load list) */
	vpmu_load(&b);
	assert_int_equal(hw_model.violations, 0);
	assert_int_equal(hw_model.lvtpc, PMU_MEDIATED_PMI_VECTOR | LVTPC_MASKED);
	vpmu_put(&b);
	assert_int_equal(hw_model.lvtpc, PMU_HOST_PMI_VECTOR | LVTPC_MASKED);
}

/*
 * Invariant 2 with nothing loaded: the load must not assume GLOBAL_CTRL is 0
 * (a put left it so, but a VM exit through a stale MSR-load list, or anything
 * else the hypervisor did since, may not have). It clears it before its first
 * LVTPC write. With an owner the put clears it first and hides the order, so
 * the previous guest is put, and GLOBAL_CTRL made nonzero, before the load.
 * (AMD's load ends by giving GLOBAL_CTL the guest's value: it stays while the
 * vCPU is loaded, and the Guest-Only selectors count only in the guest.)
 */
static void load_clears_global_ctrl_before_the_lvtpc(enum pmu_profile p)
{
	setup(p, VPMU_MEDIATED);
	vpmu_load(&a);
	vpmu_put(&a); /* the guest ended: nothing is loaded */
	assert_null(pmu_cpu.owner);
	assert_int_equal(hw_model.lvtpc, PMU_HOST_PMI_VECTOR | LVTPC_MASKED);
	hw_model.global_ctrl = 1; /* counting enabled in hardware when the next load runs */
	vpmu_load(&b);
	if (hw_model.violations)
		fail_msg("%s", hw_model.last_violation);
	assert_int_equal(hw_model.global_ctrl, hw_model.pmu.intel ? 0 : b.global_ctrl_hw);
	assert_int_equal(hw_model.lvtpc, PMU_MEDIATED_PMI_VECTOR | LVTPC_MASKED);
}

static void intel_load_clears_global_ctrl_first(void **state)
{
	(void)state;
	load_clears_global_ctrl_before_the_lvtpc(PROFILE_INTEL_V4);
}

static void amd_v2_load_clears_global_ctl_first(void **state)
{
	(void)state;
	load_clears_global_ctrl_before_the_lvtpc(PROFILE_AMD_CORE_V2);
}

static void perf_metrics_restored_right_after_fixed_ctr3(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V5_METRICS, VPMU_MEDIATED);
	a.ctx.fixed_ctr[3] = 77;
	a.ctx.perf_metrics = 0x1122334455667788ULL;
	vpmu_load(&a);
	int ctr3 = -1, metrics = -1;
	for (u32 i = 0; i < trace.len; i++) {
		if (trace.rec[i].op != TRACE_WRITE)
			continue;
		if (trace.rec[i].msr == MSR_IA32_FIXED_CTR0 + 3)
			ctr3 = (int)i;
		if (trace.rec[i].msr == MSR_IA32_PERF_METRICS)
			metrics = (int)i;
	}
	assert_int_equal(metrics, ctr3 + 1);
	assert_int_equal(hw_model.perf_metrics, 0x1122334455667788ULL);
	vpmu_put(&a); /* saved, and zeroed for whoever comes next */
	assert_int_equal(a.ctx.perf_metrics, 0x1122334455667788ULL);
	assert_int_equal(hw_model.perf_metrics, 0);
	assert_int_equal(hw_model.violations, 0);
}

/*
 * Invariant 4: the put zeroes PERF_METRICS whatever the hypervisor last wrote
 * to it. The guest changes it without an exit (it passes through), so only
 * the value the put reads may decide whether the zeroing write is needed.
 */
static void put_zeroes_metrics_the_guest_changed(void **state)
{
	(void)state;
	const u64 metrics = 0x1122334455667788ULL;
	u64 got;
	setup(PROFILE_INTEL_V5_METRICS, VPMU_MEDIATED);
	vpmu_load(&a);                    /* a's PERF_METRICS is 0, as the hypervisor wrote it */
	hw_model.perf_metrics = metrics; /* the guest's own write, no exit */
	vpmu_load(&b);
	assert_int_equal(a.ctx.perf_metrics, metrics);
	assert_int_equal(hw_model.perf_metrics, 0);
	assert_true(vpmu_msr_read(&b, MSR_IA32_PERF_METRICS, &got));
	assert_int_equal(got, 0); /* nothing of a's */
	vpmu_load(&a);
	assert_int_equal(hw_model.perf_metrics, metrics);
	assert_int_equal(hw_model.violations, 0);
}

static void filtered_event_reads_back_but_never_counts(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	char err[64];
	assert_int_equal(event_filter_parse("deny:c0.00", 10, &cfg.pmu_filter, err, sizeof(err)), 0);
	rederive(PROFILE_INTEL_V4, &da, &a);
	vpmu_load(&a);
	u64 sel = 0xC0 | EVTSEL_OS | EVTSEL_EN, got;
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERFEVTSEL0, sel));
	assert_true(vpmu_msr_read(&a, MSR_IA32_PERFEVTSEL0, &got));
	assert_int_equal(got, sel);                       /* reads back as written */
	assert_int_equal(hw_model.gp_sel[0] & EVTSEL_EN, 0); /* disabled in hardware */
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERF_GLOBAL_CTRL, 1));
	pmu_model_vm_entry(&hw_model, a.global_ctrl_hw);
	pmu_model_count(&hw_model, EVENT_INSTRUCTIONS, 1000);
	assert_int_equal(hw_model.gp_ctr[0], 0);
}

/* A denied fixed counter loses its FIXED_CTR_CTRL field and GLOBAL_CTRL bit in hardware only. */
static void filtered_fixed_counter_never_counts(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	char err[64];
	assert_int_equal(event_filter_parse("deny::fixed=2", 13, &cfg.pmu_filter, err, sizeof(err)),
			 0);
	rederive(PROFILE_INTEL_V4, &da, &a);
	vpmu_load(&a);
	u64 ctrl = 0x33, global = BIT(32) | BIT(33) | BIT(1) | BIT(0), got; /* fixed 0, 1; gp 0, 1 */
	assert_true(vpmu_msr_write(&a, MSR_IA32_FIXED_CTR_CTRL, ctrl));
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERF_GLOBAL_CTRL, global));
	assert_true(vpmu_msr_read(&a, MSR_IA32_FIXED_CTR_CTRL, &got));
	assert_int_equal(got, ctrl); /* read back as written */
	assert_true(vpmu_msr_read(&a, MSR_IA32_PERF_GLOBAL_CTRL, &got));
	assert_int_equal(got, global);
	assert_int_equal(hw_model.fixed_ctrl, 0x03);              /* field 1 cleared, field 0 kept */
	assert_int_equal(a.global_ctrl_hw, global & ~BIT(33)); /* bit 33 cleared, the rest kept */
	pmu_model_vm_entry(&hw_model, a.global_ctrl_hw);
	assert_true(pmu_model_counting(&hw_model, MODEL_MAX_GP + 0));
	assert_false(pmu_model_counting(&hw_model, MODEL_MAX_GP + 1));
	assert_int_equal(hw_model.violations, 0);
}

/* Invariant 6: a counter the guest was not given is cleared when it is loaded. */
static void ungiven_counters_cleared_on_load(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	cfg.pmu_gp = 2;
	rederive(PROFILE_INTEL_V4, &db, &b);
	vpmu_load(&a);
	u64 sel = 0x3C | EVTSEL_OS | EVTSEL_EN;
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERFEVTSEL0 + 3, sel));
	assert_true(vpmu_msr_write(&a, MSR_IA32_A_PMC0 + 3, 1234));
	vpmu_load(&b); /* given counters 0 and 1 only */
	assert_int_equal(hw_model.gp_sel[3], 0);
	assert_int_equal(hw_model.gp_ctr[3], 0);
	vpmu_load(&a);
	assert_int_equal(hw_model.gp_sel[3], sel);
	assert_int_equal(hw_model.gp_ctr[3], 1234);
	assert_int_equal(hw_model.violations, 0);
}

/* A selector write with a bit the guest may not set raises #GP and changes nothing. */
static void reserved_selector_bits_fault(void **state)
{
	(void)state;
	u64 sel = 0xC0 | EVTSEL_OS | EVTSEL_EN, got;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	vpmu_load(&a);
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERFEVTSEL0, sel));
	assert_false(vpmu_msr_write(&a, MSR_IA32_PERFEVTSEL0, sel | EVTSEL_ANY)); /* AnyThread */
	assert_false(vpmu_msr_write(&a, MSR_IA32_PERFEVTSEL0, sel | BIT(32)));
	assert_true(vpmu_msr_read(&a, MSR_IA32_PERFEVTSEL0, &got));
	assert_int_equal(got, sel);
	assert_int_equal(hw_model.gp_sel[0], sel);
	/* pin control is an architectural field the hardware and KVM accept */
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERFEVTSEL0, sel | INTEL_EVTSEL_PC));
	assert_int_equal(hw_model.gp_sel[0], sel | INTEL_EVTSEL_PC);
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERFEVTSEL0, sel));
	setup(PROFILE_AMD_CORE_V2, VPMU_MEDIATED);
	vpmu_load(&a);
	assert_true(vpmu_msr_write(&a, MSR_F15H_PERFCTL0, sel));
	/* Guest-Only is the hypervisor's; Host-Only would count in the hypervisor */
	assert_false(vpmu_msr_write(&a, MSR_F15H_PERFCTL0, sel | AMD_EVTSEL_HOST_ONLY));
	assert_false(vpmu_msr_write(&a, MSR_F15H_PERFCTL0, sel | AMD_EVTSEL_GUEST_ONLY));
	assert_false(vpmu_msr_write(&a, MSR_F15H_PERFCTL0, sel | INTEL_EVTSEL_PC)); /* reserved */
	assert_true(vpmu_msr_read(&a, MSR_F15H_PERFCTL0, &got));
	assert_int_equal(got, sel);
	assert_int_equal(hw_model.gp_sel[0], sel | AMD_EVTSEL_GUEST_ONLY);
	assert_int_equal(hw_model.violations, 0);
}

/* Invariant 6 across a switch: the put saves what the guest counted, the next guest sees none of it. */
static void put_saves_what_the_guest_counted(void **state)
{
	(void)state;
	u64 got;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	vpmu_load(&a);
	hw_model.gp_ctr[1] = 1000; /* as counted while a ran */
	hw_model.fixed_ctr[0] = 500;
	hw_model.global_status = BIT(1); /* counter 1 overflowed */
	vpmu_load(&b);
	assert_int_equal(hw_model.gp_ctr[1], 0);
	assert_int_equal(hw_model.fixed_ctr[0], 0);
	assert_int_equal(hw_model.global_status, 0);
	assert_true(vpmu_msr_read(&a, MSR_IA32_A_PMC0 + 1, &got));
	assert_int_equal(got, 1000);
	assert_true(vpmu_msr_read(&a, MSR_IA32_FIXED_CTR0, &got));
	assert_int_equal(got, 500);
	assert_true(vpmu_msr_read(&a, MSR_IA32_PERF_GLOBAL_STATUS, &got));
	assert_int_equal(got, BIT(1));
	vpmu_load(&a);
	assert_int_equal(hw_model.gp_ctr[1], 1000);
	assert_int_equal(hw_model.fixed_ctr[0], 500);
	assert_int_equal(hw_model.global_status, BIT(1));
	assert_int_equal(hw_model.violations, 0);
}

/* Full-width writes keep every counter bit; only legacy PMC writes sign-extend bit 31. */
static void full_width_counter_writes_keep_the_high_bits(void **state)
{
	(void)state;
	const u64 val = 0x123456789ULL;
	u64 got;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	vpmu_load(&a);
	assert_true(vpmu_msr_write(&a, MSR_IA32_A_PMC0, val));
	assert_true(vpmu_msr_read(&a, MSR_IA32_A_PMC0, &got));
	assert_int_equal(got, val);
	assert_int_equal(hw_model.gp_ctr[0], val);
}

/* RDPMC passes through only with every host counter; it reaches only the counters given. */
static void fewer_counters_bound_rdpmc(void **state)
{
	(void)state;
	u64 got;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	assert_true(da.rdpmc_passthrough);
	cfg.pmu_gp = 2;
	rederive(PROFILE_INTEL_V4, &db, &b);
	assert_false(db.rdpmc_passthrough);
	vpmu_load(&b);
	assert_true(vpmu_rdpmc(&b, 1, &got));
	assert_false(vpmu_rdpmc(&b, 2, &got));
}

/* FIXED_CTR_CTRL's AnyThread bits (2, 6, ...) would count another thread's events: #GP. */
static void fixed_ctrl_anythread_faults(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	vpmu_load(&a);
	assert_true(vpmu_msr_write(&a, MSR_IA32_FIXED_CTR_CTRL, 0xB));
	assert_false(vpmu_msr_write(&a, MSR_IA32_FIXED_CTR_CTRL, 0xF));
	assert_int_equal(hw_model.fixed_ctrl, 0xB);
}

/*
 * PerfMonV2 with every counter: GLOBAL_CTL passes through. No VMRUN switches
 * it, so it is loaded with the context and stays the guest's across exits
 * (its selectors are Guest-Only); the put saves what the guest left.
 */
static void amd_perfmon_v2_global_ctl_stays_while_loaded(void **state)
{
	(void)state;
	setup(PROFILE_AMD_CORE_V2, VPMU_MEDIATED);
	assert_true(vpmu_msr_passthrough(&da, MSR_AMD_PERF_GLOBAL_CTL, MSR_WRITE));
	assert_true(vpmu_msr_passthrough(&da, MSR_AMD_PERF_GLOBAL_CTL, MSR_READ));
	vpmu_load(&a);
	assert_int_equal(hw_model.global_ctrl, 0x3F); /* the reset value, loaded last */
	u64 accesses = hw_model.accesses;
	model_vm_entry(&a);
	assert_true(pmu_model_wrmsr(&hw_model, MSR_F15H_PERFCTL0, 0x76 | EVTSEL_OS | EVTSEL_EN |
				    AMD_EVTSEL_GUEST_ONLY));
	assert_true(pmu_model_wrmsr(&hw_model, MSR_AMD_PERF_GLOBAL_CTL, 0x1));
	pmu_model_count(&hw_model, 0x76, 0x00, 100);
	model_vm_exit(&a);
	pmu_model_count(&hw_model, 0x76, 0x00, 50); /* the hypervisor's: not counted */
	model_vm_entry(&a);
	model_vm_exit(&a);
	assert_int_equal(hw_model.accesses, accesses); /* exits and entries cost nothing */
	assert_int_equal(hw_model.global_ctrl, 0x1);
	vpmu_load(&b);
	assert_int_equal(a.global_ctrl_guest, 0x1); /* saved by the put */
	assert_int_equal(hw_model.global_ctrl, 0x3F); /* b's reset value */
	vpmu_load(&a);
	assert_int_equal(hw_model.global_ctrl, 0x1);
	u64 val;
	assert_true(pmu_model_rdmsr(&hw_model, MSR_F15H_PERFCTL0 + 1, &val));
	assert_int_equal(val, 100);
	assert_int_equal(hw_model.violations, 0);
}

/* With fewer counters GLOBAL_CTL exits (bits not given #GP); a write reaches the hardware at once. */
static void amd_perfmon_v2_fewer_counters_write_global_ctl_through(void **state)
{
	(void)state;
	setup(PROFILE_AMD_CORE_V2, VPMU_MEDIATED);
	cfg.pmu_gp = 2;
	rederive(PROFILE_AMD_CORE_V2, &da, &a);
	assert_false(vpmu_msr_passthrough(&da, MSR_AMD_PERF_GLOBAL_CTL, MSR_WRITE));
	assert_true(vpmu_msr_passthrough(&da, MSR_AMD_PERF_GLOBAL_CTL, MSR_READ));
	vpmu_load(&a);
	assert_int_equal(hw_model.global_ctrl, 0x3);
	assert_false(vpmu_msr_write(&a, MSR_AMD_PERF_GLOBAL_CTL, 0x4)); /* counter 2: not given */
	assert_true(vpmu_msr_write(&a, MSR_AMD_PERF_GLOBAL_CTL, 0x2));
	assert_int_equal(hw_model.global_ctrl, 0x2);
	vpmu_put(&a);
	assert_int_equal(hw_model.global_ctrl, 0);
	assert_int_equal(hw_model.violations, 0);
}

/*
 * GLOBAL_CTRL starts at its reset value (the general counters enabled), so a
 * guest that programs only a selector counts, as on the hardware, in both
 * modes with a vPMU and on both vendors' global controls.
 */
static void selector_alone_counts_after_reset(void **state)
{
	(void)state;
	static const struct { enum pmu_profile p; u32 sel, ctr, global; u64 reset; } cases[] = {
		{ PROFILE_INTEL_V4, MSR_IA32_PERFEVTSEL0, MSR_IA32_A_PMC0, MSR_IA32_PERF_GLOBAL_CTRL,
		  0xF },
		{ PROFILE_AMD_CORE_V2, MSR_F15H_PERFCTL0, MSR_F15H_PERFCTL0 + 1,
		  MSR_AMD_PERF_GLOBAL_CTL, 0x3F },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		for (enum vpmu_mode mode = VPMU_EMULATED; mode <= VPMU_MEDIATED; mode++) {
			setup(cases[i].p, mode);
			u64 val;
			assert_true(vpmu_msr_read(&a, cases[i].global, &val));
			assert_int_equal(val, cases[i].reset);
			assert_true(vpmu_msr_write(&a, cases[i].sel, 0xC0 | EVTSEL_OS | EVTSEL_EN));
			vpmu_load(&a);
			model_vm_entry(&a);
			pmu_model_count(&hw_model, EVENT_INSTRUCTIONS, 1000);
			model_vm_exit(&a);
			assert_true(vpmu_msr_read(&a, cases[i].ctr, &val));
			assert_int_equal(val, 1000);
		}
}

/*
 * The fast path on VT-x: the guest writes GLOBAL_CTRL itself; the exit saves
 * it, the next entry loads what the guest left, and the guest reads it back.
 */
static void vtx_saves_a_direct_global_ctrl_write(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	assert_true(da.global_ctrl_passthrough);
	vpmu_load(&a);
	model_vm_entry(&a);
	assert_true(pmu_model_wrmsr(&hw_model, MSR_IA32_PERF_GLOBAL_CTRL, 0x700000005ULL));
	model_vm_exit(&a);
	assert_int_equal(hw_model.global_ctrl, 0); /* the exit loaded 0 */
	assert_int_equal(a.global_ctrl_hw, 0x700000005ULL);
	model_vm_entry(&a);
	u64 val;
	assert_true(pmu_model_rdmsr(&hw_model, MSR_IA32_PERF_GLOBAL_CTRL, &val));
	assert_int_equal(val, 0x700000005ULL);
	model_vm_exit(&a);
	assert_true(vpmu_msr_read(&a, MSR_IA32_PERF_GLOBAL_CTRL, &val)); /* the emulated view agrees */
	assert_int_equal(val, 0x700000005ULL);
	assert_int_equal(hw_model.violations, 0);
}

static void pmi_delivered_through_the_virtual_lvtpc(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	u8 vec = 0;
	vpmu_lvtpc_write(&a, 0xEE);
	vpmu_load(&a);
	vpmu_pmi(&a);
	assert_int_equal(vpmu_pmi_deliver(&a, false, &vec), PMI_NONE); /* IF=0: stays pending */
	assert_int_equal(vpmu_pmi_deliver(&a, true, &vec), PMI_FIXED);
	assert_int_equal(vec, 0xEE);
	assert_true(vpmu_lvtpc_read(&a) & LVTPC_MASKED);
	vpmu_pmi(&a); /* masked now: dropped, as the hardware would */
	assert_int_equal(vpmu_pmi_deliver(&a, true, &vec), PMI_NONE);
	assert_int_equal(a.pmis_dropped, 1);
	vpmu_lvtpc_write(&a, LVTPC_DELIVERY_NMI);
	vpmu_pmi(&a);
	assert_int_equal(vpmu_pmi_deliver(&a, false, &vec), PMI_NMI); /* NMIs need no IF */
	assert_int_equal(a.pmis_injected, 2);
}

/*
 * The trace opens a load with every register as the load found it, and an
 * exit records GLOBAL_CTRL as read back from the hardware, not an assumed 0.
 */
static void trace_reads_the_hardware_back(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	hw_model.gp_sel[2] = 0x1234; /* whatever the last owner left */
	vpmu_load(&a);
	assert_int_equal(trace.rec[0].op, TRACE_READ); /* the snapshot comes first */
	bool found = false;
	for (u32 i = 0; i < trace.len && trace.rec[i].op == TRACE_READ; i++)
		found |= trace.rec[i].msr == MSR_IA32_PERFEVTSEL0 + 2 && trace.rec[i].value == 0x1234;
	assert_true(found);
	pmu_access_attach(&a.stats, &trace);
	trace.len = 0;
	pmu_trace_world_switch(TRACE_VMENTRY, 1);
	pmu_model_vm_entry(&hw_model, 1);
	hw_model.guest_mode = false; /* an exit that failed to load 0 */
	pmu_trace_world_switch(TRACE_VMEXIT, 0);
	assert_int_equal(trace.rec[1].op, TRACE_VMEXIT);
	assert_int_equal(trace.rec[1].value, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_save_restore_counts_every_register_twice),
		cmocka_unit_test(same_vcpu_reentry_writes_nothing),
		cmocka_unit_test(trace_reads_the_hardware_back),
		cmocka_unit_test(switch_writes_only_what_differs),
		cmocka_unit_test(lvtpc_switched_only_with_global_ctrl_clear),
		cmocka_unit_test(intel_load_clears_global_ctrl_first),
		cmocka_unit_test(amd_v2_load_clears_global_ctl_first),
		cmocka_unit_test(perf_metrics_restored_right_after_fixed_ctr3),
		cmocka_unit_test(put_zeroes_metrics_the_guest_changed),
		cmocka_unit_test(filtered_event_reads_back_but_never_counts),
		cmocka_unit_test(filtered_fixed_counter_never_counts),
		cmocka_unit_test(ungiven_counters_cleared_on_load),
		cmocka_unit_test(reserved_selector_bits_fault),
		cmocka_unit_test(put_saves_what_the_guest_counted),
		cmocka_unit_test(full_width_counter_writes_keep_the_high_bits),
		cmocka_unit_test(fewer_counters_bound_rdpmc),
		cmocka_unit_test(fixed_ctrl_anythread_faults),
		cmocka_unit_test(amd_perfmon_v2_global_ctl_stays_while_loaded),
		cmocka_unit_test(amd_perfmon_v2_fewer_counters_write_global_ctl_through),
		cmocka_unit_test(selector_alone_counts_after_reset),
		cmocka_unit_test(vtx_saves_a_direct_global_ctrl_write),
		cmocka_unit_test(pmi_delivered_through_the_virtual_lvtpc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
