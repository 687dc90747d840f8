/*
 * Registers every guest shares with the hardware, because neither VMRUN nor
 * a VT-x VM entry switches them: the x87/SSE/AVX register file, DR0-DR3 and
 * DR6 (DR7 is in the VMCB/VMCS), and CR2 (in the VMCB, not in the VMCS).
 * Each vCPU has its own copy: a new one holds the power-on values, and the
 * scheduler saves the leaving vCPU's and loads the arriving one's whenever
 * the CPU moves between guests, so no guest reads what another left there.
 */
#ifndef ARCH_SHARED_STATE_H
#define ARCH_SHARED_STATE_H

#include "arch/types.h"

struct shared_state {
	void *fpu; /* FXSAVE image, or XSAVE image of every component XCR0 enables */
	u64 db[4], dr6, cr2;
};

/* Lets the hypervisor switch the FPU state: CR0.EM/TS clear, CR4.OSFXSR set. Once, at boot. */
void shared_state_init(void);
/* Bytes (64-byte aligned) a vCPU's FPU image needs on this CPU. */
u64 shared_state_fpu_bytes(void);
/* The power-on values: x87/SSE (and every XSAVE component) at init, DR0-3 = 0, DR6 and CR2 reset. */
void shared_state_reset(struct shared_state *s);
/* The hardware's values into s (the vCPU leaves the CPU), and s into the hardware. */
void shared_state_save(struct shared_state *s);
void shared_state_load(const struct shared_state *s);

#endif
