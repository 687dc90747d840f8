#include "pmu/vpmu_desc.h"
#include "arch/format.h"
#include "pmu/pmu_vendor.h"

const struct pmu_vendor *pmu_vendor_of(enum pmu_kind kind)
{
	switch (kind) {
	case PMU_INTEL_ARCH: return &pmu_intel;
	case PMU_AMD: return &pmu_amd;
	default: return NULL;
	}
}

static bool filters_a_fixed_counter(const struct vpmu_desc *d)
{
	for (u32 i = 0; i < VPMU_MAX_FIXED; i++)
		if ((d->fixed_bitmap & BIT(i)) && !event_filter_allows_fixed(&d->filter, i))
			return true;
	return false;
}

/*
 * The global registers pass through only when every bit the hardware takes
 * is the guest's: all general and fixed counters of the host (a bit of a
 * counter not given must raise #GP, and only an exit can do that). The
 * status reset/set also need the set MSR (without it, bits a load cannot
 * restore stay in software). GLOBAL_CTRL also needs no fixed counter
 * filtered (the filter clears its bit in hardware).
 */
static void derive_global_passthrough(const struct pmu_caps *host, struct vpmu_desc *d)
{
	bool all = d->mode == VPMU_MEDIATED && vpmu_has(d, FEAT_GLOBAL) &&
		   d->nr_gp == host->nr_gp && d->fixed_bitmap == host->fixed_bitmap;
	d->status_passthrough = all && vpmu_has(d, FEAT_STATUS_SET);
	d->global_ctrl_passthrough = all && !filters_a_fixed_counter(d);
}

int vpmu_desc_derive(const struct pmu_caps *host, const struct guest_config *cfg,
		     struct vpmu_desc *d, char *err, size_t errlen)
{
	*d = (struct vpmu_desc){ .mode = cfg->vpmu, .host = host };
	if (d->mode == VPMU_OFF)
		return 0;
	d->vendor = pmu_vendor_of(host->kind);
	if (!d->vendor) {
		format(err, errlen, "vpmu=%s needs a host PMU and this CPU reports none (use "
		       "vpmu=off, or pmu_profile= in an emulator)",
		       d->mode == VPMU_MEDIATED ? "mediated" : "emulated");
		return -1;
	}
	/*
	 * The context switch saves and restores VPMU_MAX_GP counters. On a host
	 * with more, the others would keep one guest's values for the next, so
	 * no vPMU at all is offered there, whatever the guest asks for.
	 */
	if (host->nr_gp > VPMU_MAX_GP) {
		format(err, errlen, "vpmu=%s refused: the host PMU has %u general counters and "
		       "pmuvisor switches at most %u (use vpmu=off on this host)",
		       d->mode == VPMU_MEDIATED ? "mediated" : "emulated", host->nr_gp, VPMU_MAX_GP);
		return -1;
	}
	u32 gp = cfg->pmu_gp == PMU_ALL_COUNTERS ? host->nr_gp : (u32)cfg->pmu_gp;
	if (gp > host->nr_gp || gp > VPMU_MAX_GP) {
		format(err, errlen, "vpmu: pmu_gp=%u but the host has %u general counters", gp,
		       host->nr_gp);
		return -1;
	}
	d->nr_gp = gp;
	d->gp_width = host->gp_width;
	d->filter = cfg->pmu_filter;
	if (d->vendor->derive(host, cfg, d, err, errlen))
		return -1;
	if (d->mode == VPMU_EMULATED)
		d->rdpmc_passthrough = false;
	derive_global_passthrough(host, d);
	return 0;
}

void vpmu_cpuid(const struct vpmu_desc *d, u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	if (d->vendor)
		d->vendor->cpuid(d, leaf, subleaf, r);
}
