#include "pmu/pmu_profiles.h"

/* Skylake-like: arch perfmon v4, 4 counters, 3 fixed, full-width writes. */
static const struct pmu_caps intel_v4 = {
	.kind = PMU_INTEL_ARCH, .version = 4, .nr_gp = 4, .gp_width = 48, .nr_fixed = 3,
	.fixed_width = 48, .fixed_bitmap = 0x7, .events_len = 7,
	.has_perf_capabilities = true, .perf_capabilities = PERF_CAP_FW_WRITES,
	.full_width_writes = true,
};

/* Sapphire Rapids-like: v5, 8 counters, 4 fixed, PERF_METRICS. */
static const struct pmu_caps intel_v5_metrics = {
	.kind = PMU_INTEL_ARCH, .version = 5, .nr_gp = 8, .gp_width = 48, .nr_fixed = 4,
	.fixed_width = 48, .fixed_bitmap = 0xF, .events_len = 8,
	.has_perf_capabilities = true,
	.perf_capabilities = PERF_CAP_FW_WRITES | PERF_CAP_PERF_METRICS,
	.full_width_writes = true, .perf_metrics = true,
};

/* K8/K10-like: four legacy counters, no global control. */
static const struct pmu_caps amd_legacy = {
	.kind = PMU_AMD, .version = 1, .nr_gp = 4, .gp_width = 48,
};

/* Zen 4-like: six core counters and PerfMonV2. */
static const struct pmu_caps amd_core_v2 = {
	.kind = PMU_AMD, .version = 2, .nr_gp = 6, .gp_width = 48,
	.amd_perfctr_core = true, .amd_perfmon_v2 = true,
};

/* Zen 1-3-like: six core counters, no global control. */
static const struct pmu_caps amd_core = {
	.kind = PMU_AMD, .version = 1, .nr_gp = 6, .gp_width = 48, .amd_perfctr_core = true,
};

const struct pmu_caps *pmu_profile_caps(enum pmu_profile p, const struct pmu_caps *probed)
{
	static const struct pmu_caps *const profiles[] = {
		[PROFILE_INTEL_V4] = &intel_v4,
		[PROFILE_INTEL_V5_METRICS] = &intel_v5_metrics,
		[PROFILE_AMD_LEGACY] = &amd_legacy,
		[PROFILE_AMD_CORE_V2] = &amd_core_v2,
		[PROFILE_AMD_CORE] = &amd_core,
	};
	return p == PROFILE_HOST ? probed : profiles[p];
}
