/* pmu/pmu_hw.h on the model: the hypervisor's accesses, checked against the invariants. */
#include "tests/pmu_model/pmu_model.h"
#include "pmu/pmu_hw.h"

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
		pmu_model_violation(&hw_model, "rdmsr 0x%x: #GP (no such MSR on this PMU)", msr);
		return false;
	}
	return true;
}

bool pmu_hw_wrmsr(u32 msr, u64 val)
{
	struct pmu_model *m = &hw_model;
	m->accesses++;
	m->writes++;
	int c = pmu_model_counter_of(m, msr);
	bool stops = pmu_model_write_stops(m, msr, val);
	if (c >= 0 && pmu_model_counting(m, (u32)c) && !stops)
		pmu_model_violation(m, "wrmsr 0x%x=0x%llx while counter %d counts (%s mode)", msr,
				    (unsigned long long)val, c, m->guest_mode ? "guest" : "host");
	if (c == MODEL_ANY_FIXED && any_fixed_counting() && !stops)
		pmu_model_violation(m, "wrmsr FIXED_CTR_CTRL=0x%llx while a fixed counter counts",
				    (unsigned long long)val);
	if (pmu_model_is_slots_counter(m, msr) && m->metrics_restored)
		pmu_model_violation(m, "FIXED_CTR3 written after PERF_METRICS: the restored metrics "
				    "are lost");
	if (pmu_model_is_metrics(m, msr))
		m->metrics_restored = val != 0; /* clearing to 0 then writing FIXED_CTR3 loses nothing */
	if (!pmu_model_wrmsr(m, msr, val)) {
		pmu_model_violation(m, "wrmsr 0x%x=0x%llx: #GP (no such MSR or reserved bits)", msr,
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
	/* AMD's Guest-Only selectors cannot count in host mode whatever GLOBAL_CTL holds */
	bool by_global = m->pmu.global && m->pmu.intel;
	if (by_global ? m->global_ctrl != 0 : pmu_model_any_counting(m))
		pmu_model_violation(m, "LVTPC written (0x%x) while %s", val,
				    by_global ? "GLOBAL_CTRL is not 0" : "a counter counts");
	pmu_model_write_lvtpc(m, val);
}
