/*
 * VMX capability MSRs and how pmuvisor's wanted controls are fitted to them.
 * Decoding is pure so it is unit-tested on the host with real CPUs' values.
 */
#ifndef VMX_VMX_CAPS_H
#define VMX_VMX_CAPS_H

#include "arch/types.h"

#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED_CTLS 0x481
#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_EXIT_CTLS 0x483
#define MSR_VMX_ENTRY_CTLS 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED_CTLS2 0x48B
#define MSR_VMX_EPT_VPID_CAP 0x48C
#define MSR_VMX_TRUE_PINBASED_CTLS 0x48D
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_VMX_TRUE_EXIT_CTLS 0x48F
#define MSR_VMX_TRUE_ENTRY_CTLS 0x490

#define VMX_BASIC_TRUE_CTLS BIT(55)

/* Controls pmuvisor cares about. */
#define CPU_BASED_USE_MSR_BITMAPS BIT(28)
#define CPU_BASED_ACTIVATE_SECONDARY BIT(31)
#define SECONDARY_ENABLE_EPT BIT(1)
#define SECONDARY_ENABLE_VPID BIT(5)
#define SECONDARY_UNRESTRICTED_GUEST BIT(7)
#define EXIT_LOAD_PERF_GLOBAL_CTRL BIT(12)
#define ENTRY_LOAD_PERF_GLOBAL_CTRL BIT(13)

/* Raw capability MSRs; each *_ctls holds allowed-0 in [31:0], allowed-1 in [63:32]. */
struct vmx_caps {
	u64 basic;
	u64 pinbased, procbased, procbased2, exit, entry;
	u64 misc, ept_vpid;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

static inline bool vmx_allowed1(u64 ctls, u32 bits) { return ((ctls >> 32) & bits) == bits; }

/*
 * Fits wanted controls to a capability: forces the bits that must be 1 and
 * returns the result; *missing gets the wanted bits the CPU cannot set.
 */
static inline u32 vmx_fit_controls(u64 ctls, u32 want, u32 *missing)
{
	u32 must_be_1 = (u32)ctls, may_be_1 = (u32)(ctls >> 32);
	if (missing)
		*missing = want & ~may_be_1;
	return (want | must_be_1) & may_be_1;
}

/* Reads the capability MSRs (the TRUE_* ones when VMX_BASIC bit 55 says so). */
void vmx_caps_read(struct vmx_caps *c);

#endif
