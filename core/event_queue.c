/*
 * The vCPU's event queue: which event the next entry delivers, by the
 * priorities of the SDM (6.9, "Priority Among Simultaneous Exceptions and
 * Interrupts") and the APM: an event the last exit cut short goes in again
 * first, as the CPU would have finished delivering it; then a trap or fault
 * of the instruction pmuvisor emulated; then an NMI, unless the guest is in
 * its NMI handler (until its IRET) or in an STI/MOV SS shadow; then the
 * highest external interrupt the virtual LAPIC lets through, when RFLAGS.IF
 * is set and no shadow holds it. One event per entry; whatever is blocked or
 * has to wait gets a window exit, and nothing is dropped or overwritten.
 */
#include "core/vcpu_events.h"
#include "arch/log.h"

#define BLOCKS_NMI (BLOCK_NMI | BLOCK_STI | BLOCK_MOV_SS)
#define BLOCKS_IRQ (BLOCK_IF | BLOCK_STI | BLOCK_MOV_SS)

static void update_pending(struct vcpu_event_queue *q)
{
	q->pending = q->redeliver.valid || q->exception.valid || q->nmi;
}

void vcpu_event_redeliver(struct vcpu *v, const struct vcpu_event *ev)
{
	struct vcpu_event_queue *q = &v->events;
	if (q->redeliver.valid) /* every entry delivers it first: two cannot meet */
		pr_err("%s: a second event to deliver again (vector %u) replaces vector %u",
		       v->vm->name, ev->vector, q->redeliver.vector);
	q->redeliver = *ev;
	q->redeliver.valid = true;
	q->pending = true;
}

void vcpu_raise_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct vcpu_event_queue *q = &v->events;
	if (q->exception.valid) { /* one emulated instruction raises at most one */
		pr_err("%s: exception %u raised while %u waits: kept the first", v->vm->name, vector,
		       q->exception.vector);
		return;
	}
	/* Real mode pushes no error code, and VT-x refuses an entry that would deliver one. */
	if (!(vcpu_ops->get_reg(v, VREG_CR0) & CR0_PE))
		has_error = false;
	q->exception = (struct vcpu_event){ .valid = true, .type = EVENT_EXCEPTION,
					    .vector = vector, .has_error = has_error,
					    .error = error };
	q->pending = true;
}

void vcpu_raise_debug_trap(struct vcpu *v, u32 dr6)
{
	struct vcpu_event_queue *q = &v->events;
	if (q->exception.valid && q->exception.vector == VEC_DB) {
		q->exception.dr6 |= dr6; /* the CPU reports simultaneous debug conditions in one #DB */
		return;
	}
	vcpu_raise_exception(v, VEC_DB, false, 0);
	q->exception.dr6 = dr6;
}

void vcpu_raise_nmi(struct vcpu *v)
{
	struct vcpu_event_queue *q = &v->events;
	if (q->nmi)
		q->nmis_merged++;
	q->nmi = true;
	q->pending = true;
}

/* A PMI goes through the guest's LVTPC: an NMI, or a vector for the LAPIC's IRR. */
static void deliver_pmi(struct vcpu *v)
{
	u8 vector;
	enum pmi_delivery d = vpmu_pmi_deliver(&v->pmu, true, &vector);
	if (d == PMI_NMI)
		vcpu_raise_nmi(v);
	else if (d == PMI_FIXED)
		vlapic_set_irq(&v->lapic, vector);
}

static void inject(struct vcpu *v, const struct vcpu_event *ev)
{
	vcpu_ops->inject(v, ev);
	v->halted = false; /* any event ends HLT: an NMI or exception whatever RFLAGS.IF says */
}

void vcpu_deliver_events_slow(struct vcpu *v, u64 now)
{
	struct vcpu_event_queue *q = &v->events;
	vlapic_tick(&v->lapic, now);
	if (v->lapic.nmi_pending) {
		v->lapic.nmi_pending = false;
		vcpu_raise_nmi(v);
	}
	if (v->pmu.pmi_pending)
		deliver_pmi(v);
	u32 block = vcpu_ops->blocking(v), want = 0;
	bool busy = true; /* this entry delivers an event already */
	if (q->redeliver.valid) {
		inject(v, &q->redeliver);
		q->redeliver.valid = false;
	} else if (q->exception.valid) {
		inject(v, &q->exception);
		q->exception.valid = false;
	} else if (q->nmi && !(block & BLOCKS_NMI)) {
		inject(v, &(struct vcpu_event){ .valid = true, .type = EVENT_NMI, .vector = VEC_NMI });
		q->nmi = false;
		q->nmis_injected++;
	} else {
		busy = false;
	}
	if (q->nmi)
		want |= WINDOW_NMI;
	int vector = vlapic_pending_vector(&v->lapic);
	if (vector >= 0) { /* else: none, or held back by the TPR or a higher vector in service */
		if (busy || (block & BLOCKS_IRQ)) {
			want |= WINDOW_IRQ;
		} else {
			vlapic_ack(&v->lapic, (u8)vector);
			inject(v, &(struct vcpu_event){ .valid = true, .type = EVENT_EXTINT,
							.vector = (u8)vector });
		}
	}
	if (want != q->windows) {
		vcpu_ops->event_windows(v, want);
		q->windows = want;
	}
	update_pending(q);
}
