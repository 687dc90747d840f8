#include "core/cr_rules.h"

/* CR4 bits, each offered when one CPUID bit is set (Intel SDM vol. 3, 2.5). */
enum cpuid_word { L1_ECX, L1_EDX, L7_EBX, L7_ECX, ALWAYS };

struct cr4_feature {
	u8 cr4_bit;
	enum cpuid_word word;
	u8 cpuid_bit;
};

static const struct cr4_feature cr4_features[] = {
	{ 0, L1_EDX, 1 },   /* VME: virtual-8086 extensions */
	{ 1, L1_EDX, 1 },   /* PVI: with VME */
	{ 2, L1_EDX, 4 },   /* TSD: TSC */
	{ 3, L1_EDX, 2 },   /* DE */
	{ 4, L1_EDX, 3 },   /* PSE */
	{ 5, L1_EDX, 6 },   /* PAE */
	{ 6, L1_EDX, 7 },   /* MCE */
	{ 7, L1_EDX, 13 },  /* PGE */
	{ 8, ALWAYS, 0 },   /* PCE: RDPMC at any CPL; the vPMU decides what RDPMC reads */
	{ 9, L1_EDX, 24 },  /* OSFXSR: FXSR */
	{ 10, L1_EDX, 25 }, /* OSXMMEXCPT: SSE */
	{ 11, L7_ECX, 2 },  /* UMIP */
	{ 12, L7_ECX, 16 }, /* LA57 */
	{ 13, L1_ECX, 5 },  /* VMXE: VMX, never offered */
	{ 14, L1_ECX, 6 },  /* SMXE: SMX, never offered */
	{ 16, L7_EBX, 0 },  /* FSGSBASE */
	{ 17, L1_ECX, 17 }, /* PCIDE: PCID */
	{ 18, L1_ECX, 26 }, /* OSXSAVE: XSAVE */
	{ 20, L7_EBX, 7 },  /* SMEP */
	{ 21, L7_EBX, 20 }, /* SMAP */
	{ 22, L7_ECX, 3 },  /* PKE: PKU */
	{ 23, L7_ECX, 7 },  /* CET: CET_SS */
	{ 24, L7_ECX, 31 }, /* PKS */
};

#define EXT1_SYSCALL BIT(11)
#define EXT1_NX BIT(20)
#define EXT1_FFXSR BIT(25)
#define EXT1_LM BIT(29)
#define CR4_PAE_BIT BIT(5)
#define CR4_CET BIT(23)
#define CR3_PCID_MASK 0xFFFull
#define CR3_NO_FLUSH BIT(63) /* with PCIDE: keep the PCID's TLB entries */

void cr_features_derive(const struct cr_cpuid *c, struct cr_features *f)
{
	const u32 words[] = { [L1_ECX] = c->leaf1_ecx, [L1_EDX] = c->leaf1_edx,
			      [L7_EBX] = c->leaf7_ebx, [L7_ECX] = c->leaf7_ecx, [ALWAYS] = ~0u };
	u32 width = c->ext8_eax & 0xFF ? c->ext8_eax & 0xFF : 36; /* 36 without the leaf */
	*f = (struct cr_features){ .xcr0_allowed = c->xcr0,
				   .cr3_reserved = ~0ULL << width & ~CR3_NO_FLUSH };
	for (size_t i = 0; i < ARRAY_SIZE(cr4_features); i++)
		if (words[cr4_features[i].word] & BIT(cr4_features[i].cpuid_bit))
			f->cr4_allowed |= BIT(cr4_features[i].cr4_bit);
	if (c->ext1_edx & (EXT1_SYSCALL | EXT1_LM))
		f->efer_allowed |= EFER_SCE;
	if (c->ext1_edx & EXT1_LM)
		f->efer_allowed |= EFER_LME | EFER_LMA;
	if (c->ext1_edx & EXT1_NX)
		f->efer_allowed |= EFER_NXE;
	if (c->ext1_edx & EXT1_FFXSR)
		f->efer_allowed |= EFER_FFXSR;
}

static bool long_mode(const struct cr_state *s) { return s->efer & EFER_LMA; }

const char *cr0_load(const struct cr_features *f, const struct cr_state *s, u64 val, u64 *out)
{
	(void)f;
	bool paging_on = (val & CR0_PG) && !(s->cr0 & CR0_PG);
	bool paging_off = !(val & CR0_PG) && (s->cr0 & CR0_PG);
	if (val >> 32)
		return "CR0: bits 63:32 are reserved";
	if ((val & CR0_PG) && !(val & CR0_PE))
		return "CR0: PG without PE";
	if ((val & CR0_NW) && !(val & CR0_CD))
		return "CR0: NW without CD";
	if (paging_on && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE_BIT))
		return "CR0: PG with EFER.LME but without CR4.PAE";
	if (paging_on && (s->efer & EFER_LME) && s->cs_l)
		return "CR0: activating long mode from a CS with L set";
	if (paging_off && long_mode(s) && s->cs_l)
		return "CR0: PG cleared in 64-bit mode";
	if (paging_off && (s->cr4 & CR4_PCIDE))
		return "CR0: PG cleared while CR4.PCIDE is set";
	if (!(val & CR0_WP) && (s->cr4 & CR4_CET))
		return "CR0: WP cleared while CR4.CET is set";
	/* Reserved bits 31:0 are ignored; ET is hardwired to 1 since the P6. */
	*out = (val & CR0_ARCH_BITS) | CR0_ET;
	return NULL;
}

const char *cr4_load(const struct cr_features *f, const struct cr_state *s, u64 val, u64 *out)
{
	if (val & ~f->cr4_allowed)
		return "CR4: a bit the guest's CPUID does not offer, or a reserved bit";
	if (long_mode(s) && !(val & CR4_PAE_BIT))
		return "CR4: PAE cleared in long mode";
	if (long_mode(s) && ((val ^ s->cr4) & CR4_LA57))
		return "CR4: LA57 changed in long mode";
	if ((val & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) &&
	    (!long_mode(s) || (s->cr3 & CR3_PCID_MASK)))
		return "CR4: PCIDE set outside long mode or with CR3[11:0] nonzero";
	if ((val & CR4_CET) && !(s->cr0 & CR0_WP))
		return "CR4: CET set while CR0.WP is clear";
	*out = val;
	return NULL;
}

const char *cr3_load(const struct cr_features *f, const struct cr_state *s, u64 val, u64 *out)
{
	if (!long_mode(s)) {
		*out = (u32)val; /* 32-bit and PAE paging take bits 31:0 */
		return NULL;
	}
	if (val & (f->cr3_reserved | (s->cr4 & CR4_PCIDE ? 0 : CR3_NO_FLUSH)))
		return "CR3: bits above the physical-address width";
	/* Nothing to keep with VPID/ASID-tagged TLBs: bit 63 only says "do not flush". */
	*out = s->cr4 & CR4_PCIDE ? val & ~CR3_NO_FLUSH : val;
	return NULL;
}

const char *efer_load(const struct cr_features *f, const struct cr_state *s, u64 val, u64 *out)
{
	if (val & ~f->efer_allowed)
		return "EFER: a bit the guest's CPUID does not offer, or a reserved bit";
	if (((val ^ s->efer) & EFER_LME) && (s->cr0 & CR0_PG))
		return "EFER: LME changed while paging is on";
	*out = (val & ~(u64)EFER_LMA) | (s->efer & EFER_LMA); /* LMA is read-only */
	return NULL;
}

const char *xcr0_load(const struct cr_features *f, u64 val)
{
	if (val & ~f->xcr0_allowed)
		return "XCR0: a component the guest's CPUID does not offer";
	if (!(val & XSTATE_X87))
		return "XCR0: x87 state cannot be disabled";
	if ((val & XSTATE_AVX) && !(val & XSTATE_SSE))
		return "XCR0: AVX without SSE";
	if ((val & XCR0_AVX512) && ((val & XCR0_AVX512) != XCR0_AVX512 || !(val & XSTATE_AVX)))
		return "XCR0: AVX-512 components must be all set, with AVX, or all clear";
	return NULL;
}
