/*
 * The time-stamp counter as a kernel written for QEMU uses it: RDTSC counts,
 * WRMSR(IA32_TSC) sets it, IA32_TSC_ADJUST follows it where CPUID offers it,
 * and RDTSCP returns the TSC with the IA32_TSC_AUX the kernel wrote.
 */
#include "guests/qemu/qk.h"

#define MSR_TSC 0x10
#define MSR_TSC_ADJUST 0x3B
#define MSR_TSC_AUX 0xC0000103
#define LEAF7_EBX_TSC_ADJUST (1u << 1)
#define EXT1_EDX_RDTSCP (1u << 27)
/* How far apart two TSC reads a few instructions apart may be, in ticks. */
#define NEAR (1ull << 32)

static uint64_t rdtscp(uint32_t *aux)
{
	uint32_t lo, hi;
	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(*aux));
	return ((uint64_t)hi << 32) | lo;
}

static void cpuid_sub(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static void tsc_writes(void)
{
	const uint64_t target = 1ull << 44;
	wrmsr(MSR_TSC, target);
	uint64_t high = rdtsc();
	check(high >= target && high - target < NEAR, "WRMSR(IA32_TSC) sets what RDTSC reads");
	wrmsr(MSR_TSC, 0);
	uint64_t low = rdtsc();
	check(low < high && low < NEAR, "WRMSR(IA32_TSC, 0) moves the TSC back");
}

static void tsc_adjust(void)
{
	uint32_t r[4];
	cpuid_sub(7, 0, r);
	if (!(r[1] & LEAF7_EBX_TSC_ADJUST)) {
		skip("IA32_TSC_ADJUST follows TSC writes", "CPUID.(7,0):EBX[1] does not offer it");
		return;
	}
	uint64_t before = rdmsr(MSR_TSC_ADJUST), tsc = rdtsc();
	wrmsr(MSR_TSC, tsc + (1ull << 40));
	uint64_t moved = rdmsr(MSR_TSC_ADJUST) - before;
	check(moved >= (1ull << 40) - NEAR && moved <= (1ull << 40),
	      "a TSC write moves IA32_TSC_ADJUST by the same amount");
	tsc = rdtsc();
	wrmsr(MSR_TSC_ADJUST, rdmsr(MSR_TSC_ADJUST) - (1ull << 40));
	uint64_t back = tsc - rdtsc();
	check(back > (1ull << 40) - NEAR && back <= (1ull << 40),
	      "an IA32_TSC_ADJUST write moves the TSC by the same amount");
}

static void tsc_aux(void)
{
	uint32_t r[4];
	cpuid(0x80000001, r);
	if (!(r[3] & EXT1_EDX_RDTSCP)) {
		skip("RDTSCP returns the TSC and IA32_TSC_AUX", "CPUID does not offer RDTSCP");
		return;
	}
	wrmsr(MSR_TSC_AUX, 0x5A);
	uint32_t aux = 0;
	uint64_t t1 = rdtsc(), t2 = rdtscp(&aux), t3 = rdtsc();
	check(t1 <= t2 && t2 <= t3, "RDTSCP reads the same TSC as RDTSC");
	check(aux == 0x5A && rdmsr(MSR_TSC_AUX) == 0x5A, "RDTSCP returns the IA32_TSC_AUX written");
	wrmsr(MSR_TSC_AUX, 0);
}

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	(void)magic, (void)mbi;
	uint64_t t1 = rdtsc(), t2 = rdtsc();
	check(t2 > t1, "RDTSC counts");
	tsc_writes();
	tsc_adjust();
	tsc_aux();
	finish();
}
