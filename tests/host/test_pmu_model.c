/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "pmu/pmu_hw.h"
#include "pmu/pmu_profiles.h"
#include "tests/pmu_model/pmu_model.h"

static struct pmu_model *m = &hw_model;

static void init(enum pmu_profile p) { pmu_model_init(m, pmu_profile_caps(p, NULL)); }

static void counting_gated_by_selector_and_global_ctrl(void **state)
{
	(void)state;
	init(PROFILE_INTEL_V4);
	u64 sel = 0xC0 | EVTSEL_OS | EVTSEL_EN;
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, 0));
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERFEVTSEL0, sel));
	pmu_model_count(m, EVENT_INSTRUCTIONS, 100);
	assert_int_equal(m->gp_ctr[0], 0); /* GLOBAL_CTRL 0 */
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, 1));
	pmu_model_count(m, EVENT_INSTRUCTIONS, 100);
	pmu_model_count(m, EVENT_CORE_CYCLES, 50);
	assert_int_equal(m->gp_ctr[0], 100);
	pmu_model_vm_exit(m, 0); /* VM exit loads the host's GLOBAL_CTRL */
	pmu_model_count(m, EVENT_INSTRUCTIONS, 100);
	assert_int_equal(m->gp_ctr[0], 100);
}

/* SDM (and AMD's PPRs for PerfMonV2): reset enables the general counters, no fixed one. */
static void global_ctrl_reset_enables_general_counters(void **state)
{
	(void)state;
	u64 val;
	init(PROFILE_INTEL_V4);
	assert_true(pmu_model_rdmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, &val));
	assert_int_equal(val, BIT(m->caps.nr_gp) - 1);
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERFEVTSEL0, 0xC0 | EVTSEL_OS | EVTSEL_EN));
	pmu_model_count(m, EVENT_INSTRUCTIONS, 100);
	assert_int_equal(m->gp_ctr[0], 100); /* the selector alone starts it */
	init(PROFILE_AMD_CORE_V2);
	assert_true(pmu_model_rdmsr(m, MSR_AMD_PERF_GLOBAL_CTL, &val));
	assert_int_equal(val, 0x3F);
	init(PROFILE_AMD_LEGACY);
	assert_false(pmu_model_rdmsr(m, MSR_AMD_PERF_GLOBAL_CTL, &val));
}

static void width_wrap_overflow_status_and_pmi(void **state)
{
	(void)state;
	init(PROFILE_INTEL_V4);
	pmu_model_wrmsr(m, MSR_IA32_A_PMC0, (1ULL << 48) - 2);
	pmu_model_wrmsr(m, MSR_IA32_PERFEVTSEL0, 0xC0 | EVTSEL_OS | EVTSEL_EN | EVTSEL_INT);
	pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, 1);
	pmu_model_count(m, EVENT_INSTRUCTIONS, 5);
	assert_int_equal(m->gp_ctr[0], 3);
	assert_int_equal(m->global_status, 1);
	assert_int_equal(m->pmis_blocked, 1); /* LVTPC masked at reset */
	m->lvtpc = 0xF0;
	pmu_model_count(m, EVENT_INSTRUCTIONS, (1ULL << 48));
	assert_int_equal(m->pmis, 1);
	assert_true(m->lvtpc & BIT(16)); /* masked on delivery */
	pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1);
	assert_int_equal(m->global_status, 0);
	pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_STATUS_SET, 2);
	assert_int_equal(m->global_status, 2);
}

static void legacy_writes_sign_extend_full_width_checks(void **state)
{
	(void)state;
	init(PROFILE_INTEL_V4);
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PMC0, 0x80000000));
	assert_int_equal(m->gp_ctr[0], 0xFFFF80000000ULL);
	assert_false(pmu_model_wrmsr(m, MSR_IA32_A_PMC0, 1ULL << 48)); /* beyond the width */
	assert_false(pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_STATUS, 0)); /* read-only */
	assert_false(pmu_model_wrmsr(m, MSR_IA32_PERF_METRICS, 0)); /* v4: none */
	init(PROFILE_INTEL_V5_METRICS);
	pmu_model_wrmsr(m, MSR_IA32_PERF_METRICS, 0x1234);
	pmu_model_wrmsr(m, MSR_IA32_FIXED_CTR0 + 3, 5);
	assert_int_equal(m->perf_metrics, 0); /* the slots counter write clears the metrics */
}

static void amd_guest_only_counts_in_guest_mode(void **state)
{
	(void)state;
	init(PROFILE_AMD_LEGACY);
	pmu_model_wrmsr(m, MSR_K7_PERFCTL0, 0xC0 | EVTSEL_OS | EVTSEL_EN | AMD_EVTSEL_GUEST_ONLY);
	pmu_model_count(m, EVENT_INSTRUCTIONS, 10);
	assert_int_equal(m->gp_ctr[0], 0);
	pmu_model_vm_entry(m, 0);
	pmu_model_count(m, EVENT_INSTRUCTIONS, 10);
	assert_int_equal(m->gp_ctr[0], 10);
	init(PROFILE_AMD_CORE_V2); /* core counters alias the legacy ones */
	pmu_model_wrmsr(m, MSR_F15H_PERFCTL0 + 1, 7);
	u64 v;
	pmu_model_rdmsr(m, MSR_K7_PERFCTR0, &v);
	assert_int_equal(v, 7);
}

static void each_invariant_is_detected(void **state)
{
	(void)state;
	init(PROFILE_INTEL_V5_METRICS);
	pmu_hw_wrmsr(MSR_IA32_PERFEVTSEL0, 0xC0 | EVTSEL_OS | EVTSEL_EN);
	pmu_hw_wrmsr(MSR_IA32_PERF_GLOBAL_CTRL, 1);
	assert_int_equal(m->violations, 0);
	pmu_hw_wrmsr(MSR_IA32_A_PMC0, 5);
	assert_int_equal(m->violations, 1);
	assert_non_null(strstr(m->last_violation, "while counter 0 counts"));
	pmu_hw_write_lvtpc(0xF0);
	assert_int_equal(m->violations, 2);
	assert_non_null(strstr(m->last_violation, "GLOBAL_CTRL is not 0"));
	pmu_hw_wrmsr(MSR_IA32_PERF_GLOBAL_CTRL, 0);
	pmu_hw_wrmsr(MSR_IA32_PERF_METRICS, 0x55);
	pmu_hw_wrmsr(MSR_IA32_FIXED_CTR0 + 3, 0);
	assert_int_equal(m->violations, 3);
	assert_non_null(strstr(m->last_violation, "metrics are lost"));
	pmu_hw_wrmsr(0xC0010000, 0);
	assert_int_equal(m->violations, 4);
	assert_non_null(strstr(m->last_violation, "#GP"));
	pmu_hw_write_lvtpc(0x100F0); /* with GLOBAL_CTRL 0: fine */
	assert_int_equal(m->violations, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counting_gated_by_selector_and_global_ctrl),
		cmocka_unit_test(global_ctrl_reset_enables_general_counters),
		cmocka_unit_test(width_wrap_overflow_status_and_pmi),
		cmocka_unit_test(legacy_writes_sign_extend_full_width_checks),
		cmocka_unit_test(amd_guest_only_counts_in_guest_mode),
		cmocka_unit_test(each_invariant_is_detected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
