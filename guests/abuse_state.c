/*
 * Leaves dirty the registers the hardware shares between guests, which no
 * world switch saves: the x87 stack and control word, XMM0-XMM15, MXCSR,
 * the upper halves of YMM0-YMM15 (then hidden behind an XCR0 without AVX),
 * DR0-DR3, DR6 and CR2. The canary, run after it, must find them all reset.
 */
#include "guests/lib/guest.h"

#define PATTERN 0x5AA5C33CF00F9669ULL
#define UNMAPPED 0x7FFF00000000ULL /* canonical, beyond the guest's page tables */

static u64 xmm0(void)
{
	u64 v;
	asm volatile("movq %%xmm0, %0" : "=r"(v));
	return v;
}

static u64 dr(int n)
{
	u64 v = 0;
	switch (n) {
	case 0: asm volatile("mov %%db0, %0" : "=r"(v)); break;
	case 3: asm volatile("mov %%db3, %0" : "=r"(v)); break;
	case 6: asm volatile("mov %%db6, %0" : "=r"(v)); break;
	}
	return v;
}

/*
 * Fills every YMM register's upper half, then leaves XCR0 without AVX: a
 * reset that restores only what the guest's XCR0 enables would miss them.
 */
static void dirty_avx(void)
{
	if (!cpu_has_avx()) {
		report_skip("CPUID offers no AVX", "YMM upper halves hold a pattern");
		return;
	}
	static const u64 pattern[4] __attribute__((aligned(32))) = { PATTERN, PATTERN, PATTERN,
								      PATTERN };
	write_cr4(read_cr4() | CR4_OSXSAVE);
	xsetbv(XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);
	asm volatile("vmovdqa %0, %%ymm0\n\tvmovdqa %0, %%ymm1\n\tvmovdqa %0, %%ymm2\n\t"
		     "vmovdqa %0, %%ymm3\n\tvmovdqa %0, %%ymm4\n\tvmovdqa %0, %%ymm5\n\t"
		     "vmovdqa %0, %%ymm6\n\tvmovdqa %0, %%ymm7\n\tvmovdqa %0, %%ymm8\n\t"
		     "vmovdqa %0, %%ymm9\n\tvmovdqa %0, %%ymm10\n\tvmovdqa %0, %%ymm11\n\t"
		     "vmovdqa %0, %%ymm12\n\tvmovdqa %0, %%ymm13\n\tvmovdqa %0, %%ymm14\n\t"
		     "vmovdqa %0, %%ymm15" : : "m"(pattern));
	u64 upper;
	asm volatile("vextractf128 $1, %%ymm15, %%xmm1\n\tmovq %%xmm1, %0" : "=r"(upper));
	asm volatile("vmovdqa %0, %%ymm1" : : "m"(pattern));
	xsetbv(XSTATE_X87 | XSTATE_SSE);
	report(upper == PATTERN, "YMM upper halves hold a pattern, XCR0 left without AVX");
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	write_cr4(read_cr4() | CR4_OSFXSR);
	asm volatile("movq %0, %%xmm0\n\tmovq %0, %%xmm7\n\tmovq %0, %%xmm8\n\tmovq %0, %%xmm15"
		     : : "r"(PATTERN));
	u32 mxcsr = 0x1FC0; /* denormals are zero */
	asm volatile("fld1\n\tfldpi\n\tldmxcsr %0" : : "m"(mxcsr));
	asm volatile("mov %0, %%db0\n\tmov %0, %%db1\n\tmov %0, %%db2\n\tmov %0, %%db3"
		     : : "r"(0x1000ULL));
	asm volatile("mov %0, %%db6" : : "r"(0xFFFF4FF1ULL));
	dirty_avx();
	int vec = TRY("mov (%1), %%al", "r"(UNMAPPED));
	report(xmm0() == PATTERN, "XMM registers hold a pattern");
	report(dr(0) == 0x1000 && dr(3) == 0x1000 && dr(6) == 0xFFFF4FF1,
	       "DR0-DR3 and DR6 hold values (DR6 0x%lx)", dr(6));
	report(vec == VEC_PF && read_cr2() == UNMAPPED, "a #PF left CR2 = 0x%lx", read_cr2());
	return tap_status();
}
