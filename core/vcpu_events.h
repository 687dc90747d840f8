/*
 * Interrupts into the guest, between exits: the virtual LAPIC's timer and
 * PMIs raise vectors; the highest one the guest's TPR lets through goes in
 * when the guest can take it (RFLAGS.IF, no interrupt shadow), else an
 * interrupt window is opened. A halted vCPU sleeps until then, and the
 * host's one-shot timer wakes the hypervisor for the guest's next deadline.
 */
#ifndef CORE_VCPU_EVENTS_H
#define CORE_VCPU_EVENTS_H

#include "core/vcpu.h"

#define HOST_TIMER_VECTOR 0xF2

/* Once per boot: the host timer (also the watchdog's tick). */
void vcpu_events_init(void);
/* Before each entry, at TSC now. */
void vcpu_deliver_events(struct vcpu *v, u64 now);
/* Re-arms the host timer for the guest's next deadline or the watchdog's tick. */
void vcpu_arm_host_timer(const struct vcpu *v, u64 now);
/* A halted vCPU: sleep until something can wake it, or stop it when nothing can. */
void vcpu_halt_wait(struct vcpu *v, u64 now);

#endif
