/*
 * XSAVE and AVX as the SDM defines them: CPUID.1:ECX.OSXSAVE follows
 * CR4.OSXSAVE, XSETBV refuses invalid XCR0 values with #GP, XGETBV reads
 * back what was loaded, leaf 0xD's size follows XCR0, and an AVX
 * instruction runs only while XCR0 enables AVX state.
 */
#include "guests/qemu/qk.h"

#define VEC_UD 6
#define VEC_GP 13
#define NONE (-1)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXSAVE (1u << 18)
#define CPUID1_XSAVE (1u << 26)
#define CPUID1_OSXSAVE (1u << 27)
#define CPUID1_AVX (1u << 28)
#define XSAVE_LEGACY_AND_HEADER 576

static int xsetbv(uint32_t xcr, uint64_t v)
{
	return QK_TRY("xsetbv", "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void cpuid_sub(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static void on_irq(uint32_t vector) { (void)vector; }

static void avx_checks(void)
{
	uint32_t d0[4], d2[4];
	check(xsetbv(0, 5) == VEC_GP, "XSETBV: AVX without SSE is #GP");
	check(QK_TRY("vxorps %%ymm0, %%ymm0, %%ymm0") == VEC_UD, "AVX is #UD while XCR0 lacks it");
	check(xsetbv(0, 7) == NONE && xgetbv0() == 7, "XSETBV: x87|SSE|AVX loads and reads back");
	cpuid_sub(0xD, 0, d0);
	cpuid_sub(0xD, 2, d2);
	check(d0[1] == d2[0] + d2[1], "leaf 0xD: EBX covers the AVX area while AVX is on");
	check(QK_TRY("vxorps %%ymm0, %%ymm0, %%ymm0") == NONE, "AVX runs while XCR0 enables it");
}

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	(void)magic, (void)mbi;
	idt_init(on_irq);
	uint32_t l1[4], d0[4];
	cpuid(1, l1);
	if (!(l1[2] & CPUID1_XSAVE)) {
		skip("XSAVE", "CPUID.1:ECX.XSAVE is clear");
		finish();
	}
	check(!(l1[2] & CPUID1_OSXSAVE), "CPUID.1:ECX.OSXSAVE is clear while CR4.OSXSAVE is");
	check(xsetbv(0, 1) == VEC_UD, "XSETBV with CR4.OSXSAVE clear is #UD");
	uint32_t cr4;
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSXSAVE | CR4_OSFXSR));
	cpuid(1, l1);
	check(l1[2] & CPUID1_OSXSAVE, "CPUID.1:ECX.OSXSAVE follows CR4.OSXSAVE");
	check(xgetbv0() == 1, "XCR0 is 1 (x87 only) at reset");
	cpuid_sub(0xD, 0, d0);
	uint64_t supported = ((uint64_t)d0[3] << 32) | d0[0];
	check((supported & 3) == 3, "leaf 0xD offers x87 and SSE state");
	check(xsetbv(0, 0) == VEC_GP, "XSETBV: XCR0 without x87 is #GP");
	check(xsetbv(1, 1) == VEC_GP, "XSETBV: an XCR other than XCR0 is #GP");
	check(xsetbv(0, 1 | (1ull << 63)) == VEC_GP, "XSETBV: a reserved XCR0 bit is #GP");
	check(xsetbv(0, 3) == NONE && xgetbv0() == 3, "XSETBV: x87|SSE loads and reads back");
	cpuid_sub(0xD, 0, d0);
	check(d0[1] == XSAVE_LEGACY_AND_HEADER, "leaf 0xD: EBX is 576 bytes for x87|SSE");
	if ((l1[2] & CPUID1_AVX) && (supported & 4))
		avx_checks();
	else
		skip("AVX", "CPUID offers no AVX");
	finish();
}
