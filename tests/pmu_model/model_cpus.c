#include "tests/pmu_model/model_cpus.h"

#define INTEL_LEAF_0A(version, gp, width, events) \
	((version) | (gp) << 8 | (width) << 16 | (events) << 24)
#define INTEL_FIXED(n, width) ((n) | (width) << 5)
#define FULL_WIDTH (1ULL << 13)
#define METRICS (1ULL << 15)
#define PERFCTR_CORE (1u << 23)
#define PERFCTR_DF (1u << 24)
#define PERFCTR_LLC (1u << 28)

const struct model_cpu model_cpus[CPU_COUNT] = {
	[CPU_SKYLAKE] = { .name = "skylake", .pdcm = true, .perf_capabilities = FULL_WIDTH,
			  .leaf_0a = { INTEL_LEAF_0A(4, 4, 48, 7), 0, 0, INTEL_FIXED(3, 48) } },
	[CPU_SAPPHIRE_RAPIDS] = { .name = "sapphire-rapids", .pdcm = true,
				  .perf_capabilities = FULL_WIDTH | METRICS,
				  .leaf_0a = { INTEL_LEAF_0A(5, 8, 48, 8), 0, 0xF, INTEL_FIXED(4, 48) } },
	[CPU_K10] = { .name = "k10", .amd = true },
	[CPU_ZEN4] = { .name = "zen4", .amd = true, .ext1_ecx = PERFCTR_CORE,
		       .leaf_80000022 = { 1, 6, 0, 0 } },
	[CPU_ZEN3] = { .name = "zen3", .amd = true, .ext1_ecx = PERFCTR_CORE },
	[CPU_CORE2] = { .name = "core2",
			.leaf_0a = { INTEL_LEAF_0A(2, 2, 40, 7), 0, 0, INTEL_FIXED(3, 40) } },
	[CPU_ALDER_LAKE_E] = { .name = "alder-lake-e", .pdcm = true, .perf_capabilities = FULL_WIDTH,
			       .leaf_0a = { INTEL_LEAF_0A(5, 6, 48, 7), 0, 0xB, INTEL_FIXED(2, 48) } },
	[CPU_ZEN3_DF_LLC] = { .name = "zen3-df-llc", .amd = true,
			      .ext1_ecx = PERFCTR_CORE | PERFCTR_DF | PERFCTR_LLC },
	[CPU_ZEN_V2_8] = { .name = "zen-v2-8", .amd = true, .ext1_ecx = PERFCTR_CORE,
			   .leaf_80000022 = { 1, 8, 0, 0 } },
	[CPU_SANDY_BRIDGE] = { .name = "sandy-bridge", .pdcm = true,
			       .leaf_0a = { INTEL_LEAF_0A(3, 8, 48, 7), 0, 0, INTEL_FIXED(3, 48) } },
	[CPU_INTEL_V1] = { .name = "intel-v1", .leaf_0a = { INTEL_LEAF_0A(1, 2, 40, 7), 0, 0, 0 } },
	[CPU_LION_COVE_10] = { .name = "lion-cove-10", .pdcm = true, .perf_capabilities = FULL_WIDTH,
			       .leaf_0a = { INTEL_LEAF_0A(5, 10, 48, 8), 0, 0xF, INTEL_FIXED(4, 48) } },
	[CPU_INTEL_16] = { .name = "intel-16", .pdcm = true, .perf_capabilities = FULL_WIDTH,
			   .leaf_0a = { INTEL_LEAF_0A(5, 16, 48, 8), 0, 0x7, INTEL_FIXED(3, 48) } },
	[CPU_ZEN_V2_15] = { .name = "zen-v2-15", .amd = true, .ext1_ecx = PERFCTR_CORE,
			    .leaf_80000022 = { 1, 15, 0, 0 } },
};

/* Four characters of a vendor string, as CPUID returns them in a register. */
static u32 chars(const char *s)
{
	return (u32)s[0] | (u32)s[1] << 8 | (u32)s[2] << 16 | (u32)s[3] << 24;
}

struct model_leaf model_cpu_cpuid(const struct model_cpu *c, u32 leaf)
{
	const char *vendor = c->amd ? "AuthenticAMD" : "GenuineIntel";
	struct model_leaf r = { 0 };
	switch (leaf) {
	case 0x0: return (struct model_leaf){ 0xD, chars(vendor), chars(vendor + 8), chars(vendor + 4) };
	case 0x1: r.ecx = c->pdcm ? 1u << 15 : 0; return r;
	case 0xA: return c->amd ? r : c->leaf_0a;
	case 0x80000000: r.eax = c->amd ? 0x80000022 : 0x80000008; return r;
	case 0x80000001: r.ecx = c->ext1_ecx; return r;
	case 0x80000022: return c->amd ? c->leaf_80000022 : r;
	default: return r;
	}
}
