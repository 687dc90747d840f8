#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/cr_rules.h"

/*
 * The rules as the Intel SDM (vol. 3, 2.5 "Control registers"; MOV to CR,
 * WRMSR, XSETBV) and the AMD APM (vol. 2, 3.1 and the VMRUN consistency
 * checks of 15.5.1) state them: each case is a load the hardware refuses
 * with #GP, or one it takes.
 */

#define LEAF1_EDX_ALL (BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(6) | BIT(7) | BIT(13) | BIT(24) | \
		       BIT(25))
#define LEAF1_ECX_PCID BIT(17)
#define LEAF1_ECX_XSAVE BIT(26)
#define EXT1_SYSCALL_NX_LM (BIT(11) | BIT(20) | BIT(29))

static struct cr_features features(u32 leaf1_ecx, u32 leaf7_ebx, u32 leaf7_ecx, u64 xcr0)
{
	struct cr_cpuid c = { leaf1_ecx, LEAF1_EDX_ALL, leaf7_ebx, leaf7_ecx, EXT1_SYSCALL_NX_LM,
			      40, xcr0 };
	struct cr_features f;
	cr_features_derive(&c, &f);
	return f;
}

/* Protected mode, paging off: what a multiboot1 kernel starts in. */
static const struct cr_state flat32 = { .cr0 = CR0_PE | CR0_ET };
/* 64-bit mode. */
static const struct cr_state long64 = { .cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP,
					.cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA, .cs_l = true };

static void cr0_refusals(void **state)
{
	(void)state;
	u64 out;
	assert_non_null(cr0_load(NULL, &flat32, CR0_PE | BIT(32), &out));     /* 63:32 reserved */
	assert_non_null(cr0_load(NULL, &flat32, CR0_PG, &out));               /* PG without PE */
	assert_non_null(cr0_load(NULL, &flat32, CR0_PE | CR0_NW, &out));      /* NW without CD */
	struct cr_state lme = flat32;
	lme.efer = EFER_LME;
	assert_non_null(cr0_load(NULL, &lme, CR0_PE | CR0_PG, &out));         /* LME+PG without PAE */
	lme.cr4 = CR4_PAE;
	lme.cs_l = true;
	assert_non_null(cr0_load(NULL, &lme, CR0_PE | CR0_PG, &out));         /* from a CS with L=1 */
	assert_non_null(cr0_load(NULL, &long64, CR0_PE, &out));               /* PG off in 64-bit mode */
	struct cr_state pcid = long64;
	pcid.cs_l = false; /* compatibility mode may leave long mode, but not with PCIDE */
	pcid.cr4 |= CR4_PCIDE;
	assert_non_null(cr0_load(NULL, &pcid, CR0_PE, &out));
	struct cr_state cet = long64;
	cet.cr4 |= BIT(23);
	assert_non_null(cr0_load(NULL, &cet, CR0_PE | CR0_PG, &out));         /* WP off with CET */
}

static void cr0_effects(void **state)
{
	(void)state;
	u64 out = 0;
	assert_null(cr0_load(NULL, &flat32, CR0_PE | CR0_NE | CR0_CD | CR0_NW, &out));
	assert_int_equal(out, CR0_PE | CR0_NE | CR0_CD | CR0_NW | CR0_ET); /* ET reads 1 */
	assert_null(cr0_load(NULL, &flat32, CR0_PE | BIT(7) | BIT(20), &out));  /* reserved: ignored */
	assert_int_equal(out, CR0_PE | CR0_ET);
	struct cr_state lme = flat32;
	lme.efer = EFER_LME;
	lme.cr4 = CR4_PAE;
	assert_null(cr0_load(NULL, &lme, CR0_PE | CR0_PG, &out));              /* enters long mode */
	assert_int_equal(efer_with_lma(lme.efer, out), EFER_LME | EFER_LMA);
	struct cr_state compat = long64;
	compat.cs_l = false;
	assert_null(cr0_load(NULL, &compat, CR0_PE, &out));                    /* leaves it */
	assert_int_equal(efer_with_lma(compat.efer, out), EFER_LME);
	assert_null(cr0_load(NULL, &long64, long64.cr0 | CR0_TS, &out));       /* what CLTS undoes */
}

static void cr4_follows_the_guests_cpuid(void **state)
{
	(void)state;
	u64 out;
	struct cr_features none = features(0, 0, 0, 0);
	struct cr_features xsave = features(LEAF1_ECX_XSAVE, 0, 0, XSTATE_X87 | XSTATE_SSE);
	assert_non_null(cr4_load(&none, &flat32, CR4_OSXSAVE, &out));  /* XSAVE not offered */
	assert_null(cr4_load(&xsave, &flat32, CR4_OSXSAVE, &out));
	assert_non_null(cr4_load(&none, &flat32, CR4_VMXE, &out));     /* VMX never offered */
	assert_non_null(cr4_load(&none, &flat32, BIT(15), &out));      /* reserved */
	assert_non_null(cr4_load(&none, &flat32, BIT(32), &out));
	assert_non_null(cr4_load(&none, &flat32, BIT(16), &out));      /* FSGSBASE: leaf 7 EBX[0] */
	struct cr_features fsgsbase = features(0, BIT(0), 0, 0), smep = features(0, BIT(7), 0, 0);
	assert_null(cr4_load(&fsgsbase, &flat32, BIT(16), &out));
	assert_non_null(cr4_load(&none, &flat32, BIT(20), &out));      /* SMEP: leaf 7 EBX[7] */
	assert_null(cr4_load(&smep, &flat32, BIT(20), &out));
	assert_non_null(cr4_load(&none, &flat32, BIT(22), &out));      /* PKE: leaf 7 ECX[3] */
	assert_null(cr4_load(&none, &flat32, CR4_PAE | CR4_PSE | CR4_PCE | CR4_OSFXSR | BIT(10),
			     &out));
	assert_int_equal(out, CR4_PAE | CR4_PSE | CR4_PCE | CR4_OSFXSR | BIT(10));
}

static void cr4_mode_rules(void **state)
{
	(void)state;
	u64 out;
	struct cr_features f = features(LEAF1_ECX_PCID, 0, BIT(16), 0);
	assert_non_null(cr4_load(&f, &long64, 0, &out));                 /* PAE off in long mode */
	assert_non_null(cr4_load(&f, &long64, CR4_PAE | CR4_LA57, &out)); /* LA57 in long mode */
	assert_null(cr4_load(&f, &flat32, CR4_LA57, &out));
	assert_non_null(cr4_load(&f, &flat32, CR4_PCIDE, &out));         /* PCIDE outside long mode */
	struct cr_state pcid3 = long64;
	pcid3.cr3 = 0x1005;
	assert_non_null(cr4_load(&f, &pcid3, CR4_PAE | CR4_PCIDE, &out)); /* CR3[11:0] != 0 */
	assert_null(cr4_load(&f, &long64, CR4_PAE | CR4_PCIDE, &out));
}

static void cr3_width(void **state)
{
	(void)state;
	u64 out;
	struct cr_features f = features(0, 0, 0, 0); /* 40-bit physical addresses */
	assert_null(cr3_load(&f, &flat32, 0xFFFFFFFF00001000ULL, &out));
	assert_int_equal(out, 0x1000);                                   /* 32-bit: bits 31:0 */
	assert_non_null(cr3_load(&f, &long64, 1ULL << 40, &out));
	assert_null(cr3_load(&f, &long64, (1ULL << 40) - 4096, &out));
	assert_non_null(cr3_load(&f, &long64, BIT(63), &out));           /* no PCIDE: reserved */
	struct cr_state pcid = long64;
	pcid.cr4 |= CR4_PCIDE;
	assert_null(cr3_load(&f, &pcid, BIT(63) | 0x2001, &out));        /* "no flush" */
	assert_int_equal(out, 0x2001);
}

static void efer_rules(void **state)
{
	(void)state;
	u64 out;
	struct cr_features f = features(0, 0, 0, 0);
	assert_non_null(efer_load(&f, &flat32, EFER_SVME, &out));        /* SVM is not offered */
	assert_non_null(efer_load(&f, &flat32, BIT(9), &out));           /* reserved */
	assert_non_null(efer_load(&f, &flat32, EFER_FFXSR, &out));       /* not offered here */
	assert_non_null(efer_load(&f, &long64, EFER_NXE, &out));         /* LME off, paging on */
	assert_null(efer_load(&f, &long64, EFER_LME | EFER_NXE | EFER_SCE, &out));
	assert_int_equal(out, EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE); /* LMA is read-only */
	assert_null(efer_load(&f, &flat32, EFER_LME | EFER_LMA, &out));
	assert_int_equal(out, EFER_LME);
	struct cr_features no_lm;
	cr_features_derive(&(struct cr_cpuid){ .ext1_edx = BIT(20) }, &no_lm);
	assert_non_null(efer_load(&no_lm, &flat32, EFER_LME, &out));     /* no long mode */
	assert_null(efer_load(&no_lm, &flat32, EFER_NXE, &out));
}

static void xcr0_rules(void **state)
{
	(void)state;
	struct cr_features avx = features(LEAF1_ECX_XSAVE, 0, 0, XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);
	struct cr_features avx512 = features(LEAF1_ECX_XSAVE, 0, 0, 0xE7);
	assert_null(xcr0_load(&avx, XSTATE_X87));
	assert_null(xcr0_load(&avx, XSTATE_X87 | XSTATE_SSE | XSTATE_AVX));
	assert_non_null(xcr0_load(&avx, 0));                             /* x87 always on */
	assert_non_null(xcr0_load(&avx, XSTATE_SSE));
	assert_non_null(xcr0_load(&avx, XSTATE_X87 | XSTATE_AVX));           /* AVX without SSE */
	assert_non_null(xcr0_load(&avx, XSTATE_X87 | XSTATE_SSE | BIT(9)));  /* PKRU: not offered */
	assert_non_null(xcr0_load(&avx, BIT(63) | XSTATE_X87));
	assert_non_null(xcr0_load(&avx512, 0x27));                       /* opmask alone */
	assert_non_null(xcr0_load(&avx512, 0xE3));                       /* AVX-512 without AVX */
	assert_null(xcr0_load(&avx512, 0xE7));
	struct cr_features none = features(0, 0, 0, 0);
	assert_non_null(xcr0_load(&none, XSTATE_X87));                     /* no XSAVE at all */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cr0_refusals),
		cmocka_unit_test(cr0_effects),
		cmocka_unit_test(cr4_follows_the_guests_cpuid),
		cmocka_unit_test(cr4_mode_rules),
		cmocka_unit_test(cr3_width),
		cmocka_unit_test(efer_rules),
		cmocka_unit_test(xcr0_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
