#include "pmu/pmu_vendor.h"
#include "pmu/pmu_hw.h"

static u32 counters_of(const struct vpmu_desc *d, enum pmu_msr_kind kind)
{
	switch (kind) {
	case PMC_GP_CTR:
	case PMC_GP_CTR_FW:
	case PMC_GP_SEL:
		return d->nr_gp;
	case PMC_FIXED_CTR:
		return VPMU_MAX_FIXED;
	default:
		return 1;
	}
}

struct pmu_msr_class pmu_classify(const struct vpmu_desc *d, u32 msr)
{
	const struct pmu_vendor *v = d->vendor;
	if (!v)
		return (struct pmu_msr_class){ PMC_NONE, 0 };
	for (u32 i = 0; i < v->nr_ranges; i++) {
		const struct pmu_msr_range *r = &v->ranges[i];
		/* one compare rejects an MSR outside the range: this runs on MSR exits */
		u32 offset = msr - r->first;
		if (offset >= r->count * r->stride || offset % r->stride)
			continue;
		u32 index = offset / r->stride;
		if ((d->features & r->requires) != r->requires)
			continue;
		if (index >= counters_of(d, r->kind))
			continue;
		if (r->kind == PMC_FIXED_CTR && !(d->fixed_bitmap & BIT(index)))
			continue;
		return (struct pmu_msr_class){ r->kind, index };
	}
	return (struct pmu_msr_class){ PMC_NONE, 0 };
}

bool pmu_msr_known(const struct pmu_vendor *v, u32 msr)
{
	for (u32 i = 0; i < v->nr_ranges; i++) {
		const struct pmu_msr_range *r = &v->ranges[i];
		if (msr >= r->first && msr < r->first + r->count * r->stride)
			return true;
	}
	return false;
}
