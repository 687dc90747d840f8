/* A pmu_hw that must never be reached: for tests of pure vPMU decisions. */
#include <stdlib.h>
#include <stdio.h>
#include "pmu/pmu_hw.h"

static void unexpected(const char *what)
{
	fprintf(stderr, "unexpected PMU hardware access: %s\n", what);
	abort();
}

bool pmu_hw_rdmsr(u32 msr, u64 *val) { (void)msr, (void)val; unexpected("rdmsr"); return false; }
bool pmu_hw_wrmsr(u32 msr, u64 val) { (void)msr, (void)val; unexpected("wrmsr"); return false; }
u32 pmu_hw_read_lvtpc(void) { unexpected("lvtpc read"); return 0; }
void pmu_hw_write_lvtpc(u32 val) { (void)val; unexpected("lvtpc write"); }
