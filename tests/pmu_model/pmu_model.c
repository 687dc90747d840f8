/*
 * MSR semantics of the modelled PMU, from the Intel SDM vol. 3 ch. 20
 * ("Performance Monitoring") and the AMD APM vol. 2 13.2 ("Performance
 * Monitoring Counters"). Addresses and bits are the manuals', named here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tests/pmu_model/pmu_model.h"

struct pmu_model hw_model;

/* SDM vol. 4, table 2-2: architectural MSRs; the counter blocks are contiguous (20.2.1.1). */
#define IA32_PMC0 0xC1u
#define IA32_PERFEVTSEL0 0x186u
#define IA32_FIXED_CTR0 0x309u
#define IA32_PERF_METRICS 0x329u
#define IA32_PERF_CAPABILITIES 0x345u
#define IA32_FIXED_CTR_CTRL 0x38Du
#define IA32_PERF_GLOBAL_STATUS 0x38Eu
#define IA32_PERF_GLOBAL_CTRL 0x38Fu
#define IA32_PERF_GLOBAL_STATUS_RESET 0x390u /* IA32_PERF_GLOBAL_OVF_CTRL before v4 */
#define IA32_PERF_GLOBAL_STATUS_SET 0x391u
#define IA32_A_PMC0 0x4C1u
/* APM vol. 2 13.2.1 and 13.2.2; PerfMonV2 registers from the APM's MSR list. */
#define AMD_PERF_CTL0 0xC0010000u
#define AMD_PERF_CTR0 0xC0010004u
#define AMD_CORE_PERF_CTL0 0xC0010200u /* PerfCtl i at +2i, PerfCtr i at +2i+1 */
#define AMD_GLOBAL_STATUS 0xC0000300u
#define AMD_GLOBAL_CTL 0xC0000301u
#define AMD_GLOBAL_STATUS_CLR 0xC0000302u
#define AMD_GLOBAL_STATUS_SET 0xC0000303u

/* Event select bits (SDM figure 20-6; APM figure 13-7). */
#define SEL_USR (1ULL << 16)
#define SEL_OS (1ULL << 17)
#define SEL_INTEL_PC (1ULL << 19) /* reserved on AMD */
#define SEL_INT (1ULL << 20)
#define SEL_ANY (1ULL << 21)
#define SEL_EN (1ULL << 22)
#define SEL_AMD_EVENT_HI (0xFULL << 32)
#define SEL_AMD_GUEST_ONLY (1ULL << 40)
#define SEL_AMD_HOST_ONLY (1ULL << 41)
/* IA32_FIXED_CTR_CTRL: four bits per counter, OS (0), USR (1), AnyThread (2), PMI (3). */
#define FIXED_FIELD_BITS 4
#define FIXED_OS 0x1u
#define FIXED_USR 0x2u
#define FIXED_PMI 0x8u
/* Global control and status: general counters from bit 0, fixed counters from 32. */
#define GLOBAL_FIXED 32
#define GLOBAL_METRICS (1ULL << 48)
#define LVT_MASKED (1u << 16)
/* IA32_PERF_CAPABILITIES */
#define CAP_FULL_WIDTH (1ULL << 13)
#define CAP_METRICS (1ULL << 15)
#define P6_COUNTERS 2
#define P6_COUNTER_WIDTH 40
#define AMD_LEGACY_COUNTERS 4
#define AMD_CORE_COUNTERS 6
#define AMD_COUNTER_WIDTH 48
#define AMD_PACKAGE_COUNTER 0x5A5A5A5AULL /* what another core's events left there */

enum reg { R_NONE, R_SEL, R_CTR, R_CTR_FW, R_FIXED, R_FIXED_CTRL, R_STATUS, R_CTRL,
	   R_STATUS_RESET, R_STATUS_SET, R_CAPS, R_METRICS };

struct reg_at {
	enum reg reg;
	u32 index;
};

static u64 width_mask(u32 w) { return w >= 64 ? ~0ULL : (1ULL << w) - 1; }
static u32 min_u32(u32 a, u32 b) { return a < b ? a : b; }

/*
 * SDM 20.2.1-20.2.5 and 20.3.4.7 (CPUID.0AH, PERF_CAPABILITIES). Without
 * architectural perfmon the P6 family's two 40-bit counters remain (SDM
 * 20.6.8), with no global control.
 */
static struct model_pmu decode_intel(const struct model_cpu *c)
{
	const struct model_leaf *a = &c->leaf_0a;
	struct model_pmu p = { .intel = true, .version = a->eax & 0xFF };
	if (!p.version) {
		p.nr_gp = c->no_legacy_counters ? 0 : P6_COUNTERS;
		p.gp_width = P6_COUNTER_WIDTH;
		return p;
	}
	p.nr_gp = min_u32((a->eax >> 8) & 0xFF, MODEL_MAX_GP);
	p.gp_width = (a->eax >> 16) & 0xFF;
	p.global = p.version >= 2;
	p.status_set = p.version >= 4;
	if (p.version >= 2) {
		p.fixed_width = (a->edx >> 5) & 0xFF;
		for (u32 i = 0; i < MODEL_MAX_FIXED; i++) /* FxCtr[i] = ECX[i] || EDX[4:0] > i */
			if ((p.version >= 5 && (a->ecx & (1u << i))) || (a->edx & 0x1F) > i)
				p.fixed_bitmap |= 1u << i;
	}
	p.perf_caps = c->pdcm;
	p.full_width = c->pdcm && (c->perf_capabilities & CAP_FULL_WIDTH);
	p.metrics = c->pdcm && (c->perf_capabilities & CAP_METRICS) && (p.fixed_bitmap & 8);
	return p;
}

/* APM 13.2: four legacy counters always; six with PerfCtrExtCore; PerfMonV2 says how many. */
static struct model_pmu decode_amd(const struct model_cpu *c)
{
	struct model_pmu p = { .version = 1, .nr_gp = c->no_legacy_counters ? 0 : AMD_LEGACY_COUNTERS,
			       .gp_width = AMD_COUNTER_WIDTH };
	p.amd_core = c->ext1_ecx & (1u << 23);
	if (p.amd_core)
		p.nr_gp = AMD_CORE_COUNTERS;
	if (c->leaf_80000022.eax & 1) {
		p.version = 2;
		p.global = p.status_set = true;
		p.nr_gp = min_u32(c->leaf_80000022.ebx & 0xF, MODEL_MAX_GP);
	}
	return p;
}

static struct reg_at at(enum reg reg, u32 index) { return (struct reg_at){ reg, index }; }

static struct reg_at intel_reg(const struct model_pmu *p, u32 msr)
{
	if (msr - IA32_PMC0 < p->nr_gp)
		return at(R_CTR, msr - IA32_PMC0);
	if (msr - IA32_A_PMC0 < p->nr_gp && p->full_width)
		return at(R_CTR_FW, msr - IA32_A_PMC0);
	if (msr - IA32_PERFEVTSEL0 < p->nr_gp)
		return at(R_SEL, msr - IA32_PERFEVTSEL0);
	if (msr - IA32_FIXED_CTR0 < MODEL_MAX_FIXED && (p->fixed_bitmap & (1u << (msr - IA32_FIXED_CTR0))))
		return at(R_FIXED, msr - IA32_FIXED_CTR0);
	switch (msr) {
	case IA32_FIXED_CTR_CTRL: return at(p->fixed_bitmap ? R_FIXED_CTRL : R_NONE, 0);
	case IA32_PERF_GLOBAL_STATUS: return at(p->global ? R_STATUS : R_NONE, 0);
	case IA32_PERF_GLOBAL_CTRL: return at(p->global ? R_CTRL : R_NONE, 0);
	case IA32_PERF_GLOBAL_STATUS_RESET: return at(p->global ? R_STATUS_RESET : R_NONE, 0);
	case IA32_PERF_GLOBAL_STATUS_SET: return at(p->status_set ? R_STATUS_SET : R_NONE, 0);
	case IA32_PERF_CAPABILITIES: return at(p->perf_caps ? R_CAPS : R_NONE, 0);
	case IA32_PERF_METRICS: return at(p->metrics ? R_METRICS : R_NONE, 0);
	default: return at(R_NONE, 0);
	}
}

static struct reg_at amd_reg(const struct model_pmu *p, u32 msr)
{
	/* the legacy MSRs always exist and alias the first four counters */
	if (msr - AMD_PERF_CTL0 < AMD_LEGACY_COUNTERS)
		return at(R_SEL, msr - AMD_PERF_CTL0);
	if (msr - AMD_PERF_CTR0 < AMD_LEGACY_COUNTERS)
		return at(R_CTR_FW, msr - AMD_PERF_CTR0);
	if (p->amd_core && msr - AMD_CORE_PERF_CTL0 < 2 * p->nr_gp)
		return at((msr - AMD_CORE_PERF_CTL0) % 2 ? R_CTR_FW : R_SEL, (msr - AMD_CORE_PERF_CTL0) / 2);
	if (!p->global)
		return at(R_NONE, 0);
	switch (msr) {
	case AMD_GLOBAL_STATUS: return at(R_STATUS, 0);
	case AMD_GLOBAL_CTL: return at(R_CTRL, 0);
	case AMD_GLOBAL_STATUS_CLR: return at(R_STATUS_RESET, 0);
	case AMD_GLOBAL_STATUS_SET: return at(R_STATUS_SET, 0);
	default: return at(R_NONE, 0);
	}
}

static struct reg_at reg_of(const struct pmu_model *m, u32 msr)
{
	struct reg_at r = m->pmu.intel ? intel_reg(&m->pmu, msr) : amd_reg(&m->pmu, msr);
	bool general = r.reg == R_SEL || r.reg == R_CTR || r.reg == R_CTR_FW;
	if (general && r.index >= m->pmu.nr_gp)
		r.reg = R_NONE; /* fewer counters than the legacy block's four */
	return r;
}

static u64 valid_global(const struct model_pmu *p)
{
	u64 v = width_mask(p->nr_gp);
	if (p->intel)
		v |= (u64)p->fixed_bitmap << GLOBAL_FIXED | (p->metrics ? GLOBAL_METRICS : 0);
	return v;
}

/* Intel's status also reports OvfBuf (62) and CondChgd (63); STATUS_RESET clears them. */
static u64 status_flags(const struct model_pmu *p) { return p->intel ? 3ULL << 62 : 0; }

static u64 valid_selector(const struct model_pmu *p)
{
	u64 low = 0xFFFFFFFFULL & ~SEL_ANY; /* AnyThread is not modelled (AMD: reserved) */
	if (p->intel)
		return low; /* bit 19 is pin control */
	return (low & ~SEL_INTEL_PC) | SEL_AMD_EVENT_HI | SEL_AMD_GUEST_ONLY | SEL_AMD_HOST_ONLY;
}

static u64 valid_fixed_ctrl(const struct model_pmu *p)
{
	u64 v = 0;
	for (u32 i = 0; i < MODEL_MAX_FIXED; i++)
		if (p->fixed_bitmap & (1u << i))
			v |= (u64)(FIXED_OS | FIXED_USR | FIXED_PMI) << (i * FIXED_FIELD_BITS);
	return v;
}

void pmu_model_violation(struct pmu_model *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->last_violation, sizeof(m->last_violation), fmt, ap);
	va_end(ap);
	m->violations++;
}

void pmu_model_init(struct pmu_model *m, const struct model_cpu *cpu)
{
	memset(m, 0, sizeof(*m));
	m->cpu = *cpu;
	m->pmu = cpu->amd ? decode_amd(cpu) : decode_intel(cpu);
	m->lvtpc = LVT_MASKED; /* masked at reset */
	/* SDM: at reset GLOBAL_CTRL enables the general counters (bits n-1:0), no fixed
	 * one; AMD's PPRs say the same of PerfMonV2's GLOBAL_CTL. */
	if (m->pmu.global)
		m->global_ctrl = width_mask(m->pmu.nr_gp);
}

static u64 stored(const struct pmu_model *m, u64 val) { return m->cpu.no_storage ? 0 : val; }

bool pmu_model_rdmsr(struct pmu_model *m, u32 msr, u64 *val)
{
	struct reg_at r = reg_of(m, msr);
	switch (r.reg) {
	case R_SEL: *val = stored(m, m->gp_sel[r.index]); return true;
	case R_CTR:
	case R_CTR_FW: *val = stored(m, m->gp_ctr[r.index]); return true;
	case R_FIXED: *val = stored(m, m->fixed_ctr[r.index]); return true;
	case R_FIXED_CTRL: *val = stored(m, m->fixed_ctrl); return true;
	case R_STATUS: *val = stored(m, m->global_status); return true;
	case R_CTRL: *val = stored(m, m->global_ctrl); return true;
	case R_STATUS_RESET:
	case R_STATUS_SET: *val = 0; return true;
	case R_CAPS: *val = stored(m, m->cpu.perf_capabilities); return true;
	case R_METRICS: *val = stored(m, m->perf_metrics); return true;
	case R_NONE: return false;
	}
	return false;
}

static bool write_counter(const struct pmu_model *m, u64 *ctr, u64 val, bool legacy)
{
	u64 mask = width_mask(m->pmu.gp_width);
	if (legacy) /* SDM 20.2.5: bits 31:0 written, sign-extended */
		val = (u64)(s64)(int32_t)(u32)val & mask;
	else if (val & ~mask)
		return false;
	*ctr = val;
	return true;
}

/* The write as the registers take it; false = #GP. */
static bool write_reg(struct pmu_model *m, struct reg_at r, u64 val)
{
	const struct model_pmu *p = &m->pmu;
	switch (r.reg) {
	case R_SEL:
		if (val & ~valid_selector(p))
			return false;
		m->gp_sel[r.index] = val;
		return true;
	case R_CTR: return write_counter(m, &m->gp_ctr[r.index], val, true);
	case R_CTR_FW: return write_counter(m, &m->gp_ctr[r.index], val, false);
	case R_FIXED:
		if (val & ~width_mask(p->fixed_width))
			return false;
		m->fixed_ctr[r.index] = val;
		if (r.index == 3)
			m->perf_metrics = 0; /* writing the slots counter resets the metrics */
		return true;
	case R_FIXED_CTRL:
		if (val & ~valid_fixed_ctrl(p))
			return false;
		m->fixed_ctrl = val;
		return true;
	case R_CTRL:
		if (val & ~valid_global(p))
			return false;
		m->global_ctrl = val;
		return true;
	case R_STATUS_RESET:
	case R_STATUS_SET:
		if (val & ~(valid_global(p) | (r.reg == R_STATUS_RESET ? status_flags(p) : 0)))
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

bool pmu_model_wrmsr(struct pmu_model *m, u32 msr, u64 val)
{
	if (m->cpu.no_storage) /* any value is taken, and nothing kept */
		return reg_of(m, msr).reg != R_NONE;
	return write_reg(m, reg_of(m, msr), val);
}

bool pmu_model_rdpmc(struct pmu_model *m, u32 ecx, u64 *val)
{
	u32 index = ecx & 0xFFFF;
	if (m->cpu.no_storage)
		return false; /* nothing to read: QEMU TCG raises #UD, KVM with its PMU off #GP */
	if (!m->pmu.intel) { /* APM: ECX is the counter number */
		if (ecx < m->pmu.nr_gp) {
			*val = stored(m, m->gp_ctr[ecx]);
			return true;
		}
		/* 6-9: the data fabric's counters (PerfCtrExtDF), 10-15: the L3's (PerfCtrExtLLC) */
		bool df = ecx - 6 < 4 && (m->cpu.ext1_ecx & (1u << 24));
		bool llc = ecx - 10 < 6 && (m->cpu.ext1_ecx & (1u << 28));
		*val = stored(m, AMD_PACKAGE_COUNTER); /* package-wide: never a guest's own value */
		return (df || llc) && m->pmu.nr_gp <= AMD_CORE_COUNTERS;
	}
	if (ecx & (1u << 29)) /* PERF_METRICS */
		return pmu_model_rdmsr(m, IA32_PERF_METRICS, val);
	if (ecx & (1u << 30))
		return pmu_model_rdmsr(m, IA32_FIXED_CTR0 + index, val);
	return index < m->pmu.nr_gp && pmu_model_rdmsr(m, IA32_PMC0 + index, val);
}

void pmu_model_write_lvtpc(struct pmu_model *m, u32 val) { m->lvtpc = val; }

void pmu_model_vm_entry(struct pmu_model *m, u64 guest_global_ctrl)
{
	m->guest_mode = true;
	m->metrics_restored = false;
	if (m->pmu.intel)
		m->global_ctrl = stored(m, guest_global_ctrl);
}

u64 pmu_model_vm_exit(struct pmu_model *m, u64 host_global_ctrl)
{
	u64 guest = m->global_ctrl;
	m->guest_mode = false;
	m->cpl = 0;
	if (!m->pmu.intel)
		return guest;
	m->global_ctrl = stored(m, host_global_ctrl);
	if (m->global_ctrl)
		pmu_model_violation(m, "GLOBAL_CTRL 0x%llx in host mode after a VM exit (invariant 1)",
				(unsigned long long)m->global_ctrl);
	return guest;
}

/* ---- counting ---- */

static bool mode_allows(const struct pmu_model *m, u64 sel)
{
	if (m->pmu.intel)
		return true;
	bool guest_only = sel & SEL_AMD_GUEST_ONLY, host_only = sel & SEL_AMD_HOST_ONLY;
	if (guest_only == host_only)
		return true; /* both or neither: count in both modes */
	return guest_only ? m->guest_mode : !m->guest_mode;
}

bool pmu_model_counting(const struct pmu_model *m, u32 counter)
{
	const struct model_pmu *p = &m->pmu;
	if (m->cpu.no_storage)
		return false;
	if (counter >= MODEL_MAX_GP) {
		u32 i = counter - MODEL_MAX_GP;
		u64 field = m->fixed_ctrl >> (i * FIXED_FIELD_BITS);
		return (p->fixed_bitmap & (1u << i)) && (field & (m->cpl ? FIXED_USR : FIXED_OS)) &&
		       (m->global_ctrl & (1ULL << (GLOBAL_FIXED + i)));
	}
	u64 sel = m->gp_sel[counter];
	if (counter >= p->nr_gp || !(sel & SEL_EN) || !(sel & (m->cpl ? SEL_USR : SEL_OS)))
		return false;
	if (p->global && !(m->global_ctrl & (1ULL << counter)))
		return false;
	return mode_allows(m, sel);
}

bool pmu_model_any_counting(const struct pmu_model *m)
{
	for (u32 i = 0; i < MODEL_MAX_GP + MODEL_MAX_FIXED; i++)
		if (pmu_model_counting(m, i))
			return true;
	return false;
}

int pmu_model_counter_of(const struct pmu_model *m, u32 msr)
{
	struct reg_at r = reg_of(m, msr);
	switch (r.reg) {
	case R_SEL:
	case R_CTR:
	case R_CTR_FW: return (int)r.index;
	case R_FIXED: return MODEL_MAX_GP + (int)r.index;
	case R_METRICS: return MODEL_MAX_GP + 3;
	case R_FIXED_CTRL: return MODEL_ANY_FIXED;
	default: return -1;
	}
}

bool pmu_model_set(struct pmu_model *m, u32 msr, u64 val)
{
	struct reg_at r = reg_of(m, msr);
	switch (r.reg) {
	case R_SEL: m->gp_sel[r.index] = val; return true;
	case R_CTR:
	case R_CTR_FW: m->gp_ctr[r.index] = val; return true;
	case R_FIXED: m->fixed_ctr[r.index] = val; return true;
	case R_FIXED_CTRL: m->fixed_ctrl = val; return true;
	case R_STATUS: m->global_status = val; return true;
	case R_CTRL: m->global_ctrl = val; return true;
	case R_METRICS: m->perf_metrics = val; return true;
	case R_CAPS:
	case R_STATUS_RESET:
	case R_STATUS_SET: return true; /* nothing of their own to hold */
	case R_NONE: return false;
	}
	return false;
}

bool pmu_model_write_stops(const struct pmu_model *m, u32 msr, u64 val)
{
	enum reg r = reg_of(m, msr).reg;
	return (r == R_SEL && !(val & SEL_EN)) || (r == R_FIXED_CTRL && !val);
}

bool pmu_model_counts_itself(const struct pmu_model *m, u32 msr)
{
	enum reg r = reg_of(m, msr).reg;
	return r == R_CTR || r == R_CTR_FW || r == R_FIXED || r == R_STATUS || r == R_METRICS;
}

bool pmu_model_is_metrics(const struct pmu_model *m, u32 msr)
{
	return reg_of(m, msr).reg == R_METRICS;
}
bool pmu_model_is_slots_counter(const struct pmu_model *m, u32 msr)
{
	struct reg_at r = reg_of(m, msr);
	return r.reg == R_FIXED && r.index == 3;
}

static void raise_pmi(struct pmu_model *m)
{
	if (m->lvtpc & LVT_MASKED) {
		m->pmis_blocked++;
		return;
	}
	m->pmis++;
	m->last_pmi_lvtpc = m->lvtpc;
	if (m->pmu.intel)
		m->lvtpc |= LVT_MASKED; /* SDM 20.2: the APIC masks the LVTPC on a PMI; the APM's does not */
}

static void add(struct pmu_model *m, u64 *ctr, u32 width, u64 n, u32 status_bit, bool pmi)
{
	u64 mask = width_mask(width), next = (*ctr + n) & mask;
	bool overflow = *ctr + n > mask;
	*ctr = next;
	if (!overflow)
		return;
	if (m->pmu.global)
		m->global_status |= 1ULL << status_bit;
	if (pmi)
		raise_pmi(m);
}

static u16 event_of(const struct pmu_model *m, u64 sel)
{
	return (u16)((sel & 0xFF) | (m->pmu.intel ? 0 : (sel >> 24) & 0xF00));
}

void pmu_model_count(struct pmu_model *m, u16 event, u8 umask, u64 n)
{
	static const u16 fixed_events[MODEL_MAX_FIXED][2] = { { EVENT_INSTRUCTIONS },
		{ EVENT_CORE_CYCLES }, { EVENT_REF_CYCLES }, { EVENT_TOPDOWN_SLOTS } };
	for (u32 i = 0; i < m->pmu.nr_gp; i++) {
		u64 sel = m->gp_sel[i];
		if (pmu_model_counting(m, i) && event_of(m, sel) == event && (u8)(sel >> 8) == umask)
			add(m, &m->gp_ctr[i], m->pmu.gp_width, n, i, sel & SEL_INT);
	}
	for (u32 i = 0; i < MODEL_MAX_FIXED; i++) {
		if (!pmu_model_counting(m, MODEL_MAX_GP + i) || fixed_events[i][0] != event ||
		    fixed_events[i][1] != umask)
			continue;
		bool pmi = (m->fixed_ctrl >> (i * FIXED_FIELD_BITS)) & FIXED_PMI;
		add(m, &m->fixed_ctr[i], m->pmu.fixed_width, n, GLOBAL_FIXED + i, pmi);
		if (i == 3 && m->pmu.metrics)
			m->perf_metrics += n; /* a stand-in: the metrics move with the slots */
	}
}
