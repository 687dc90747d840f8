/* Guest PMU MSR and RDPMC accesses: the intercept policy and their emulation. */
#include "pmu/vpmu.h"
#include "pmu/pmu_hw.h"
#include "pmu/pmu_vendor.h"

bool vpmu_owns_msr(const struct vpmu_desc *d, u32 msr)
{
	return pmu_classify(d, msr).kind != PMC_NONE;
}

bool vpmu_msr_passthrough(const struct vpmu_desc *d, u32 msr, enum msr_access a)
{
	return vpmu_class_passthrough(d, pmu_classify(d, msr), a);
}

bool vpmu_class_passthrough(const struct vpmu_desc *d, struct pmu_msr_class c, enum msr_access a)
{
	if (d->mode != VPMU_MEDIATED)
		return false;
	switch (c.kind) {
	case PMC_GP_CTR:
	case PMC_GP_CTR_FW:
	case PMC_FIXED_CTR:
	case PMC_PERF_METRICS:
		return true; /* data: the guest owns it while it runs */
	case PMC_GLOBAL_STATUS: /* without a set MSR, bits it could not restore are added on exit */
		return a == MSR_READ && vpmu_has(d, FEAT_STATUS_SET); /* a write raises #GP */
	case PMC_GLOBAL_STATUS_RESET:
	case PMC_GLOBAL_STATUS_SET:
		return d->status_passthrough;
	case PMC_GLOBAL_CTRL:
		/* Otherwise writes go through the filter to the hardware; reads show what was
		 * written unless the filter made the hardware differ. */
		return d->global_ctrl_passthrough || (a == MSR_READ && !d->filter.active);
	default:
		return false;
	}
}

static bool loaded(const struct vpmu *vp) { return pmu_cpu.owner == vp; }

static u64 sign_extend32(u64 v) { return (u64)(s64)(int32_t)(u32)v; }

/* The MSR through which the hypervisor reaches a counter of a class. */
static u32 counter_msr(const struct vpmu_desc *d, struct pmu_msr_class c)
{
	switch (c.kind) {
	case PMC_FIXED_CTR: return FIXED_CTR_MSR(c.index);
	case PMC_PERF_METRICS: return MSR_IA32_PERF_METRICS;
	default: return d->vendor->gp_ctr_msr(d, c.index);
	}
}

static u64 *counter_slot(struct vpmu *vp, u64 *hw_slot_out[], struct pmu_msr_class c)
{
	switch (c.kind) {
	case PMC_FIXED_CTR:
		*hw_slot_out = &pmu_cpu.hw.fixed_ctr[c.index];
		return &vp->ctx.fixed_ctr[c.index];
	case PMC_PERF_METRICS:
		*hw_slot_out = &pmu_cpu.hw.perf_metrics;
		return &vp->ctx.perf_metrics;
	default:
		*hw_slot_out = &pmu_cpu.hw.gp_ctr[c.index];
		return &vp->ctx.gp_ctr[c.index];
	}
}

/* A counter's current value: from the hardware while the guest's context is in it. */
static u64 read_counter(struct vpmu *vp, struct pmu_msr_class c)
{
	u64 *hw;
	u64 *slot = counter_slot(vp, &hw, c);
	if (loaded(vp))
		*slot = *hw = pmu_read(counter_msr(vp->desc, c), PHASE_EXIT);
	return *slot;
}

static void write_counter(struct vpmu *vp, struct pmu_msr_class c, u64 val)
{
	u64 *hw;
	u64 *slot = counter_slot(vp, &hw, c);
	*slot = val;
	if (loaded(vp)) {
		pmu_write(counter_msr(vp->desc, c), val, PHASE_EXIT);
		*hw = val;
		if (c.kind == PMC_FIXED_CTR && c.index == 3)
			pmu_cpu.hw.perf_metrics = 0; /* the hardware clears it */
	}
}

/* Writes a control MSR to hardware when the guest's context is there and it changed. */
static void write_control(struct vpmu *vp, u32 msr, u64 *hw, u64 val)
{
	if (loaded(vp) && *hw != val) {
		pmu_write(msr, val, PHASE_EXIT);
		*hw = val;
	}
}

/* A filtered event keeps its selector readable as written but never counts. */
static u64 selector_for_hardware(const struct vpmu_desc *d, u64 sel)
{
	const struct pmu_vendor *v = d->vendor;
	/* the filter's lookup only when there is a filter: this runs on selector exits */
	if (d->filter.active && !event_filter_allows(&d->filter, v->event_of(sel), (u8)(sel >> 8)))
		sel &= ~EVTSEL_EN;
	return sel | v->evtsel_hw_set;
}

static u64 fixed_ctrl_for_hardware(const struct vpmu_desc *d, u64 ctrl)
{
	for (u32 i = 0; i < VPMU_MAX_FIXED; i++)
		if (!event_filter_allows_fixed(&d->filter, i))
			ctrl &= ~(0xFULL << (i * FIXED_CTRL_BITS_PER_COUNTER));
	return ctrl;
}

static u64 global_ctrl_for_hardware(const struct vpmu_desc *d, u64 ctrl)
{
	for (u32 i = 0; i < VPMU_MAX_FIXED; i++)
		if (!event_filter_allows_fixed(&d->filter, i))
			ctrl &= ~BIT(GLOBAL_FIXED_SHIFT + i);
	return ctrl;
}

/*
 * What the hardware's global control holds for the guest: the guest's value
 * after the filter. VT-x loads it at the next VM entry; on AMD-V it is the
 * hardware's while the vCPU is loaded, so it is written now.
 */
static void update_global_ctrl_hw(struct vpmu *vp)
{
	const struct vpmu_desc *d = vp->desc;
	vp->global_ctrl_hw = global_ctrl_for_hardware(d, vp->global_ctrl_guest);
	if (d->vendor->global_ctrl_swapped)
		write_control(vp, d->vendor->global_ctrl_msr, &pmu_cpu.global_ctrl,
			      vp->global_ctrl_hw);
}

static u64 status_bits(const struct vpmu_desc *d) { return d->global_ctrl_valid; }

bool vpmu_msr_read(struct vpmu *vp, u32 msr, u64 *val)
{
	return vpmu_class_read(vp, pmu_classify(vp->desc, msr), val);
}

bool vpmu_class_read(struct vpmu *vp, struct pmu_msr_class c, u64 *val)
{
	const struct vpmu_desc *d = vp->desc;
	switch (c.kind) {
	case PMC_GP_CTR:
	case PMC_GP_CTR_FW:
	case PMC_FIXED_CTR:
	case PMC_PERF_METRICS:
		*val = read_counter(vp, c);
		return true;
	case PMC_GP_SEL:
		*val = vp->gp_sel_guest[c.index];
		return true;
	case PMC_FIXED_CTRL:
		*val = vp->fixed_ctrl_guest;
		return true;
	case PMC_GLOBAL_CTRL:
		*val = vp->global_ctrl_guest;
		return true;
	case PMC_GLOBAL_STATUS:
		if (loaded(vp))
			vpmu_read_status(vp, PHASE_EXIT);
		*val = vp->ctx.global_status;
		return true;
	case PMC_GLOBAL_STATUS_RESET:
	case PMC_GLOBAL_STATUS_SET:
		*val = 0; /* write-only in effect: they read as zero */
		return true;
	case PMC_PERF_CAPS:
		*val = d->perf_capabilities;
		return true;
	case PMC_NONE:
		break;
	}
	return false;
}

static bool write_gp_counter(struct vpmu *vp, struct pmu_msr_class c, u64 val)
{
	const struct vpmu_desc *d = vp->desc;
	u64 mask = counter_mask(d->gp_width);
	if (c.kind == PMC_GP_CTR && d->vendor->gp_ctr_writes_32)
		val = sign_extend32(val) & mask; /* SDM: legacy PMC writes sign-extend bit 31 */
	else if (val & ~mask)
		return false;
	write_counter(vp, c, val);
	return true;
}

static bool write_status(struct vpmu *vp, u32 msr, u64 bits, bool set)
{
	/* The guest reads the status flags, so it may clear them: a handler writes back what it read. */
	u64 valid = status_bits(vp->desc) | (set ? 0 : vp->desc->vendor->status_flags);
	if (bits & ~valid)
		return false;
	u64 *status = &vp->ctx.global_status, *hw = &pmu_cpu.hw.global_status;
	*status = set ? *status | bits : *status & ~bits;
	vp->status_unloaded &= *status;
	if (loaded(vp) && bits) {
		pmu_write(msr, bits, PHASE_EXIT);
		*hw = set ? *hw | bits : *hw & ~bits;
	}
	return true;
}

bool vpmu_msr_write(struct vpmu *vp, u32 msr, u64 val)
{
	return vpmu_class_write(vp, pmu_classify(vp->desc, msr), val);
}

bool vpmu_class_write(struct vpmu *vp, struct pmu_msr_class c, u64 val)
{
	const struct vpmu_desc *d = vp->desc;
	const struct pmu_vendor *v = d->vendor;
	switch (c.kind) {
	case PMC_GP_CTR:
	case PMC_GP_CTR_FW:
		return write_gp_counter(vp, c, val);
	case PMC_FIXED_CTR:
		if (val & ~counter_mask(d->fixed_width))
			return false;
		write_counter(vp, c, val);
		return true;
	case PMC_PERF_METRICS:
		write_counter(vp, c, val);
		return true;
	case PMC_GP_SEL:
		if (val & ~v->evtsel_guest_bits)
			return false;
		vp->gp_sel_guest[c.index] = val;
		vp->ctx.gp_sel[c.index] = selector_for_hardware(d, val);
		write_control(vp, v->gp_sel_msr(d, c.index), &pmu_cpu.hw.gp_sel[c.index],
			      vp->ctx.gp_sel[c.index]);
		return true;
	case PMC_FIXED_CTRL:
		if (val & ~d->fixed_ctrl_valid)
			return false;
		vp->fixed_ctrl_guest = val;
		vp->ctx.fixed_ctrl = fixed_ctrl_for_hardware(d, val);
		write_control(vp, MSR_IA32_FIXED_CTR_CTRL, &pmu_cpu.hw.fixed_ctrl,
			      vp->ctx.fixed_ctrl);
		return true;
	case PMC_GLOBAL_CTRL:
		if (val & ~d->global_ctrl_valid)
			return false;
		vp->global_ctrl_guest = val;
		update_global_ctrl_hw(vp);
		return true;
	case PMC_GLOBAL_STATUS_RESET:
		return write_status(vp, v->status_reset_msr, val, false);
	case PMC_GLOBAL_STATUS_SET:
		return write_status(vp, v->status_set_msr, val, true);
	case PMC_GLOBAL_STATUS:
	case PMC_PERF_CAPS:
	case PMC_NONE:
		break;
	}
	return false;
}

bool vpmu_rdpmc(struct vpmu *vp, u32 ecx, u64 *val)
{
	const struct vpmu_desc *d = vp->desc;
	struct pmu_msr_class c;
	if (!d->vendor || !d->vendor->rdpmc_decode(d, ecx, &c))
		return false;
	*val = read_counter(vp, c);
	return true;
}

u32 vpmu_lvtpc_read(const struct vpmu *vp) { return vp->lvtpc; }

void vpmu_lvtpc_write(struct vpmu *vp, u32 val)
{
	vp->lvtpc = val & (LVTPC_MASKED | LVTPC_DELIVERY_MASK | LVTPC_VECTOR_MASK);
	/*
	 * Only the mask bit reaches the hardware LVTPC, whose vector stays the
	 * mediated one. Counting is off while we run: the VM exit loaded
	 * GLOBAL_CTRL=0 (VMX) or the counters are Guest-Only (SVM).
	 */
	u32 hw = PMU_MEDIATED_PMI_VECTOR | (vp->lvtpc & LVTPC_MASKED);
	if (loaded(vp) && pmu_cpu.lvtpc != hw) {
		pmu_write_lvtpc(hw, PHASE_EXIT);
		pmu_cpu.lvtpc = hw;
	}
}
