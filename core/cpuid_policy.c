#include "core/cpuid_policy.h"
#include "core/exit.h"
#include "arch/host_caps.h"
#include "arch/string.h"
#include "pmu/pmu_platform.h"
#include "pmu/vpmu_desc.h"

/* CPUID_MASKED: the host's value with bits cleared and set; CPUID_PASS: as it is. */
enum cpuid_action { CPUID_ZERO, CPUID_PASS, CPUID_MASKED, CPUID_SYNTH };

/* Register indexes into the clear/set masks. */
enum { EAX, EBX, ECX, EDX };

/* A leaf missing from the tables (all zero: CPUID_ZERO) reads as zero. */
struct cpuid_rule {
	enum cpuid_action action;
	u32 clear[4], set[4]; /* applied to the host's value (MASKED) */
	/* SYNTH: makes the leaf; PASS, MASKED: when set, adjusts the host's value after the masks */
	void (*synth)(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r);
};

#define HV_MAX_LEAF 0x40000010

/* "pmuvisor" in EBX, ECX, EDX, NUL padded. */
static void synth_vendor_leaf(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r)
{
	(void)v, (void)subleaf;
	static const char name[12] = "pmuvisor";
	r->eax = HV_MAX_LEAF;
	memcpy(&r->ebx, name, 4);
	memcpy(&r->ecx, name + 4, 4);
	memcpy(&r->edx, name + 8, 4);
}

/* EBX tells guests what the platform's PMU really does, so counting checks can SKIP. */
static void synth_abi_leaf(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r)
{
	(void)subleaf;
	r->eax = HC_ABI_VERSION;
	const struct pmu_caps *host = v->vm->pmu.host;
	r->ebx = (pmu_platform.counts ? HV_LEAF_PMU_COUNTS : 0) |
		 (pmu_platform.rdpmc_vector == 0 ? HV_LEAF_RDPMC_WORKS : 0) |
		 (host && host->amd_shared_counters ? HV_LEAF_PMU_SHARED : 0);
}

/* The timing leaf VMware defined and Linux reads: TSC and APIC bus rates in kHz. */
static void synth_timing_leaf(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r)
{
	(void)subleaf;
	r->eax = (u32)v->lapic.tsc_khz;
	r->ebx = VLAPIC_BUS_KHZ;
}

/* The virtual LAPIC timer runs whatever the vCPU does (HLT included). */
#define LEAF6_EAX_ARAT BIT(2)

/* Leaf 6: ARAT, and the APERF/MPERF bit only when passed through and the host has them to
 * pass (docs/design.md, invariant 7). Linux needs ARAT to trust the LAPIC timer without a PIT. */
static void synth_power_leaf(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r)
{
	(void)subleaf;
	r->eax = LEAF6_EAX_ARAT;
	r->ecx = v->vm->cfg->aperfmperf == APERFMPERF_PASSTHROUGH && host_caps.aperfmperf;
}

/*
 * MONITOR VMX SMX TM2 PDCM OSXSAVE; PDCM comes back from the vPMU when it
 * has one, OSXSAVE follows the guest's CR4. XSAVE and AVX are the host's
 * when pmuvisor manages their state (host_caps.xcr0_managed). In EDX, the
 * features whose MSRs no rule gives the guest, hidden as KVM hides them: DS
 * (DS_AREA), ACPI and TM (the thermal MSRs, which Linux writes when they
 * show), PBE.
 */
#define LEAF1_ECX_HIDDEN (BIT(3) | BIT(5) | BIT(6) | BIT(8) | BIT(15) | BIT(27))
#define LEAF1_EDX_HIDDEN (BIT(21) | BIT(22) | BIT(29) | BIT(31))
#define LEAF1_ECX_XSAVE BIT(26)
#define LEAF1_ECX_OSXSAVE BIT(27)
#define LEAF1_ECX_AVX BIT(28)
/*
 * Leaf 7: what needs state XCR0 does not offer, or MSRs no rule gives the
 * guest: AVX-512 (EBX 16, 17, 21, 26-28, 30, 31; ECX 1, 6, 11, 12, 14; EDX 2,
 * 3, 8, 23), PKU/OSPKE (ECX 3, 4: PKRU is XSAVE state), CET (ECX 7, EDX 20),
 * AMX (EDX 22, 24, 25), and the speculation and TSX controls (EDX 9
 * MCU_OPT_CTRL, 13 TSX_FORCE_ABORT, 26 and 27 SPEC_CTRL and PRED_CMD, 28
 * FLUSH_CMD, 29 ARCH_CAPABILITIES, 30 CORE_CAPABILITIES, 31 SPEC_CTRL's SSBD):
 * Linux writes PRED_CMD between user address spaces when CPUID offers IBPB.
 */
#define LEAF7_EBX_HIDDEN (BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | \
			  BIT(31))
#define LEAF7_ECX_HIDDEN (BIT(1) | BIT(3) | BIT(4) | BIT(6) | BIT(7) | BIT(11) | BIT(12) | BIT(14))
#define LEAF7_EDX_SPEC_CTRLS (BIT(9) | BIT(13) | BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(30) | \
			      BIT(31))
#define LEAF7_EDX_HIDDEN (BIT(2) | BIT(3) | BIT(8) | BIT(20) | BIT(22) | BIT(23) | BIT(24) | \
			  BIT(25) | LEAF7_EDX_SPEC_CTRLS)
#define LEAF1_ECX_X2APIC BIT(21) /* the virtual LAPIC offers x2APIC mode */
#define LEAF1_ECX_TSC_DEADLINE BIT(24) /* and the TSC-deadline timer */
#define LEAF1_ECX_HYPERVISOR BIT(31)
#define LEAF1_EDX_APIC BIT(9)
/*
 * SVM, SKINIT, PerfCtrExtCore (given back by the vPMU), and the package-wide
 * counters no guest owns: PerfCtrExtNB/DF (24) and PerfCtrExtLLC (28).
 */
#define EXT1_ECX_HIDDEN (BIT(2) | BIT(12) | BIT(23) | BIT(24) | BIT(28))
/*
 * AMD's speculation controls, whose MSRs no rule gives the guest either:
 * IBPB (12: PRED_CMD), IBRS (14), STIBP (15), SSBD (24) and PSFD (28) in
 * SPEC_CTRL, VIRT_SSBD (25: VIRT_SPEC_CTRL).
 */
#define EXT8_EBX_HIDDEN (BIT(12) | BIT(14) | BIT(15) | BIT(24) | BIT(25) | BIT(28))

/*
 * 5-level paging. Under pmuvisor on QEMU 7.2 TCG, Debian's 6.1 kernel
 * triple-faults right after it sets CR4.LA57, and boots with it hidden (QEMU's
 * walk of 5-level guest tables under nested paging is the suspect, not yet
 * proven); no guest here needs 57-bit addresses.
 */
#define LEAF7_ECX_LA57 BIT(16)

#define PASS { .action = CPUID_PASS }

#define LEAF7_EBX_TSC_ADJUST BIT(1)

/*
 * Leaf 7 subleaf 0: IA32_TSC_ADJUST is emulated (core/guest_tsc.c), so always
 * offered; the features above whose state or MSRs are not offered are hidden.
 */
static void adjust_leaf7(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r)
{
	(void)v;
	if (subleaf == 0) {
		r->ebx = (r->ebx & ~(u32)LEAF7_EBX_HIDDEN) | LEAF7_EBX_TSC_ADJUST;
		r->ecx &= ~(u32)LEAF7_ECX_HIDDEN;
		r->edx &= ~(u32)LEAF7_EDX_HIDDEN;
	}
}

/* Indexed by leaf within each range, so the lookup on every CPUID exit is O(1). */
static const struct cpuid_rule basic_leaves[] = {
	[0x0] = PASS,
	[0x1] = { CPUID_MASKED, { [ECX] = LEAF1_ECX_HIDDEN, [EDX] = LEAF1_EDX_HIDDEN },
		  { [ECX] = LEAF1_ECX_HYPERVISOR | LEAF1_ECX_X2APIC | LEAF1_ECX_TSC_DEADLINE }, NULL },
	[0x2] = PASS,
	[0x4] = PASS,
	[0x6] = { .action = CPUID_SYNTH, .synth = synth_power_leaf },
	[0x7] = { CPUID_MASKED, { [ECX] = LEAF7_ECX_LA57 }, { 0 }, adjust_leaf7 },
	[0xB] = PASS,
	[0xD] = PASS, /* rewritten by xsave_leaf() */
};

static const struct cpuid_rule hypervisor_leaves[] = {
	[0x0] = { .action = CPUID_SYNTH, .synth = synth_vendor_leaf },
	[0x1] = { .action = CPUID_SYNTH, .synth = synth_abi_leaf },
	[0x10] = { .action = CPUID_SYNTH, .synth = synth_timing_leaf },
};

static const struct cpuid_rule extended_leaves[] = {
	[0x0] = PASS,
	[0x1] = { CPUID_MASKED, { [ECX] = EXT1_ECX_HIDDEN }, { 0 }, NULL },
	[0x2] = PASS,
	[0x3] = PASS,
	[0x4] = PASS,
	[0x5] = PASS,
	[0x6] = PASS,
	[0x8] = { CPUID_MASKED, { [EBX] = EXT8_EBX_HIDDEN }, { 0 }, NULL },
};

struct leaf_range {
	u32 base;
	const struct cpuid_rule *rules;
	u32 count;
};

/* Indexed by the leaf's top two bits: this runs on every CPUID exit. */
static const struct leaf_range ranges[4] = {
	{ 0x0, basic_leaves, ARRAY_SIZE(basic_leaves) },
	{ 0x40000000, hypervisor_leaves, ARRAY_SIZE(hypervisor_leaves) },
	{ 0x80000000, extended_leaves, ARRAY_SIZE(extended_leaves) },
	{ 0xC0000000, NULL, 0 },
};

static inline __attribute__((always_inline)) void apply(const struct cpuid_rule *rule, const struct vcpu *v, u32 leaf, u32 subleaf,
		  struct cpuid_regs *r, cpuid_source host)
{
	if (rule->action == CPUID_SYNTH) {
		rule->synth(v, subleaf, r);
		return;
	}
	*r = host(leaf, subleaf);
	if (rule->action == CPUID_MASKED) { /* most leaves have no masks to apply */
		r->eax = (r->eax & ~rule->clear[EAX]) | rule->set[EAX];
		r->ebx = (r->ebx & ~rule->clear[EBX]) | rule->set[EBX];
		r->ecx = (r->ecx & ~rule->clear[ECX]) | rule->set[ECX];
		r->edx = (r->edx & ~rule->clear[EDX]) | rule->set[EDX];
	}
	if (rule->synth)
		rule->synth(v, subleaf, r);
}

#define XSAVE_LEGACY_AND_HEADER 576 /* bytes before the first extended component */
#define LEAFD1_EAX_OFFERED (BIT(0) | BIT(2)) /* XSAVEOPT, XGETBV with ECX=1 */

/* Bytes of the standard-format XSAVE area for the components in xcr0 (the host's layout). */
static u32 xsave_size(u64 xcr0, cpuid_source host)
{
	u32 size = XSAVE_LEGACY_AND_HEADER;
	for (u32 i = 2; i < 64; i++)
		if (xcr0 & BIT(i)) {
			struct cpuid_regs c = host(0xD, i);
			size = c.eax + c.ebx > size ? c.eax + c.ebx : size; /* size + offset */
		}
	return size;
}

/*
 * Leaf 0xD: only the components pmuvisor manages; the area's size follows
 * the guest's XCR0; XSAVEC and XSAVES (which need IA32_XSS) are not offered.
 */
static void xsave_leaf(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r, cpuid_source host)
{
	u64 offered = host_caps.xcr0_managed;
	if (!offered) /* no XSAVE: the leaf is empty */
		*r = (struct cpuid_regs){ 0 };
	else if (subleaf == 0)
		*r = (struct cpuid_regs){ (u32)offered, xsave_size(v->shared.xcr0 & offered, host),
					  xsave_size(offered, host), (u32)(offered >> 32) };
	else if (subleaf == 1)
		*r = (struct cpuid_regs){ .eax = r->eax & LEAFD1_EAX_OFFERED };
	else if (subleaf >= 64 || !(offered & BIT(subleaf)))
		*r = (struct cpuid_regs){ 0 };
}

/* Leaf 1's XSAVE bits: offered with the state pmuvisor manages. */
static void xsave_features(struct cpuid_regs *r)
{
	if (!host_caps.xcr0_managed)
		r->ecx &= ~(u32)(LEAF1_ECX_XSAVE | LEAF1_ECX_AVX);
	else if (!(host_caps.xcr0_managed & XSTATE_AVX))
		r->ecx &= ~(u32)LEAF1_ECX_AVX;
}

/*
 * The bits of leaf 1 that follow the guest's state, applied at every CPUID 1:
 * OSXSAVE is its CR4's, and a globally disabled APIC is no APIC (SDM 10.4.3).
 */
static void leaf1_guest_state(const struct vcpu *v, struct cpuid_regs *r)
{
	if (!vlapic_hw_enabled(&v->lapic))
		r->edx &= ~LEAF1_EDX_APIC;
	if (host_caps.xcr0_managed && (vcpu_ops->get_reg((struct vcpu *)v, VREG_CR4) & CR4_OSXSAVE))
		r->ecx |= LEAF1_ECX_OSXSAVE;
}

/* What the guest's state does not change: everything but leaf1_guest_state's bits. */
static inline __attribute__((always_inline)) struct cpuid_regs
fixed_policy(const struct vcpu *v, u32 leaf, u32 subleaf, cpuid_source host)
{
	struct cpuid_regs r = { 0 };
	const struct leaf_range *range = &ranges[leaf >> 30];
	u32 n = leaf - range->base;
	if (n < range->count && range->rules[n].action != CPUID_ZERO)
		apply(&range->rules[n], v, leaf, subleaf, &r, host);
	if (leaf == 1)
		xsave_features(&r);
	else if (leaf == 0xD)
		xsave_leaf(v, subleaf, &r, host);
	if (v->vm->pmu.vendor) /* leaves 0xA, 0x80000022 and PMU bits */
		vpmu_cpuid(&v->vm->pmu, leaf, subleaf, &r);
	return r;
}

static struct cpuid_regs policy(const struct vcpu *v, u32 leaf, u32 subleaf, cpuid_source host)
{
	struct cpuid_regs r = fixed_policy(v, leaf, subleaf, host);
	if (leaf == 1)
		leaf1_guest_state(v, &r);
	return r;
}

struct cpuid_regs cpuid_policy_from(const struct vcpu *v, u32 leaf, u32 subleaf,
				    cpuid_source host)
{
	return policy(v, leaf, subleaf, host);
}

struct cpuid_regs cpuid_policy(const struct vcpu *v, u32 leaf, u32 subleaf)
{
	return policy(v, leaf, subleaf, cpuid);
}

#define LEN_CPUID 2 /* for backends that cannot tell (SVM without NRIPS) */

/*
 * Every input of fixed_policy is set when the vCPU is created (the host's
 * CPUID, the guest's configuration and vPMU, its LAPIC's TSC rate) but for
 * leaf 0xD's XCR0, whose sizes are never kept.
 */
static bool result_is_fixed(u32 leaf) { return leaf != 0xD; }

/* Direct-mapped by the leaf's low bits and its range (basic, hypervisor, extended). */
static struct cpuid_cache_entry *cache_slot(struct vcpu *v, u32 leaf)
{
	return &v->cpuid_cache[(leaf ^ (leaf >> 28)) % CPUID_CACHE_SLOTS];
}

/* A result not kept: out of line, so that a kept one costs no frame. */
static __attribute__((noinline)) struct cpuid_regs
compute(struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_cache_entry *slot, cpuid_source host)
{
	if (leaf == 0xD) /* the size it reports follows the guest's XCR0 */
		v->shared.xcr0 = shared_state_xcr0_in_cpu();
	struct cpuid_regs r = fixed_policy(v, leaf, subleaf, host);
	if (result_is_fixed(leaf))
		*slot = (struct cpuid_cache_entry){ leaf, subleaf, true, r };
	return r;
}

static inline __attribute__((always_inline)) struct cpuid_regs
exit_result(struct vcpu *v, u32 leaf, u32 subleaf, cpuid_source host)
{
	struct cpuid_cache_entry *slot = cache_slot(v, leaf);
	struct cpuid_regs r = slot->valid && slot->leaf == leaf && slot->subleaf == subleaf
				      ? slot->r
				      : compute(v, leaf, subleaf, slot, host);
	if (leaf == 1)
		leaf1_guest_state(v, &r);
	return r;
}

struct cpuid_regs cpuid_exit_result_from(struct vcpu *v, u32 leaf, u32 subleaf,
					 cpuid_source host)
{
	return exit_result(v, leaf, subleaf, host);
}

/* The guest's CPUID: a kept result copied, any other computed. */
void handle_cpuid(struct vcpu *v, const struct exit_info *e)
{
	struct cpuid_regs r = exit_result(v, (u32)v->regs.rax, (u32)v->regs.rcx, cpuid);
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	vcpu_skip_instruction(v, e, LEN_CPUID);
}
