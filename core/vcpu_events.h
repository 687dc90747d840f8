/*
 * Interrupts into the guest, between exits: the virtual LAPIC's timer and
 * PMIs raise vectors; the highest one the guest's TPR lets through goes in
 * when the guest can take it (RFLAGS.IF, no interrupt shadow), else an
 * interrupt window is opened. A halted vCPU sleeps until then, and the
 * host's one-shot timer wakes the hypervisor for the guest's next deadline.
 */
#ifndef CORE_VCPU_EVENTS_H
#define CORE_VCPU_EVENTS_H

#include "core/pcpu.h"
#include "core/vcpu.h"

#define HOST_TIMER_VECTOR 0xF2
#define WATCHDOG_TICK_MS 10 /* a guest that never exits comes back this often */

/* Once per boot: the host timer (also the watchdog's tick). */
void vcpu_events_init(void);
void vcpu_deliver_events_slow(struct vcpu *v, u64 now);
void vcpu_arm_host_timer_slow(const struct vcpu *v, u64 now);

/* Before each entry, at TSC now; inline, as nothing is due on most exits. */
static inline void vcpu_deliver_events(struct vcpu *v, u64 now)
{
	u64 due = v->lapic.timer_deadline;
	if ((due && now >= due) || v->pmu.pmi_pending || !vlapic_irr_empty(&v->lapic))
		vcpu_deliver_events_slow(v, now);
}

/* Re-arms the host timer for the guest's next deadline or the watchdog's tick. */
static inline void vcpu_arm_host_timer(const struct vcpu *v, u64 now)
{
	u64 guest = v->lapic.timer_deadline, fires = this_pcpu()->host_timer_fires;
	if (fires <= now || (guest && guest < fires))
		vcpu_arm_host_timer_slow(v, now);
}
/* A halted vCPU: sleep until something can wake it, or stop it when nothing can. */
void vcpu_halt_wait(struct vcpu *v, u64 now);

#endif
