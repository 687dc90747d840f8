/* MSR semantics of the modelled PMU (SDM vol. 3 ch. 20; APM vol. 2 13.2). */
#include <stdio.h>
#include <string.h>
#include "tests/pmu_model/pmu_model.h"
#include "pmu/pmu_hw.h"

struct pmu_model hw_model;

enum reg { R_NONE, R_SEL, R_CTR, R_CTR_FW, R_FIXED, R_FIXED_CTRL, R_STATUS, R_CTRL,
	   R_STATUS_RESET, R_STATUS_SET, R_CAPS, R_METRICS };

struct reg_at {
	enum reg reg;
	u32 index;
};

static bool intel(const struct pmu_model *m) { return m->caps.kind == PMU_INTEL_ARCH; }
static bool has_global(const struct pmu_model *m)
{
	return intel(m) ? m->caps.version >= 2 : m->caps.amd_perfmon_v2;
}
static u64 width_mask(u32 w) { return w >= 64 ? ~0ULL : BIT(w) - 1; }

static struct reg_at intel_reg(const struct pmu_model *m, u32 msr)
{
	const struct pmu_caps *c = &m->caps;
	if (msr >= MSR_IA32_PMC0 && msr < MSR_IA32_PMC0 + c->nr_gp)
		return (struct reg_at){ R_CTR, msr - MSR_IA32_PMC0 };
	if (msr >= MSR_IA32_A_PMC0 && msr < MSR_IA32_A_PMC0 + c->nr_gp && c->full_width_writes)
		return (struct reg_at){ R_CTR_FW, msr - MSR_IA32_A_PMC0 };
	if (msr >= MSR_IA32_PERFEVTSEL0 && msr < MSR_IA32_PERFEVTSEL0 + c->nr_gp)
		return (struct reg_at){ R_SEL, msr - MSR_IA32_PERFEVTSEL0 };
	if (msr >= MSR_IA32_FIXED_CTR0 && msr < MSR_IA32_FIXED_CTR0 + MODEL_MAX_FIXED &&
	    (c->fixed_bitmap & BIT(msr - MSR_IA32_FIXED_CTR0)))
		return (struct reg_at){ R_FIXED, msr - MSR_IA32_FIXED_CTR0 };
	switch (msr) {
	case MSR_IA32_FIXED_CTR_CTRL: return (struct reg_at){ c->fixed_bitmap ? R_FIXED_CTRL : R_NONE, 0 };
	case MSR_IA32_PERF_GLOBAL_STATUS: return (struct reg_at){ R_STATUS, 0 };
	case MSR_IA32_PERF_GLOBAL_CTRL: return (struct reg_at){ R_CTRL, 0 };
	case MSR_IA32_PERF_GLOBAL_OVF_CTRL: return (struct reg_at){ R_STATUS_RESET, 0 };
	case MSR_IA32_PERF_GLOBAL_STATUS_SET:
		return (struct reg_at){ c->version >= 4 ? R_STATUS_SET : R_NONE, 0 };
	case MSR_IA32_PERF_CAPABILITIES:
		return (struct reg_at){ c->has_perf_capabilities ? R_CAPS : R_NONE, 0 };
	case MSR_IA32_PERF_METRICS: return (struct reg_at){ c->perf_metrics ? R_METRICS : R_NONE, 0 };
	default: return (struct reg_at){ R_NONE, 0 };
	}
}

static struct reg_at amd_reg(const struct pmu_model *m, u32 msr)
{
	const struct pmu_caps *c = &m->caps;
	if (msr >= MSR_K7_PERFCTL0 && msr < MSR_K7_PERFCTL0 + 4)
		return (struct reg_at){ R_SEL, msr - MSR_K7_PERFCTL0 };
	if (msr >= MSR_K7_PERFCTR0 && msr < MSR_K7_PERFCTR0 + 4)
		return (struct reg_at){ R_CTR_FW, msr - MSR_K7_PERFCTR0 };
	if (c->amd_perfctr_core && msr >= MSR_F15H_PERFCTL0 && msr < MSR_F15H_PERFCTL0 + 12)
		return (struct reg_at){ (msr - MSR_F15H_PERFCTL0) % 2 ? R_CTR_FW : R_SEL,
					(msr - MSR_F15H_PERFCTL0) / 2 };
	if (!c->amd_perfmon_v2)
		return (struct reg_at){ R_NONE, 0 };
	switch (msr) {
	case MSR_AMD_PERF_GLOBAL_STATUS: return (struct reg_at){ R_STATUS, 0 };
	case MSR_AMD_PERF_GLOBAL_CTL: return (struct reg_at){ R_CTRL, 0 };
	case MSR_AMD_PERF_GLOBAL_STATUS_CLR: return (struct reg_at){ R_STATUS_RESET, 0 };
	case MSR_AMD_PERF_GLOBAL_STATUS_SET: return (struct reg_at){ R_STATUS_SET, 0 };
	default: return (struct reg_at){ R_NONE, 0 };
	}
}

static struct reg_at reg_of(const struct pmu_model *m, u32 msr)
{
	struct reg_at r = intel(m) ? intel_reg(m, msr) : amd_reg(m, msr);
	if (r.reg != R_NONE && r.index >= (r.reg == R_FIXED ? MODEL_MAX_FIXED : m->caps.nr_gp))
		r.reg = R_NONE;
	return r;
}

static u64 valid_global(const struct pmu_model *m)
{
	u64 v = BIT(m->caps.nr_gp) - 1;
	if (intel(m))
		v |= (u64)m->caps.fixed_bitmap << GLOBAL_FIXED_SHIFT |
		     (m->caps.perf_metrics ? GLOBAL_PERF_METRICS : 0);
	return v;
}

/* Intel's status also reports OvfBuf (62) and CondChgd (63); OVF_CTRL clears them. */
static u64 status_flags(const struct pmu_model *m) { return intel(m) ? BIT(62) | BIT(63) : 0; }

static u64 valid_selector(const struct pmu_model *m)
{
	u64 low = 0xFFFFFFFFULL & ~EVTSEL_ANY; /* AnyThread is not modelled */
	/* AMD: bit 19 (Intel's pin control) is reserved */
	return intel(m) ? low : (low & ~INTEL_EVTSEL_PC) | AMD_EVTSEL_EVENT_HI | AMD_EVTSEL_GUEST_ONLY |
					 AMD_EVTSEL_HOST_ONLY;
}

static u64 valid_fixed_ctrl(const struct pmu_model *m)
{
	u64 v = 0;
	for (u32 i = 0; i < MODEL_MAX_FIXED; i++)
		if (m->caps.fixed_bitmap & BIT(i))
			v |= 0xBULL << (i * FIXED_CTRL_BITS_PER_COUNTER); /* OS, USR, PMI */
	return v;
}

void pmu_model_init(struct pmu_model *m, const struct pmu_caps *caps)
{
	memset(m, 0, sizeof(*m));
	m->caps = *caps;
	m->lvtpc = BIT(16); /* masked at reset */
	/* SDM: at reset GLOBAL_CTRL enables the general counters (bits n-1:0), no fixed
	 * one; AMD's PPRs say the same of PerfMonV2's GLOBAL_CTL. */
	if (has_global(m))
		m->global_ctrl = BIT(caps->nr_gp) - 1;
}

bool pmu_model_rdmsr(struct pmu_model *m, u32 msr, u64 *val)
{
	struct reg_at r = reg_of(m, msr);
	switch (r.reg) {
	case R_SEL: *val = m->gp_sel[r.index]; return true;
	case R_CTR:
	case R_CTR_FW: *val = m->gp_ctr[r.index]; return true;
	case R_FIXED: *val = m->fixed_ctr[r.index]; return true;
	case R_FIXED_CTRL: *val = m->fixed_ctrl; return true;
	case R_STATUS: *val = m->global_status; return true;
	case R_CTRL: *val = m->global_ctrl; return true;
	case R_STATUS_RESET:
	case R_STATUS_SET: *val = 0; return true;
	case R_CAPS: *val = m->caps.perf_capabilities; return true;
	case R_METRICS: *val = m->perf_metrics; return true;
	case R_NONE: return false;
	}
	return false;
}

static bool write_counter(const struct pmu_model *m, u64 *ctr, u64 val, bool legacy)
{
	u64 mask = width_mask(m->caps.gp_width);
	if (legacy) /* SDM 20.2.5: bits 31:0 written, sign-extended */
		val = (u64)(s64)(int32_t)(u32)val & mask;
	else if (val & ~mask)
		return false;
	*ctr = val;
	return true;
}

bool pmu_model_wrmsr(struct pmu_model *m, u32 msr, u64 val)
{
	struct reg_at r = reg_of(m, msr);
	switch (r.reg) {
	case R_SEL:
		if (val & ~valid_selector(m))
			return false;
		m->gp_sel[r.index] = val;
		return true;
	case R_CTR: return write_counter(m, &m->gp_ctr[r.index], val, true);
	case R_CTR_FW: return write_counter(m, &m->gp_ctr[r.index], val, false);
	case R_FIXED:
		if (val & ~width_mask(m->caps.fixed_width))
			return false;
		m->fixed_ctr[r.index] = val;
		if (r.index == 3)
			m->perf_metrics = 0; /* writing the slots counter resets the metrics */
		return true;
	case R_FIXED_CTRL:
		if (val & ~valid_fixed_ctrl(m))
			return false;
		m->fixed_ctrl = val;
		return true;
	case R_CTRL:
		if (val & ~valid_global(m))
			return false;
		m->global_ctrl = val;
		return true;
	case R_STATUS_RESET:
	case R_STATUS_SET:
		if (val & ~(valid_global(m) | (r.reg == R_STATUS_RESET ? status_flags(m) : 0)))
			return false;
		m->global_status = r.reg == R_STATUS_SET ? m->global_status | val : m->global_status & ~val;
		return true;
	case R_METRICS:
		m->perf_metrics = val;
		return true;
	case R_STATUS:
	case R_CAPS:
	case R_NONE:
		return false;
	}
	return false;
}

bool pmu_model_rdpmc(struct pmu_model *m, u32 ecx, u64 *val)
{
	u32 index = ecx & 0xFFFF;
	if (!intel(m)) {
		if (index >= m->caps.nr_gp)
			return false;
		*val = m->gp_ctr[index];
		return true;
	}
	if (ecx & BIT(29)) /* PERF_METRICS */
		return pmu_model_rdmsr(m, MSR_IA32_PERF_METRICS, val);
	if (ecx & BIT(30))
		return pmu_model_rdmsr(m, MSR_IA32_FIXED_CTR0 + index, val);
	return pmu_model_rdmsr(m, MSR_IA32_PMC0 + index, val);
}

void pmu_model_write_lvtpc(struct pmu_model *m, u32 val) { m->lvtpc = val; }

void pmu_model_vm_entry(struct pmu_model *m, u64 guest_global_ctrl)
{
	m->guest_mode = true;
	m->metrics_restored = false;
	if (intel(m))
		m->global_ctrl = guest_global_ctrl;
}

void pmu_model_vm_exit(struct pmu_model *m, u64 host_global_ctrl)
{
	m->guest_mode = false;
	if (intel(m))
		m->global_ctrl = host_global_ctrl;
}

/* ---- counting ---- */

static bool mode_allows(const struct pmu_model *m, u64 sel)
{
	if (intel(m))
		return true;
	bool guest_only = sel & AMD_EVTSEL_GUEST_ONLY, host_only = sel & AMD_EVTSEL_HOST_ONLY;
	if (guest_only == host_only)
		return true; /* both or neither: count in both modes */
	return guest_only ? m->guest_mode : !m->guest_mode;
}

bool pmu_model_counting(const struct pmu_model *m, u32 counter)
{
	if (counter >= MODEL_MAX_GP) {
		u32 i = counter - MODEL_MAX_GP;
		u64 field = m->fixed_ctrl >> (i * FIXED_CTRL_BITS_PER_COUNTER);
		return intel(m) && (m->caps.fixed_bitmap & BIT(i)) && (field & 3) &&
		       (m->global_ctrl & BIT(GLOBAL_FIXED_SHIFT + i));
	}
	u64 sel = m->gp_sel[counter];
	if (counter >= m->caps.nr_gp || !(sel & EVTSEL_EN) || !(sel & (EVTSEL_OS | EVTSEL_USR)))
		return false;
	if (has_global(m) && !(m->global_ctrl & BIT(counter)))
		return false;
	return mode_allows(m, sel);
}

static void raise_pmi(struct pmu_model *m)
{
	if (m->lvtpc & BIT(16)) {
		m->pmis_blocked++;
		return;
	}
	m->pmis++;
	m->last_pmi_lvtpc = m->lvtpc;
	if (intel(m))
		m->lvtpc |= BIT(16); /* Intel masks the LVTPC when it delivers a PMI; AMD does not */
}

static void add(struct pmu_model *m, u64 *ctr, u32 width, u64 n, u32 status_bit, bool pmi)
{
	u64 mask = width_mask(width), next = (*ctr + n) & mask;
	bool overflow = *ctr + n > mask;
	*ctr = next;
	if (!overflow)
		return;
	if (has_global(m))
		m->global_status |= BIT(status_bit);
	if (pmi)
		raise_pmi(m);
}

static u16 event_of(const struct pmu_model *m, u64 sel)
{
	return (u16)((sel & 0xFF) | (intel(m) ? 0 : (sel >> 24) & 0xF00));
}

void pmu_model_count(struct pmu_model *m, u16 event, u8 umask, u64 n)
{
	static const u16 fixed_events[MODEL_MAX_FIXED][2] = { { EVENT_INSTRUCTIONS },
		{ EVENT_CORE_CYCLES }, { EVENT_REF_CYCLES }, { EVENT_TOPDOWN_SLOTS } };
	for (u32 i = 0; i < m->caps.nr_gp; i++) {
		u64 sel = m->gp_sel[i];
		if (pmu_model_counting(m, i) && event_of(m, sel) == event && (u8)(sel >> 8) == umask)
			add(m, &m->gp_ctr[i], m->caps.gp_width, n, i, sel & EVTSEL_INT);
	}
	for (u32 i = 0; i < MODEL_MAX_FIXED; i++) {
		if (!pmu_model_counting(m, MODEL_MAX_GP + i) || fixed_events[i][0] != event ||
		    fixed_events[i][1] != umask)
			continue;
		bool pmi = (m->fixed_ctrl >> (i * FIXED_CTRL_BITS_PER_COUNTER)) & FIXED_CTRL_PMI;
		add(m, &m->fixed_ctr[i], m->caps.fixed_width, n, GLOBAL_FIXED_SHIFT + i, pmi);
		if (i == 3 && m->caps.perf_metrics)
			m->perf_metrics += n; /* a stand-in: the metrics move with the slots */
	}
}
