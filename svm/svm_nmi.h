/*
 * AMD-V does not track the guest's NMI blocking (without vNMI): pmuvisor
 * does, on the VMCB alone (host-testable). An injected NMI masks NMIs and
 * turns on the IRET intercept; the intercept fires before the IRET runs,
 * so NMIs unmask at the first exit with RIP past it. When an NMI waits, the
 * IRET is single-stepped (TF, with #DB intercepted) so that the NMI goes in
 * right after it, as on hardware; the guest's own TF is kept. Any event
 * that goes in before an intercepted IRET has run moves RIP without it:
 * the intercept is armed again, and pmuvisor's TF is not pushed with it.
 */
#ifndef SVM_SVM_NMI_H
#define SVM_SVM_NMI_H

#include "arch/cpu.h"
#include "svm/vmcb.h"

struct svm_nmi {
	bool masked;    /* in the guest's NMI handler */
	bool at_iret;   /* its IRET was intercepted at iret_rip and is about to run */
	bool stepping;  /* TF set by pmuvisor over that IRET */
	bool waiting;   /* an NMI waits for the handler's IRET (WINDOW_NMI) */
	u64 iret_rip;
	u64 guest_tf;   /* the guest's own RFLAGS.TF while stepping */
};

/* What an exit meant for NMI blocking (svm_nmi_exit). */
enum svm_nmi_exit {
	SVM_NMI_NOTHING,
	SVM_NMI_WINDOW,          /* the IRET exit, or pmuvisor's #DB after it: an NMI window */
	SVM_NMI_WINDOW_GUEST_DB, /* that #DB, and the guest was single-stepping too: its trap */
};

/* *dirty collects the VMCB clean bits the changes cost. */
void svm_nmi_injected(struct svm_nmi *n, struct vmcb *vmcb, bool nmi, u32 *dirty);
enum svm_nmi_exit svm_nmi_exit_slow(struct svm_nmi *n, struct vmcb *vmcb, u32 *dirty);
void svm_nmi_window(struct svm_nmi *n, struct vmcb *vmcb, bool nmi_waits, u32 *dirty);

/* After every exit; inline, as only an intercepted IRET makes it do anything. */
static inline enum svm_nmi_exit svm_nmi_exit(struct svm_nmi *n, struct vmcb *vmcb, u32 *dirty)
{
	if (!n->at_iret && vmcb->control.exitcode != VMEXIT_IRET)
		return SVM_NMI_NOTHING;
	return svm_nmi_exit_slow(n, vmcb, dirty);
}

/* RFLAGS as the guest has it: without pmuvisor's TF. */
static inline u64 svm_nmi_guest_rflags(const struct svm_nmi *n, const struct vmcb *vmcb)
{
	u64 rflags = vmcb->save.rflags;
	return n->stepping ? (rflags & ~RFLAGS_TF) | n->guest_tf : rflags;
}
/* A write of RFLAGS that keeps pmuvisor's TF while it steps. */
void svm_nmi_set_rflags(struct svm_nmi *n, struct vmcb *vmcb, u64 rflags);

#endif
