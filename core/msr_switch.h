/*
 * Guest MSRs that the guest reads and writes directly (the MSR policy passes
 * them through) but that a backend's world switch does not move (struct
 * vcpu_ops, lazy_msrs): the guest's values go into the hardware before its
 * vCPU first enters, and stay there across exits; when another vCPU comes,
 * or any guest ends, the loaded vCPU's values are read back and the host's
 * restored. pmuvisor never executes what they configure
 * (SYSCALL, SWAPGS, RDTSCP), so holding the guest's values between exits is
 * harmless, and the host's values are back before anything checks them.
 */
#ifndef CORE_MSR_SWITCH_H
#define CORE_MSR_SWITCH_H

#include "core/pcpu.h"
#include "core/vcpu.h"

_Static_assert(LAZY_MSR_COUNT <= ARRAY_SIZE(((struct msr_switch_state *)0)->host),
	       "struct msr_switch_state holds every lazily switched MSR");

void msr_switch_in(struct vcpu *v);

/* Before every entry: nothing to do when v's values are already loaded. */
static inline void msr_switch_load(struct vcpu *v)
{
	if (this_pcpu()->msrs.owner != v)
		msr_switch_in(v);
}

/*
 * The host's values back in the hardware: the vCPU whose values are loaded,
 * if any, gets them saved (it may have written them directly) and loads them
 * again on its next entry. Called when a guest ends, before the host MSR
 * audit, whichever vCPU ran last.
 */
void msr_switch_put(void);

#endif
