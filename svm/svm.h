/* The AMD-V backend. */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include "core/vcpu.h"

extern const struct vcpu_ops svm_ops;

/*
 * The event an exit cut short, from EXITINTINFO: false when there is none
 * (or its type is reserved), and for INT n, INT3 and INTO, which are not
 * delivered again: RIP is still on the instruction, and running it again
 * raises the event again.
 */
bool svm_decode_exitintinfo(u64 info, struct vcpu_event *ev);
/*
 * The guest's EFER from a VMCB saved at an exit: without SVME (pmuvisor's,
 * hidden from the guest) and with LMA as EFER.LME and CR0.PG make it, which is
 * what it is at every instruction boundary. The VMCB's own LMA bit is not
 * trusted: Bochs 2.7 saves, at an intercepted CR0 write, the LMA the write would
 * give next to the CR0 it has not yet loaded (docs/design.md, "Control
 * registers, EFER and XCR0").
 */
struct vmcb_save;
u64 svm_guest_efer(const struct vmcb_save *s);

#endif
