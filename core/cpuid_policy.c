#include "core/cpuid_policy.h"
#include "arch/string.h"

enum cpuid_action { CPUID_PASS, CPUID_SYNTH };

/* Register indexes into the clear/set masks. */
enum { EAX, EBX, ECX, EDX };

struct cpuid_rule {
	u32 leaf;
	enum cpuid_action action;
	u32 clear[4], set[4]; /* applied to the host's value (PASS) */
	void (*synth)(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r);
};

#define HV_MAX_LEAF 0x40000001

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

static void synth_abi_leaf(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r)
{
	(void)v, (void)subleaf;
	r->eax = HC_ABI_VERSION;
}

/* Leaf 6: only the APERF/MPERF bit, and only when passed through (seed 000). */
static void synth_power_leaf(const struct vcpu *v, u32 subleaf, struct cpuid_regs *r)
{
	(void)subleaf;
	r->ecx = v->vm->cfg->aperfmperf == APERFMPERF_PASSTHROUGH;
}

#define LEAF1_ECX_HIDDEN (BIT(3) | BIT(5) | BIT(6) | BIT(15) | BIT(21))  /* MONITOR VMX SMX PDCM x2APIC */
#define LEAF1_ECX_HYPERVISOR BIT(31)
#define EXT1_ECX_HIDDEN (BIT(2) | BIT(12) | BIT(23)) /* SVM SKINIT PerfCtrExtCore */

static const struct cpuid_rule rules[] = {
	{ 0x0, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x1, CPUID_PASS, { [ECX] = LEAF1_ECX_HIDDEN }, { [ECX] = LEAF1_ECX_HYPERVISOR }, NULL },
	{ 0x2, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x4, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x6, CPUID_SYNTH, { 0 }, { 0 }, synth_power_leaf },
	{ 0x7, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0xB, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0xD, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x40000000, CPUID_SYNTH, { 0 }, { 0 }, synth_vendor_leaf },
	{ 0x40000001, CPUID_SYNTH, { 0 }, { 0 }, synth_abi_leaf },
	{ 0x80000000, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x80000001, CPUID_PASS, { [ECX] = EXT1_ECX_HIDDEN }, { 0 }, NULL },
	{ 0x80000002, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x80000003, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x80000004, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x80000005, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x80000006, CPUID_PASS, { 0 }, { 0 }, NULL },
	{ 0x80000008, CPUID_PASS, { 0 }, { 0 }, NULL },
};

struct cpuid_regs cpuid_policy(const struct vcpu *v, u32 leaf, u32 subleaf)
{
	struct cpuid_regs r = { 0 };
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct cpuid_rule *rule = &rules[i];
		if (rule->leaf != leaf)
			continue;
		if (rule->action == CPUID_SYNTH) {
			rule->synth(v, subleaf, &r);
			return r;
		}
		r = cpuid(leaf, subleaf);
		u32 *regs[4] = { &r.eax, &r.ebx, &r.ecx, &r.edx };
		for (int j = 0; j < 4; j++)
			*regs[j] = (*regs[j] & ~rule->clear[j]) | rule->set[j];
		return r;
	}
	return r;
}
