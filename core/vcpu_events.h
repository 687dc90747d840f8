/*
 * Events into the guest, between exits. The virtual LAPIC's timer, IPIs and
 * PMIs raise interrupts and NMIs; emulated instructions raise exceptions;
 * the backends hand back what an exit cut short. core/event_queue.c picks
 * the one event each entry delivers, by the architecture's priorities, and
 * asks for a window exit for whatever is still blocked. A halted vCPU
 * sleeps until an event can wake it, and the host's one-shot timer wakes
 * the hypervisor for the guest's next deadline (or the end of its slice,
 * when other guests share the CPU).
 */
#ifndef CORE_VCPU_EVENTS_H
#define CORE_VCPU_EVENTS_H

#include "core/pcpu.h"
#include "core/vcpu.h"

#define HOST_TIMER_VECTOR 0xF2
#define WATCHDOG_TICK_MS 10 /* a guest that never exits comes back this often */

/* An exception of the instruction being emulated (a fault: RIP stays on it). */
void vcpu_raise_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
/* A debug trap after an emulated instruction, setting dr6 (DR6_BS for single-step). */
void vcpu_raise_debug_trap(struct vcpu *v, u32 dr6);
/*
 * An emulated instruction completed: RIP moves to next_rip, the STI/MOV SS
 * shadow and RFLAGS.RF end, and with RFLAGS.TF set the guest gets the
 * single-step #DB the CPU would raise after it (DR6.BS). Inline: most exits
 * end here.
 */
static inline void vcpu_complete_instruction(struct vcpu *v, u64 next_rip)
{
	if (vcpu_ops->complete_instruction(v, next_rip) & RFLAGS_TF)
		vcpu_raise_debug_trap(v, DR6_BS);
}

/* Advances RIP past the instruction that exited (next_rip or a known length). */
static inline void vcpu_skip_instruction(struct vcpu *v, const struct exit_info *e,
					 u32 fallback_len)
{
	vcpu_complete_instruction(v, e->next_rip ? e->next_rip : e->rip + fallback_len);
}
/* An NMI; one already waiting absorbs it, as the CPU's NMI latch does. */
void vcpu_raise_nmi(struct vcpu *v);
/* From the backend's run(): an event the exit cut short, delivered again first. */
void vcpu_event_redeliver(struct vcpu *v, const struct vcpu_event *ev);

/* Once per boot: the host timer (also the watchdog's tick). */
void vcpu_events_init(void);
void vcpu_deliver_events_slow(struct vcpu *v, u64 now);
void vcpu_arm_host_timer_slow(const struct vcpu *v, u64 now);

/* Before each entry, at TSC now; inline, as nothing is due on most exits. */
static inline void vcpu_deliver_events(struct vcpu *v, u64 now)
{
	u64 due = v->lapic.timer_deadline;
	if ((due && now >= due) | v->events.pending | v->pmu.pmi_pending | vlapic_has_events(&v->lapic))
		vcpu_deliver_events_slow(v, now);
}

/* Whether the guest's LAPIC timer is due before the host timer fires. */
static inline bool vcpu_guest_timer_first(const struct vcpu *v, u64 fires)
{
	u64 guest = v->lapic.timer_deadline;
	return guest && guest < fires;
}

/*
 * Re-arms the host timer for the first of: the guest's next deadline, the
 * watchdog's tick, the end of the slice, the vCPU's watchdog budget.
 */
static inline void vcpu_arm_host_timer(const struct vcpu *v, u64 now)
{
	u64 fires = this_pcpu()->host_timer_fires;
	if (fires <= now || vcpu_guest_timer_first(v, fires))
		vcpu_arm_host_timer_slow(v, now);
}

/*
 * After an exit, whether the run loop must look before v enters again: an
 * event waits, v halted or stopped, the host timer fired or is due, or the
 * guest's timer now comes before it. The host timer was armed for no later
 * than the guest's timer, the slice's end and the watchdog budget, so one
 * comparison with it stands for all of them.
 */
static inline bool vcpu_needs_attention(const struct vcpu *v, u64 now)
{
	u64 fires = this_pcpu()->host_timer_fires;
	return v->stopped || v->halted || v->events.pending || v->pmu.pmi_pending ||
	       vlapic_has_events(&v->lapic) || now >= fires || vcpu_guest_timer_first(v, fires);
}
/* A halted vCPU (loaded): false, and stopped with the reason, when nothing can wake it. */
bool vcpu_halt_can_wake(struct vcpu *v);
/* The CPU sleeps until v's next deadline, the watchdog's tick or any interrupt. */
void vcpu_halt_wait(struct vcpu *v, u64 now);

#endif
