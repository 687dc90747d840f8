/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c tests/pmu_model/model_cpus.c tests/pmu_model/model_host.c */
/*
 * Whether delivering a PMI masks the LVTPC follows the vendor: Intel's
 * local APIC sets the mask bit when it delivers a PMI, AMD's does not (an
 * AMD guest's handler never unmasks it). Checked for the virtual LVTPC,
 * for the PMU model, and for the hypervisor's copy of the hardware LVTPC.
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

#define GUEST_PMI_VECTOR 0xE0

static const struct pmu_caps *host;
static struct vpmu_desc da;
static struct vpmu a;

static bool amd(void) { return host->kind == PMU_AMD; }

static void setup(enum pmu_profile p)
{
	struct guest_config cfg = { .vpmu = VPMU_MEDIATED, .pmu_gp = PMU_ALL_COUNTERS,
				    .pmu_fixed = PMU_ALL_COUNTERS };
	char err[128];
	host = pmu_profile_caps(p, NULL);
	pmu_model_init(&hw_model, model_cpu_of_profile(p));
	pmu_cpu_init(host);
	assert_int_equal(vpmu_desc_derive(host, &cfg, &da, err, sizeof(err)), 0);
	vpmu_init(&a, &da, NULL);
	vpmu_load(&a);
	vpmu_lvtpc_write(&a, GUEST_PMI_VECTOR); /* fixed delivery, unmasked */
}

/* Two PMIs, the guest's handler touching nothing in between: how many arrive? */
static u32 two_pmis_delivered(void)
{
	u32 delivered = 0;
	for (int i = 0; i < 2; i++) {
		u8 vector = 0;
		vpmu_pmi(&a);
		if (vpmu_pmi_deliver(&a, true, &vector) == PMI_FIXED) {
			assert_int_equal(vector, GUEST_PMI_VECTOR);
			delivered++;
		}
	}
	return delivered;
}

static void amd_pmi_leaves_virtual_lvtpc_unmasked(void **state)
{
	(void)state;
	setup(PROFILE_AMD_LEGACY);
	assert_int_equal(two_pmis_delivered(), 2);
	assert_int_equal(vpmu_lvtpc_read(&a), GUEST_PMI_VECTOR);
	setup(PROFILE_AMD_CORE_V2);
	assert_int_equal(two_pmis_delivered(), 2);
	assert_int_equal(vpmu_lvtpc_read(&a), GUEST_PMI_VECTOR);
	assert_int_equal(a.pmis_dropped, 0);
}

static void intel_pmi_masks_virtual_lvtpc(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4);
	assert_int_equal(two_pmis_delivered(), 1);
	assert_int_equal(vpmu_lvtpc_read(&a), GUEST_PMI_VECTOR | LVTPC_MASKED);
	assert_int_equal(a.pmis_dropped, 1);
}

/* Counter 0 one below overflow, counting instructions with its PMI on. */
static void arm_counter0(void)
{
	u32 sel = amd() ? (host->amd_perfctr_core ? MSR_F15H_PERFCTL0 : MSR_K7_PERFCTL0)
			: MSR_IA32_PERFEVTSEL0;
	u32 ctr = amd() ? (host->amd_perfctr_core ? MSR_F15H_PERFCTL0 + 1 : MSR_K7_PERFCTR0)
			: MSR_IA32_A_PMC0;
	assert_true(vpmu_msr_write(&a, ctr, (1ULL << host->gp_width) - 1));
	assert_true(vpmu_msr_write(&a, sel, 0xC0 | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN | EVTSEL_INT));
	if (vpmu_has(&da, FEAT_GLOBAL))
		assert_true(vpmu_msr_write(&a, da.vendor->global_ctrl_msr, 1));
}

/* The guest overflows counter 0 twice; each hardware PMI goes through the vPMU. */
static u32 two_overflows_delivered(void)
{
	u32 delivered = 0;
	for (int i = 0; i < 2; i++) {
		arm_counter0();
		u32 before = hw_model.pmis;
		model_vm_entry(&a);
		pmu_model_count(&hw_model, EVENT_INSTRUCTIONS, 1);
		model_vm_exit(&a);
		if (hw_model.pmis == before)
			continue; /* the hardware LVTPC blocked it */
		u8 vector;
		vpmu_pmi(&a);
		/* the hypervisor's copy of the LVTPC is what the hardware holds */
		assert_int_equal(pmu_cpu.lvtpc, hw_model.lvtpc);
		delivered += vpmu_pmi_deliver(&a, true, &vector) == PMI_FIXED;
	}
	assert_int_equal(hw_model.violations, 0);
	return delivered;
}

static void amd_model_pmis_keep_coming(void **state)
{
	(void)state;
	setup(PROFILE_AMD_LEGACY);
	assert_int_equal(two_overflows_delivered(), 2);
	assert_int_equal(hw_model.lvtpc & LVTPC_MASKED, 0);
	setup(PROFILE_AMD_CORE_V2);
	assert_int_equal(two_overflows_delivered(), 2);
	assert_int_equal(hw_model.lvtpc & LVTPC_MASKED, 0);
	assert_int_equal(hw_model.pmis_blocked, 0);
}

static void intel_model_masks_after_first_pmi(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4);
	assert_int_equal(two_overflows_delivered(), 1);
	assert_true(hw_model.lvtpc & LVTPC_MASKED);
	assert_true(vpmu_lvtpc_read(&a) & LVTPC_MASKED);
	/* the guest unmasks: the hardware LVTPC opens again */
	vpmu_lvtpc_write(&a, GUEST_PMI_VECTOR);
	assert_int_equal(hw_model.lvtpc, PMU_MEDIATED_PMI_VECTOR);
}

/*
 * A PMI belongs to the PMU's owner at the moment it fired: one that fires
 * for a, still pending when b is loaded, stays a's and never reaches b; one
 * that fires with nothing loaded is a stray, counted and given to no one.
 */
static void pmi_belongs_to_the_owner_when_it_fired(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4);
	vpmu_pmi_arrived();
	struct vpmu b;
	vpmu_init(&b, &da, NULL);
	vpmu_load(&b);
	vpmu_lvtpc_write(&b, GUEST_PMI_VECTOR);
	assert_true(a.pmi_pending);
	assert_false(b.pmi_pending);
	u8 vector;
	assert_int_equal(vpmu_pmi_deliver(&b, true, &vector), PMI_NONE);
	vpmu_put(&b);
	u64 strays = pmu_cpu.stray_pmis;
	vpmu_pmi_arrived();
	assert_int_equal(pmu_cpu.stray_pmis, strays + 1);
	assert_false(b.pmi_pending);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(amd_pmi_leaves_virtual_lvtpc_unmasked),
		cmocka_unit_test(intel_pmi_masks_virtual_lvtpc),
		cmocka_unit_test(amd_model_pmis_keep_coming),
		cmocka_unit_test(intel_model_masks_after_first_pmi),
		cmocka_unit_test(pmi_belongs_to_the_owner_when_it_fired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
