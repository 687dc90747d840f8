/*
 * The virtual LAPIC as a guest sees it, first through xAPIC MMIO, then in
 * x2APIC mode: registers, the timer in its three modes (firing at the
 * programmed time within a stated tolerance, measured with the TSC and the
 * rates of CPUID leaf 0x40000010), self-IPIs, ISR/EOI, TPR masking and LVT
 * mask bits. Interrupts are awaited with STI;HLT, so HLT wake-ups are tested
 * on the way.
 */
#include "guests/lib/guest.h"
#include "arch/interrupts.h"

#define APIC_MMIO 0xFEE00000UL
#define X2APIC_ENABLE (BIT(10) | BIT(11))
enum {
	ID = 0x20, VERSION = 0x30, TPR = 0x80, PPR = 0xA0, EOI = 0xB0, SVR = 0xF0, ISR = 0x100,
	IRR = 0x200, ESR = 0x280, ICR = 0x300, LVT_TIMER = 0x320, LVT_PMC = 0x340,
	LVT_ERROR = 0x370, TIMER_INITIAL = 0x380, TIMER_CURRENT = 0x390, TIMER_DIVIDE = 0x3E0,
	SELF_IPI = 0x3F0,
};
#define MASKED BIT(16)
#define PERIODIC (1u << 17)
#define TSC_DEADLINE (2u << 17)
#define DIVIDE_BY_1 0xB
#define ICR_SELF (1u << 18)

#define TIMER_VECTOR 0x40
#define LOW_VECTOR 0x50
#define HIGH_VECTOR 0x60
#define ERROR_VECTOR 0x70

/*
 * The tolerance: never early, and, when late_us= is given, late by at most
 * late_us plus late_pct percent. It is given where guest time is exact or
 * counts instructions (QEMU -icount, Bochs with clock sync=none). Without it
 * (QEMU TCG's TSC is the host's wall clock) lateness is only reported: the
 * host may deschedule the emulator for tens of milliseconds between any two
 * instructions (measured: up to 41 ms with both cores busy), and no guest can
 * tell that from a late timer.
 */
#define NO_BOUND (~0ULL)
/* How long a wait for a timer may take before it counts as never firing. */
#define WAIT_US 1000000
static u64 late_us = NO_BOUND, late_pct;

static bool x2;
static u64 tsc_khz;
static volatile u32 fired[256];
static volatile u64 fired_at[256];
static volatile bool in_service_seen;

static u32 apic_read(u32 reg)
{
	return x2 ? (u32)rdmsr(0x800 + reg / 16) : *(volatile u32 *)(APIC_MMIO + reg);
}

static void apic_write(u32 reg, u32 val)
{
	if (x2)
		wrmsr(0x800 + reg / 16, val);
	else
		*(volatile u32 *)(APIC_MMIO + reg) = val;
}

static bool bit_set(u32 bank, u8 vector) { return apic_read(bank + vector / 32 * 16) & (1u << (vector % 32)); }

static void on_interrupt(struct trap_frame *f)
{
	fired_at[f->vector] = rdtsc();
	fired[f->vector]++;
	if (f->vector == LOW_VECTOR)
		in_service_seen = bit_set(ISR, LOW_VECTOR);
	apic_write(EOI, 0);
}

/* STI;HLT until vector fired n times or the TSC passes limit. */
static bool wait_for(u8 vector, u32 n, u64 limit)
{
	while (fired[vector] < n && rdtsc() < limit)
		asm volatile("sti; hlt; cli");
	return fired[vector] >= n;
}

static u64 us_to_tsc(u64 us) { return us * tsc_khz / 1000; }

static const char *goal(void)
{
	return late_us == NO_BOUND ? "never early (lateness only reported)" : "on time";
}

/* Fired no earlier than expected and no later than the stated tolerance. */
static bool on_time(u64 start, u64 at, u64 expected_us, const char *what)
{
	u64 took = at - start, expected = us_to_tsc(expected_us);
	diag("%s: programmed %lu us, fired after %lu us", what, expected_us, took * 1000 / tsc_khz);
	if (took + expected / 1000 < expected)
		return false;
	return late_us == NO_BOUND || took <= expected + us_to_tsc(late_us) + expected * late_pct / 100;
}

static void test_registers(void)
{
	u32 ver = apic_read(VERSION);
	report((ver & 0xFF) == 0x14 && (ver >> 16 & 0xFF) == 5,
	       "version 0x%x (0x14, six LVT entries)", ver);
	report(apic_read(ID) == 0, "APIC ID 0");
	apic_write(SVR, 0x1FF);
	report((apic_read(SVR) & 0x1FF) == 0x1FF, "SVR enables the APIC and reads back");
	apic_write(TPR, 0x20);
	report(apic_read(TPR) == 0x20 && apic_read(PPR) == 0x20, "TPR reads back, PPR follows it");
	apic_write(TPR, 0);
	apic_write(LVT_PMC, 0x400 | MASKED); /* NMI delivery, masked */
	report(apic_read(LVT_PMC) == (0x400 | MASKED), "LVTPC reads back the guest's value (0x%x)",
	       apic_read(LVT_PMC));
	apic_write(LVT_TIMER, BIT(20) | MASKED | PERIODIC | 0x45);
	report(apic_read(LVT_TIMER) == (MASKED | PERIODIC | 0x45),
	       "LVT timer drops reserved bits (0x%x)", apic_read(LVT_TIMER));
	apic_write(LVT_TIMER, MASKED);
}

static void test_oneshot(void)
{
	apic_write(TIMER_DIVIDE, DIVIDE_BY_1);
	apic_write(LVT_TIMER, TIMER_VECTOR | MASKED);
	/* 4.3 s at the 1 GHz bus: long enough that no descheduled emulator sees it expire */
	apic_write(TIMER_INITIAL, 0xFFFFFFFF);
	u32 c1 = apic_read(TIMER_CURRENT);
	u32 c2 = apic_read(TIMER_CURRENT);
	apic_write(TIMER_INITIAL, 0);
	report(c2 < c1 && c1 < 0xFFFFFFFF && apic_read(TIMER_CURRENT) == 0,
	       "current count counts down (%u, %u), and writing 0 stops it", c1, c2);

	apic_write(LVT_TIMER, TIMER_VECTOR);
	u32 before = fired[TIMER_VECTOR];
	u64 start = rdtsc();
	apic_write(TIMER_INITIAL, 2000000); /* 2 ms */
	bool ok = wait_for(TIMER_VECTOR, before + 1, start + us_to_tsc(WAIT_US));
	report(ok && on_time(start, fired_at[TIMER_VECTOR], 2000, "one-shot"),
	       "one-shot timer fires once, %s", goal());
	u64 later = rdtsc() + us_to_tsc(3000);
	while (rdtsc() < later)
		cpu_relax();
	report(fired[TIMER_VECTOR] == before + 1 && apic_read(TIMER_CURRENT) == 0,
	       "a one-shot timer does not fire again and reads 0");
}

static void test_periodic(void)
{
	apic_write(LVT_TIMER, TIMER_VECTOR | PERIODIC);
	u32 before = fired[TIMER_VECTOR];
	u64 start = rdtsc();
	apic_write(TIMER_INITIAL, 1000000); /* 1 ms */
	bool ok = wait_for(TIMER_VECTOR, before + 5, start + us_to_tsc(WAIT_US));
	report(ok && on_time(start, fired_at[TIMER_VECTOR], 5000, "5 periods"),
	       "periodic timer fires every period, %s", goal());
	apic_write(LVT_TIMER, TIMER_VECTOR | PERIODIC | MASKED);
	asm volatile("sti; nop; cli"); /* a period that ended before the mask is still taken */
	u32 masked_at = fired[TIMER_VECTOR];
	u64 later = rdtsc() + us_to_tsc(4000);
	while (rdtsc() < later)
		cpu_relax();
	report(fired[TIMER_VECTOR] == masked_at, "the LVT mask bit stops its interrupts");
	apic_write(TIMER_INITIAL, 0);
}

static void test_tsc_deadline(void)
{
	apic_write(LVT_TIMER, TIMER_VECTOR | TSC_DEADLINE);
	u32 before = fired[TIMER_VECTOR];
	u64 start = rdtsc();
	wrmsr(MSR_TSC_DEADLINE, start + us_to_tsc(2000));
	bool ok = wait_for(TIMER_VECTOR, before + 1, start + us_to_tsc(WAIT_US));
	report(ok && on_time(start, fired_at[TIMER_VECTOR], 2000, "TSC deadline"),
	       "TSC-deadline timer fires %s", goal());
	report(rdmsr(MSR_TSC_DEADLINE) == 0, "the deadline MSR reads 0 once it fired");
	apic_write(LVT_TIMER, MASKED);
}

static void self_ipi(u8 vector)
{
	if (x2)
		apic_write(SELF_IPI, vector);
	else
		apic_write(ICR, ICR_SELF | vector);
}

static void test_ipi_priorities(void)
{
	u32 before = fired[LOW_VECTOR];
	self_ipi(LOW_VECTOR);
	asm volatile("sti; nop; cli");
	report(fired[LOW_VECTOR] == before + 1 && in_service_seen,
	       "self-IPI is delivered, its ISR bit set in the handler");
	report(!bit_set(ISR, LOW_VECTOR) && !bit_set(IRR, LOW_VECTOR), "EOI clears the ISR bit");

	apic_write(TPR, 0x60);
	self_ipi(LOW_VECTOR);
	asm volatile("sti; nop; nop; nop; cli");
	report(fired[LOW_VECTOR] == before + 1 && bit_set(IRR, LOW_VECTOR),
	       "TPR 0x60 holds vector 0x50 in the IRR");
	apic_write(TPR, 0);
	asm volatile("sti; nop; cli");
	report(fired[LOW_VECTOR] == before + 2, "lowering the TPR lets it in");

	self_ipi(HIGH_VECTOR);
	report(fired[HIGH_VECTOR] == 0 && bit_set(IRR, HIGH_VECTOR),
	       "with IF=0 the IPI waits in the IRR");
	asm volatile("sti; nop; cli");
	report(fired[HIGH_VECTOR] == 1, "and goes in once IF=1");
}

static void test_illegal_vector(void)
{
	apic_write(LVT_ERROR, ERROR_VECTOR);
	self_ipi(3);
	asm volatile("sti; nop; cli");
	apic_write(ESR, 0);
	u32 esr = apic_read(ESR);
	report(esr & (BIT(5) | BIT(6)), "a self-IPI with vector 3 sets ESR (0x%x)", esr);
	report(fired[3] == 0 && fired[ERROR_VECTOR] == 1, "and raises the error LVT, not vector 3");
	apic_write(LVT_ERROR, MASKED);
}

static void test_x2apic_msrs(void)
{
	u64 v;
	report(rdmsr_safe(0x80B, &v) == VEC_GP, "reading EOI is #GP");
	report(wrmsr_safe(0x80B, 1) == VEC_GP, "a nonzero EOI write is #GP");
	report(wrmsr_safe(0x802, 1) == VEC_GP, "writing the ID is #GP");
	report(rdmsr_safe(0x831, &v) == VEC_GP, "there is no ICR high half (0x831 is #GP)");
}

static void run_all(void)
{
	test_registers();
	test_oneshot();
	test_periodic();
	test_tsc_deadline();
	test_ipi_priorities();
	test_illegal_vector();
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	late_us = cmdline_uint("late_us", late_us);
	late_pct = cmdline_uint("late_pct", 0);
	if (late_us != NO_BOUND)
		diag("on time: never early, late by at most %lu us + %lu%%", late_us, late_pct);
	struct cpuid_regs leaf1 = cpuid(1, 0), timing = cpuid(0x40000010, 0);
	tsc_khz = timing.eax;
	report(leaf1.ecx & BIT(21) && leaf1.ecx & BIT(24), "CPUID offers x2APIC and TSC deadline");
	report(tsc_khz && timing.ebx == 1000000, "CPUID 0x40000010: TSC %lu kHz, APIC bus %u kHz",
	       tsc_khz, timing.ebx);
	if (!tsc_khz)
		return tap_status();
	for (u32 v = 32; v < 256; v++)
		guest_irq_register((u8)v, on_interrupt);

	report_prefix_push("xAPIC");
	run_all();
	report_prefix_pop();
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | X2APIC_ENABLE);
	x2 = true;
	fired[LOW_VECTOR] = fired[HIGH_VECTOR] = fired[ERROR_VECTOR] = 0;
	report_prefix_push("x2APIC");
	run_all();
	report(wrmsr_safe(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) & ~BIT(10)) == VEC_GP,
	       "back to xAPIC directly is #GP");
	test_x2apic_msrs();
	report_prefix_pop();
	return tap_status();
}
