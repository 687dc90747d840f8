#include "pmu/pmu_platform.h"
#include "arch/cpu.h"
#include "pmu/pmu_access.h"
#include "pmu/pmu_hw.h"

#define EVENT_INSTRUCTIONS_RETIRED 0xC0
#define PROBE_LOOPS 10000

struct pmu_platform pmu_platform;

static void busy_loop(void)
{
	for (volatile u32 i = 0; i < PROBE_LOOPS; i++)
		;
}

void pmu_platform_probe(const struct pmu_caps *h)
{
	u64 ignored;
	pmu_platform = (struct pmu_platform){ .rdpmc_vector = rdpmc_safe(0, &ignored) };
	if (h->kind == PMU_NONE)
		return;
	bool intel = h->kind == PMU_INTEL_ARCH;
	u32 sel = intel ? MSR_IA32_PERFEVTSEL0 : MSR_K7_PERFCTL0;
	u32 ctr = intel ? MSR_IA32_PMC0 : MSR_K7_PERFCTR0;
	bool global = intel || h->amd_perfmon_v2;
	u32 global_msr = intel ? MSR_IA32_PERF_GLOBAL_CTRL : MSR_AMD_PERF_GLOBAL_CTL;

	u64 count_instructions = EVENT_INSTRUCTIONS_RETIRED | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN;
	pmu_write(ctr, 0, PHASE_INIT);
	pmu_write(sel, count_instructions, PHASE_INIT);
	pmu_platform.holds = pmu_read(sel, PHASE_INIT) == count_instructions;
	if (global)
		pmu_write(global_msr, BIT(0), PHASE_INIT);
	busy_loop();
	if (global)
		pmu_write(global_msr, 0, PHASE_INIT);
	pmu_write(sel, 0, PHASE_INIT);
	pmu_platform.counted = pmu_read(ctr, PHASE_INIT);
	pmu_write(ctr, 0, PHASE_INIT);
	pmu_platform.counts = pmu_platform.counted >= PROBE_LOOPS;
}
