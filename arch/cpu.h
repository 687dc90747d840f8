/* CPUID, MSR, control register and port I/O helpers (mechanics, no policy). */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include "arch/msr.h"
#include "arch/types.h"

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;
	asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
}

/*
 * The *_safe variants return 0 or the exception vector (#GP = 13, #UD = 6)
 * instead of faulting: the exception handler finds the faulting RIP in the
 * .extable section, resumes after the instruction and puts the vector in RSI.
 */
#define EXTABLE_ENTRY(fault, resume) \
	".pushsection .extable,\"aw\"\n .balign 8\n .quad " #fault ", " #resume "\n .popsection\n"

static inline int rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	u64 vec = 0;
	asm volatile("1: rdmsr\n2:\n" EXTABLE_ENTRY(1b, 2b)
		     : "+a"(lo), "+d"(hi), "+S"(vec) : "c"(msr));
	*val = ((u64)hi << 32) | lo;
	return (int)vec;
}

static inline int wrmsr_safe(u32 msr, u64 val)
{
	u64 vec = 0;
	asm volatile("1: wrmsr\n2:\n" EXTABLE_ENTRY(1b, 2b)
		     : "+S"(vec) : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
	return (int)vec;
}

static inline int rdpmc_safe(u32 index, u64 *val)
{
	u32 lo = 0, hi = 0;
	u64 vec = 0;
	asm volatile("1: rdpmc\n2:\n" EXTABLE_ENTRY(1b, 2b)
		     : "+a"(lo), "+d"(hi), "+S"(vec) : "c"(index));
	*val = ((u64)hi << 32) | lo;
	return (int)vec;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                            \
	static inline u64 read_cr##n(void)                                      \
	{                                                                       \
		u64 v;                                                          \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));                   \
		return v;                                                       \
	}                                                                       \
	static inline void write_cr##n(u64 v)                                   \
	{                                                                       \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");          \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* XCR0 (needs CR4.OSXSAVE): which extended-state components are enabled. */
#define XSTATE_X87 BIT(0)
#define XSTATE_SSE BIT(1)
#define XSTATE_AVX BIT(2)

static inline void xsetbv(u64 xcr0)
{
	asm volatile("xsetbv" : : "c"(0), "a"((u32)xcr0), "d"((u32)(xcr0 >> 32)) : "memory");
}

static inline u64 xgetbv(void)
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static inline void cpu_relax(void) { asm volatile("pause"); }
static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }
static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
#define CR4_PSE BIT(4)
#define CR4_PAE BIT(5)
#define CR4_PCE BIT(8)
#define CR4_OSFXSR BIT(9)
#define CR4_LA57 BIT(12)
#define CR4_VMXE BIT(13)
#define CR4_SMAP BIT(21)
#define CR4_PCIDE BIT(17)
#define CR4_OSXSAVE BIT(18)

#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_DF BIT(10)
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)
#define RFLAGS_AC BIT(18)

#define DR6_BS BIT(14) /* single step */
#define DR6_RESET 0xFFFF0FF0ULL

/* Segment registers in the encoding order of segment prefixes, ModRM and the VMCS. */
enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_TR, SEG_LDTR, SEG_COUNT };

/* Segment access rights in the VMX form (SVM's compressed attributes widened). */
#define SEG_AR_TYPE(ar) ((ar) & 0xF)
#define SEG_AR_TYPE_CODE BIT(3)
#define SEG_AR_TYPE_DATA_DOWN BIT(2)  /* data: expand-down */
#define SEG_AR_TYPE_WRITABLE BIT(1)   /* data: writable; code: readable */
#define SEG_AR_S BIT(4)               /* code or data, not system */
#define SEG_AR_P BIT(7)
#define SEG_AR_L BIT(13)
#define SEG_AR_DB BIT(14)
#define SEG_AR_UNUSABLE BIT(16)       /* VMX: a null selector was loaded */

/* A segment register as the CPU caches it: base, byte-granular limit, access rights. */
struct guest_segment {
	u64 base;
	u32 limit, ar;
};

#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)

#define VEC_DB 1
#define VEC_UD 6
#define VEC_DF 8
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14
#define VEC_NMI 2
#define VEC_MC 18

#endif
