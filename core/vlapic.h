/*
 * The guest's local APIC, one per vCPU, vendor-neutral: the APIC base MSR,
 * the register file reached through xAPIC MMIO (core/mmio.c) or x2APIC
 * MSRs, the timer in one-shot, periodic and TSC-deadline modes, self-IPIs,
 * and the IRR/ISR/TPR logic that decides which vector goes in next. The
 * LVTPC lives in the vPMU (the PMI path reads it); the register file only
 * forwards to it. Time is the host TSC; the APIC bus runs at 1 GHz, as in
 * QEMU, so a count of N at divide 1 is N nanoseconds. The TSC-deadline MSR
 * holds a value of the guest's TSC (core/guest_tsc.h), turned into host time
 * when it is armed and again whenever the guest's TSC moves.
 */
#ifndef CORE_VLAPIC_H
#define CORE_VLAPIC_H

#include "arch/types.h"

struct vcpu;

enum vlapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PMC, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

struct vlapic {
	u64 apic_base;
	u32 tpr, svr, ldr, dfr, icr_low, icr_high;
	u32 esr, esr_pending;  /* ESR reads what the last ESR write latched */
	u32 lvt[LVT_COUNT];    /* lvt[LVT_PMC] unused: the vPMU keeps the LVTPC */
	u32 irr[8], isr[8];
	u8 irr_summary;         /* bit i: irr[i] != 0, so an empty IRR costs one test */
	u8 nmi_pending;         /* an NMI the ICR sent, for the vCPU's event queue */
	u32 timer_initial, timer_divide_reg;
	u64 timer_deadline;    /* TSC at which the timer fires next; 0: not armed */
	u64 timer_period;      /* TSC ticks of a periodic timer */
	u64 tsc_deadline;      /* IA32_TSC_DEADLINE as the guest wrote it (guest TSC) */
	u64 tsc_khz;           /* host TSC rate, for the 1 GHz APIC bus */
	u64 timer_fired;       /* timer interrupts raised, for the report */
};

#define VLAPIC_DEFAULT_BASE (0xFEE00000ULL | BIT(11) | BIT(8)) /* enabled, BSP */
#define VLAPIC_MMIO_BASE 0xFEE00000ULL
#define VLAPIC_BUS_KHZ 1000000u

void vlapic_reset(struct vlapic *l, u64 tsc_khz);
/* IA32_APIC_BASE[11]: clear, the processor has no APIC (CPUID.1:EDX[9] follows). */
static inline bool vlapic_hw_enabled(const struct vlapic *l) { return l->apic_base & BIT(11); }

bool vlapic_base_read(struct vcpu *v, u32 msr, u64 *val);
bool vlapic_base_write(struct vcpu *v, u32 msr, u64 val);
bool vlapic_x2apic_read(struct vcpu *v, u32 msr, u64 *val);
bool vlapic_x2apic_write(struct vcpu *v, u32 msr, u64 val);
bool vlapic_tsc_deadline_read(struct vcpu *v, u32 msr, u64 *val);
bool vlapic_tsc_deadline_write(struct vcpu *v, u32 msr, u64 val);
/* The guest's TSC offset changed (at host TSC host_now): re-arm an armed TSC deadline. */
void vlapic_tsc_moved(struct vcpu *v, u64 host_now);

/* xAPIC mode: the MMIO page is the guest's way in (4-byte accesses at 16-byte steps). */
bool vlapic_xapic_active(const struct vlapic *l);
u32 vlapic_mmio_read(struct vcpu *v, u32 offset);
void vlapic_mmio_write(struct vcpu *v, u32 offset, u32 val);

/* Raises vector in the IRR (an illegal vector < 16 sets ESR instead). */
void vlapic_set_irq(struct vlapic *l, u8 vector);
static inline bool vlapic_irr_empty(const struct vlapic *l) { return !l->irr_summary; }
/* Something for the event queue: a vector in the IRR or an NMI. */
static inline bool vlapic_has_events(const struct vlapic *l)
{
	return l->irr_summary | l->nmi_pending;
}
/* Fires the timer if its time has come (TSC now); re-arms a periodic one. */
void vlapic_tick(struct vlapic *l, u64 now);
/* The highest IRR vector the PPR lets through, or -1. */
int vlapic_pending_vector(const struct vlapic *l);
/* The vector goes in: IRR -> ISR. */
void vlapic_ack(struct vlapic *l, u8 vector);

#endif
