#include "tests/pmu_model/model_host.h"
#include "arch/cpu.h"

static struct cpuid_regs regs(struct model_leaf l)
{
	return (struct cpuid_regs){ .eax = l.eax, .ebx = l.ebx, .ecx = l.ecx, .edx = l.edx };
}

void model_host_caps(const struct model_cpu *c, struct pmu_caps *out)
{
	if (c->amd) {
		struct cpuid_regs v2 = regs(model_cpu_cpuid(c, 0x80000022));
		pmu_caps_decode_amd(model_cpu_cpuid(c, 0x80000001).ecx, &v2, out);
	} else {
		struct cpuid_regs a = regs(model_cpu_cpuid(c, 0xA));
		pmu_caps_decode_intel(&a, c->pdcm, c->perf_capabilities, out);
	}
}

const struct model_cpu *model_cpu_of_profile(enum pmu_profile p)
{
	static const enum model_cpu_id cpu[] = {
		[PROFILE_INTEL_V4] = CPU_SKYLAKE, [PROFILE_INTEL_V5_METRICS] = CPU_SAPPHIRE_RAPIDS,
		[PROFILE_AMD_LEGACY] = CPU_K10, [PROFILE_AMD_CORE_V2] = CPU_ZEN4,
		[PROFILE_AMD_CORE] = CPU_ZEN3,
	};
	return &model_cpus[cpu[p]];
}
