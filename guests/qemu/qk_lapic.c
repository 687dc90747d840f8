/*
 * The local APIC through xAPIC MMIO, as QEMU test kernels use it: timer
 * one-shot and periodic, LVT masking, self-IPI, ISR/EOI, TPR masking, and
 * the TSC-deadline timer when CPUID offers it. Interrupts are awaited with
 * STI;HLT while a timer is armed.
 */
#include "guests/qemu/qk.h"

#define APIC 0xFEE00000u
enum {
	VERSION = 0x30, TPR = 0x80, EOI = 0xB0, SVR = 0xF0, ISR = 0x100, IRR = 0x200,
	ICR = 0x300, LVT_TIMER = 0x320, TIMER_INITIAL = 0x380, TIMER_CURRENT = 0x390,
	TIMER_DIVIDE = 0x3E0,
};
#define MASKED (1u << 16)
#define PERIODIC (1u << 17)
#define TSC_DEADLINE (2u << 17)
#define SELF (1u << 18)
#define TIMER 0x40
#define LOW 0x50
#define HIGH 0x60

static volatile uint32_t fired[256];
static volatile bool low_in_service;

static uint32_t apic(uint32_t reg) { return *(volatile uint32_t *)(APIC + reg); }
static void apic_set(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(APIC + reg) = v; }
static bool bit(uint32_t bank, uint8_t v) { return apic(bank + v / 32 * 16) & (1u << (v % 32)); }

static void on_interrupt(uint32_t vector)
{
	fired[vector]++;
	if (vector == LOW)
		low_in_service = bit(ISR, LOW);
	apic_set(EOI, 0);
}

/* STI;HLT until vector has fired n times, for at most about 2^31 TSC ticks. */
static bool wait_for(uint8_t vector, uint32_t n)
{
	uint64_t start = rdtsc();
	while (fired[vector] < n && rdtsc() - start < (1ull << 31))
		asm volatile("sti; hlt; cli");
	return fired[vector] >= n;
}

static void spin(uint32_t ticks)
{
	uint64_t start = rdtsc();
	while (rdtsc() - start < ticks)
		asm volatile("pause");
}

static void timer_tests(void)
{
	apic_set(TIMER_DIVIDE, 0x3); /* divide by 16 */
	/*
	 * Counting down is checked on a count that takes minutes to expire: with
	 * a short one, a host that deschedules the emulator between the write
	 * and the reads (tens of ms on a busy machine) would see it at 0.
	 */
	apic_set(LVT_TIMER, TIMER | MASKED);
	apic_set(TIMER_INITIAL, 0xFFFFFFFF);
	uint32_t c1 = apic(TIMER_CURRENT), c2 = apic(TIMER_CURRENT);
	apic_set(TIMER_INITIAL, 0);
	check(c2 < c1 && c1 < 0xFFFFFFFF, "current count counts down from the initial count");
	check(apic(TIMER_CURRENT) == 0, "writing initial count 0 stops the timer");
	apic_set(LVT_TIMER, TIMER);
	apic_set(TIMER_INITIAL, 100000);
	check(wait_for(TIMER, 1), "one-shot timer fires");
	spin(20000000);
	check(fired[TIMER] == 1, "one-shot timer fires only once");
	check(apic(TIMER_CURRENT) == 0, "an expired one-shot timer reads 0");

	apic_set(LVT_TIMER, TIMER | PERIODIC);
	apic_set(TIMER_INITIAL, 50000);
	check(wait_for(TIMER, 4), "periodic timer fires again and again");
	apic_set(LVT_TIMER, TIMER | PERIODIC | MASKED);
	asm volatile("sti; nop; cli");
	uint32_t at_mask = fired[TIMER];
	spin(20000000);
	check(fired[TIMER] == at_mask, "a masked LVT timer raises no interrupt");
	apic_set(TIMER_INITIAL, 0);

	uint32_t r[4];
	cpuid(1, r);
	if (!(r[2] & (1u << 24))) {
		skip("TSC-deadline timer", "CPUID.1:ECX[24] is clear");
		return;
	}
	apic_set(LVT_TIMER, TIMER | TSC_DEADLINE);
	uint32_t before = fired[TIMER];
	wrmsr(0x6E0, rdtsc() + 1000000);
	check(wait_for(TIMER, before + 1), "TSC-deadline timer fires");
	check(rdmsr(0x6E0) == 0, "the deadline MSR reads 0 after it fired");
	apic_set(LVT_TIMER, MASKED);
}

static void ipi_tests(void)
{
	apic_set(ICR, SELF | LOW);
	asm volatile("sti; nop; cli");
	check(fired[LOW] == 1, "self-IPI is delivered");
	check(low_in_service, "its ISR bit is set while the handler runs");
	check(!bit(ISR, LOW), "EOI clears the ISR bit");

	apic_set(TPR, 0x60);
	apic_set(ICR, SELF | LOW);
	asm volatile("sti; nop; nop; cli");
	check(fired[LOW] == 1 && bit(IRR, LOW), "TPR 0x60 holds vector 0x50 in the IRR");
	apic_set(TPR, 0);
	asm volatile("sti; nop; cli");
	check(fired[LOW] == 2, "lowering the TPR delivers it");

	apic_set(ICR, SELF | HIGH);
	check(fired[HIGH] == 0 && bit(IRR, HIGH), "with IF=0 the IPI waits in the IRR");
	asm volatile("sti; nop; cli");
	check(fired[HIGH] == 1, "STI lets it in");
}

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	(void)magic, (void)mbi;
	idt_init(on_interrupt);
	uint32_t ver = apic(VERSION);
	check((ver & 0xFF) >= 0x10 && (ver & 0xFF) <= 0x15, "APIC version is an integrated APIC");
	check(((ver >> 16) & 0xFF) >= 4, "at least five LVT entries (LVTPC among them)");
	apic_set(SVR, 0x1FF);
	check((apic(SVR) & 0x1FF) == 0x1FF, "SVR enables the APIC");
	apic_set(TPR, 0x20);
	check(apic(TPR) == 0x20, "TPR reads back");
	apic_set(TPR, 0);
	timer_tests();
	ipi_tests();
	finish();
}
