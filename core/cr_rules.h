/*
 * What a guest may load into CR0, CR4, EFER and XCR0, and what the load then
 * leaves in the register: the architectural rules (docs/design.md, "Control
 * registers, EFER and XCR0") applied with the features the guest's CPUID
 * offers. A value these rules accept is one the VM entry (VT-x) and VMRUN
 * (AMD-V) accept too; a refused one is a #GP for the guest. Pure code, used
 * by both backends through core/cr_access.c and by the EFER MSR rule.
 */
#ifndef CORE_CR_RULES_H
#define CORE_CR_RULES_H

#include "arch/cpu.h"

#define CR0_AM BIT(18)
#define CR0_ARCH_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
		       CR0_NW | CR0_CD | CR0_PG)
#define EFER_FFXSR BIT(14)

#define XCR0_OPMASK BIT(5)
#define XCR0_ZMM_HI256 BIT(6)
#define XCR0_HI16_ZMM BIT(7)
#define XCR0_AVX512 (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

/* What the guest's CPUID offers, as the bits each register may hold. */
struct cr_features {
	u64 cr4_allowed;
	u64 efer_allowed;  /* LMA included when long mode is offered (it is read-only) */
	u64 xcr0_allowed;  /* 0: no XSAVE */
	u64 cr3_reserved;  /* in long mode: the bits above the physical-address width */
};

/* The CPUID words the rules depend on, as the guest is shown them. */
struct cr_cpuid {
	u32 leaf1_ecx, leaf1_edx;
	u32 leaf7_ebx, leaf7_ecx;
	u32 ext1_edx;
	u32 ext8_eax;      /* bits 7:0: the physical-address width */
	u64 xcr0;          /* leaf 0xD subleaf 0, EDX:EAX */
};

void cr_features_derive(const struct cr_cpuid *c, struct cr_features *f);

/* The guest's registers as it sees them, before the load. */
struct cr_state {
	u64 cr0, cr3, cr4, efer;
	bool cs_l;         /* CS.L: 64-bit code when EFER.LMA is set */
};

/*
 * Each returns NULL when the guest may load val, with *out what the register
 * then holds (reserved bits dropped, read-only bits kept), or why it is a #GP.
 * CR0's rules need no CPUID feature (f is unused), but take the same form.
 */
typedef const char *(*cr_rule)(const struct cr_features *f, const struct cr_state *s, u64 val,
			       u64 *out);
const char *cr0_load(const struct cr_features *f, const struct cr_state *s, u64 val, u64 *out);
const char *cr4_load(const struct cr_features *f, const struct cr_state *s, u64 val, u64 *out);
const char *cr3_load(const struct cr_features *f, const struct cr_state *s, u64 val, u64 *out);
const char *efer_load(const struct cr_features *f, const struct cr_state *s, u64 val, u64 *out);
const char *xcr0_load(const struct cr_features *f, u64 val);

/* LMA is LME and CR0.PG together: what a CR0 load makes of EFER. */
static inline u64 efer_with_lma(u64 efer, u64 cr0)
{
	bool lma = (efer & EFER_LME) && (cr0 & CR0_PG);
	return lma ? efer | EFER_LMA : efer & ~(u64)EFER_LMA;
}

#endif
