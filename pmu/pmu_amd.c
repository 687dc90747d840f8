/* AMD legacy PerfCtr, PerfCtrExtCore and PerfMonV2 (APM vol. 2, 13.2). */
#include "pmu/pmu_vendor.h"
#include "arch/format.h"
#include "pmu/pmu_hw.h"

#define AMD_LEGACY_COUNTERS 4
#define EXT1_ECX_PERFCTR_CORE BIT(23)
#define PERFMON_V2 BIT(0)

static const struct pmu_msr_range amd_ranges[] = {
	{ MSR_K7_PERFCTL0, AMD_LEGACY_COUNTERS, 1, PMC_GP_SEL, 0 },
	{ MSR_K7_PERFCTR0, AMD_LEGACY_COUNTERS, 1, PMC_GP_CTR, 0 },
	/* six, or with PerfMonV2 as many as 0x80000022 EBX says: the guest's count bounds them */
	{ MSR_F15H_PERFCTL0, VPMU_MAX_GP, 2, PMC_GP_SEL, FEAT_AMD_CORE },
	{ MSR_F15H_PERFCTL0 + 1, VPMU_MAX_GP, 2, PMC_GP_CTR, FEAT_AMD_CORE },
	{ MSR_AMD_PERF_GLOBAL_STATUS, 1, 1, PMC_GLOBAL_STATUS, FEAT_GLOBAL },
	{ MSR_AMD_PERF_GLOBAL_CTL, 1, 1, PMC_GLOBAL_CTRL, FEAT_GLOBAL },
	{ MSR_AMD_PERF_GLOBAL_STATUS_CLR, 1, 1, PMC_GLOBAL_STATUS_RESET, FEAT_GLOBAL },
	{ MSR_AMD_PERF_GLOBAL_STATUS_SET, 1, 1, PMC_GLOBAL_STATUS_SET, FEAT_STATUS_SET },
};

static u32 amd_gp_ctr_msr(const struct vpmu_desc *d, u32 i)
{
	return d->host->amd_perfctr_core ? MSR_F15H_PERFCTL0 + 2 * i + 1 : MSR_K7_PERFCTR0 + i;
}

static u32 amd_gp_sel_msr(const struct vpmu_desc *d, u32 i)
{
	return d->host->amd_perfctr_core ? MSR_F15H_PERFCTL0 + 2 * i : MSR_K7_PERFCTL0 + i;
}

static u16 amd_event_of(u64 sel) { return (u16)((sel & EVTSEL_EVENT) | ((sel >> 24) & 0xF00)); }

static bool amd_rdpmc_decode(const struct vpmu_desc *d, u32 ecx, struct pmu_msr_class *out)
{
	*out = (struct pmu_msr_class){ PMC_GP_CTR, ecx };
	return ecx < d->nr_gp;
}

static int amd_derive(const struct pmu_caps *h, const struct guest_config *cfg,
		      struct vpmu_desc *d, char *err, size_t errlen)
{
	if (cfg->pmu_fixed != PMU_ALL_COUNTERS && cfg->pmu_fixed) {
		format(err, errlen, "vpmu: AMD PMUs have no fixed counters (pmu_fixed=0x%lx)",
		       cfg->pmu_fixed);
		return -1;
	}
	/*
	 * Only PerfMonV2's leaf 0x80000022 tells a guest how many counters it has;
	 * the legacy and PerfCtrExtCore layouts imply 4 and 6. A guest shown them
	 * all would take a #GP on those not given, so fewer is refused here.
	 */
	if (d->nr_gp != h->nr_gp && !h->amd_perfmon_v2) {
		format(err, errlen, "vpmu: pmu_gp=%u refused: this AMD PMU has no PerfMonV2, so "
		       "CPUID cannot show a guest fewer than its %u general counters (leave pmu_gp "
		       "out or give %u)", d->nr_gp, h->nr_gp, h->nr_gp);
		return -1;
	}
	d->version = h->amd_perfmon_v2 ? 2 : 1;
	if (h->amd_perfctr_core)
		d->features |= FEAT_AMD_CORE;
	if (h->amd_perfmon_v2) {
		d->features |= FEAT_GLOBAL | FEAT_STATUS_SET;
		d->global_ctrl_valid = BIT(d->nr_gp) - 1;
	}
	/* Only when every index RDPMC can reach is the guest's own counter. */
	d->rdpmc_passthrough = d->nr_gp == h->nr_gp && !h->amd_shared_counters;
	return 0;
}

static bool amd_has_global_ctrl(const struct pmu_caps *h) { return h->amd_perfmon_v2; }

static void amd_cpuid(const struct vpmu_desc *d, u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	(void)subleaf;
	if (leaf == 0x80000001 && vpmu_has(d, FEAT_AMD_CORE))
		r->ecx |= EXT1_ECX_PERFCTR_CORE;
	/* A guest looks for leaf 0x80000022 only when the highest extended leaf reaches it. */
	if (leaf == 0x80000000 && vpmu_has(d, FEAT_GLOBAL) && r->eax < 0x80000022)
		r->eax = 0x80000022;
	if (leaf == 0x80000022 && vpmu_has(d, FEAT_GLOBAL)) {
		r->eax = PERFMON_V2;
		r->ebx = d->nr_gp;
	}
}

const struct pmu_vendor pmu_amd = {
	.name = "amd",
	.ranges = amd_ranges,
	.nr_ranges = ARRAY_SIZE(amd_ranges),
	.evtsel_guest_bits = EVTSEL_EVENT | EVTSEL_UMASK | EVTSEL_USR | EVTSEL_OS | EVTSEL_EDGE |
			     EVTSEL_INT | EVTSEL_EN | EVTSEL_INV | EVTSEL_CMASK |
			     AMD_EVTSEL_EVENT_HI,
	/* Counting only in guest mode keeps the hypervisor out of the guest's counts. */
	.evtsel_hw_set = AMD_EVTSEL_GUEST_ONLY,
	/* AMD's local APIC leaves LVTPC.M alone on a PMI; guests' handlers never unmask. */
	.pmi_masks_lvtpc = false,
	.global_ctrl_swapped = true,
	.global_ctrl_msr = MSR_AMD_PERF_GLOBAL_CTL,
	.global_status_msr = MSR_AMD_PERF_GLOBAL_STATUS,
	.status_reset_msr = MSR_AMD_PERF_GLOBAL_STATUS_CLR,
	.status_set_msr = MSR_AMD_PERF_GLOBAL_STATUS_SET,
	.gp_ctr_msr = amd_gp_ctr_msr,
	.gp_sel_msr = amd_gp_sel_msr,
	.event_of = amd_event_of,
	.rdpmc_decode = amd_rdpmc_decode,
	.derive = amd_derive,
	.cpuid = amd_cpuid,
	.has_global_ctrl = amd_has_global_ctrl,
};
