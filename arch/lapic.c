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

#define LVT_TIMER_PERIODIC BIT(17)
#define TIMER_DIVIDE_BY_16 0x3

void lapic_timer_periodic(u8 vector, u32 initial_count)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | vector);
	lapic_write(LAPIC_TIMER_INITIAL, initial_count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
}
