/* The AMD-V backend. */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include "core/vcpu.h"

extern const struct vcpu_ops svm_ops;

/* Decodes a #VMEXIT into the normalized exit (svm/svm_exit.c; host-testable). */
struct vmcb;
void svm_decode_exit(const struct vmcb *vmcb, bool nrips, struct exit_info *e);

#endif
