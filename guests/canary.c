/*
 * Runs after the abuse guests: it must start from a clean state, nothing of
 * the previous guest left: RAM zeroed, MSRs at their reset values, the
 * registers no world switch saves (x87/SSE, DR0-DR3, DR6, CR2) reset, and
 * (with vpmu=mediated) an idle PMU.
 */
#include "guests/lib/guest.h"
#include "guests/lib/pmu.h"

/*
 * The PMU as the hardware holds it: in mediated mode with every counter given,
 * counter, GLOBAL_STATUS and PERF_METRICS reads pass through, so they show
 * what the last guest left unless pmuvisor's put and load cleared it. (Selectors are served
 * from the vPMU's own copy, which starts at 0 whatever the hardware holds.)
 * Emulators' PMU MSRs read 0 whatever was written, so there this proves
 * nothing and SKIPs; the runner says which platform counts (counts=).
 */
static void pmu_starts_clean(void)
{
	if (cmdline_uint("counts", 0) != 1) {
		report_skip("the platform's PMU MSRs read 0 whatever was written (emulator), or "
			    "the runner did not say (counts=)", "the PMU hardware starts clean");
		return;
	}
	const struct guest_pmu *pmu = pmu_probe();
	u64 v, dirty = 0;
	for (u32 i = 0; i < pmu->caps.nr_gp; i++)
		dirty |= rdmsr_safe(pmu_gp_counter_msr(i), &v) ? ~0ULL : v;
	for (u32 i = 0; i < 4; i++)
		if (pmu->caps.fixed_bitmap & BIT(i))
			dirty |= rdmsr_safe(pmu_fixed_counter_msr(i), &v) ? ~0ULL : v;
	if (pmu->global)
		dirty |= rdmsr_safe(pmu_global_status_msr(), &v) ? ~0ULL : v;
	if (pmu->caps.perf_metrics) /* passes through where the guest has it */
		dirty |= rdmsr_safe(MSR_IA32_PERF_METRICS, &v) ? ~0ULL : v;
	report(!dirty, "the PMU hardware starts clean: counters, GLOBAL_STATUS and PERF_METRICS 0 "
	       "(or 0x%lx)", dirty);
}

/* XCR0 at its reset value, and every YMM register's upper half zero. */
static void avx_starts_clean(void)
{
	if (!cpu_has_avx()) {
		report_skip("CPUID offers no AVX", "YMM upper halves are zero");
		return;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	report(xgetbv() == XSTATE_X87, "XCR0 is 1 (x87 only) at start (0x%lx)", xgetbv());
	xsetbv(XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);
	static u8 upper[16][16] __attribute__((aligned(16)));
#define UPPER(n) "vextractf128 $1, %%ymm" #n ", %" #n "\n\t"
	asm volatile(UPPER(0) UPPER(1) UPPER(2) UPPER(3) UPPER(4) UPPER(5) UPPER(6) UPPER(7)
		     UPPER(8) UPPER(9) UPPER(10) UPPER(11) UPPER(12) UPPER(13) UPPER(14) UPPER(15)
		     : "=m"(upper[0]), "=m"(upper[1]), "=m"(upper[2]), "=m"(upper[3]),
		       "=m"(upper[4]), "=m"(upper[5]), "=m"(upper[6]), "=m"(upper[7]),
		       "=m"(upper[8]), "=m"(upper[9]), "=m"(upper[10]), "=m"(upper[11]),
		       "=m"(upper[12]), "=m"(upper[13]), "=m"(upper[14]), "=m"(upper[15]));
#undef UPPER
	u8 or = 0;
	for (int i = 0; i < 16 * 16; i++)
		or |= upper[i / 16][i % 16];
	report(!or, "YMM0-YMM15 upper halves are zero (%s)", or ? "dirty" : "clean");
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u64 end = guest_ram_end(), dirty = 0;
	for (u64 a = 2ULL << 20; a < end; a += 8) /* above this image, stack and page tables */
		dirty += *(volatile u64 *)(uintptr_t)a != 0;
	report(dirty == 0, "RAM from 2 MiB to %lu MiB is zero (%lu dirty words)", end >> 20, dirty);
	/* The MSRs earlier guests set (the syscall guest leaves STAR, LSTAR, SFMASK set). */
	static const u32 zero_at_reset[] = { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
		MSR_SYSENTER_EIP, MSR_TSC_ADJUST };
	u64 set_msrs = 0;
	for (size_t i = 0; i < ARRAY_SIZE(zero_at_reset); i++) {
		u64 v = 1;
		set_msrs += rdmsr_safe(zero_at_reset[i], &v) || v;
	}
	report(!set_msrs, "FS/GS/KERNEL_GS base, the SYSCALL and SYSENTER MSRs and TSC_ADJUST "
		       "are 0 (%lu are not)", set_msrs);
	u64 aux = 1;
	if (cpuid(0x80000001, 0).edx & BIT(27)) /* RDTSCP: IA32_TSC_AUX exists */
		report(rdmsr_safe(MSR_TSC_AUX, &aux) == 0 && aux == 0, "TSC_AUX is 0");
	u64 apic = 0;
	rdmsr_safe(MSR_APIC_BASE, &apic);
	report(apic == 0xFEE00900, "the APIC base is the reset one, xAPIC mode (0x%lx)", apic);
	write_cr4(read_cr4() | CR4_OSFXSR);
	static struct { u16 fcw, fsw; u8 ftw, r; u16 fop; u64 ip, dp; u32 mxcsr, mask;
			u8 regs[480]; } __attribute__((aligned(16))) fx;
	asm volatile("fxsave64 %0" : "=m"(fx));
	u64 xmm_or = 0;
	for (int i = 0; i < 16 * 16; i++) /* XMM0-XMM15: the last 256 bytes of the register area */
		xmm_or |= fx.regs[128 + i];
	report(fx.fcw == 0x37F && fx.fsw == 0 && fx.ftw == 0 && fx.mxcsr == 0x1F80 && !xmm_or,
	       "x87 and SSE at their reset values (FCW 0x%x, FSW 0x%x, tags 0x%x, MXCSR 0x%x, "
	       "XMM %s)", fx.fcw, fx.fsw, fx.ftw, fx.mxcsr, xmm_or ? "dirty" : "zero");
	avx_starts_clean();
	u64 d0, d1, d2, d3, d6;
	asm volatile("mov %%db0, %0\n\tmov %%db1, %1\n\tmov %%db2, %2\n\tmov %%db3, %3\n\t"
		     "mov %%db6, %4" : "=r"(d0), "=r"(d1), "=r"(d2), "=r"(d3), "=r"(d6));
	report(!d0 && !d1 && !d2 && !d3 && d6 == 0xFFFF0FF0,
	       "DR0-DR3 are 0 and DR6 is 0x%lx (reset 0xffff0ff0)", d6);
	report(read_cr2() == 0, "CR2 is 0 (0x%lx)", read_cr2());
	pmu_starts_clean();
	return tap_status();
}
