#include "core/msr_policy.h"
#include "arch/host_caps.h"
#include "arch/string.h"
#include "pmu/pmu_hw.h"
#include "pmu/pmu_vendor.h"
#include "core/cr_access.h"
#include "core/guest_tsc.h"
#include "core/vlapic.h"


typedef bool (*msr_read_fn)(struct vcpu *v, u32 msr, u64 *val);
typedef bool (*msr_write_fn)(struct vcpu *v, u32 msr, u64 val);

struct msr_rule {
	u32 first, last;
	enum msr_action read, write;
	msr_read_fn rd;
	msr_write_fn wr;
	/* When the action depends on the guest's configuration. */
	enum msr_action (*action)(const struct vcpu *v, enum msr_access a);
};

static bool is_canonical(u64 a) { return (u64)((s64)(a << 16) >> 16) == a; }

static enum vcpu_reg reg_of(u32 msr)
{
	switch (msr) {
	case MSR_FS_BASE: return VREG_FS_BASE;
	case MSR_GS_BASE: return VREG_GS_BASE;
	case MSR_PAT: return VREG_PAT;
	default: return VREG_EFER;
	}
}

static bool read_reg(struct vcpu *v, u32 msr, u64 *val)
{
	*val = vcpu_ops->get_reg(v, reg_of(msr));
	return true;
}

static bool write_base(struct vcpu *v, u32 msr, u64 val)
{
	if (!is_canonical(val))
		return false;
	vcpu_set_reg(v, reg_of(msr), val);
	return true;
}

static bool write_pat(struct vcpu *v, u32 msr, u64 val)
{
	for (int i = 0; i < 8; i++) {
		u8 type = (u8)(val >> (i * 8));
		if (type == 2 || type == 3 || type > 7) /* reserved memory types */
			return false;
	}
	vcpu_set_reg(v, reg_of(msr), val);
	return true;
}

/* Only the bits the guest's CPUID offers; LMA is read-only (core/cr_rules.c). */
static bool write_efer(struct vcpu *v, u32 msr, u64 val)
{
	struct cr_state s = cr_state_of(v);
	u64 efer;
	const char *why = efer_load(&v->cr, &s, val, &efer);
	if (why) {
		pr_debug("%s: %s", v->vm->name, why);
		return false;
	}
	vcpu_set_reg(v, reg_of(msr), efer);
	return true;
}

/*
 * APERF/MPERF reads pass through only when asked; never writes. They are not
 * virtualized (not zeroed, saved or adjusted for sharing the CPU), so their
 * ratio is only sound in a constrained setup (docs/design.md, "The PMU
 * contract", invariant 7).
 */
static enum msr_action aperfmperf_action(const struct vcpu *v, enum msr_access a)
{
	bool pass = v->vm->cfg->aperfmperf == APERFMPERF_PASSTHROUGH && a == MSR_READ;
	return pass ? MSR_PASS : MSR_DENY;
}

/*
 * The counters every CPU of a vendor has whatever CPUID says: AMD's four
 * legacy ones, and Intel's first two, there since the P6. A guest shown no
 * PMU reads them as 0 and its writes are dropped, as on KVM with its PMU
 * off: a #GP there kills kernels that probe them at start-up. With a vPMU
 * they are the vPMU's (a counter not given raises #GP); the other vendor's
 * do not exist.
 */
static enum msr_action counters_without_a_pmu(const struct vcpu *v, enum pmu_kind kind)
{
	const struct vpmu_desc *d = &v->vm->pmu;
	return d->mode == VPMU_OFF && d->host && d->host->kind == kind ? MSR_EMULATE : MSR_DENY;
}

static enum msr_action amd_legacy_pmu_action(const struct vcpu *v, enum msr_access a)
{
	(void)a;
	return counters_without_a_pmu(v, PMU_AMD);
}

static enum msr_action intel_p6_pmu_action(const struct vcpu *v, enum msr_access a)
{
	(void)a;
	return counters_without_a_pmu(v, PMU_INTEL_ARCH);
}

/*
 * IA32_TSC_AUX exists where CPUID offers RDTSCP or RDPID (passed from the
 * host); the guest's value is in the hardware while it runs (core/msr_switch.c).
 */
static enum msr_action tsc_aux_action(const struct vcpu *v, enum msr_access a)
{
	(void)v, (void)a;
	return host_caps.tsc_aux ? MSR_PASS : MSR_DENY;
}

/*
 * CSTAR (compatibility-mode SYSCALL's target) is the guest's own like STAR
 * where the CPU uses it (AMD-V: VMLOAD/VMSAVE); where it does not (VT-x,
 * vcpu_ops.stored_msrs) it is kept as plain storage, as canonical as LSTAR.
 */
static enum msr_action cstar_action(const struct vcpu *v, enum msr_access a)
{
	(void)v, (void)a;
	return vcpu_ops->stored_msrs & BIT(LAZY_CSTAR) ? MSR_EMULATE : MSR_PASS;
}

static bool cstar_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = v->msrs.lazy[LAZY_CSTAR];
	return true;
}

static bool cstar_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	if (!is_canonical(val))
		return false;
	v->msrs.lazy[LAZY_CSTAR] = val;
	return true;
}

#define MISC_ENABLE_FAST_STRING BIT(0)
#define MISC_ENABLE_PERF_AVAIL BIT(7)
#define MISC_ENABLE_BTS_UNAVAIL BIT(11)
#define MISC_ENABLE_PEBS_UNAVAIL BIT(12)

/*
 * Intel's IA32_MISC_ENABLE is the guest's own view, as on KVM: performance
 * monitoring available exactly when it has a vPMU, BTS and PEBS unavailable
 * (pmuvisor offers neither; Linux reads these bits at boot to decide whether
 * to use them), and fast strings enabled, their value at reset and on every
 * firmware. A guest that reads them disabled believes a CPU no one ships:
 * Linux then drops ERMS but keeps FSRM, and its 6.1 memmove, which takes
 * FSRM to imply ERMS, skips its length check and runs away on any move
 * shorter than 32 bytes (docs/design.md, "Linux guests"). Writes that change
 * nothing are accepted; the bits are read-only, so any other write raises
 * #GP. The host's own is never touched. AMD CPUs have no such MSR.
 */
static enum msr_action intel_only_action(const struct vcpu *v, enum msr_access a)
{
	(void)v, (void)a;
	return host_caps.vendor == VENDOR_INTEL ? MSR_EMULATE : MSR_DENY;
}

static u64 misc_enable(const struct vcpu *v)
{
	return MISC_ENABLE_FAST_STRING | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL |
	       (v->vm->pmu.mode != VPMU_OFF ? MISC_ENABLE_PERF_AVAIL : 0);
}

static bool misc_enable_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = misc_enable(v);
	return true;
}

static bool misc_enable_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	return val == misc_enable(v);
}

static bool read_zero(struct vcpu *v, u32 msr, u64 *val)
{
	(void)v, (void)msr;
	*val = 0;
	return true;
}

static bool write_dropped(struct vcpu *v, u32 msr, u64 val)
{
	(void)v, (void)msr, (void)val;
	return true;
}

/*
 * MTRRs, which CPUID.1:EDX offers on every host: the guest's memory types
 * come from its PAT and the nested page tables, so it is given MTRRs with no
 * ranges at all (MTRRcap 0: no variable or fixed ranges, no WC) and a default
 * type it may set, enabled and write-back as firmware leaves it; Linux reads
 * both at boot (an RDMSR of MTRRcap faulted before).
 */
#define MTRR_DEF_TYPE_E BIT(11)
#define MTRR_TYPE_WB 6
#define MTRR_DEF_TYPE_RESET (MTRR_DEF_TYPE_E | MTRR_TYPE_WB)

static bool mtrr_type_valid(u64 type) { return type == 0 || (type >= 4 && type <= 6); }

static bool mtrr_def_type_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = v->msrs.mtrr_def_type;
	return true;
}

/* E and the type; FE (bit 10) only with fixed ranges, which there are none of. */
static bool mtrr_def_type_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	if ((val & ~(MTRR_DEF_TYPE_E | 0xFFull)) || !mtrr_type_valid(val & 0xFF))
		return false;
	v->msrs.mtrr_def_type = val;
	return true;
}

void msr_policy_vcpu_reset(struct vcpu *v) { v->msrs.mtrr_def_type = MTRR_DEF_TYPE_RESET; }

#define RULE(lo, hi, r, w, rdfn, wrfn) \
	{ .first = lo, .last = hi, .read = r, .write = w, .rd = rdfn, .wr = wrfn }

/* Sorted by MSR, without overlaps: find_rule searches it by halves. */
static const struct msr_rule rules[] = {
	/* Reads see the offset the hardware adds; writes move it (core/guest_tsc.c). */
	RULE(MSR_TSC, MSR_TSC, MSR_PASS, MSR_EMULATE, NULL, guest_tsc_write),
	RULE(MSR_APIC_BASE, MSR_APIC_BASE, MSR_EMULATE, MSR_EMULATE, vlapic_base_read,
	     vlapic_base_write),
	/* Emulated, so offered on every host (CPUID.(7,0):EBX[1]), as KVM does. */
	RULE(MSR_TSC_ADJUST, MSR_TSC_ADJUST, MSR_EMULATE, MSR_EMULATE, guest_tsc_adjust_read,
	     guest_tsc_adjust_write),
	/*
	 * Intel's microcode revision, which Linux reads at boot (it writes 0,
	 * runs CPUID and reads): a guest runs no microcode of its own, so it
	 * reads 0 and the write is dropped, as an unchecked RDMSR that faulted
	 * would have given it, without the fault (AMD's PATCH_LEVEL stays #GP).
	 */
	{ .first = MSR_BIOS_SIGN_ID, .last = MSR_BIOS_SIGN_ID, .action = intel_only_action,
	  .rd = read_zero, .wr = write_dropped },
	{ .first = MSR_IA32_PMC0, .last = MSR_IA32_PMC0 + 1, .action = intel_p6_pmu_action,
	  .rd = read_zero, .wr = write_dropped },
	{ .first = MSR_IA32_MPERF, .last = MSR_IA32_APERF, .action = aperfmperf_action },
	RULE(MSR_MTRRCAP, MSR_MTRRCAP, MSR_EMULATE, MSR_DENY, read_zero, NULL),
	/*
	 * The guest's own, in the hardware whenever it runs: SYSENTER_* through
	 * the VMCS (VT-x) or VMLOAD/VMSAVE (AMD-V); STAR/LSTAR/SFMASK and
	 * KERNEL_GS_BASE through VMLOAD/VMSAVE or core/msr_switch.c; so the
	 * hardware's own checks (canonical addresses) apply.
	 */
	RULE(MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_PASS, MSR_PASS, NULL, NULL),
	{ .first = MSR_IA32_PERFEVTSEL0, .last = MSR_IA32_PERFEVTSEL0 + 1,
	  .action = intel_p6_pmu_action, .rd = read_zero, .wr = write_dropped },
	{ .first = MSR_MISC_ENABLE, .last = MSR_MISC_ENABLE, .action = intel_only_action,
	  .rd = misc_enable_read, .wr = misc_enable_write },
	RULE(MSR_PAT, MSR_PAT, MSR_EMULATE, MSR_EMULATE, read_reg, write_pat),
	RULE(MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, MSR_EMULATE, MSR_EMULATE, mtrr_def_type_read,
	     mtrr_def_type_write),
	RULE(MSR_TSC_DEADLINE, MSR_TSC_DEADLINE, MSR_EMULATE, MSR_EMULATE, vlapic_tsc_deadline_read,
	     vlapic_tsc_deadline_write),
	RULE(MSR_X2APIC_FIRST, MSR_X2APIC_LAST, MSR_EMULATE, MSR_EMULATE, vlapic_x2apic_read,
	     vlapic_x2apic_write),
	RULE(MSR_EFER, MSR_EFER, MSR_EMULATE, MSR_EMULATE, read_reg, write_efer),
	RULE(MSR_STAR, MSR_LSTAR, MSR_PASS, MSR_PASS, NULL, NULL),
	{ .first = MSR_CSTAR, .last = MSR_CSTAR, .action = cstar_action, .rd = cstar_read,
	  .wr = cstar_write },
	RULE(MSR_SFMASK, MSR_SFMASK, MSR_PASS, MSR_PASS, NULL, NULL),
	RULE(MSR_FS_BASE, MSR_GS_BASE, MSR_EMULATE, MSR_EMULATE, read_reg, write_base),
	RULE(MSR_KERNEL_GS_BASE, MSR_KERNEL_GS_BASE, MSR_PASS, MSR_PASS, NULL, NULL),
	{ .first = MSR_TSC_AUX, .last = MSR_TSC_AUX, .action = tsc_aux_action },
	{ .first = MSR_K7_PERFCTL0, .last = MSR_K7_PERFCTR0 + 3, .action = amd_legacy_pmu_action,
	  .rd = read_zero, .wr = write_dropped },
};

/* The largest power of two not above the rules' count, as 1 << RULES_LOG2. */
#define RULES_LOG2 4
_Static_assert(ARRAY_SIZE(rules) >= (1u << RULES_LOG2) && ARRAY_SIZE(rules) < (2u << RULES_LOG2),
	       "RULES_LOG2 follows the size of rules[]");

/*
 * By halves in a fixed number of steps, as this runs on every MSR exit: the
 * first step picks one of two overlapping windows of 1 << RULES_LOG2 rules
 * (the first ones or the last ones), then each step halves it, a compare
 * and an add the compiler unrolls. i ends on the first rule whose last MSR
 * is msr or above, or on the last rule.
 */
static const struct msr_rule *find_rule(u32 msr)
{
	size_t i = rules[(1u << RULES_LOG2) - 1].last < msr ? ARRAY_SIZE(rules) - (1u << RULES_LOG2)
							    : 0;
#pragma GCC unroll 8
	for (u32 k = RULES_LOG2; k-- > 0;)
		if (rules[i + (1u << k) - 1].last < msr)
			i += 1u << k;
	const struct msr_rule *r = &rules[i];
	return msr >= r->first && msr <= r->last ? r : NULL;
}

static enum msr_action rule_action(const struct msr_rule *r, const struct vcpu *v,
				   enum msr_access a)
{
	if (!r)
		return MSR_DENY;
	if (r->action)
		return r->action(v, a);
	return a == MSR_READ ? r->read : r->write;
}

/*
 * The guest's PMU MSRs are the vPMU's: it decides what passes through, and
 * emulates every intercepted access. Each MSR is classified once per exit.
 */
enum msr_action msr_policy_action(const struct vcpu *v, u32 msr, enum msr_access a)
{
	const struct vpmu_desc *d = &v->vm->pmu;
	struct pmu_msr_class c = pmu_classify(d, msr);
	if (c.kind != PMC_NONE)
		return vpmu_class_passthrough(d, c, a) ? MSR_PASS : MSR_EMULATE;
	return rule_action(find_rule(msr), v, a);
}

static void pass_if_allowed(const struct msr_bitmap_layout *l, u8 *bitmap, const struct vcpu *v,
			    u32 msr)
{
	if (msr_policy_action(v, msr, MSR_READ) == MSR_PASS)
		msr_intercept(l, bitmap, msr, MSR_READ, false);
	if (msr_policy_action(v, msr, MSR_WRITE) == MSR_PASS)
		msr_intercept(l, bitmap, msr, MSR_WRITE, false);
}

void msr_policy_build_bitmap(const struct msr_bitmap_layout *l, u8 *bitmap,
			     const struct vcpu *v)
{
	memset(bitmap, 0xFF, l->size);
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		for (u32 msr = rules[i].first; msr <= rules[i].last; msr++)
			pass_if_allowed(l, bitmap, v, msr);
	const struct pmu_vendor *pv = v->vm->pmu.vendor;
	for (u32 i = 0; pv && i < pv->nr_ranges; i++) {
		const struct pmu_msr_range *r = &pv->ranges[i];
		for (u32 n = 0; n < r->count; n++)
			pass_if_allowed(l, bitmap, v, r->first + n * r->stride);
	}
}

/* The guest's PMU first, when it has one (an off vPMU owns no MSR). */
static struct pmu_msr_class classify(const struct vcpu *v, u32 msr)
{
	const struct vpmu_desc *d = &v->vm->pmu;
	return d->vendor ? pmu_classify(d, msr) : (struct pmu_msr_class){ PMC_NONE, 0 };
}

bool msr_policy_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct pmu_msr_class c = classify(v, msr);
	if (c.kind != PMC_NONE)
		return vpmu_class_read(&v->pmu, c, val);
	const struct msr_rule *r = find_rule(msr);
	return rule_action(r, v, MSR_READ) != MSR_DENY && r->rd && r->rd(v, msr, val);
}

bool msr_policy_write(struct vcpu *v, u32 msr, u64 val)
{
	struct pmu_msr_class c = classify(v, msr);
	if (c.kind != PMC_NONE)
		return vpmu_class_write(&v->pmu, c, val);
	const struct msr_rule *r = find_rule(msr);
	return rule_action(r, v, MSR_WRITE) != MSR_DENY && r->wr && r->wr(v, msr, val);
}
