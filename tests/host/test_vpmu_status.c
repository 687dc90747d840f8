/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c tests/pmu_model/model_cpus.c tests/pmu_model/model_host.c */
/*
 * GLOBAL_STATUS and its reset MSR agree: every status bit a guest can read
 * it can clear. Intel's status also reports OvfBuf (62) and CondChgd (63),
 * which GLOBAL_OVF_CTRL clears; a handler that writes back what it read
 * (Linux's does) must not take a #GP for them.
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

#define STATUS_OVF_BUFFER BIT(62)
#define STATUS_COND_CHGD BIT(63)

static struct vpmu_desc da;
static struct vpmu a;

static void setup(enum pmu_profile p, enum vpmu_mode mode)
{
	const struct pmu_caps *host = pmu_profile_caps(p, NULL);
	struct guest_config cfg = { .vpmu = mode, .pmu_gp = PMU_ALL_COUNTERS,
				    .pmu_fixed = PMU_ALL_COUNTERS };
	char err[128];
	pmu_model_init(&hw_model, model_cpu_of_profile(p));
	pmu_cpu_init(host);
	assert_int_equal(vpmu_desc_derive(host, &cfg, &da, err, sizeof(err)), 0);
	vpmu_init(&a, &da, NULL);
	vpmu_load(&a);
}

/* The guest reads GLOBAL_STATUS and writes back what it read to clear it. */
static void ack_what_was_read(enum vpmu_mode mode)
{
	setup(PROFILE_INTEL_V4, mode);
	hw_model.global_status = 0x1 | STATUS_OVF_BUFFER | STATUS_COND_CHGD;
	u64 status = 0;
	if (vpmu_msr_passthrough(&da, MSR_IA32_PERF_GLOBAL_STATUS, MSR_READ))
		assert_true(pmu_model_rdmsr(&hw_model, MSR_IA32_PERF_GLOBAL_STATUS, &status));
	else
		assert_true(vpmu_msr_read(&a, MSR_IA32_PERF_GLOBAL_STATUS, &status));
	assert_int_equal(status, 0x1 | STATUS_OVF_BUFFER | STATUS_COND_CHGD);
	assert_true(vpmu_msr_write(&a, MSR_IA32_PERF_GLOBAL_OVF_CTRL, status));
	assert_int_equal(hw_model.global_status, 0);
	assert_true(vpmu_msr_read(&a, MSR_IA32_PERF_GLOBAL_STATUS, &status));
	assert_int_equal(status, 0);
	assert_int_equal(hw_model.violations, 0);
}

static void intel_ovf_ctrl_clears_62_and_63_mediated(void **state)
{
	(void)state;
	ack_what_was_read(VPMU_MEDIATED);
}

static void intel_ovf_ctrl_clears_62_and_63_emulated(void **state)
{
	(void)state;
	ack_what_was_read(VPMU_EMULATED);
}

/* Bits no status can show stay reserved, and AMD's status has no 62/63. */
static void other_reserved_status_bits_still_fault(void **state)
{
	(void)state;
	setup(PROFILE_INTEL_V4, VPMU_MEDIATED);
	assert_false(vpmu_msr_write(&a, MSR_IA32_PERF_GLOBAL_OVF_CTRL, BIT(40)));
	assert_false(vpmu_msr_write(&a, MSR_IA32_PERF_GLOBAL_STATUS_SET, STATUS_COND_CHGD));
	setup(PROFILE_AMD_CORE_V2, VPMU_MEDIATED);
	assert_false(vpmu_msr_write(&a, MSR_AMD_PERF_GLOBAL_STATUS_CLR, STATUS_COND_CHGD));
	assert_int_equal(hw_model.violations, 0);
}

/*
 * Before v4 there is no GLOBAL_STATUS_SET: a guest switched out and back
 * cannot have its overflow bits written back into the hardware. They stay
 * its own in software (its status reads exit to add them), the hypervisor's
 * copy of the hardware stays true, and the guest's reset clears them.
 */
static void status_survives_a_switch_without_status_set(void **state)
{
	(void)state;
	for (enum vpmu_mode mode = VPMU_EMULATED; mode <= VPMU_MEDIATED; mode++) {
		static struct vpmu_desc db;
		static struct vpmu b;
		struct pmu_caps host;
		struct guest_config cfg = { .vpmu = mode, .pmu_gp = PMU_ALL_COUNTERS,
					    .pmu_fixed = PMU_ALL_COUNTERS };
		char err[128];
		u64 status;
		model_host_caps(&model_cpus[CPU_SANDY_BRIDGE], &host);
		pmu_model_init(&hw_model, &model_cpus[CPU_SANDY_BRIDGE]);
		pmu_cpu_init(&host);
		assert_int_equal(vpmu_desc_derive(&host, &cfg, &da, err, sizeof(err)), 0);
		assert_int_equal(vpmu_desc_derive(&host, &cfg, &db, err, sizeof(err)), 0);
		assert_false(vpmu_msr_passthrough(&da, MSR_IA32_PERF_GLOBAL_STATUS, MSR_READ));
		vpmu_init(&a, &da, NULL);
		vpmu_init(&b, &db, NULL);
		vpmu_load(&a);
		hw_model.global_status = 0x1; /* counter 0 overflowed while a ran */
		vpmu_load(&b);
		assert_int_equal(hw_model.global_status, 0); /* b starts clean */
		vpmu_load(&a);
		assert_int_equal(pmu_cpu.hw.global_status, hw_model.global_status);
		assert_true(vpmu_msr_read(&a, MSR_IA32_PERF_GLOBAL_STATUS, &status));
		assert_int_equal(status, 0x1);
		vpmu_load(&b);
		vpmu_load(&a); /* twice: the bit is still a's */
		assert_true(vpmu_msr_read(&a, MSR_IA32_PERF_GLOBAL_STATUS, &status));
		assert_int_equal(status, 0x1);
		assert_true(vpmu_msr_write(&a, MSR_IA32_PERF_GLOBAL_OVF_CTRL, status));
		assert_true(vpmu_msr_read(&a, MSR_IA32_PERF_GLOBAL_STATUS, &status));
		assert_int_equal(status, 0);
		vpmu_put(&a);
		assert_int_equal(hw_model.violations, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intel_ovf_ctrl_clears_62_and_63_mediated),
		cmocka_unit_test(intel_ovf_ctrl_clears_62_and_63_emulated),
		cmocka_unit_test(other_reserved_status_bits_still_fault),
		cmocka_unit_test(status_survives_a_switch_without_status_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
