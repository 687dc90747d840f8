/*
 * Control registers, EFER and XCR0 in 64-bit mode, where the 32-bit
 * QEMU-style kernel (guests/qemu/qk_cregs.c) cannot go: the loads the
 * hardware refuses raise #GP, the rest take effect and read back.
 * unintercepted=0 leaves out the reserved-bit loads of CR3 and CR8, which
 * AMD-V leaves to the CPU (the guest's own with nested paging and V_TPR).
 */
#include "guests/lib/guest.h"

#define MSR_EFER 0xC0000080
#define CR4_CET BIT(23)
#define APIC_MMIO 0xFEE00000UL

static int load_cr0(u64 v) { return TRY("mov %1, %%cr0", "r"(v)); }
static int load_cr3(u64 v) { return TRY("mov %1, %%cr3", "r"(v)); }
static int load_cr4(u64 v) { return TRY("mov %1, %%cr4", "r"(v)); }

static u64 read_cr8(void)
{
	u64 v;
	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void cr0_in_long_mode(void)
{
	u64 cr0 = read_cr0();
	report(load_cr0(cr0 | BIT(32)) == VEC_GP, "CR0: a bit of 63:32 is #GP");
	report(load_cr0(cr0 & ~(u64)CR0_PG) == VEC_GP, "CR0: clearing PG in 64-bit mode is #GP");
	report(load_cr0(cr0 | CR0_NW) == VEC_GP || (cr0 & CR0_CD), "CR0: NW without CD is #GP");
	report(load_cr0(cr0 | CR0_NE) == 0 && (read_cr0() & CR0_NE), "CR0: NE loads and reads back");
	report(load_cr0(cr0 | CR0_CD | CR0_NW) == 0 &&
		       (read_cr0() & (CR0_CD | CR0_NW)) == (CR0_CD | CR0_NW),
	       "CR0: CD and NW load and read back");
	report(load_cr0(cr0 | CR0_NE) == 0 && (read_cr0() & (CR0_CD | CR0_NW)) == 0,
	       "CR0: CD and NW clear again");
	report(read_cr0() & CR0_PG, "still in long mode");
}

static void cr3_and_cr4_in_long_mode(void)
{
	u64 cr4 = read_cr4(), cr3 = read_cr3();
	u32 width = cpuid(0x80000008, 0).eax & 0xFF;
	report(load_cr4(cr4 & ~(u64)CR4_PAE) == VEC_GP, "CR4: clearing PAE in long mode is #GP");
	report(load_cr4(cr4 | CR4_VMXE) == VEC_GP, "CR4: VMXE (VMX is not offered) is #GP");
	report(load_cr4(cr4 | BIT(15)) == VEC_GP, "CR4: reserved bit 15 is #GP");
	report(load_cr4(cr4 | BIT(32)) == VEC_GP, "CR4: a bit of 63:32 is #GP");
	if (!(cpuid(7, 0).ecx & BIT(7))) /* CET_SS */
		report(load_cr4(cr4 | CR4_CET) == VEC_GP, "CR4: CET (not offered) is #GP");
	report(load_cr4(cr4 | CR4_PCE) == 0 && (read_cr4() & CR4_PCE), "CR4: PCE loads");
	load_cr4(cr4);
	if (cmdline_uint("unintercepted", 1))
		report(width >= 32 && width < 52 && load_cr3(cr3 | (1ULL << width)) == VEC_GP,
		       "CR3: a bit above the %u-bit physical-address width is #GP", width);
	report(load_cr3(cr3) == 0 && read_cr3() == cr3, "CR3: its own value reloads");
}

static void efer_in_long_mode(void)
{
	u64 efer = 0;
	rdmsr_safe(MSR_EFER, &efer);
	report(efer & EFER_LMA, "EFER.LMA is set in long mode (0x%lx)", efer);
	report(wrmsr_safe(MSR_EFER, efer & ~(u64)EFER_LME) == VEC_GP,
	       "EFER: clearing LME while paging is on is #GP");
	report(wrmsr_safe(MSR_EFER, efer | EFER_SVME) == VEC_GP, "EFER: SVME is #GP");
	report(wrmsr_safe(MSR_EFER, efer | BIT(9)) == VEC_GP, "EFER: reserved bit 9 is #GP");
	report(wrmsr_safe(MSR_EFER, efer & ~(u64)EFER_LMA) == 0, "EFER: a write may leave out LMA");
	rdmsr_safe(MSR_EFER, &efer);
	report(efer & EFER_LMA, "EFER: LMA stays set, it is read-only");
}

/* CR8 is the TPR's priority class: the virtual LAPIC's, seen both ways. */
static void cr8(void)
{
	volatile u32 *tpr = (volatile u32 *)(APIC_MMIO + 0x80);
	asm volatile("mov %0, %%cr8" : : "r"(0xAULL));
	report(read_cr8() == 0xA, "CR8 reads back what was loaded (0x%lx)", read_cr8());
	report(*tpr == 0xA0, "a CR8 load is the LAPIC's TPR bits 7:4 (TPR 0x%x)", *tpr);
	*tpr = 0x5C;
	report(read_cr8() == 0x5, "CR8 reads the TPR's class after an MMIO write (0x%lx)", read_cr8());
	if (cmdline_uint("unintercepted", 1))
		report(TRY("mov %1, %%cr8", "r"(0x10ULL)) == VEC_GP,
		       "CR8: bits 63:4 are reserved, #GP");
	asm volatile("mov %0, %%cr8" : : "r"(0ULL));
}

static void xcr0(void)
{
	if (!cpu_has_avx()) {
		report_skip("CPUID offers no AVX", "XCR0 rules");
		return;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	report(cpuid(1, 0).ecx & BIT(27), "CPUID.1:ECX.OSXSAVE follows CR4.OSXSAVE");
	report(TRY("xsetbv", "a"(0), "c"(0), "d"(0)) == VEC_GP, "XSETBV: XCR0 without x87 is #GP");
	report(TRY("xsetbv", "a"(5), "c"(0), "d"(0)) == VEC_GP, "XSETBV: AVX without SSE is #GP");
	report(TRY("xsetbv", "a"(7), "c"(1), "d"(0)) == VEC_GP, "XSETBV: XCR1 is #GP");
	report(TRY("xsetbv", "a"(7), "c"(0), "d"(0)) == 0 && xgetbv() == 7,
	       "XSETBV: x87|SSE|AVX loads and reads back");
	report(cpuid(0xD, 0).ebx == cpuid(0xD, 2).eax + cpuid(0xD, 2).ebx,
	       "leaf 0xD: EBX covers the AVX area (%u bytes)", cpuid(0xD, 0).ebx);
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	cr0_in_long_mode();
	cr3_and_cr4_in_long_mode();
	efer_in_long_mode();
	cr8();
	xcr0();
	return tap_status();
}
