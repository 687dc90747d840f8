/*
 * The guest's own TSC: it starts near 0, WRMSR to IA32_TSC sets it,
 * IA32_TSC_ADJUST is offered and moves with it (a write that moves one by X
 * moves the other by X), RDTSCP sees the same clock, and the TSC-deadline
 * timer runs on the guest's TSC, also after the guest moved it. RDTSC and
 * RDTSCP never exit: the hardware adds the guest's offset.
 */
#include "guests/lib/guest.h"
#include "arch/interrupts.h"

#define X2APIC_ENABLE (BIT(10) | BIT(11))
#define X2APIC_EOI 0x80B
#define X2APIC_SVR 0x80F
#define X2APIC_LVT_TIMER 0x832
#define TSC_DEADLINE_MODE (2u << 17)
#define TIMER_VECTOR 0x40
#define LEAF7_EBX_TSC_ADJUST BIT(1)
#define EXT1_EDX_RDTSCP BIT(27)

static u64 tsc_khz;
static volatile u32 fired;
static volatile u64 fired_at;

static void on_timer(struct trap_frame *f)
{
	(void)f;
	fired_at = rdtsc();
	fired++;
	wrmsr(X2APIC_EOI, 0);
}

static u64 ms_to_tsc(u64 ms) { return tsc_khz * ms; }

/* STI;HLT until the timer fired, for at most about a second of guest time. */
static bool wait_for_timer(void)
{
	u64 limit = rdtsc() + ms_to_tsc(1000);
	while (!fired && rdtsc() < limit)
		asm volatile("sti; hlt; cli");
	return fired;
}

static u64 rdtscp(u32 *aux)
{
	u32 lo, hi;
	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(*aux));
	return (u64)hi << 32 | lo;
}

static void writes_move_the_tsc(void)
{
	const u64 target = 1ULL << 40;
	u64 exits_before[EXIT_REASON_COUNT], exits_after[EXIT_REASON_COUNT];
	hc_exit_counts(exits_before);
	(void)rdtsc();
	hc_exit_counts(exits_after);
	report(exits_after[EXIT_OTHER] == exits_before[EXIT_OTHER] &&
		       exits_after[EXIT_MSR_READ] == exits_before[EXIT_MSR_READ],
	       "RDTSC does not exit");

	u64 before = rdtsc();
	int vec = wrmsr_safe(MSR_TSC, target);
	u64 after = rdtsc();
	report(vec == 0 && after >= target && after - target < ms_to_tsc(1000),
	       "WRMSR(IA32_TSC, 2^40): RDTSC then reads 2^40 + %lu", after - target);
	u64 msr = 0;
	vec = rdmsr_safe(MSR_TSC, &msr);
	if (!vec && msr == 0)
		report_skip("RDMSR(IA32_TSC) reads 0 here while RDTSC counts: QEMU TCG does so "
			    "even without a hypervisor (tests/README.md)",
			    "RDMSR(IA32_TSC) reads the guest's TSC too");
	else
		report(!vec && msr >= after && msr - after < ms_to_tsc(1000),
		       "RDMSR(IA32_TSC) reads the guest's TSC too (2^40 + %lu)", msr - target);
	u64 adjust = 0;
	vec = rdmsr_safe(MSR_TSC_ADJUST, &adjust);
	/* The TSC moved by target - (its value at the write), and TSC_ADJUST by the same. */
	u64 moved_from = target - adjust;
	report(vec == 0 && moved_from >= before && moved_from <= after,
	       "IA32_TSC_ADJUST moved by the same amount (0x%lx)", adjust);

	u64 back = 1ULL << 39;
	before = rdtsc();
	vec = wrmsr_safe(MSR_TSC_ADJUST, adjust - back);
	after = rdtsc();
	u64 read_back = 0;
	rdmsr_safe(MSR_TSC_ADJUST, &read_back);
	report(vec == 0 && read_back == adjust - back, "IA32_TSC_ADJUST reads back what was written");
	report(after < before && before - after > back - ms_to_tsc(1000) && before - after <= back,
	       "a TSC_ADJUST write 2^39 lower moves the TSC 2^39 back (%lu before, %lu after)",
	       before, after);
}

static void rdtscp_sees_the_same_clock(void)
{
	if (!(cpuid(0x80000001, 0).edx & EXT1_EDX_RDTSCP)) {
		report_skip("CPUID does not offer RDTSCP", "RDTSCP reads the guest's TSC");
		return;
	}
	u32 aux = ~0u;
	u64 t1 = rdtsc(), t2 = rdtscp(&aux), t3 = rdtsc();
	report(t1 <= t2 && t2 <= t3, "RDTSCP reads the guest's TSC (%lu <= %lu <= %lu)", t1, t2, t3);
	report(aux == 0, "IA32_TSC_AUX is 0 at reset (0x%x)", aux);
	int vec = wrmsr_safe(MSR_TSC_AUX, 0x1234);
	rdtscp(&aux);
	u64 val = 0;
	report(vec == 0 && aux == 0x1234 && rdmsr_safe(MSR_TSC_AUX, &val) == 0 && val == 0x1234,
	       "RDTSCP and RDMSR return the IA32_TSC_AUX the guest wrote (0x%x)", aux);
	report_cpu_refuses_wrmsr(MSR_TSC_AUX, 1ULL << 32, "IA32_TSC_AUX's reserved high half");
}

static void deadline_follows_the_guest_tsc(void)
{
	guest_irq_register(TIMER_VECTOR, on_timer);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | X2APIC_ENABLE);
	wrmsr(X2APIC_SVR, 0x1FF);
	wrmsr(X2APIC_LVT_TIMER, TIMER_VECTOR | TSC_DEADLINE_MODE);

	u64 deadline = rdtsc() + ms_to_tsc(2);
	fired = 0;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	bool ok = wait_for_timer() && fired_at >= deadline;
	report(ok, "a TSC deadline 2 ms ahead fires, never early (%lu ticks late)",
	       ok ? fired_at - deadline : 0);

	/* Armed an hour ahead, then the guest moves its TSC past it: the timer is due at once. */
	fired = 0;
	deadline = rdtsc() + ms_to_tsc(3600 * 1000);
	wrmsr(MSR_TSC_DEADLINE, deadline);
	wrmsr(MSR_TSC, deadline + ms_to_tsc(1));
	report(wait_for_timer() && fired_at >= deadline,
	       "moving the TSC past an armed deadline fires it");
	report(rdmsr(MSR_TSC_DEADLINE) == 0, "the deadline MSR reads 0 once it fired");

	/*
	 * Armed 20 ms ahead, then the TSC moved an hour back: it must not fire in
	 * the next 40 ms. That holds only if the move came before the deadline: on
	 * a wall-clock emulator the host may deschedule it between the two writes
	 * (measured: tens of ms when loaded), and then the run cannot tell.
	 */
	const u64 lead = ms_to_tsc(20), back = ms_to_tsc(3600 * 1000);
	const char *what = "moving the TSC back an hour postpones an armed deadline";
	fired = 0;
	u64 armed_at = rdtsc();
	wrmsr(MSR_TSC_DEADLINE, armed_at + lead);
	wrmsr(MSR_TSC_ADJUST, rdmsr(MSR_TSC_ADJUST) - back);
	u64 now = rdtsc(), moved_after = now + back - armed_at;
	if (moved_after >= lead) {
		report_skip("the TSC moved only after the deadline had passed: the emulator was "
			    "descheduled between the two writes", "%s (%lu ms)", what,
			    moved_after / tsc_khz);
	} else {
		while (rdtsc() < now + 2 * lead)
			asm volatile("sti; nop; cli");
		report(!fired, "%s", what);
	}
	wrmsr(MSR_TSC_DEADLINE, 0);
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u64 start = rdtsc();
	tsc_khz = cpuid(0x40000010, 0).eax;
	report(tsc_khz != 0, "CPUID 0x40000010 gives the TSC rate (%lu kHz)", tsc_khz);
	if (!tsc_khz)
		return tap_status();
	/* The guest's TSC started at 0 when its vCPU was made, moments before its first instruction. */
	report(start < ms_to_tsc(10000), "the TSC starts near 0 (%lu ms at the first read)",
	       start / tsc_khz);
	report(cpuid(7, 0).ebx & LEAF7_EBX_TSC_ADJUST, "CPUID.(7,0):EBX[1] offers IA32_TSC_ADJUST");
	u64 adjust = 1;
	report(rdmsr_safe(MSR_TSC_ADJUST, &adjust) == 0 && adjust == 0,
	       "IA32_TSC_ADJUST reads 0 at reset");
	writes_move_the_tsc();
	rdtscp_sees_the_same_clock();
	deadline_follows_the_guest_tsc();
	return tap_status();
}
