/* Loading and putting a vCPU's PMU context, by diff against the hardware. */
#include "pmu/vpmu.h"
#include "pmu/pmu_hw.h"
#include "pmu/pmu_vendor.h"

static struct vpmu_desc host_desc; /* the whole host PMU, for the hardware's side */

static u32 mediated_lvtpc(u32 guest) { return PMU_MEDIATED_PMI_VECTOR | (guest & LVTPC_MASKED); }

static void set_lvtpc(u32 val, enum pmu_phase phase)
{
	if (pmu_cpu.lvtpc == val)
		return;
	pmu_write_lvtpc(val, phase);
	pmu_cpu.lvtpc = val;
}

static void set_msr(u32 msr, u64 *now, u64 val, enum pmu_phase phase)
{
	if (*now == val)
		return;
	pmu_write(msr, val, phase);
	*now = val;
}

static bool has_fixed(const struct vpmu_desc *d, u32 i) { return d->fixed_bitmap & BIT(i); }

static void mask_lvtpc_at_boot(void)
{
	pmu_write_lvtpc(PMU_HOST_PMI_VECTOR | LVTPC_MASKED, PHASE_INIT);
	pmu_cpu.lvtpc = PMU_HOST_PMI_VECTOR | LVTPC_MASKED;
}

/*
 * A host PMU with no vPMU (more general counters than pmuvisor switches, or
 * no global control) is still stopped: whatever firmware left counting must
 * not count for anyone or raise a PMI. Its counters are not switched, and
 * no guest reaches them (every guest is off).
 */
static void stop_unswitched(const struct pmu_caps *h)
{
	const struct pmu_vendor *v = pmu_vendor_of(h->kind);
	if (!v)
		return;
	struct vpmu_desc d = { .host = h, .vendor = v, .nr_gp = h->nr_gp };
	if (v->has_global_ctrl(h))
		pmu_write(v->global_ctrl_msr, 0, PHASE_INIT);
	for (u32 i = 0; i < h->nr_gp; i++)
		pmu_write(v->gp_sel_msr(&d, i), 0, PHASE_INIT);
	if (h->fixed_bitmap)
		pmu_write(MSR_IA32_FIXED_CTR_CTRL, 0, PHASE_INIT);
	mask_lvtpc_at_boot();
}

void pmu_cpu_init(const struct pmu_caps *h)
{
	struct guest_config all = { .vpmu = VPMU_MEDIATED, .pmu_gp = PMU_ALL_COUNTERS,
				    .pmu_fixed = PMU_ALL_COUNTERS };
	char err[8];
	pmu_cpu = (struct pmu_cpu_state){ 0 };
	if (vpmu_desc_derive(h, &all, &host_desc, err, sizeof(err))) {
		host_desc = (struct vpmu_desc){ .mode = VPMU_OFF };
		stop_unswitched(h);
		return;
	}
	const struct pmu_vendor *v = host_desc.vendor;
	/* Values left by firmware are unknown: write every one once. */
	if (vpmu_has(&host_desc, FEAT_GLOBAL)) {
		pmu_cpu.global_ctrl_msr = v->global_ctrl_msr;
		pmu_write(v->global_ctrl_msr, 0, PHASE_INIT);
	}
	for (u32 i = 0; i < host_desc.nr_gp; i++) {
		pmu_write(v->gp_sel_msr(&host_desc, i), 0, PHASE_INIT);
		pmu_write(v->gp_ctr_msr(&host_desc, i), 0, PHASE_INIT);
	}
	if (vpmu_has(&host_desc, FEAT_FIXED)) {
		pmu_write(MSR_IA32_FIXED_CTR_CTRL, 0, PHASE_INIT);
		for (u32 i = 0; i < VPMU_MAX_FIXED; i++)
			if (has_fixed(&host_desc, i))
				pmu_write(FIXED_CTR_MSR(i), 0, PHASE_INIT);
	}
	if (h->perf_metrics)
		pmu_write(MSR_IA32_PERF_METRICS, 0, PHASE_INIT);
	mask_lvtpc_at_boot();
}

/*
 * The guest's PMU as a CPU leaves reset. GLOBAL_CTRL's reset value enables
 * every general counter (bits n-1:0, the SDM; AMD's PPRs say the same of
 * PerfMonV2's GLOBAL_CTL) and no fixed counter, so software written for a PMU
 * without a global control counts with its selectors alone.
 */
void vpmu_init(struct vpmu *vp, const struct vpmu_desc *d, struct pmu_trace *trace)
{
	*vp = (struct vpmu){ .desc = d, .lvtpc = LVTPC_RESET, .trace = trace };
	if (vpmu_has(d, FEAT_GLOBAL))
		vpmu_msr_write(vp, d->vendor->global_ctrl_msr, BIT(d->nr_gp) - 1);
}

/*
 * Global status can only be changed through its reset and set MSRs. Without
 * a set MSR (Intel before v4) the bits the hardware cannot take back stay
 * the guest's in software, added to every read of it (whose reads then exit).
 */
static void load_global_status(struct vpmu *vp, u64 target)
{
	const struct pmu_vendor *v = host_desc.vendor;
	u64 now = pmu_cpu.hw.global_status;
	if (now & ~target)
		pmu_write(v->status_reset_msr, now & ~target, PHASE_LOAD);
	now &= target;
	if ((target & ~now) && vpmu_has(&host_desc, FEAT_STATUS_SET)) {
		pmu_write(v->status_set_msr, target & ~now, PHASE_LOAD);
		now = target;
	}
	pmu_cpu.hw.global_status = now;
	vp->status_unloaded = target & ~now;
}

u64 vpmu_read_status(struct vpmu *vp, enum pmu_phase phase)
{
	pmu_cpu.hw.global_status = pmu_read(vp->desc->vendor->global_status_msr, phase);
	return vp->ctx.global_status = pmu_cpu.hw.global_status | vp->status_unloaded;
}

static void load_counters(const struct vpmu *vp)
{
	const struct vpmu_desc *d = vp->desc;
	const struct pmu_vendor *v = d->vendor;
	const struct pmu_context *c = &vp->ctx;
	struct pmu_context *hw = &pmu_cpu.hw;

	/* Counters the guest was not given are cleared: nothing of others leaks. */
	for (u32 i = 0; i < host_desc.nr_gp; i++) {
		bool given = i < d->nr_gp;
		set_msr(v->gp_sel_msr(d, i), &hw->gp_sel[i], given ? c->gp_sel[i] : 0, PHASE_LOAD);
		set_msr(v->gp_ctr_msr(d, i), &hw->gp_ctr[i], given ? c->gp_ctr[i] : 0, PHASE_LOAD);
	}
	if (!vpmu_has(&host_desc, FEAT_FIXED))
		return;
	for (u32 i = 0; i < VPMU_MAX_FIXED; i++) {
		if (!has_fixed(&host_desc, i))
			continue;
		u64 before = hw->fixed_ctr[i];
		set_msr(FIXED_CTR_MSR(i), &hw->fixed_ctr[i], has_fixed(d, i) ? c->fixed_ctr[i] : 0,
			PHASE_LOAD);
		if (i == 3 && before != hw->fixed_ctr[i])
			hw->perf_metrics = 0; /* a FIXED_CTR3 write clears PERF_METRICS */
	}
	/* PERF_METRICS right after FIXED_CTR3, whose write clears it (design invariant 4). */
	if (host_desc.host->perf_metrics)
		set_msr(MSR_IA32_PERF_METRICS, &hw->perf_metrics,
			vpmu_has(d, FEAT_PERF_METRICS) ? c->perf_metrics : 0, PHASE_LOAD);
	set_msr(MSR_IA32_FIXED_CTR_CTRL, &hw->fixed_ctrl, c->fixed_ctrl, PHASE_LOAD);
}

/*
 * Clear GLOBAL_CTRL explicitly before the LVTPC is switched and selectors
 * and counters are loaded, rather than assume the VM exit (or the previous
 * owner) left it 0: rewriting the LVTPC or loading guest values while
 * counters may count raises stray PMIs and counts for the wrong owner
 * (docs/design.md, "The PMU contract", invariants 2 and 3).
 */
static void clear_global_ctrl(enum pmu_phase phase)
{
	if (!vpmu_has(&host_desc, FEAT_GLOBAL))
		return;
	pmu_write(host_desc.vendor->global_ctrl_msr, 0, phase);
	pmu_cpu.global_ctrl = 0;
}

/*
 * After a put nothing may count, whoever runs next: a guest with no vPMU
 * loads nothing, and AMD's Guest-Only selectors count in any guest. With a
 * global control, clearing it stops every counter; without one (AMD legacy,
 * PerfCtrExtCore without PerfMonV2, none of which has fixed counters) each
 * enabled selector is disabled. The copy in pmu_cpu.hw follows, so the next
 * load writes its selectors again.
 */
static void stop_counting(enum pmu_phase phase)
{
	struct pmu_context *hw = &pmu_cpu.hw;
	if (vpmu_has(&host_desc, FEAT_GLOBAL)) {
		clear_global_ctrl(phase);
		return;
	}
	const struct pmu_vendor *v = host_desc.vendor;
	for (u32 i = 0; i < host_desc.nr_gp; i++)
		set_msr(v->gp_sel_msr(&host_desc, i), &hw->gp_sel[i], hw->gp_sel[i] & ~EVTSEL_EN,
			phase);
}

/*
 * Tracing: every register of the host PMU as this load finds it (what the
 * last owner's put, or the boot, left), so the replay starts from the
 * hardware's state, not from an assumed one.
 */
static void trace_what_the_load_finds(void)
{
	const struct vpmu_desc *d = &host_desc;
	const struct pmu_vendor *v = d->vendor;
	if (vpmu_has(d, FEAT_GLOBAL)) {
		pmu_read(v->global_ctrl_msr, PHASE_LOAD);
		pmu_read(v->global_status_msr, PHASE_LOAD);
	}
	for (u32 i = 0; i < d->nr_gp; i++) {
		pmu_read(v->gp_sel_msr(d, i), PHASE_LOAD);
		pmu_read(v->gp_ctr_msr(d, i), PHASE_LOAD);
	}
	if (vpmu_has(d, FEAT_FIXED))
		pmu_read(MSR_IA32_FIXED_CTR_CTRL, PHASE_LOAD);
	for (u32 i = 0; i < VPMU_MAX_FIXED; i++)
		if (has_fixed(d, i))
			pmu_read(FIXED_CTR_MSR(i), PHASE_LOAD);
	if (vpmu_has(d, FEAT_PERF_METRICS))
		pmu_read(MSR_IA32_PERF_METRICS, PHASE_LOAD);
	pmu_read_lvtpc(PHASE_LOAD);
}

void vpmu_switch_in(struct vpmu *vp)
{
	const struct vpmu_desc *d = vp->desc;
	if (pmu_cpu.owner)
		vpmu_put(pmu_cpu.owner);
	if (d->mode == VPMU_OFF)
		return;
	pmu_access_attach(&vp->stats, vp->trace);
	if (pmu_tracing)
		trace_what_the_load_finds();
	clear_global_ctrl(PHASE_LOAD);
	set_lvtpc(mediated_lvtpc(vp->lvtpc), PHASE_LOAD);
	load_counters(vp);
	if (vpmu_has(&host_desc, FEAT_GLOBAL))
		load_global_status(vp, vpmu_has(d, FEAT_GLOBAL) ? vp->ctx.global_status : 0);
	if (d->vendor->global_ctrl_swapped && vpmu_has(d, FEAT_GLOBAL))
		set_msr(d->vendor->global_ctrl_msr, &pmu_cpu.global_ctrl, vp->global_ctrl_hw,
			PHASE_LOAD); /* last: the counters start with everything in place */
	pmu_cpu.owner = vp;
	vp->loads++;
}

void vpmu_put(struct vpmu *vp)
{
	const struct vpmu_desc *d = vp->desc;
	if (pmu_cpu.owner != vp)
		return;
	const struct pmu_vendor *v = d->vendor;
	struct pmu_context *hw = &pmu_cpu.hw;
	/* Nothing counts while the hypervisor runs: VM exit loaded GLOBAL_CTRL=0 (VMX),
	 * or the selectors are Guest-Only (SVM, whose GLOBAL_CTL is still the guest's
	 * until stop_counting); the values read are final. */
	for (u32 i = 0; i < d->nr_gp; i++)
		vp->ctx.gp_ctr[i] = hw->gp_ctr[i] = pmu_read(v->gp_ctr_msr(d, i), PHASE_PUT);
	for (u32 i = 0; i < VPMU_MAX_FIXED; i++)
		if (has_fixed(d, i))
			vp->ctx.fixed_ctr[i] = hw->fixed_ctr[i] =
				pmu_read(FIXED_CTR_MSR(i), PHASE_PUT);
	if (vpmu_has(d, FEAT_GLOBAL))
		vpmu_read_status(vp, PHASE_PUT);
	if (d->vendor->global_ctrl_swapped && d->global_ctrl_passthrough)
		vp->global_ctrl_guest = vp->global_ctrl_hw =
			pmu_read(v->global_ctrl_msr, PHASE_PUT); /* the guest wrote it directly */
	if (vpmu_has(d, FEAT_PERF_METRICS)) {
		/* Save PERF_METRICS, and zero it so no one after us sees the guest's value. */
		vp->ctx.perf_metrics = pmu_read(MSR_IA32_PERF_METRICS, PHASE_PUT);
		hw->perf_metrics = vp->ctx.perf_metrics;
		set_msr(MSR_IA32_PERF_METRICS, &hw->perf_metrics, 0, PHASE_PUT);
	}
	stop_counting(PHASE_PUT); /* before the LVTPC is switched */
	set_lvtpc(PMU_HOST_PMI_VECTOR | LVTPC_MASKED, PHASE_PUT);
	pmu_cpu.owner = NULL;
	vp->puts++;
	pmu_access_attach(NULL, NULL);
}

/*
 * What switching guests would cost without the diff, as a vPMU that saves
 * and restores every register on each switch does: each register of the
 * host's PMU context (selectors, counters, fixed counters, FIXED_CTR_CTRL,
 * GLOBAL_CTRL, GLOBAL_STATUS, PERF_METRICS) read at the put and written at
 * the load.
 */
u32 vpmu_full_switch_accesses(void)
{
	if (host_desc.mode == VPMU_OFF)
		return 0;
	u32 regs = 2 * host_desc.nr_gp;
	if (vpmu_has(&host_desc, FEAT_FIXED)) {
		for (u32 i = 0; i < VPMU_MAX_FIXED; i++)
			regs += has_fixed(&host_desc, i);
		regs++; /* FIXED_CTR_CTRL */
	}
	if (vpmu_has(&host_desc, FEAT_GLOBAL))
		regs += 2; /* GLOBAL_CTRL, GLOBAL_STATUS */
	if (host_desc.host->perf_metrics)
		regs++;
	return 2 * regs;
}
