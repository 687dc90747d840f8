/* A PMI that arrived for a guest, delivered through its virtual LVTPC. */
#include "pmu/vpmu.h"
#include "pmu/pmu_vendor.h"

void vpmu_pmi(struct vpmu *vp)
{
	/* Where the hardware masks its LVTPC on a PMI, the copy follows (the
	 * guest's vendor is the host's, so one table describes both). */
	if (vp->desc->vendor->pmi_masks_lvtpc)
		pmu_cpu.lvtpc |= LVTPC_MASKED;
	if (vpmu_has(vp->desc, FEAT_GLOBAL))
		vpmu_read_status(vp, PHASE_PMI);
	vp->pmi_pending = true;
}

void vpmu_pmi_arrived(void)
{
	if (pmu_cpu.owner)
		vpmu_pmi(pmu_cpu.owner);
	else
		pmu_cpu.stray_pmis++;
}

enum pmi_delivery vpmu_pmi_deliver(struct vpmu *vp, bool can_take_interrupt, u8 *vector)
{
	if (!vp->pmi_pending)
		return PMI_NONE;
	if (vp->lvtpc & LVTPC_MASKED) {
		/* A masked LVTPC drops the PMI; the overflow stays visible in the status. */
		vp->pmi_pending = false;
		vp->pmis_dropped++;
		return PMI_NONE;
	}
	bool nmi = (vp->lvtpc & LVTPC_DELIVERY_MASK) == LVTPC_DELIVERY_NMI;
	if (!nmi && !can_take_interrupt)
		return PMI_NONE; /* stays pending until the guest can take it */
	vp->pmi_pending = false;
	if (vp->desc->vendor->pmi_masks_lvtpc)
		vp->lvtpc |= LVTPC_MASKED; /* as the guest's vendor does on delivery */
	vp->pmis_injected++;
	*vector = (u8)(vp->lvtpc & LVTPC_VECTOR_MASK);
	return nmi ? PMI_NMI : PMI_FIXED;
}
