/*
 * The CPUs the PMU model can be: each as it enumerates itself (CPUID leaves,
 * IA32_PERF_CAPABILITIES), from published CPUID dumps and the manuals, with
 * hosts pmuvisor must refuse (more general counters than it switches,
 * arch perfmon v1) next to those it serves.
 */
#ifndef TESTS_PMU_MODEL_MODEL_CPUS_H
#define TESTS_PMU_MODEL_MODEL_CPUS_H

#include "tests/pmu_model/pmu_model.h"

enum model_cpu_id {
	CPU_SKYLAKE,          /* pmu_profile=intel-v4 */
	CPU_SAPPHIRE_RAPIDS,  /* pmu_profile=intel-v5-metrics */
	CPU_K10,              /* pmu_profile=amd-legacy */
	CPU_ZEN4,             /* pmu_profile=amd-core-v2 */
	CPU_ZEN3,             /* pmu_profile=amd-core */
	CPU_CORE2,            /* v2: two counters, no PERF_CAPABILITIES, 40 bits */
	CPU_ALDER_LAKE_E,     /* v5 with a hole in the fixed counters */
	CPU_ZEN3_DF_LLC,      /* with the package-wide counters RDPMC reaches */
	CPU_ZEN_V2_8,         /* PerfMonV2 with eight core counters */
	CPU_SANDY_BRIDGE,     /* v3: no GLOBAL_STATUS_SET (as Bochs's corei7_sandy_bridge_2600k) */
	CPU_INTEL_V1,         /* no global control */
	CPU_LION_COVE_10,     /* ten general counters */
	CPU_INTEL_16,         /* sixteen */
	CPU_ZEN_V2_15,        /* PerfMonV2's most: fifteen */
	CPU_COUNT
};

extern const struct model_cpu model_cpus[CPU_COUNT];

/* CPUID of a modelled CPU, for leaves the PMU depends on (others read 0). */
struct model_leaf model_cpu_cpuid(const struct model_cpu *c, u32 leaf);

#endif
