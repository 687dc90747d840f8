/* Intel architectural perfmon v2-v5 (SDM vol. 3, ch. 20). */
#include "pmu/pmu_vendor.h"
#include "arch/format.h"
#include "pmu/pmu_hw.h"

#define INTEL_MAX_VERSION 5
#define LEAF1_ECX_PDCM BIT(15)
#define LEAF_0A_EDX_ANYTHREAD_DEPRECATED BIT(15)
/* Perf capabilities a guest may see: full-width writes, and PERF_METRICS when mediated. */
#define PERF_CAPS_OFFERED (PERF_CAP_FW_WRITES | PERF_CAP_PERF_METRICS)

static const struct pmu_msr_range intel_ranges[] = {
	{ MSR_IA32_PMC0, VPMU_MAX_GP, 1, PMC_GP_CTR, 0 },
	{ MSR_IA32_A_PMC0, VPMU_MAX_GP, 1, PMC_GP_CTR_FW, FEAT_FULL_WIDTH },
	{ MSR_IA32_PERFEVTSEL0, VPMU_MAX_GP, 1, PMC_GP_SEL, 0 },
	{ MSR_IA32_FIXED_CTR0, VPMU_MAX_FIXED, 1, PMC_FIXED_CTR, FEAT_FIXED },
	{ MSR_IA32_FIXED_CTR_CTRL, 1, 1, PMC_FIXED_CTRL, FEAT_FIXED },
	{ MSR_IA32_PERF_GLOBAL_STATUS, 1, 1, PMC_GLOBAL_STATUS, FEAT_GLOBAL },
	{ MSR_IA32_PERF_GLOBAL_CTRL, 1, 1, PMC_GLOBAL_CTRL, FEAT_GLOBAL },
	{ MSR_IA32_PERF_GLOBAL_OVF_CTRL, 1, 1, PMC_GLOBAL_STATUS_RESET, FEAT_GLOBAL },
	{ MSR_IA32_PERF_GLOBAL_STATUS_SET, 1, 1, PMC_GLOBAL_STATUS_SET, FEAT_STATUS_SET },
	{ MSR_IA32_PERF_CAPABILITIES, 1, 1, PMC_PERF_CAPS, FEAT_PERF_CAPS },
	{ MSR_IA32_PERF_METRICS, 1, 1, PMC_PERF_METRICS, FEAT_PERF_METRICS },
};

static u32 intel_gp_ctr_msr(const struct vpmu_desc *d, u32 i)
{
	/* Full-width writes restore all counter bits; legacy writes only 32 sign-extended. */
	return (d->host->full_width_writes ? MSR_IA32_A_PMC0 : MSR_IA32_PMC0) + i;
}

static u32 intel_gp_sel_msr(const struct vpmu_desc *d, u32 i)
{
	(void)d;
	return MSR_IA32_PERFEVTSEL0 + i;
}

static u16 intel_event_of(u64 sel) { return (u16)(sel & EVTSEL_EVENT); }

#define RDPMC_FIXED BIT(30)
#define RDPMC_METRICS BIT(29)

static bool intel_rdpmc_decode(const struct vpmu_desc *d, u32 ecx, struct pmu_msr_class *out)
{
	u32 index = ecx & 0xFFFF;
	if (ecx & RDPMC_METRICS)
		*out = (struct pmu_msr_class){ PMC_PERF_METRICS, 0 };
	else if (ecx & RDPMC_FIXED)
		*out = (struct pmu_msr_class){ PMC_FIXED_CTR, index };
	else
		*out = (struct pmu_msr_class){ PMC_GP_CTR, index };
	switch (out->kind) {
	case PMC_PERF_METRICS: return vpmu_has(d, FEAT_PERF_METRICS) && index == 0;
	case PMC_FIXED_CTR: return index < VPMU_MAX_FIXED && (d->fixed_bitmap & BIT(index));
	default: return index < d->nr_gp;
	}
}

static u32 popcount(u32 x)
{
	u32 n = 0;
	for (; x; x &= x - 1)
		n++;
	return n;
}

static u32 contiguous_from_zero(u32 bitmap)
{
	u32 n = 0;
	while (bitmap & BIT(n))
		n++;
	return n;
}

static int intel_derive(const struct pmu_caps *h, const struct guest_config *cfg,
			struct vpmu_desc *d, char *err, size_t errlen)
{
	if (h->version < 2) {
		format(err, errlen, "vpmu: arch perfmon v%u has no global control; v2 or later needed",
		       h->version);
		return -1;
	}
	u32 fixed = cfg->pmu_fixed == PMU_ALL_COUNTERS ? h->fixed_bitmap : (u32)cfg->pmu_fixed;
	if (fixed & ~h->fixed_bitmap) {
		format(err, errlen, "vpmu: pmu_fixed=0x%x asks for fixed counters the host lacks "
		       "(host has 0x%x)", fixed, h->fixed_bitmap);
		return -1;
	}
	fixed &= BIT(VPMU_MAX_FIXED) - 1;
	d->version = h->version < INTEL_MAX_VERSION ? h->version : INTEL_MAX_VERSION;
	d->fixed_bitmap = fixed;
	d->nr_fixed_contiguous = contiguous_from_zero(fixed);
	if (d->version < 5 && d->nr_fixed_contiguous != popcount(fixed)) {
		format(err, errlen, "vpmu: a fixed-counter bitmap with holes needs arch perfmon v5");
		return -1;
	}
	d->fixed_width = h->fixed_width;
	d->events_len = h->events_len;
	d->events_unavailable = h->events_unavailable;
	d->features |= FEAT_GLOBAL | (fixed ? FEAT_FIXED : 0) |
		       (d->version >= 4 ? FEAT_STATUS_SET : 0);
	if (h->has_perf_capabilities) {
		d->features |= FEAT_PERF_CAPS;
		d->perf_capabilities = h->perf_capabilities & PERF_CAPS_OFFERED;
		bool metrics = d->mode == VPMU_MEDIATED && h->perf_metrics && (fixed & BIT(3));
		if (!metrics)
			d->perf_capabilities &= ~PERF_CAP_PERF_METRICS;
		if (d->perf_capabilities & PERF_CAP_FW_WRITES)
			d->features |= FEAT_FULL_WIDTH;
		if (metrics)
			d->features |= FEAT_PERF_METRICS;
	}
	d->global_ctrl_valid = (BIT(d->nr_gp) - 1) | ((u64)fixed << GLOBAL_FIXED_SHIFT) |
			       (vpmu_has(d, FEAT_PERF_METRICS) ? GLOBAL_PERF_METRICS : 0);
	for (u32 i = 0; i < VPMU_MAX_FIXED; i++)
		if (fixed & BIT(i))
			d->fixed_ctrl_valid |= (u64)(FIXED_CTRL_OS | FIXED_CTRL_USR | FIXED_CTRL_PMI)
					       << (i * FIXED_CTRL_BITS_PER_COUNTER);
	d->rdpmc_passthrough = d->nr_gp == h->nr_gp && fixed == h->fixed_bitmap;
	return 0;
}

static bool intel_has_global_ctrl(const struct pmu_caps *h) { return h->version >= 2; }

static void intel_cpuid(const struct vpmu_desc *d, u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	(void)subleaf;
	if (leaf == 0x1 && vpmu_has(d, FEAT_PERF_CAPS))
		r->ecx |= LEAF1_ECX_PDCM;
	if (leaf == 0xA) {
		r->eax = d->version | d->nr_gp << 8 | d->gp_width << 16 | d->events_len << 24;
		r->ebx = d->events_unavailable;
		r->ecx = d->version >= 5 ? d->fixed_bitmap : 0;
		/* AnyThread is refused (it would count another thread's events): say so, like KVM */
		r->edx = d->nr_fixed_contiguous | d->fixed_width << 5 |
			 (d->version >= 3 ? LEAF_0A_EDX_ANYTHREAD_DEPRECATED : 0);
	}
}

const struct pmu_vendor pmu_intel = {
	.name = "intel-arch",
	.ranges = intel_ranges,
	.nr_ranges = ARRAY_SIZE(intel_ranges),
	/* every architectural field but AnyThread, as the hardware and KVM accept them */
	.evtsel_guest_bits = EVTSEL_EVENT | EVTSEL_UMASK | EVTSEL_USR | EVTSEL_OS | EVTSEL_EDGE |
			     INTEL_EVTSEL_PC | EVTSEL_INT | EVTSEL_EN | EVTSEL_INV | EVTSEL_CMASK,
	.evtsel_hw_set = 0,
	.gp_ctr_writes_32 = true,
	.pmi_masks_lvtpc = true,
	.global_ctrl_msr = MSR_IA32_PERF_GLOBAL_CTRL,
	.global_status_msr = MSR_IA32_PERF_GLOBAL_STATUS,
	.status_reset_msr = MSR_IA32_PERF_GLOBAL_OVF_CTRL,
	.status_set_msr = MSR_IA32_PERF_GLOBAL_STATUS_SET,
	.status_flags = GLOBAL_STATUS_OVF_BUFFER | GLOBAL_STATUS_COND_CHGD,
	.gp_ctr_msr = intel_gp_ctr_msr,
	.gp_sel_msr = intel_gp_sel_msr,
	.event_of = intel_event_of,
	.rdpmc_decode = intel_rdpmc_decode,
	.derive = intel_derive,
	.cpuid = intel_cpuid,
	.has_global_ctrl = intel_has_global_ctrl,
};
