/* The image's side of pmu/pmu_hw.h: real MSRs and the real LVTPC. */
#include "pmu/pmu_hw.h"
#include "arch/cpu.h"
#include "arch/lapic.h"

bool pmu_hw_rdmsr(u32 msr, u64 *val) { return rdmsr_safe(msr, val) == 0; }
bool pmu_hw_wrmsr(u32 msr, u64 val) { return wrmsr_safe(msr, val) == 0; }
u32 pmu_hw_read_lvtpc(void) { return lapic_read(LAPIC_LVT_PMC); }
void pmu_hw_write_lvtpc(u32 val) { lapic_write(LAPIC_LVT_PMC, val); }
