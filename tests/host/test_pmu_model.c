/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c tests/pmu_model/model_cpus.c tests/pmu_model/model_host.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "pmu/pmu_hw.h"
#include "pmu/pmu_profiles.h"
#include "tests/pmu_model/model_host.h"

static struct pmu_model *m = &hw_model;

static void init(enum pmu_profile p) { pmu_model_init(m, model_cpu_of_profile(p)); }

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
	assert_int_equal(val, BIT(m->pmu.nr_gp) - 1);
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
	pmu_model_vm_entry(m, 1);
	pmu_model_vm_exit(m, 1); /* the exit left the guest's GLOBAL_CTRL loaded */
	assert_int_equal(m->violations, 5);
	assert_non_null(strstr(m->last_violation, "after a VM exit"));
}

/* Every pmu_profile= is a CPU the model knows: pmuvisor's probe of its CPUID gives the profile. */
static void every_profile_is_a_modelled_cpu(void **state)
{
	(void)state;
	for (enum pmu_profile p = PROFILE_INTEL_V4; p <= PROFILE_AMD_CORE; p++) {
		const struct pmu_caps *want = pmu_profile_caps(p, NULL);
		struct pmu_caps got;
		model_host_caps(model_cpu_of_profile(p), &got);
		assert_int_equal(got.kind, want->kind);
		assert_int_equal(got.version, want->version);
		assert_int_equal(got.nr_gp, want->nr_gp);
		assert_int_equal(got.gp_width, want->gp_width);
		assert_int_equal(got.nr_fixed, want->nr_fixed);
		assert_int_equal(got.fixed_width, want->fixed_width);
		assert_int_equal(got.fixed_bitmap, want->fixed_bitmap);
		assert_int_equal(got.events_len, want->events_len);
		assert_int_equal(got.has_perf_capabilities, want->has_perf_capabilities);
		assert_int_equal(got.perf_capabilities, want->perf_capabilities);
		assert_int_equal(got.full_width_writes, want->full_width_writes);
		assert_int_equal(got.perf_metrics, want->perf_metrics);
		assert_int_equal(got.amd_perfctr_core, want->amd_perfctr_core);
		assert_int_equal(got.amd_perfmon_v2, want->amd_perfmon_v2);
		pmu_model_init(m, model_cpu_of_profile(p));
		assert_int_equal(m->pmu.nr_gp, want->nr_gp); /* the model reads the same CPUID alike */
		assert_int_equal(m->pmu.global, want->kind == PMU_INTEL_ARCH || want->amd_perfmon_v2);
	}
}

/* A CPU with more counters than pmuvisor switches: every counter exists and counts. */
static void many_counters_all_count(void **state)
{
	(void)state;
	static const struct { enum model_cpu_id cpu; u32 counters, sel0, ctr0, stride, global; } hosts[] = {
		{ CPU_LION_COVE_10, 10, MSR_IA32_PERFEVTSEL0, MSR_IA32_A_PMC0, 1, MSR_IA32_PERF_GLOBAL_CTRL },
		{ CPU_INTEL_16, 16, MSR_IA32_PERFEVTSEL0, MSR_IA32_A_PMC0, 1, MSR_IA32_PERF_GLOBAL_CTRL },
		{ CPU_ZEN_V2_15, 15, MSR_F15H_PERFCTL0, MSR_F15H_PERFCTL0 + 1, 2, MSR_AMD_PERF_GLOBAL_CTL },
	};
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		pmu_model_init(m, &model_cpus[hosts[h].cpu]);
		u32 n = m->pmu.nr_gp;
		assert_int_equal(n, hosts[h].counters);
		for (u32 i = 0; i < n; i++) {
			assert_true(pmu_model_wrmsr(m, hosts[h].sel0 + hosts[h].stride * i,
						    0xC0 | EVTSEL_OS | EVTSEL_EN));
			assert_true(pmu_model_wrmsr(m, hosts[h].ctr0 + hosts[h].stride * i, i));
		}
		assert_false(pmu_model_wrmsr(m, hosts[h].sel0 + hosts[h].stride * n, 0)); /* one too many */
		assert_true(pmu_model_wrmsr(m, hosts[h].global, (1ULL << n) - 1));
		assert_false(pmu_model_wrmsr(m, hosts[h].global, 1ULL << n));
		pmu_model_count(m, EVENT_INSTRUCTIONS, 100);
		for (u32 i = 0; i < n; i++)
			assert_int_equal(m->gp_ctr[i], 100 + i);
		u64 v;
		assert_true(pmu_model_rdpmc(m, n - 1, &v));
		assert_int_equal(v, 100 + n - 1);
	}
}

/* USR and OS select the privilege levels a counter counts at (SDM 20.2.1.1, APM 13.2.1). */
static void usr_and_os_follow_the_cpl(void **state)
{
	(void)state;
	init(PROFILE_AMD_LEGACY);
	pmu_model_wrmsr(m, MSR_K7_PERFCTL0, 0xC0 | EVTSEL_USR | EVTSEL_EN);
	pmu_model_wrmsr(m, MSR_K7_PERFCTL0 + 1, 0xC0 | EVTSEL_OS | EVTSEL_EN);
	pmu_model_count(m, EVENT_INSTRUCTIONS, 5);
	m->cpl = 3;
	pmu_model_count(m, EVENT_INSTRUCTIONS, 7);
	assert_int_equal(m->gp_ctr[0], 7);
	assert_int_equal(m->gp_ctr[1], 5);
	init(PROFILE_INTEL_V4);
	pmu_model_wrmsr(m, MSR_IA32_FIXED_CTR_CTRL, FIXED_CTRL_USR); /* fixed counter 0, user only */
	pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, 1ULL << GLOBAL_FIXED_SHIFT);
	pmu_model_count(m, EVENT_INSTRUCTIONS, 5);
	m->cpl = 3;
	pmu_model_count(m, EVENT_INSTRUCTIONS, 7);
	assert_int_equal(m->fixed_ctr[0], 7);
}

/* Without a global control (v1) the enable bit alone starts a counter; no global MSRs. */
static void intel_v1_has_no_global_control(void **state)
{
	(void)state;
	pmu_model_init(m, &model_cpus[CPU_INTEL_V1]);
	u64 v;
	assert_false(pmu_model_rdmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, &v));
	assert_false(pmu_model_rdmsr(m, MSR_IA32_FIXED_CTR0, &v));
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERFEVTSEL0, 0xC0 | EVTSEL_OS | EVTSEL_EN));
	pmu_model_count(m, EVENT_INSTRUCTIONS, 9);
	assert_int_equal(m->gp_ctr[0], 9);
}

/* Without architectural perfmon an Intel CPU still has the P6 family's two counters. */
static void intel_p6_counters_without_leaf_0a(void **state)
{
	(void)state;
	struct model_cpu cpu = { .name = "p6" };
	u64 v;
	pmu_model_init(m, &cpu);
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERFEVTSEL0 + 1, 0xC0 | EVTSEL_OS | EVTSEL_EN));
	pmu_model_count(m, EVENT_INSTRUCTIONS, 3);
	assert_true(pmu_model_rdpmc(m, 1, &v));
	assert_int_equal(v, 3);
	assert_false(pmu_model_rdmsr(m, MSR_IA32_PMC0 + 2, &v));
	assert_false(pmu_model_rdmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, &v));
	cpu.no_legacy_counters = true; /* a hypervisor that hides them */
	pmu_model_init(m, &cpu);
	assert_false(pmu_model_rdmsr(m, MSR_IA32_PMC0, &v));
}

/* Selector bits per vendor: pin control (19) is Intel's, Guest-Only/Host-Only AMD's. */
static void selector_bits_follow_the_vendor(void **state)
{
	(void)state;
	init(PROFILE_INTEL_V4);
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERFEVTSEL0, 0xC0 | BIT(19)));
	assert_false(pmu_model_wrmsr(m, MSR_IA32_PERFEVTSEL0, 0xC0 | AMD_EVTSEL_GUEST_ONLY));
	init(PROFILE_AMD_LEGACY);
	assert_false(pmu_model_wrmsr(m, MSR_K7_PERFCTL0, 0xC0 | BIT(19)));
	assert_false(pmu_model_wrmsr(m, MSR_K7_PERFCTL0, 0xC0 | EVTSEL_ANY));
	assert_true(pmu_model_wrmsr(m, MSR_K7_PERFCTL0, 0xC0 | AMD_EVTSEL_GUEST_ONLY));
}

/* An emulator's PMU: the MSRs are there, take anything, hold nothing and count nothing. */
static void no_storage_reads_zero_and_faults_alike(void **state)
{
	(void)state;
	struct model_cpu cpu = model_cpus[CPU_SKYLAKE];
	cpu.no_storage = true;
	pmu_model_init(m, &cpu);
	u64 v = 1;
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERFEVTSEL0, 0xC0 | EVTSEL_OS | EVTSEL_EN));
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, 1));
	pmu_model_count(m, EVENT_INSTRUCTIONS, 9);
	assert_true(pmu_model_rdmsr(m, MSR_IA32_PERFEVTSEL0, &v));
	assert_int_equal(v, 0);
	assert_true(pmu_model_wrmsr(m, MSR_IA32_PERF_GLOBAL_CTRL, 1ULL << 40)); /* dropped, any value */
	assert_false(pmu_model_rdmsr(m, MSR_IA32_PERF_METRICS, &v)); /* not on this CPU: #GP */
	assert_false(pmu_model_rdpmc(m, 0, &v));
}

/* RDPMC 6-15 reach the data fabric's and the L3's counters where CPUID says they exist. */
static void amd_rdpmc_reaches_package_counters(void **state)
{
	(void)state;
	u64 v;
	pmu_model_init(m, &model_cpus[CPU_ZEN3]);
	assert_false(pmu_model_rdpmc(m, 6, &v));
	pmu_model_init(m, &model_cpus[CPU_ZEN3_DF_LLC]);
	assert_true(pmu_model_rdpmc(m, 6, &v));
	assert_true(pmu_model_rdpmc(m, 15, &v));
	assert_false(pmu_model_rdpmc(m, 16, &v));
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
		cmocka_unit_test(every_profile_is_a_modelled_cpu),
		cmocka_unit_test(many_counters_all_count),
		cmocka_unit_test(usr_and_os_follow_the_cpl),
		cmocka_unit_test(intel_v1_has_no_global_control),
		cmocka_unit_test(intel_p6_counters_without_leaf_0a),
		cmocka_unit_test(selector_bits_follow_the_vendor),
		cmocka_unit_test(no_storage_reads_zero_and_faults_alike),
		cmocka_unit_test(amd_rdpmc_reaches_package_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
