/*
 * Registers every guest shares with the hardware, because neither VMRUN nor
 * a VT-x VM entry switches them: the x87/SSE/AVX register file and XCR0,
 * DR0-DR3 and DR6 (DR7 is in the VMCB/VMCS), and CR2 (in the VMCB, not in
 * the VMCS). Each vCPU has its own copy: a new one holds the power-on values,
 * and the scheduler saves the leaving vCPU's and loads the arriving one's
 * whenever the CPU moves between guests, so no guest reads what another left
 * there.
 */
#ifndef ARCH_SHARED_STATE_H
#define ARCH_SHARED_STATE_H

#include "arch/cpu.h"
#include "arch/host_caps.h"
#include "arch/types.h"

struct shared_state {
	void *fpu; /* FXSAVE image, or XSAVE image of every component pmuvisor manages */
	u64 xcr0;  /* the guest's XCR0 (with XSAVE): in the CPU from its load to its save */
	u64 db[4], dr6, cr2;
};

/*
 * Lets the hypervisor switch the FPU state: CR0.EM/TS clear, CR4.OSFXSR set,
 * and with XSAVE CR4.OSXSAVE, the components guests may use being
 * host_caps.xcr0_managed. Once, at boot, after host_caps_probe().
 */
void shared_state_init(void);
/* Bytes (64-byte aligned) a vCPU's FPU image needs on this CPU. */
u64 shared_state_fpu_bytes(void);
/*
 * The power-on values: x87/SSE/AVX at init, XCR0 = 1 (x87 only), DR0-3 = 0,
 * DR6 and CR2 reset.
 */
void shared_state_reset(struct shared_state *s);
/*
 * The hardware's values into s (the vCPU leaves the CPU), and s into the
 * hardware. Both run under XCR0 = every managed component, so the image
 * holds all of them whatever XCR0 the guest chose (a guest may leave YMM
 * state behind an XCR0 without AVX); the load ends with the guest's XCR0.
 */
void shared_state_save(struct shared_state *s);
void shared_state_load(const struct shared_state *s);
/* XSETBV of the vCPU whose state is loaded: into s and into the CPU. */
void shared_state_xcr0(struct shared_state *s, u64 xcr0);
/*
 * The XCR0 the CPU holds now, that of the vCPU loaded: where XSETBV does not
 * exit (QEMU 7.2 TCG ignores AMD-V's XSETBV intercept, measured) this is
 * the only place the guest's value can be read from. Inline: the CPUID exit
 * reads it for leaf 0xD.
 */
static inline u64 shared_state_xcr0_in_cpu(void)
{
	return host_caps.xcr0_managed ? xgetbv() : XSTATE_X87;
}

#endif
