/* Local APIC access in xAPIC (MMIO) or x2APIC (MSR) mode, whichever is on. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include "arch/types.h"

/* Register offsets in xAPIC MMIO space; x2APIC MSR = 0x800 + offset / 16. */
enum lapic_reg {
	LAPIC_ID = 0x20,
	LAPIC_VERSION = 0x30,
	LAPIC_TPR = 0x80,
	LAPIC_EOI = 0xB0,
	LAPIC_SVR = 0xF0,
	LAPIC_ESR = 0x280,
	LAPIC_LVT_CMCI = 0x2F0,
	LAPIC_ICR = 0x300,
	LAPIC_LVT_TIMER = 0x320,
	LAPIC_LVT_THERMAL = 0x330,
	LAPIC_LVT_PMC = 0x340,
	LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370,
	LAPIC_TIMER_INITIAL = 0x380,
	LAPIC_TIMER_CURRENT = 0x390,
	LAPIC_TIMER_DIVIDE = 0x3E0,
};

#define LVT_MASKED BIT(16)
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_VECTOR_MASK 0xFFu

enum lapic_mode { LAPIC_DISABLED, LAPIC_XAPIC, LAPIC_X2APIC };

enum lapic_mode lapic_init(void);
enum lapic_mode lapic_mode(void);
u32 lapic_read(enum lapic_reg reg);
void lapic_write(enum lapic_reg reg, u32 val);
void lapic_eoi(void);
/* Measures the timer against the TSC; once, before lapic_timer_oneshot. */
void lapic_timer_calibrate(u64 tsc_hz);
/* One timer interrupt on vector after about tsc_ticks TSC ticks. */
void lapic_timer_oneshot(u8 vector, u64 tsc_ticks);
void lapic_timer_stop(void);

#endif
