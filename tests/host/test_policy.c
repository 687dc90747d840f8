/* fakes: tests/host/fake_pmu_hw.c tests/host/fake_log.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/host_caps.h"
#include "core/cpuid_policy.h"
#include "core/guest_tsc.h"
#include "core/msr_policy.h"
#include "pmu/pmu_hw.h"
#include "pmu/pmu_platform.h"
#include "pmu/pmu_profiles.h"

/* What the image defines elsewhere, for this test alone. */
struct pmu_platform pmu_platform;
struct host_caps host_caps;
static u64 regs[VREG_COUNT];
static u64 get_reg(struct vcpu *v, enum vcpu_reg r) { (void)v; return regs[r]; }
static void set_reg(struct vcpu *v, enum vcpu_reg r, u64 val) { (void)v; regs[r] = val; }
static struct vcpu_ops fake_ops = { .name = "fake", .get_reg = get_reg, .set_reg = set_reg };
const struct vcpu_ops *vcpu_ops = &fake_ops;

static struct guest_config cfg;
static struct vm vm;
static struct vcpu v;
static u8 msrpm[8192];

static void make_guest(enum vpmu_mode mode, enum pmu_profile profile)
{
	char err[128];
	cfg = (struct guest_config){ .vpmu = mode, .pmu_gp = PMU_ALL_COUNTERS,
				     .pmu_fixed = PMU_ALL_COUNTERS };
	vm = (struct vm){ .name = "t", .cfg = &cfg };
	assert_int_equal(vpmu_desc_derive(pmu_profile_caps(profile, NULL), &cfg, &vm.pmu, err,
					  sizeof(err)), 0);
	v = (struct vcpu){ .vm = &vm };
	vlapic_reset(&v.lapic, 1000000);
	v.pmu = (struct vpmu){ .desc = &vm.pmu, .lvtpc = LVTPC_RESET };
	memset(regs, 0, sizeof(regs));
	regs[VREG_EFER] = EFER_LME | EFER_LMA;
	/* a 64-bit CPU's CPUID: SYSCALL, NX, long mode */
	cr_features_derive(&(struct cr_cpuid){ .ext1_edx = BIT(11) | BIT(20) | BIT(29) }, &v.cr);
}

static bool intercepted(u32 msr, enum msr_access a)
{
	return msr_intercepted(&svm_msrpm_layout, msrpm, msr, a);
}

static void bitmap_is_default_deny(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_AMD_CORE_V2);
	msr_policy_build_bitmap(&svm_msrpm_layout, msrpm, &v);
	assert_false(intercepted(0x10, MSR_READ));  /* TSC reads pass */
	assert_true(intercepted(0x10, MSR_WRITE));
	assert_true(intercepted(MSR_EFER, MSR_READ));
	assert_true(intercepted(0x1A0, MSR_READ));  /* not in the table */
	assert_true(intercepted(0xE8, MSR_READ));   /* APERF: intercepted by default */
	assert_true(intercepted(MSR_F15H_PERFCTL0 + 1, MSR_READ));
	int passed = 0;
	for (u32 msr = 0; msr < 0x2000; msr++)
		passed += !intercepted(msr, MSR_READ) + !intercepted(msr, MSR_WRITE);
	/* in the whole low range: the TSC read, and SYSENTER_CS/ESP/EIP both ways */
	assert_int_equal(passed, 7);
}

/*
 * The system-call MSRs and KERNEL_GS_BASE are the guest's own while it runs
 * (the backends' world switch, or core/msr_switch.c), on both vendors: a
 * SYSCALL must use what the guest wrote. TSC_AUX only where it exists.
 */
static void syscall_msrs_pass_through(void **state)
{
	(void)state;
	static const u32 own[] = { MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
				   MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP };
	static u8 vmx_bitmap[4096];
	const struct { const struct msr_bitmap_layout *l; u8 *bitmap; } backends[] = {
		{ &svm_msrpm_layout, msrpm }, { &vmx_msr_bitmap_layout, vmx_bitmap },
	};
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	for (size_t b = 0; b < ARRAY_SIZE(backends); b++) {
		host_caps.tsc_aux = false;
		msr_policy_build_bitmap(backends[b].l, backends[b].bitmap, &v);
		for (size_t i = 0; i < ARRAY_SIZE(own); i++)
			for (enum msr_access a = MSR_READ; a <= MSR_WRITE; a <<= 1)
				assert_false(msr_intercepted(backends[b].l, backends[b].bitmap, own[i], a));
		assert_true(msr_intercepted(backends[b].l, backends[b].bitmap, MSR_TSC_AUX, MSR_READ));
		assert_int_equal(msr_policy_action(&v, MSR_TSC_AUX, MSR_WRITE), MSR_DENY);
		host_caps.tsc_aux = true; /* RDTSCP or RDPID offered */
		msr_policy_build_bitmap(backends[b].l, backends[b].bitmap, &v);
		assert_false(msr_intercepted(backends[b].l, backends[b].bitmap, MSR_TSC_AUX, MSR_READ));
		assert_false(msr_intercepted(backends[b].l, backends[b].bitmap, MSR_TSC_AUX, MSR_WRITE));
	}
	host_caps.tsc_aux = false;
}

/* Where the CPU has no use for CSTAR (VT-x), it is plain storage the hardware never sees. */
static void cstar_stored_where_the_cpu_has_no_use_for_it(void **state)
{
	(void)state;
	u64 val = 1;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	fake_ops.stored_msrs = BIT(LAZY_CSTAR);
	msr_policy_build_bitmap(&vmx_msr_bitmap_layout, msrpm, &v);
	assert_true(msr_intercepted(&vmx_msr_bitmap_layout, msrpm, MSR_CSTAR, MSR_READ));
	assert_true(msr_intercepted(&vmx_msr_bitmap_layout, msrpm, MSR_CSTAR, MSR_WRITE));
	assert_false(msr_intercepted(&vmx_msr_bitmap_layout, msrpm, MSR_LSTAR, MSR_WRITE));
	assert_true(msr_policy_read(&v, MSR_CSTAR, &val));
	assert_int_equal(val, 0); /* reset value */
	assert_true(msr_policy_write(&v, MSR_CSTAR, 0xFFFF800000001000ULL));
	assert_true(msr_policy_read(&v, MSR_CSTAR, &val));
	assert_int_equal(val, 0xFFFF800000001000ULL);
	assert_false(msr_policy_write(&v, MSR_CSTAR, 0x800000000000ULL)); /* non-canonical */
	fake_ops.stored_msrs = 0;
}

/* Each rule's first and last MSR, and the MSRs around them, find their rule (a search by halves). */
static void every_rule_is_found(void **state)
{
	(void)state;
	static const struct { u32 msr; enum pmu_profile host; enum msr_action read; } cases[] = {
		{ MSR_TSC, PROFILE_INTEL_V4, MSR_PASS }, { MSR_TSC + 1, PROFILE_INTEL_V4, MSR_DENY },
		{ MSR_APIC_BASE, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_TSC_ADJUST, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_IA32_PMC0, PROFILE_INTEL_V4, MSR_EMULATE }, /* no vPMU: the P6 pair reads 0 */
		{ MSR_IA32_PMC0 + 1, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_IA32_PMC0 + 2, PROFILE_INTEL_V4, MSR_DENY },
		{ MSR_IA32_MPERF, PROFILE_INTEL_V4, MSR_PASS }, { MSR_IA32_APERF, PROFILE_INTEL_V4, MSR_PASS },
		{ MSR_IA32_APERF + 1, PROFILE_INTEL_V4, MSR_DENY },
		{ MSR_SYSENTER_CS, PROFILE_INTEL_V4, MSR_PASS },
		{ MSR_SYSENTER_EIP, PROFILE_INTEL_V4, MSR_PASS },
		{ MSR_IA32_PERFEVTSEL0 + 1, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_MISC_ENABLE, PROFILE_INTEL_V4, MSR_EMULATE }, { MSR_PAT, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_TSC_DEADLINE, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_X2APIC_FIRST, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_X2APIC_LAST, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_X2APIC_LAST + 1, PROFILE_INTEL_V4, MSR_DENY },
		{ MSR_EFER, PROFILE_INTEL_V4, MSR_EMULATE }, { MSR_LSTAR, PROFILE_INTEL_V4, MSR_PASS },
		{ MSR_CSTAR, PROFILE_INTEL_V4, MSR_PASS }, { MSR_SFMASK, PROFILE_INTEL_V4, MSR_PASS },
		{ MSR_SFMASK + 1, PROFILE_INTEL_V4, MSR_DENY }, { MSR_GS_BASE, PROFILE_INTEL_V4, MSR_EMULATE },
		{ MSR_KERNEL_GS_BASE, PROFILE_INTEL_V4, MSR_PASS },
		{ MSR_TSC_AUX, PROFILE_INTEL_V4, MSR_PASS },
		{ MSR_K7_PERFCTL0, PROFILE_AMD_LEGACY, MSR_EMULATE },
		{ MSR_K7_PERFCTR0 + 3, PROFILE_AMD_LEGACY, MSR_EMULATE },
		{ MSR_K7_PERFCTR0 + 4, PROFILE_AMD_LEGACY, MSR_DENY },
		{ 0, PROFILE_INTEL_V4, MSR_DENY }, { 0xFFFFFFFF, PROFILE_INTEL_V4, MSR_DENY },
	};
	host_caps.vendor = VENDOR_INTEL;
	host_caps.tsc_aux = true;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_guest(VPMU_OFF, cases[i].host);
		cfg.aperfmperf = APERFMPERF_PASSTHROUGH;
		print_message("# MSR 0x%x\n", cases[i].msr);
		assert_int_equal(msr_policy_action(&v, cases[i].msr, MSR_READ), cases[i].read);
	}
	host_caps = (struct host_caps){ 0 };
}

static void aperfmperf_passthrough_only_when_asked(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_AMD_CORE_V2);
	host_caps.aperfmperf = true;
	cfg.aperfmperf = APERFMPERF_PASSTHROUGH;
	msr_policy_build_bitmap(&svm_msrpm_layout, msrpm, &v);
	assert_false(intercepted(0xE7, MSR_READ));
	assert_false(intercepted(0xE8, MSR_READ));
	assert_true(intercepted(0xE8, MSR_WRITE));
	struct cpuid_regs r = cpuid_policy(&v, 6, 0);
	assert_int_equal(r.ecx & 1, 1);
	cfg.aperfmperf = APERFMPERF_INTERCEPT;
	u64 val;
	assert_false(msr_policy_read(&v, 0xE8, &val)); /* #GP, as CPUID.6:ECX[0] says */
	assert_int_equal(cpuid_policy(&v, 6, 0).ecx & 1, 0);
}

/* Passthrough of MSRs the host lacks gives the guest nothing: CPUID must not offer them. */
static void aperfmperf_offered_only_when_the_host_has_them(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_AMD_CORE_V2);
	cfg.aperfmperf = APERFMPERF_PASSTHROUGH;
	host_caps.aperfmperf = false;
	assert_int_equal(cpuid_policy(&v, 6, 0).ecx & 1, 0);
	host_caps.aperfmperf = true;
	assert_int_equal(cpuid_policy(&v, 6, 0).ecx & 1, 1);
}

static void mediated_pmu_data_msrs_pass_through(void **state)
{
	(void)state;
	make_guest(VPMU_MEDIATED, PROFILE_AMD_CORE_V2);
	msr_policy_build_bitmap(&svm_msrpm_layout, msrpm, &v);
	for (u32 i = 0; i < 6; i++) {
		assert_false(intercepted(MSR_F15H_PERFCTL0 + 2 * i + 1, MSR_READ));
		assert_false(intercepted(MSR_F15H_PERFCTL0 + 2 * i + 1, MSR_WRITE));
		assert_true(intercepted(MSR_F15H_PERFCTL0 + 2 * i, MSR_WRITE)); /* selectors */
	}
	/* every counter is the guest's: the global control and the status reset/set too */
	assert_false(intercepted(MSR_AMD_PERF_GLOBAL_CTL, MSR_WRITE));
	assert_false(intercepted(MSR_AMD_PERF_GLOBAL_CTL, MSR_READ));
	assert_false(intercepted(MSR_AMD_PERF_GLOBAL_STATUS_CLR, MSR_WRITE));
	assert_false(intercepted(MSR_AMD_PERF_GLOBAL_STATUS_SET, MSR_WRITE));
	assert_false(intercepted(MSR_AMD_PERF_GLOBAL_STATUS, MSR_READ));
	assert_true(intercepted(MSR_AMD_PERF_GLOBAL_STATUS, MSR_WRITE));
	make_guest(VPMU_EMULATED, PROFILE_AMD_CORE_V2);
	msr_policy_build_bitmap(&svm_msrpm_layout, msrpm, &v);
	assert_true(intercepted(MSR_F15H_PERFCTL0 + 1, MSR_READ));
}

static void emulated_msrs_behave(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	assert_false(msr_policy_write(&v, MSR_EFER, EFER_LME | EFER_SVME));
	assert_true(msr_policy_write(&v, MSR_EFER, EFER_LME | EFER_NXE));
	assert_int_equal(regs[VREG_EFER], EFER_LME | EFER_NXE | EFER_LMA); /* LMA kept */
	regs[VREG_CR0] = CR0_PE | CR0_PG;
	assert_false(msr_policy_write(&v, MSR_EFER, EFER_NXE)); /* LME cleared while paging */
	assert_true(msr_policy_write(&v, MSR_EFER, EFER_LME | EFER_SCE));
	regs[VREG_CR0] = 0;
	assert_false(msr_policy_write(&v, 0xC0000100, 0x800000000000ULL)); /* non-canonical */
	assert_true(msr_policy_write(&v, 0xC0000100, 0xFFFF800000001000ULL));
	u64 val;
	assert_true(msr_policy_read(&v, 0xC0000100, &val));
	assert_int_equal(val, 0xFFFF800000001000ULL);
	assert_false(msr_policy_write(&v, 0x277, 0x0202020202020202ULL)); /* reserved PAT type */
	assert_false(msr_policy_read(&v, 0x12345678, &val));
}

/* The SDM couples them: a write that moves IA32_TSC or IA32_TSC_ADJUST by X moves the other by X. */
static void tsc_writes_move_the_offset_and_tsc_adjust(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	guest_tsc_reset(&v, 1000); /* the guest's TSC is 0 at host TSC 1000 */
	assert_int_equal(v.tsc.offset, (u64)-1000);
	assert_int_equal(regs[VREG_TSC_OFFSET], (u64)-1000);
	u64 before = rdtsc();
	assert_true(msr_policy_write(&v, MSR_TSC, 1ULL << 50));
	u64 after = rdtsc();
	assert_true(guest_tsc(&v, before) <= 1ULL << 50 && guest_tsc(&v, after) >= 1ULL << 50);
	assert_int_equal(regs[VREG_TSC_OFFSET], v.tsc.offset); /* the hardware adds it */
	u64 adjust;
	assert_true(msr_policy_read(&v, MSR_TSC_ADJUST, &adjust));
	assert_int_equal(adjust, v.tsc.offset + 1000); /* moved by the same delta as the TSC */
	u64 offset = v.tsc.offset;
	assert_true(msr_policy_write(&v, MSR_TSC_ADJUST, adjust - 5000));
	assert_int_equal(v.tsc.offset, offset - 5000);
	assert_int_equal(regs[VREG_TSC_OFFSET], offset - 5000);
	assert_true(msr_policy_read(&v, MSR_TSC_ADJUST, &adjust));
	assert_int_equal(adjust, offset + 1000 - 5000);
	msr_policy_build_bitmap(&svm_msrpm_layout, msrpm, &v);
	assert_false(intercepted(MSR_TSC, MSR_READ)); /* the hardware adds the offset */
	assert_true(intercepted(MSR_TSC, MSR_WRITE));
	assert_true(intercepted(MSR_TSC_ADJUST, MSR_READ));
	assert_true(intercepted(MSR_TSC_ADJUST, MSR_WRITE));
}

static void x2apic_lvtpc_after_enabling_x2apic(void **state)
{
	(void)state;
	make_guest(VPMU_MEDIATED, PROFILE_INTEL_V4);
	u64 val;
	assert_false(msr_policy_read(&v, 0x834, &val)); /* xAPIC mode: x2APIC MSRs #GP */
	assert_false(msr_policy_write(&v, 0x1B, 0xFEF00000ULL | BIT(11))); /* cannot move it */
	assert_true(msr_policy_write(&v, 0x1B, VLAPIC_DEFAULT_BASE | BIT(10)));
	assert_true(msr_policy_write(&v, 0x834, 0x4FE));
	assert_true(msr_policy_read(&v, 0x834, &val));
	assert_int_equal(val, 0x104FE); /* a software-disabled APIC keeps LVTs masked */
	assert_true(msr_policy_write(&v, 0x80F, 0x1FF)); /* SVR: software enable */
	assert_true(msr_policy_write(&v, 0x834, 0x4FE)); /* NMI delivery, vector 0xFE */
	assert_true(msr_policy_read(&v, 0x834, &val));
	assert_int_equal(val, 0x4FE);
	assert_true(msr_policy_read(&v, 0x803, &val));
	assert_int_equal((val >> 16) & 0xFF, 5); /* six LVT entries, LVTPC among them */
	assert_true(msr_policy_write(&v, 0x838, 1)); /* the timer's initial count */
	assert_false(msr_policy_write(&v, 0x839, 1)); /* its current count is read-only */
}

static void cpuid_leaves(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_INTEL_V5_METRICS);
	struct cpuid_regs r = cpuid_policy(&v, 0x40000000, 0);
	assert_memory_equal(&r.ebx, "pmuv", 4);
	assert_memory_equal(&r.ecx, "isor", 4);
	assert_int_equal(r.edx, 0);
	r = cpuid_policy(&v, 1, 0);
	assert_true(r.ecx & BIT(31));
	assert_false(r.ecx & BIT(5));
	assert_false(r.ecx & BIT(15)); /* no PDCM without a vPMU */
	r = cpuid_policy(&v, 0xA, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = cpuid_policy(&v, 0x12345, 0);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	make_guest(VPMU_MEDIATED, PROFILE_INTEL_V5_METRICS);
	r = cpuid_policy(&v, 0xA, 0);
	assert_int_equal(r.eax & 0xFFFF, 0x0805);
	pmu_platform = (struct pmu_platform){ .counts = true };
	assert_int_equal(cpuid_policy(&v, 0x40000001, 0).ebx, HV_LEAF_PMU_COUNTS | HV_LEAF_RDPMC_WORKS);
	pmu_platform = (struct pmu_platform){ .rdpmc_vector = VEC_UD };
	assert_int_equal(cpuid_policy(&v, 0x40000001, 0).ebx, 0);
}

/* A host whose CPUID sets every bit: what the guest sees is the policy alone. */
static struct cpuid_regs all_ones(u32 leaf, u32 subleaf)
{
	(void)leaf, (void)subleaf;
	return (struct cpuid_regs){ ~0u, ~0u, ~0u, ~0u };
}

/* What a Linux guest needs to use the LAPIC timer alone, and no 5-level paging. */
static void arat_offered_and_la57_hidden(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_AMD_CORE_V2);
	assert_int_equal(cpuid_policy(&v, 6, 0).eax, BIT(2));
	struct cpuid_regs r = cpuid_policy_from(&v, 7, 0, all_ones);
	assert_false(r.ecx & BIT(16));
	/* the rest passes, but for what needs state XCR0 does not offer (AVX-512, PKU, CET) */
	assert_int_equal(r.ecx, ~(u32)(BIT(16) | BIT(1) | BIT(3) | BIT(4) | BIT(6) | BIT(7) |
				       BIT(11) | BIT(12) | BIT(14)));
}

/*
 * No speculation control whose MSR has no rule: Linux writes PRED_CMD
 * between user address spaces when CPUID offers IBPB, and SPEC_CTRL for
 * IBRS, STIBP and SSBD; each would raise #GP.
 */
static void speculation_controls_hidden(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	struct cpuid_regs r = cpuid_policy_from(&v, 7, 0, all_ones);
	assert_int_equal(r.edx & (BIT(9) | BIT(13) | (0x3Fu << 26)), 0);
	assert_true(r.edx & BIT(4)); /* FSRM, say, still passes */
	u64 val;
	assert_false(msr_policy_read(&v, 0x48, &val));  /* SPEC_CTRL */
	assert_false(msr_policy_write(&v, 0x49, 1));    /* PRED_CMD */
	assert_false(msr_policy_read(&v, 0x10A, &val)); /* ARCH_CAPABILITIES */
	r = cpuid_policy_from(&v, 0x80000008, 0, all_ones);
	assert_int_equal(r.ebx & (BIT(12) | BIT(14) | BIT(15) | BIT(24) | BIT(25) | BIT(28)), 0);
	assert_true(r.ebx & BIT(0)); /* CLZERO, say, still passes */
}

/* A host with XSAVE, AVX, AVX-512 and PKRU state (leaf 0xD laid out as on Intel CPUs). */
static struct cpuid_regs xsave_host(u32 leaf, u32 subleaf)
{
	if (leaf == 1)
		return (struct cpuid_regs){ .ecx = BIT(26) | BIT(27) | BIT(28) };
	if (leaf == 7)
		return (struct cpuid_regs){ .ebx = BIT(5) | BIT(16), .ecx = BIT(3) };
	if (leaf != 0xD)
		return (struct cpuid_regs){ 0 };
	switch (subleaf) {
	case 0: return (struct cpuid_regs){ 0x2E7, 2696, 2696, 0 };
	case 1: return (struct cpuid_regs){ .eax = 0xF }; /* XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
	case 2: return (struct cpuid_regs){ 256, 576, 0, 0 };
	case 9: return (struct cpuid_regs){ 8, 2688, 0, 0 };
	default: return (struct cpuid_regs){ 64, 1000, 0, 0 };
	}
}

/* XSAVE and AVX as far as pmuvisor manages their state; sizes follow the guest's XCR0. */
static void xsave_offered_with_the_state_pmuvisor_manages(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	host_caps.xcr0_managed = XSTATE_X87 | XSTATE_SSE | XSTATE_AVX;
	struct cpuid_regs l1 = cpuid_policy_from(&v, 1, 0, xsave_host);
	assert_true(l1.ecx & BIT(26));   /* XSAVE */
	assert_true(l1.ecx & BIT(28));   /* AVX */
	assert_false(l1.ecx & BIT(27));  /* OSXSAVE: the guest's CR4 has it clear */
	regs[VREG_CR4] = CR4_OSXSAVE;
	assert_true(cpuid_policy_from(&v, 1, 0, xsave_host).ecx & BIT(27));
	struct cpuid_regs l7 = cpuid_policy_from(&v, 7, 0, xsave_host);
	assert_true(l7.ebx & BIT(5));    /* AVX2 needs no more state than AVX */
	assert_false(l7.ebx & BIT(16));  /* AVX-512F: its state is not offered */
	assert_false(l7.ecx & BIT(3));   /* PKU: PKRU is not offered */
	v.shared.xcr0 = XSTATE_X87 | XSTATE_SSE;
	struct cpuid_regs d0 = cpuid_policy_from(&v, 0xD, 0, xsave_host);
	assert_int_equal(d0.eax, 0x7);
	assert_int_equal(d0.edx, 0);
	assert_int_equal(d0.ebx, 576);   /* for XCR0 = x87|SSE */
	assert_int_equal(d0.ecx, 832);   /* for everything offered */
	v.shared.xcr0 = 0x7;
	assert_int_equal(cpuid_policy_from(&v, 0xD, 0, xsave_host).ebx, 832);
	assert_int_equal(cpuid_policy_from(&v, 0xD, 1, xsave_host).eax, 0x5); /* no XSAVEC/S */
	assert_int_equal(cpuid_policy_from(&v, 0xD, 2, xsave_host).ebx, 576);
	assert_int_equal(cpuid_policy_from(&v, 0xD, 9, xsave_host).eax, 0);   /* PKRU */
	host_caps.xcr0_managed = 0; /* a host without XSAVE */
	l1 = cpuid_policy_from(&v, 1, 0, xsave_host);
	assert_false(l1.ecx & (BIT(26) | BIT(27) | BIT(28)));
	d0 = cpuid_policy_from(&v, 0xD, 0, xsave_host);
	assert_true(!d0.eax && !d0.ebx && !d0.ecx && !d0.edx);
	regs[VREG_CR4] = 0;
}

/* A host whose every leaf and subleaf reads differently; the calls are counted. */
static u32 host_calls;
static struct cpuid_regs distinct_host(u32 leaf, u32 subleaf)
{
	host_calls++;
	return (struct cpuid_regs){ leaf * 3 + subleaf, leaf ^ 0x5A5A5A5Au, subleaf * 7 + 1,
				    (leaf + subleaf) | BIT(9) };
}

/*
 * A CPUID exit gives what the policy gives, whatever the guest's state did
 * since; asked again, it does not ask the host again, but for leaf 0xD, whose
 * sizes follow XCR0; leaf 1's OSXSAVE and APIC bits follow CR4 and the APIC's
 * global enable on every exit. Leaves 0 and 0x10, 4 and 0x40000004 share a
 * slot of the kept results, so each round asks for some again.
 */
static void cpuid_exit_keeps_only_what_cannot_change(void **state)
{
	(void)state;
	static const u32 queries[][2] = { { 0, 0 }, { 0x10, 0 }, { 1, 0 }, { 4, 0 }, { 4, 1 },
					  { 7, 0 }, { 0x40000000, 0 }, { 0x40000004, 0 },
					  { 0x40000010, 0 }, { 0x80000000, 0 }, { 0x80000001, 0 },
					  { 0x80000008, 0 } };
	make_guest(VPMU_MEDIATED, PROFILE_AMD_CORE_V2);
	host_caps.xcr0_managed = XSTATE_X87 | XSTATE_SSE | XSTATE_AVX;
	regs[VREG_CR4] = CR4_OSXSAVE; /* the first CPUID 1 with both bits away from reset */
	v.lapic.apic_base &= ~BIT(11);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(queries); i++) {
			u32 leaf = queries[i][0], subleaf = queries[i][1];
			struct cpuid_regs got = cpuid_exit_result_from(&v, leaf, subleaf, distinct_host);
			u32 calls = host_calls;
			struct cpuid_regs again = cpuid_exit_result_from(&v, leaf, subleaf, distinct_host);
			assert_int_equal(host_calls, calls); /* kept */
			struct cpuid_regs want = cpuid_policy_from(&v, leaf, subleaf, distinct_host);
			print_message("# round %d leaf 0x%x.%u\n", round, leaf, subleaf);
			assert_memory_equal(&got, &want, sizeof(got));
			assert_memory_equal(&again, &want, sizeof(again));
		}
		regs[VREG_CR4] ^= CR4_OSXSAVE; /* OSXSAVE off, then on again */
		v.lapic.apic_base ^= BIT(11);  /* the APIC globally enabled, then disabled */
	}
	host_caps.xcr0_managed = 0; /* leaf 0xD: no XGETBV on the machine running the tests */
	for (int round = 0; round < 2; round++) {
		u32 calls = host_calls;
		struct cpuid_regs got = cpuid_exit_result_from(&v, 0xD, 0, distinct_host);
		assert_true(host_calls > calls); /* never kept */
		struct cpuid_regs want = cpuid_policy_from(&v, 0xD, 0, distinct_host);
		assert_memory_equal(&got, &want, sizeof(got));
	}
	regs[VREG_CR4] = 0;
}

/*
 * MTRRs with no ranges and a default type, enabled write-back as firmware
 * leaves it; CPUID.1:EDX hides DS, ACPI, TM and PBE, whose MSRs have no rule.
 */
static void mtrrs_without_ranges_and_thermal_features_hidden(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	msr_policy_vcpu_reset(&v);
	u64 val = 1;
	assert_true(msr_policy_read(&v, MSR_MTRRCAP, &val));
	assert_int_equal(val, 0); /* no variable or fixed ranges, no WC */
	assert_false(msr_policy_write(&v, MSR_MTRRCAP, 0));
	assert_true(msr_policy_read(&v, MSR_MTRR_DEF_TYPE, &val));
	assert_int_equal(val, BIT(11) | 6);
	assert_true(msr_policy_write(&v, MSR_MTRR_DEF_TYPE, BIT(11) | 0)); /* enabled, UC */
	assert_true(msr_policy_read(&v, MSR_MTRR_DEF_TYPE, &val));
	assert_int_equal(val, BIT(11));
	assert_false(msr_policy_write(&v, MSR_MTRR_DEF_TYPE, BIT(11) | 2)); /* type 2 is reserved */
	assert_false(msr_policy_write(&v, MSR_MTRR_DEF_TYPE, BIT(10) | 6)); /* FE: no fixed ranges */
	assert_false(msr_policy_write(&v, MSR_MTRR_DEF_TYPE, BIT(12) | 6));
	assert_false(msr_policy_read(&v, 0x200, &val)); /* PHYSBASE0: no variable range */
	assert_false(msr_policy_write(&v, 0x19B, 3)); /* THERM_INTERRUPT: no rule */
	struct cpuid_regs r = cpuid_policy_from(&v, 1, 0, all_ones);
	assert_int_equal(r.edx & (BIT(21) | BIT(22) | BIT(29) | BIT(31)), 0);
	assert_int_equal(r.ecx & BIT(8), 0); /* TM2 */
	assert_true(r.edx & BIT(12)); /* MTRR stays offered */
}

static void amd_package_wide_counters_are_hidden(void **state)
{
	(void)state;
	make_guest(VPMU_MEDIATED, PROFILE_AMD_CORE_V2);
	struct cpuid_regs r = cpuid_policy_from(&v, 0x80000001, 0, all_ones);
	assert_false(r.ecx & BIT(24)); /* PerfCtrExtNB/DF */
	assert_false(r.ecx & BIT(28)); /* PerfCtrExtLLC */
	assert_false(r.ecx & BIT(2));  /* SVM */
	assert_true(r.ecx & BIT(23));  /* PerfCtrExtCore: the vPMU's own counters */
	make_guest(VPMU_OFF, PROFILE_AMD_CORE_V2);
	assert_false(cpuid_policy_from(&v, 0x80000001, 0, all_ones).ecx & BIT(23));
}

/* CPUID.1:EDX[9] follows IA32_APIC_BASE[11]: a globally disabled APIC is no APIC. */
static void cpuid_apic_bit_follows_the_global_enable(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	assert_true(cpuid_policy_from(&v, 1, 0, all_ones).edx & BIT(9));
	assert_true(msr_policy_write(&v, MSR_APIC_BASE, VLAPIC_DEFAULT_BASE & ~BIT(11)));
	assert_false(cpuid_policy_from(&v, 1, 0, all_ones).edx & BIT(9));
	assert_true(cpuid_policy_from(&v, 1, 0, all_ones).edx & BIT(8)); /* the rest passes */
	assert_true(msr_policy_write(&v, MSR_APIC_BASE, VLAPIC_DEFAULT_BASE));
	assert_true(cpuid_policy_from(&v, 1, 0, all_ones).edx & BIT(9));
}

static struct cpuid_regs all_zeros(u32 leaf, u32 subleaf)
{
	(void)leaf, (void)subleaf;
	return (struct cpuid_regs){ 0 };
}

/* IA32_TSC_ADJUST is emulated, so CPUID.(7,0):EBX[1] offers it on any host; other subleaves stay. */
static void tsc_adjust_always_offered(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_AMD_CORE_V2);
	assert_int_equal(cpuid_policy_from(&v, 7, 0, all_zeros).ebx, BIT(1));
	assert_int_equal(cpuid_policy_from(&v, 7, 1, all_zeros).ebx, 0);
	/* everything else the host has, but AVX-512, whose state XCR0 does not offer */
	assert_int_equal(cpuid_policy_from(&v, 7, 0, all_ones).ebx,
			 ~(u32)(BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) |
				BIT(31)));
}

/*
 * The counters every CPU of a vendor has (AMD's legacy four; Intel's first
 * two, there since the P6) read 0 and drop writes without a vPMU, as on KVM
 * with its PMU off; those past them, what CPUID does not offer and the other
 * vendor's raise #GP, and so does a counter not given to a vPMU.
 */
static void vendor_counters_without_a_vpmu(void **state)
{
	(void)state;
	static const struct {
		enum pmu_profile profile, other_vendor, fewer; /* fewer: one that can show fewer */
		u32 sel, last_ctr, faulting[3];
	} cases[] = {
		{ PROFILE_AMD_LEGACY, PROFILE_INTEL_V4, PROFILE_AMD_CORE_V2, MSR_K7_PERFCTL0,
		  MSR_K7_PERFCTR0 + 3,
		  { MSR_K7_PERFCTR0 + 4, MSR_F15H_PERFCTL0, MSR_AMD_PERF_GLOBAL_CTL } },
		{ PROFILE_INTEL_V4, PROFILE_AMD_LEGACY, PROFILE_INTEL_V4, MSR_IA32_PERFEVTSEL0 + 1,
		  MSR_IA32_PMC0 + 1,
		  { MSR_IA32_PMC0 + 2, MSR_IA32_A_PMC0, MSR_IA32_PERF_GLOBAL_CTRL } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 val = 1;
		make_guest(VPMU_OFF, cases[i].profile);
		assert_true(msr_policy_write(&v, cases[i].sel, 0x4300C0));
		assert_true(msr_policy_read(&v, cases[i].sel, &val));
		assert_int_equal(val, 0);
		val = 1;
		assert_true(msr_policy_read(&v, cases[i].last_ctr, &val));
		assert_int_equal(val, 0);
		for (size_t j = 0; j < ARRAY_SIZE(cases[i].faulting); j++)
			assert_false(msr_policy_read(&v, cases[i].faulting[j], &val));
		make_guest(VPMU_OFF, cases[i].other_vendor);
		assert_false(msr_policy_read(&v, cases[i].sel, &val));
		make_guest(VPMU_MEDIATED, cases[i].fewer);
		cfg.pmu_gp = 1;
		char err[128];
		assert_int_equal(vpmu_desc_derive(pmu_profile_caps(cases[i].fewer, NULL), &cfg,
						  &vm.pmu, err, sizeof(err)), 0);
		assert_false(msr_policy_read(&v, cases[i].last_ctr, &val));
	}
}

/*
 * Intel's MISC_ENABLE as the guest's: fast strings on (bit 0: Linux with FSRM
 * and fast strings off runs its memmove away), PMU available with a vPMU,
 * BTS and PEBS never.
 */
static void misc_enable_follows_the_vpmu(void **state)
{
	(void)state;
	u64 val;
	host_caps.vendor = VENDOR_INTEL;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	assert_true(msr_policy_read(&v, MSR_MISC_ENABLE, &val));
	assert_int_equal(val, BIT(0) | BIT(11) | BIT(12));
	assert_true(msr_policy_write(&v, MSR_MISC_ENABLE, val)); /* a write-back changes nothing */
	assert_false(msr_policy_write(&v, MSR_MISC_ENABLE, val | BIT(7)));
	assert_false(msr_policy_write(&v, MSR_MISC_ENABLE, val & ~BIT(0)));
	make_guest(VPMU_MEDIATED, PROFILE_INTEL_V4);
	assert_true(msr_policy_read(&v, MSR_MISC_ENABLE, &val));
	assert_int_equal(val, BIT(0) | BIT(7) | BIT(11) | BIT(12));
	host_caps.vendor = VENDOR_AMD; /* no such MSR */
	assert_false(msr_policy_read(&v, MSR_MISC_ENABLE, &val));
	host_caps.vendor = VENDOR_OTHER;
}

/* Intel's microcode revision: Linux writes 0, runs CPUID, reads; the guest has none. */
static void microcode_revision_reads_zero(void **state)
{
	(void)state;
	u64 val = 1;
	host_caps.vendor = VENDOR_INTEL;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	assert_true(msr_policy_write(&v, MSR_BIOS_SIGN_ID, 0));
	assert_true(msr_policy_read(&v, MSR_BIOS_SIGN_ID, &val));
	assert_int_equal(val, 0);
	host_caps.vendor = VENDOR_AMD; /* PATCH_LEVEL there: no rule */
	assert_false(msr_policy_read(&v, MSR_BIOS_SIGN_ID, &val));
	host_caps.vendor = VENDOR_OTHER;
}

/* Both backends implement set_reg for VREG_WRITABLE only: anything else never reaches them. */
static void only_writable_registers_reach_the_backend(void **state)
{
	(void)state;
	make_guest(VPMU_OFF, PROFILE_INTEL_V4);
	vcpu_set_reg(&v, VREG_CPL, 3);
	vcpu_set_reg(&v, VREG_CS_BASE, 0x1000);
	assert_int_equal(regs[VREG_CPL], 0);
	assert_int_equal(regs[VREG_CS_BASE], 0);
	vcpu_set_reg(&v, VREG_RIP, 0x2000);
	assert_int_equal(regs[VREG_RIP], 0x2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bitmap_is_default_deny),
		cmocka_unit_test(every_rule_is_found),
		cmocka_unit_test(aperfmperf_passthrough_only_when_asked),
		cmocka_unit_test(aperfmperf_offered_only_when_the_host_has_them),
		cmocka_unit_test(xsave_offered_with_the_state_pmuvisor_manages),
		cmocka_unit_test(mediated_pmu_data_msrs_pass_through),
		cmocka_unit_test(emulated_msrs_behave),
		cmocka_unit_test(syscall_msrs_pass_through),
		cmocka_unit_test(cstar_stored_where_the_cpu_has_no_use_for_it),
		cmocka_unit_test(tsc_writes_move_the_offset_and_tsc_adjust),
		cmocka_unit_test(tsc_adjust_always_offered),
		cmocka_unit_test(x2apic_lvtpc_after_enabling_x2apic),
		cmocka_unit_test(cpuid_leaves),
		cmocka_unit_test(cpuid_exit_keeps_only_what_cannot_change),
		cmocka_unit_test(mtrrs_without_ranges_and_thermal_features_hidden),
		cmocka_unit_test(amd_package_wide_counters_are_hidden),
		cmocka_unit_test(cpuid_apic_bit_follows_the_global_enable),
		cmocka_unit_test(arat_offered_and_la57_hidden),
		cmocka_unit_test(only_writable_registers_reach_the_backend),
		cmocka_unit_test(vendor_counters_without_a_vpmu),
		cmocka_unit_test(misc_enable_follows_the_vpmu),
		cmocka_unit_test(speculation_controls_hidden),
		cmocka_unit_test(microcode_revision_reads_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
