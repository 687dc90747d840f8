/*
 * What the platform's PMU really does, measured at boot: whether a counter
 * programmed for instructions retired counts at all, and whether RDPMC
 * works. QEMU TCG and Bochs answer no to both (their PMU MSRs read 0 and
 * drop writes; tests/README.md); guests learn it from pmuvisor's CPUID leaf
 * 0x40000001 EBX, so counting checks SKIP with the reason instead of failing
 * or passing for nothing.
 */
#ifndef PMU_PMU_PLATFORM_H
#define PMU_PMU_PLATFORM_H

#include "pmu/pmu_caps.h"

struct pmu_platform {
	bool holds;       /* an event selector reads back what was written */
	bool counts;      /* a loop of known length was counted */
	u64 counted;      /* what the counter read after the loop */
	int rdpmc_vector; /* 0 when RDPMC works, else the exception it raised */
};


extern struct pmu_platform pmu_platform;

/* Runs the probe on the host's own counter 0 (through the counted accessor). */
void pmu_platform_probe(const struct pmu_caps *h);

#endif
