/*
 * The host PMU as probed at boot (read-only afterwards). Decoding is kept
 * apart from the CPUID/MSR reads so it can be unit-tested on the host.
 */
#ifndef PMU_PMU_CAPS_H
#define PMU_PMU_CAPS_H

#include "arch/types.h"

enum pmu_kind { PMU_NONE, PMU_INTEL_ARCH, PMU_AMD };

struct pmu_caps {
	enum pmu_kind kind;
	u32 version;       /* Intel arch perfmon version; AMD: 1 legacy, 2 PerfMonV2 */
	u32 nr_gp;         /* general-purpose counters */
	u32 gp_width;      /* bits */
	u32 nr_fixed;      /* fixed counters (Intel) */
	u32 fixed_width;
	u32 fixed_bitmap;  /* which fixed counters exist (v5 bitmap, else first nr_fixed) */
	u32 events_len;    /* CPUID.0AH:EAX[31:24] */
	u32 events_unavailable; /* CPUID.0AH:EBX, a set bit = event not available */
	bool has_perf_capabilities;
	u64 perf_capabilities;  /* IA32_PERF_CAPABILITIES */
	bool full_width_writes; /* PERF_CAPABILITIES bit 13 */
	bool perf_metrics;      /* PERF_CAPABILITIES bit 15 */
	bool amd_perfctr_core;  /* CPUID 0x80000001 ECX[23]: six counters at 0xC0010200 */
	bool amd_perfmon_v2;    /* CPUID 0x80000022 EAX[0]: global control/status */
	/*
	 * CPUID 0x80000001 ECX[24] (PerfCtrExtNB/DF) or [28] (PerfCtrExtLLC):
	 * RDPMC with ECX 6-15 reads these package-wide counters, which no
	 * guest owns, so RDPMC must exit.
	 */
	bool amd_shared_counters;
};

#define PERF_CAP_FW_WRITES BIT(13)
#define PERF_CAP_PERF_METRICS BIT(15)

struct cpuid_regs;

/* Intel: CPUID leaf 0xA and IA32_PERF_CAPABILITIES (valid when has_perf_caps). */
void pmu_caps_decode_intel(const struct cpuid_regs *leaf_0a, bool has_perf_caps, u64 perf_caps,
			   struct pmu_caps *out);
/* AMD: CPUID 0x80000001 ECX and leaf 0x80000022 (NULL when absent). */
void pmu_caps_decode_amd(u32 ext1_ecx, const struct cpuid_regs *leaf_80000022,
			 struct pmu_caps *out);

extern struct pmu_caps pmu_caps;
void pmu_caps_probe(void);

#endif
