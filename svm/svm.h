/* The AMD-V backend. */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include "core/vcpu.h"

extern const struct vcpu_ops svm_ops;

/* Decodes a #VMEXIT into the normalized exit (svm/svm_exit.c; host-testable). */
struct vmcb;
void svm_decode_exit(const struct vmcb *vmcb, bool nrips, struct exit_info *e);
/*
 * The event an exit cut short, from EXITINTINFO: false when there is none
 * (or its type is reserved), and for INT n, INT3 and INTO, which are not
 * delivered again: RIP is still on the instruction, and running it again
 * raises the event again.
 */
bool svm_decode_exitintinfo(u64 info, struct vcpu_event *ev);

#endif
