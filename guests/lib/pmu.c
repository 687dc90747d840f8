/* The guest's PMU from CPUID, decoded by pmu/pmu_caps.c as the host's is. */
#include "guests/lib/pmu.h"
#include "guests/lib/guest.h"
#include "pmu/pmu_hw.h"

/* MSRs each layout has room for, whatever CPUID offers. */
#define INTEL_GP_MSRS 8    /* PERFEVTSEL0-7, PMC0-7 */
#define INTEL_FIXED_MSRS 4 /* FIXED_CTR0-3, as many as pmuvisor models */
#define AMD_LEGACY_MSRS 4
#define AMD_CORE_MSRS 6
#define EXT1_ECX_PERFCTR_CORE BIT(23)
#define INTEL_EVTSEL_RESERVED BIT(32)
#define AMD_EVTSEL_RESERVED BIT(42)

static struct guest_pmu pmu;
static bool probed;

const struct guest_pmu *pmu_probe(void)
{
	if (probed)
		return &pmu;
	probed = true;
	pmu.intel = guest_on_intel;
	if (pmu.intel) {
		struct cpuid_regs a = cpuid(0xA, 0);
		/* PERF_CAPABILITIES is an MSR: CPUID alone does not describe it. */
		pmu_caps_decode_intel(&a, false, 0, &pmu.caps);
		pmu.global = pmu.caps.version >= 2;
		return &pmu;
	}
	u32 ext1_ecx = cpuid(0x80000001, 0).ecx;
	struct cpuid_regs v2;
	bool has_v2_leaf = cpuid(0x80000000, 0).eax >= 0x80000022;
	if (has_v2_leaf)
		v2 = cpuid(0x80000022, 0);
	pmu_caps_decode_amd(ext1_ecx, has_v2_leaf ? &v2 : NULL, &pmu.caps);
	pmu.amd_core = pmu.caps.amd_perfctr_core;
	pmu.global = pmu.caps.amd_perfmon_v2;
	return &pmu;
}

/* MSR i of a layout that starts at base with the given stride, 0 past its end. */
static u32 nth(u32 base, u32 stride, u32 count, u32 i)
{
	return i < count ? base + stride * i : 0;
}

u32 pmu_gp_eventsel_msr(u32 i)
{
	const struct guest_pmu *p = pmu_probe();
	if (p->intel)
		return nth(MSR_IA32_PERFEVTSEL0, 1, INTEL_GP_MSRS, i);
	if (p->amd_core)
		return nth(MSR_F15H_PERFCTL0, 2, AMD_CORE_MSRS, i);
	return nth(MSR_K7_PERFCTL0, 1, AMD_LEGACY_MSRS, i);
}

u32 pmu_gp_counter_msr(u32 i)
{
	const struct guest_pmu *p = pmu_probe();
	if (p->intel)
		return nth(MSR_IA32_PMC0, 1, INTEL_GP_MSRS, i);
	if (p->amd_core)
		return nth(MSR_F15H_PERFCTL0 + 1, 2, AMD_CORE_MSRS, i);
	return nth(MSR_K7_PERFCTR0, 1, AMD_LEGACY_MSRS, i);
}

u32 pmu_fixed_counter_msr(u32 i)
{
	return pmu_probe()->intel ? nth(MSR_IA32_FIXED_CTR0, 1, INTEL_FIXED_MSRS, i) : 0;
}

u32 pmu_fixed_ctrl_msr(void)
{
	return pmu_probe()->intel ? MSR_IA32_FIXED_CTR_CTRL : 0;
}

u32 pmu_global_ctrl_msr(void)
{
	return pmu_probe()->intel ? MSR_IA32_PERF_GLOBAL_CTRL : MSR_AMD_PERF_GLOBAL_CTL;
}

u32 pmu_global_status_msr(void)
{
	return pmu_probe()->intel ? MSR_IA32_PERF_GLOBAL_STATUS : MSR_AMD_PERF_GLOBAL_STATUS;
}

u32 pmu_global_status_reset_msr(void)
{
	return pmu_probe()->intel ? MSR_IA32_PERF_GLOBAL_OVF_CTRL : MSR_AMD_PERF_GLOBAL_STATUS_CLR;
}

u64 pmu_eventsel_reserved_bit(void)
{
	return pmu_probe()->intel ? INTEL_EVTSEL_RESERVED : AMD_EVTSEL_RESERVED;
}
