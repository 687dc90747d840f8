/*
 * The unit-guest library: entry, console, TAP reporting, exception
 * catching and the hypercall wrappers (ABI in core/abi.h). A guest defines
 * guest_main(); when it returns, the library prints the TAP plan (the
 * number of results reported) and carries its exit status (0 = pass, or 1
 * if any result failed) out through the debug-exit port.
 */
#ifndef GUESTS_LIB_GUEST_H
#define GUESTS_LIB_GUEST_H

#include "arch/cpu.h"
#include "core/abi.h"

int guest_main(const char *cmdline);

/* Console (COM1) and TAP. */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool report(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Results reported until the matching pop read "name: description"; they nest. */
void report_prefix_push(const char *name);
void report_prefix_pop(void);
/* 0 when every result so far passed, else 1. */
int tap_status(void);
/*
 * Prints a summary and the plan "1..N" for the N results reported, once.
 * Runs when guest_main() returns; a guest pmuvisor is meant to stop calls it
 * before its last act, so a result after that breaks the plan.
 */
void tap_done(void);
void guest_exit(int status) __attribute__((noreturn));

/* The guest's own command line ("name.elf key=value ..."). */
bool cmdline_value(const char *key, char *out, size_t size);
u64 cmdline_uint(const char *key, u64 fallback);

/* What the guest found at entry. */
struct mb1_info;
extern const struct mb1_info *guest_mbi;
extern bool guest_on_intel;
/* Highest guest-physical RAM address + 1, from the multiboot memory map. */
u64 guest_ram_end(void);

/* Interrupt handlers (vectors 32-255, or an exception vector taken over). */
struct trap_frame;
typedef void (*guest_irq_handler)(struct trap_frame *f);
void guest_irq_register(u8 vector, guest_irq_handler fn);
/* Marks a gate (not) present: delivering through a not-present gate raises #NP. */
void guest_idt_present(u8 vector, bool present);

/* Hypercalls; HC_FAULTED(vector) when the instruction itself faulted (no hypervisor). */
#define HC_FAULTED(vec) (-0x1000L - (vec))
long hypercall(unsigned long nr, unsigned long a, unsigned long b, unsigned long c);
long hc_exit_counts(u64 counts[EXIT_REASON_COUNT]);
long hc_host_nmis(void);
long hc_pmu_stats(struct hc_pmu_stats *stats);
long hc_host_msr(u32 msr);

/*
 * For an MSR the guest owns (passed through: no exit), reports that
 * WRMSR(msr, val) raises #GP from the CPU as the SDM/APM say; SKIPs with the
 * reason where the CPU itself accepts it (QEMU TCG skips such checks).
 */
void report_cpu_refuses_wrmsr(u32 msr, u64 val, const char *what);

/*
 * The vector one instruction raised (0 = none), for faults (the fixup
 * matches the instruction's own address): TRY("ud2"), or with register
 * inputs, numbered from %1: TRY("mov %1, %%ds", "r"(sel)).
 */
#define TRY(insn, ...)                                                          \
	({                                                                      \
		u64 vec_ = 0;                                                   \
		asm volatile("1: " insn "\n2:\n" EXTABLE_ENTRY(1b, 2b)          \
			     : "+S"(vec_) : __VA_ARGS__ : "memory");            \
		(int)vec_;                                                      \
	})

/* XSAVE with AVX state offered (CPUID.1:ECX XSAVE and AVX, leaf 0xD). */
static inline bool cpu_has_avx(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	return (r.ecx & BIT(26)) && (r.ecx & BIT(28)) && (cpuid(0xD, 0).eax & XSTATE_AVX);
}

static inline u32 inl(u16 port)
{
	u32 v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#endif
