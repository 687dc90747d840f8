/* pmu/pmu_hw.h on the model: the hypervisor's accesses, checked against the invariants. */
#include <stdarg.h>
#include <stdio.h>
#include "tests/pmu_model/pmu_model.h"
#include "pmu/pmu_hw.h"

static void violation(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(hw_model.last_violation, sizeof(hw_model.last_violation), fmt, ap);
	va_end(ap);
	hw_model.violations++;
}

/* Which counter a write to msr affects while it counts (-1: none). */
static int counter_written(u32 msr)
{
	struct pmu_model *m = &hw_model;
	for (u32 i = 0; i < m->caps.nr_gp; i++) {
		bool intel = m->caps.kind == PMU_INTEL_ARCH;
		u32 sel = intel ? MSR_IA32_PERFEVTSEL0 + i
				: m->caps.amd_perfctr_core ? MSR_F15H_PERFCTL0 + 2 * i : MSR_K7_PERFCTL0 + i;
		bool is_ctr = intel ? msr == MSR_IA32_PMC0 + i || msr == MSR_IA32_A_PMC0 + i
				    : msr == sel + (m->caps.amd_perfctr_core ? 1 : 4);
		if (msr == sel || is_ctr || (!intel && i < 4 && (msr == MSR_K7_PERFCTL0 + i ||
								 msr == MSR_K7_PERFCTR0 + i)))
			return (int)i;
	}
	if (msr >= MSR_IA32_FIXED_CTR0 && msr < MSR_IA32_FIXED_CTR0 + MODEL_MAX_FIXED)
		return MODEL_MAX_GP + (int)(msr - MSR_IA32_FIXED_CTR0);
	if (msr == MSR_IA32_PERF_METRICS)
		return MODEL_MAX_GP + 3;
	return -1;
}

static bool any_fixed_counting(void)
{
	for (u32 i = 0; i < MODEL_MAX_FIXED; i++)
		if (pmu_model_counting(&hw_model, MODEL_MAX_GP + i))
			return true;
	return false;
}

bool pmu_hw_rdmsr(u32 msr, u64 *val)
{
	hw_model.accesses++;
	if (!pmu_model_rdmsr(&hw_model, msr, val)) {
		violation("rdmsr 0x%x: #GP (no such MSR on this PMU)", msr);
		return false;
	}
	return true;
}

bool pmu_hw_wrmsr(u32 msr, u64 val)
{
	struct pmu_model *m = &hw_model;
	m->accesses++;
	m->writes++;
	int c = counter_written(msr);
	if (c >= 0 && pmu_model_counting(m, (u32)c))
		violation("wrmsr 0x%x=0x%llx while counter %d counts (%s mode)", msr,
			  (unsigned long long)val, c, m->guest_mode ? "guest" : "host");
	if (msr == MSR_IA32_FIXED_CTR_CTRL && any_fixed_counting())
		violation("wrmsr FIXED_CTR_CTRL=0x%llx while a fixed counter counts",
			  (unsigned long long)val);
	if (msr == MSR_IA32_FIXED_CTR0 + 3 && m->metrics_restored)
		violation("FIXED_CTR3 written after PERF_METRICS: the restored metrics are lost");
	if (msr == MSR_IA32_PERF_METRICS)
		m->metrics_restored = val != 0; /* clearing to 0 then writing FIXED_CTR3 loses nothing */
	if (!pmu_model_wrmsr(m, msr, val)) {
		violation("wrmsr 0x%x=0x%llx: #GP (no such MSR or reserved bits)", msr,
			  (unsigned long long)val);
		return false;
	}
	return true;
}

u32 pmu_hw_read_lvtpc(void)
{
	hw_model.accesses++;
	return hw_model.lvtpc;
}

void pmu_hw_write_lvtpc(u32 val)
{
	struct pmu_model *m = &hw_model;
	m->accesses++;
	m->writes++;
	bool global = m->caps.kind == PMU_INTEL_ARCH || m->caps.amd_perfmon_v2;
	bool counting = false;
	for (u32 i = 0; i < MODEL_MAX_GP + MODEL_MAX_FIXED; i++)
		counting |= pmu_model_counting(m, i);
	if (global ? m->global_ctrl != 0 : counting)
		violation("LVTPC written (0x%x) while %s", val,
			  global ? "GLOBAL_CTRL is not 0" : "a counter counts");
	pmu_model_write_lvtpc(m, val);
}
