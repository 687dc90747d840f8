/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c tests/pmu_model/model_cpus.c tests/pmu_model/model_host.c */
/*
 * A put leaves nothing counting, on every PMU: where there is no global
 * control (AMD legacy and PerfCtrExtCore without PerfMonV2) the selectors
 * themselves must be disabled, or the last guest's counters keep counting
 * in whichever guest runs next. And the hypervisor's copy of the hardware
 * state stays equal to the hardware, so the next load re-enables what it
 * needs. Checked against the PMU model, which counts.
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

static const struct pmu_caps *host;
static struct vpmu_desc da, db, dc;
static struct vpmu a, b, c;

static void derive(struct vpmu_desc *d, enum vpmu_mode mode)
{
	struct guest_config cfg = { .vpmu = mode, .pmu_gp = PMU_ALL_COUNTERS,
				    .pmu_fixed = PMU_ALL_COUNTERS };
	char err[128];
	assert_int_equal(vpmu_desc_derive(host, &cfg, d, err, sizeof(err)), 0);
}

static void setup(enum pmu_profile p)
{
	host = pmu_profile_caps(p, NULL);
	pmu_model_init(&hw_model, model_cpu_of_profile(p));
	pmu_cpu_init(host);
	derive(&da, VPMU_MEDIATED);
	derive(&db, VPMU_OFF);
	derive(&dc, VPMU_MEDIATED);
	vpmu_init(&a, &da, NULL);
	vpmu_init(&b, &db, NULL);
	vpmu_init(&c, &dc, NULL);
}

static bool amd(void) { return host->kind == PMU_AMD; }

static u32 sel_msr(u32 i)
{
	if (!amd())
		return MSR_IA32_PERFEVTSEL0 + i;
	return host->amd_perfctr_core ? MSR_F15H_PERFCTL0 + 2 * i : MSR_K7_PERFCTL0 + i;
}

static u32 ctr_msr(u32 i)
{
	if (!amd())
		return MSR_IA32_A_PMC0 + i;
	return host->amd_perfctr_core ? MSR_F15H_PERFCTL0 + 2 * i + 1 : MSR_K7_PERFCTR0 + i;
}

static const u64 instructions_sel = 0xC0 | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN;

static void run(struct vpmu *vp, u64 instructions)
{
	vpmu_load(vp);
	model_vm_entry(vp);
	pmu_model_count(&hw_model, EVENT_INSTRUCTIONS, instructions);
	model_vm_exit(vp);
}

/* Guest A counts n instructions on counter 0 (with GLOBAL_CTRL where there is one). */
static void a_counts_instructions(u64 n)
{
	vpmu_load(&a);
	assert_true(vpmu_msr_write(&a, sel_msr(0), instructions_sel));
	if (vpmu_has(&da, FEAT_GLOBAL))
		assert_true(vpmu_msr_write(&a, da.vendor->global_ctrl_msr, 1));
	run(&a, n);
	assert_int_equal(hw_model.gp_ctr[0], n);
}

static void nothing_counts_after_put(enum pmu_profile p)
{
	setup(p);
	a_counts_instructions(1000);
	vpmu_put(&a);
	hw_model.guest_mode = true; /* whatever runs next runs in guest mode */
	for (u32 i = 0; i < MODEL_MAX_GP + MODEL_MAX_FIXED; i++)
		if (pmu_model_counting(&hw_model, i))
			fail_msg("%s, %u counters: counter %u still counts after the put "
				 "(selector 0x%llx)", amd() ? "amd" : "intel", host->nr_gp, i,
				 i < MODEL_MAX_GP ? (unsigned long long)hw_model.gp_sel[i] : 0ULL);
	hw_model.guest_mode = false;
	if (!vpmu_has(&da, FEAT_GLOBAL))
		for (u32 i = 0; i < host->nr_gp; i++)
			assert_int_equal(hw_model.gp_sel[i] & EVTSEL_EN, 0);
	assert_int_equal(a.ctx.gp_ctr[0], 1000);
	assert_int_equal(hw_model.violations, 0);
}

static void amd_legacy_put_disables_selectors(void **state)
{
	(void)state;
	nothing_counts_after_put(PROFILE_AMD_LEGACY);
}

static void amd_core_put_disables_selectors(void **state)
{
	(void)state;
	nothing_counts_after_put(PROFILE_AMD_CORE);
}

static void global_ctrl_put_leaves_nothing_counting(void **state)
{
	(void)state;
	nothing_counts_after_put(PROFILE_AMD_CORE_V2);
	nothing_counts_after_put(PROFILE_INTEL_V4);
	nothing_counts_after_put(PROFILE_INTEL_V5_METRICS);
}

/*
 * A mediated enables counter 0 and leaves before it counts; B vpmu=off (no
 * load at all) retires 12,345 instructions; C mediated reads counter 0.
 * Counter and selector values equal to the hypervisor's copy are not
 * rewritten by C's load, so whatever counted in B stays visible to C.
 */
static void off_guest_in_between_counts_for_no_one(enum pmu_profile p)
{
	setup(p);
	a_counts_instructions(0);
	run(&b, 12345);
	vpmu_load(&c);
	u64 val = ~0ULL;
	assert_true(vpmu_msr_passthrough(&dc, ctr_msr(0), MSR_READ));
	assert_true(pmu_model_rdmsr(&hw_model, ctr_msr(0), &val)); /* C's direct RDMSR */
	assert_int_equal(val, 0);
	vpmu_load(&a);
	assert_true(pmu_model_rdmsr(&hw_model, ctr_msr(0), &val));
	assert_int_equal(val, 0); /* nor for A */
	assert_int_equal(hw_model.violations, 0);
}

static void amd_legacy_off_guest_counts_for_no_one(void **state)
{
	(void)state;
	off_guest_in_between_counts_for_no_one(PROFILE_AMD_LEGACY);
}

static void amd_core_off_guest_counts_for_no_one(void **state)
{
	(void)state;
	off_guest_in_between_counts_for_no_one(PROFILE_AMD_CORE);
}

/* C programmed the same selector as A: its load after A's put must enable it in hardware. */
static void next_load_reenables_its_selector(enum pmu_profile p)
{
	setup(p);
	assert_true(vpmu_msr_write(&c, sel_msr(0), instructions_sel)); /* not loaded: saved */
	if (vpmu_has(&dc, FEAT_GLOBAL))
		assert_true(vpmu_msr_write(&c, dc.vendor->global_ctrl_msr, 1));
	a_counts_instructions(1000);
	vpmu_put(&a);
	vpmu_load(&c);
	assert_int_equal(hw_model.gp_sel[0], c.ctx.gp_sel[0]);
	assert_true(hw_model.gp_sel[0] & EVTSEL_EN);
	assert_true(vpmu_msr_write(&c, ctr_msr(0), 0));
	run(&c, 777);
	assert_int_equal(hw_model.gp_ctr[0], 777);
	/* the hypervisor's copy is what the hardware holds, selector by selector */
	for (u32 i = 0; i < host->nr_gp; i++)
		assert_int_equal(pmu_cpu.hw.gp_sel[i], hw_model.gp_sel[i]);
	/* and A, loaded again, counts on from where it was */
	vpmu_put(&c);
	for (u32 i = 0; i < host->nr_gp; i++)
		assert_int_equal(pmu_cpu.hw.gp_sel[i], hw_model.gp_sel[i]);
	run(&a, 5);
	assert_int_equal(hw_model.gp_ctr[0], 1005);
	assert_int_equal(hw_model.violations, 0);
}

static void amd_legacy_next_load_reenables(void **state)
{
	(void)state;
	next_load_reenables_its_selector(PROFILE_AMD_LEGACY);
}

static void amd_core_next_load_reenables(void **state)
{
	(void)state;
	next_load_reenables_its_selector(PROFILE_AMD_CORE);
}

static void global_ctrl_next_load_reenables(void **state)
{
	(void)state;
	next_load_reenables_its_selector(PROFILE_AMD_CORE_V2);
	next_load_reenables_its_selector(PROFILE_INTEL_V4);
}

/*
 * A CPU pmuvisor offers no vPMU on is still stopped at boot: what firmware
 * left counting (selectors, GLOBAL_CTRL, fixed counters) counts for no one.
 */
static void unswitched_host_boots_stopped(void **state)
{
	(void)state;
	static const enum model_cpu_id refused[] = { CPU_INTEL_V1, CPU_LION_COVE_10, CPU_INTEL_16,
						     CPU_ZEN_V2_15 };
	for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
		struct pmu_caps caps;
		model_host_caps(&model_cpus[refused[k]], &caps);
		pmu_model_init(&hw_model, &model_cpus[refused[k]]);
		for (u32 i = 0; i < hw_model.pmu.nr_gp; i++)
			hw_model.gp_sel[i] = instructions_sel;
		hw_model.global_ctrl = (1ULL << hw_model.pmu.nr_gp) - 1;
		hw_model.fixed_ctrl = 0x3;
		pmu_cpu_init(&caps);
		assert_false(pmu_model_any_counting(&hw_model));
		assert_true(hw_model.lvtpc & LVTPC_MASKED);
		assert_int_equal(hw_model.violations, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(amd_legacy_put_disables_selectors),
		cmocka_unit_test(amd_core_put_disables_selectors),
		cmocka_unit_test(global_ctrl_put_leaves_nothing_counting),
		cmocka_unit_test(amd_legacy_off_guest_counts_for_no_one),
		cmocka_unit_test(amd_core_off_guest_counts_for_no_one),
		cmocka_unit_test(amd_legacy_next_load_reenables),
		cmocka_unit_test(amd_core_next_load_reenables),
		cmocka_unit_test(global_ctrl_next_load_reenables),
		cmocka_unit_test(unswitched_host_boots_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
