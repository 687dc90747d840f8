/* The host timer behind the guest's timers and the watchdog, and HLT. */
#include "core/vcpu_events.h"
#include "arch/cpu.h"
#include "arch/interrupts.h"
#include "arch/lapic.h"
#include "arch/tsc.h"

static u64 watchdog_tick;     /* TSC ticks between checks of a guest that never exits */

/* The tick only makes the guest exit (or ends a halt); the run loop does the rest. */
static void on_host_timer(struct trap_frame *f)
{
	(void)f;
	this_pcpu()->host_timer_fires = 0;
	lapic_eoi();
}

void vcpu_events_init(void)
{
	watchdog_tick = tsc_hz / 1000 * WATCHDOG_TICK_MS;
	interrupt_register(HOST_TIMER_VECTOR, on_host_timer);
	lapic_timer_calibrate(tsc_hz);
}

void vcpu_arm_host_timer_slow(const struct vcpu *v, u64 now)
{
	u64 at = now + watchdog_tick, guest = v->lapic.timer_deadline;
	u64 slice_end = this_pcpu()->sched.slice_end; /* another guest's turn (core/sched.h) */
	if (guest && guest < at)
		at = guest;
	if (slice_end < at)
		at = slice_end;
	if (v->watchdog_at < at) /* so that the run loop's one test of the timer covers it */
		at = v->watchdog_at;
	this_pcpu()->host_timer_fires = at;
	lapic_timer_oneshot(HOST_TIMER_VECTOR, at > now ? at - now : 0);
}

bool vcpu_halt_can_wake(struct vcpu *v)
{
	if (!(vcpu_ops->get_reg(v, VREG_RFLAGS) & RFLAGS_IF))
		vcpu_stop(v, 1, "hlt with interrupts disabled");
	else if (!v->lapic.timer_deadline)
		vcpu_stop(v, 1, "hlt with no interrupt source");
	return !v->stopped;
}

void vcpu_halt_wait(struct vcpu *v, u64 now)
{
	vcpu_arm_host_timer(v, now);
	asm volatile("sti; hlt; cli" ::: "memory"); /* until the host timer, or any interrupt */
}
