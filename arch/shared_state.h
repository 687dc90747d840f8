/*
 * Registers every guest shares with the hardware, because neither VMRUN nor
 * a VT-x VM entry switches them: the x87/SSE/AVX register file, DR0-DR3 and
 * DR6 (DR7 is in the VMCB/VMCS), and CR2 (in the VMCB, not in the VMCS).
 * Reset to their power-on values before each guest, so no guest reads what
 * the one before it left there.
 */
#ifndef ARCH_SHARED_STATE_H
#define ARCH_SHARED_STATE_H

/* Lets the hypervisor reset the FPU state: CR0.EM/TS clear, CR4.OSFXSR set. Once, at boot. */
void shared_state_init(void);
/* x87/SSE (and with XSAVE every enabled component) to init, DR0-3 = 0, DR6 and CR2 reset. */
void shared_state_scrub(void);

#endif
