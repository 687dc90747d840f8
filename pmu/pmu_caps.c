#include "pmu/pmu_caps.h"
#include "arch/cpu.h"

#define AMD_LEGACY_COUNTERS 4
#define AMD_CORE_COUNTERS 6
#define AMD_COUNTER_WIDTH 48

void pmu_caps_decode_intel(const struct cpuid_regs *a, bool has_perf_caps, u64 perf_caps,
			   struct pmu_caps *out)
{
	*out = (struct pmu_caps){ .kind = PMU_NONE };
	u32 version = a->eax & 0xFF;
	if (version == 0)
		return;
	out->kind = PMU_INTEL_ARCH;
	out->version = version;
	out->nr_gp = (a->eax >> 8) & 0xFF;
	out->gp_width = (a->eax >> 16) & 0xFF;
	out->events_len = a->eax >> 24;
	out->events_unavailable = a->ebx;
	if (version >= 2) {
		out->nr_fixed = a->edx & 0x1F;
		out->fixed_width = (a->edx >> 5) & 0xFF;
		out->fixed_bitmap = out->nr_fixed ? (u32)(BIT(out->nr_fixed) - 1) : 0;
	}
	if (version >= 5) /* ECX enumerates fixed counters that exist beyond EDX's count */
		out->fixed_bitmap |= a->ecx;
	out->has_perf_capabilities = has_perf_caps;
	if (has_perf_caps) {
		out->perf_capabilities = perf_caps;
		out->full_width_writes = perf_caps & PERF_CAP_FW_WRITES;
		out->perf_metrics = perf_caps & PERF_CAP_PERF_METRICS;
	}
}

void pmu_caps_decode_amd(u32 ext1_ecx, const struct cpuid_regs *leaf_80000022,
			 struct pmu_caps *out)
{
	*out = (struct pmu_caps){
		.kind = PMU_AMD,
		.version = 1,
		.nr_gp = AMD_LEGACY_COUNTERS,
		.gp_width = AMD_COUNTER_WIDTH,
	};
	out->amd_perfctr_core = ext1_ecx & BIT(23);
	out->amd_shared_counters = ext1_ecx & (BIT(24) | BIT(28));
	if (out->amd_perfctr_core)
		out->nr_gp = AMD_CORE_COUNTERS;
	if (leaf_80000022 && (leaf_80000022->eax & BIT(0))) {
		out->amd_perfmon_v2 = true;
		out->version = 2;
		out->nr_gp = leaf_80000022->ebx & 0xF;
	}
}
