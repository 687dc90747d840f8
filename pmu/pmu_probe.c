/* Reads the host PMU's CPUID leaves and PERF_CAPABILITIES, once, at boot. */
#include "pmu/pmu_caps.h"
#include "arch/cpu.h"
#include "arch/host_caps.h"

struct pmu_caps pmu_caps;

void pmu_caps_probe(void)
{
	const struct host_caps *h = &host_caps;
	struct pmu_caps c = { .kind = PMU_NONE };

	if (h->vendor == VENDOR_AMD) {
		bool v2 = h->max_ext_leaf >= 0x80000022;
		struct cpuid_regs leaf = v2 ? cpuid(0x80000022, 0) : (struct cpuid_regs){ 0 };
		pmu_caps_decode_amd(cpuid(0x80000001, 0).ecx, v2 ? &leaf : NULL, &c);
	} else if (h->max_leaf >= 0xA) {
		struct cpuid_regs leaf = cpuid(0xA, 0);
		u64 perf_caps = 0;
		bool has = h->pdcm && !rdmsr_safe(MSR_IA32_PERF_CAPABILITIES, &perf_caps);
		pmu_caps_decode_intel(&leaf, has, perf_caps, &c);
	}
	pmu_caps = c;
}
