#include "arch/lapic.h"
#include "arch/cpu.h"

#define APIC_BASE_ENABLE BIT(11)
#define APIC_BASE_X2APIC BIT(10)
#define APIC_BASE_ADDR_MASK 0xFFFFFF000ULL
#define SVR_ENABLE BIT(8)
#define SPURIOUS_VECTOR 0xFF

static enum lapic_mode mode;
static volatile u32 *mmio;

enum lapic_mode lapic_init(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE))
		return mode = LAPIC_DISABLED;
	if (base & APIC_BASE_X2APIC) {
		mode = LAPIC_X2APIC;
	} else {
		mode = LAPIC_XAPIC;
		mmio = (volatile u32 *)(uintptr_t)(base & APIC_BASE_ADDR_MASK);
	}
	lapic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	return mode;
}

enum lapic_mode lapic_mode(void) { return mode; }

u32 lapic_read(enum lapic_reg reg)
{
	if (mode == LAPIC_X2APIC)
		return (u32)rdmsr(0x800 + reg / 16);
	return mode == LAPIC_XAPIC ? mmio[reg / 4] : 0;
}

void lapic_write(enum lapic_reg reg, u32 val)
{
	if (mode == LAPIC_X2APIC)
		wrmsr(0x800 + reg / 16, val);
	else if (mode == LAPIC_XAPIC)
		mmio[reg / 4] = val;
}

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

#define TIMER_DIVIDE_BY_16 0x3

static u64 ticks_per_tsc_q32; /* LAPIC timer ticks (divide 16) per TSC tick, 32.32 fixed point */

/* Counts the timer's ticks over 1 ms of TSC: the ratio one-shot deadlines need. */
void lapic_timer_calibrate(u64 tsc_hz)
{
	u64 window = tsc_hz / 1000;
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0xFFFFFFFF);
	u64 start = rdtsc();
	while (rdtsc() - start < window)
		cpu_relax();
	u64 ticks = 0xFFFFFFFFu - lapic_read(LAPIC_TIMER_CURRENT);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	ticks_per_tsc_q32 = window ? (ticks << 32) / window : 0;
}

void lapic_timer_oneshot(u8 vector, u64 tsc_ticks)
{
	u64 count = (tsc_ticks * ticks_per_tsc_q32) >> 32;
	lapic_write(LAPIC_LVT_TIMER, vector);
	lapic_write(LAPIC_TIMER_INITIAL, count == 0 ? 1 : count > 0xFFFFFFFF ? 0xFFFFFFFF : (u32)count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
}
