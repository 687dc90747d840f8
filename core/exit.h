/* The one exit dispatcher: a normalized exit in, the guest's next step out. */
#ifndef CORE_EXIT_H
#define CORE_EXIT_H

#include "core/exit_report.h"
#include "core/vcpu.h"
#include "core/vcpu_events.h"

typedef void (*exit_handler)(struct vcpu *v, const struct exit_info *e);
extern const exit_handler exit_handlers[EXIT_REASON_COUNT];

/* Counts the exit and handles it; may stop the guest (v->stopped). Inline: every exit. */
static inline void exit_dispatch(struct vcpu *v, const struct exit_info *e)
{
	v->exits.count[e->reason]++;
	v->exits.last_reason = e->reason;
	exit_handlers[e->reason](v, e);
}

/* Per-exit handlers that live in their own files. */
void handle_cpuid(struct vcpu *v, const struct exit_info *e);
void handle_io(struct vcpu *v, const struct exit_info *e);
void handle_hypercall(struct vcpu *v, const struct exit_info *e);
/* xAPIC MMIO: true when the access was the LAPIC's (emulated, or the guest stopped). */
bool mmio_emulate(struct vcpu *v, const struct exit_info *e);

#endif
