/* The guest's NMI blocking on AMD-V, tracked on the VMCB (svm/svm_nmi.h). */
#include "svm/svm_nmi.h"

static void intercept(u32 *word, u32 bit, bool on, u32 *dirty)
{
	u32 w = on ? *word | bit : *word & ~bit;
	if (w != *word) {
		*word = w;
		*dirty |= CLEAN_INTERCEPTS;
	}
}

static void start_step(struct svm_nmi *n, struct vmcb *vmcb, u32 *dirty)
{
	n->stepping = true;
	n->guest_tf = vmcb->save.rflags & RFLAGS_TF;
	vmcb->save.rflags |= RFLAGS_TF;
	intercept(&vmcb->control.intercept_exceptions, BIT(VEC_DB), true, dirty);
}

static void stop_step(struct svm_nmi *n, struct vmcb *vmcb, u32 *dirty)
{
	n->stepping = false;
	intercept(&vmcb->control.intercept_exceptions, BIT(VEC_DB), false, dirty);
}

void svm_nmi_injected(struct svm_nmi *n, struct vmcb *vmcb, bool nmi, u32 *dirty)
{
	if (!nmi && !n->at_iret)
		return;
	if (n->stepping) {
		vmcb->save.rflags = svm_nmi_guest_rflags(n, vmcb);
		stop_step(n, vmcb, dirty);
	}
	n->masked |= nmi;
	n->at_iret = false;
	intercept(&vmcb->control.intercept_misc1, INTERCEPT_IRET, true, dirty);
}

enum svm_nmi_exit svm_nmi_exit_slow(struct svm_nmi *n, struct vmcb *vmcb, u32 *dirty)
{
	enum svm_nmi_exit r = SVM_NMI_NOTHING;
	if (n->at_iret && vmcb->save.rip != n->iret_rip) { /* the IRET ran */
		n->at_iret = n->masked = false;
		if (n->stepping) { /* RFLAGS is what the IRET popped: the guest's own */
			stop_step(n, vmcb, dirty);
			if (vmcb->control.exitcode == VMEXIT_EXCP_BASE + VEC_DB)
				r = n->guest_tf ? SVM_NMI_WINDOW_GUEST_DB : SVM_NMI_WINDOW;
		}
	}
	if (vmcb->control.exitcode == VMEXIT_IRET) {
		intercept(&vmcb->control.intercept_misc1, INTERCEPT_IRET, false, dirty);
		n->at_iret = true;
		n->iret_rip = vmcb->save.rip;
		if (n->waiting && !n->stepping)
			start_step(n, vmcb, dirty);
		r = SVM_NMI_WINDOW;
	}
	return r;
}

void svm_nmi_window(struct svm_nmi *n, struct vmcb *vmcb, bool nmi_waits, u32 *dirty)
{
	n->waiting = nmi_waits;
	if (nmi_waits && n->at_iret && !n->stepping)
		start_step(n, vmcb, dirty);
}

void svm_nmi_set_rflags(struct svm_nmi *n, struct vmcb *vmcb, u64 rflags)
{
	if (n->stepping) {
		n->guest_tf = rflags & RFLAGS_TF;
		rflags |= RFLAGS_TF;
	}
	vmcb->save.rflags = rflags;
}
