/*
 * VMX capability MSRs and how pmuvisor's wanted controls are fitted to them.
 * Decoding is pure so it is unit-tested on the host with real CPUs' values.
 */
#ifndef VMX_VMX_CAPS_H
#define VMX_VMX_CAPS_H

#include "arch/msr.h"
#include "arch/types.h"

#define VMX_BASIC_TRUE_CTLS BIT(55)

/* Controls pmuvisor cares about. */
#define CPU_BASED_USE_MSR_BITMAPS BIT(28)
#define CPU_BASED_ACTIVATE_SECONDARY BIT(31)
#define SECONDARY_ENABLE_EPT BIT(1)
#define SECONDARY_ENABLE_RDTSCP BIT(3)
#define SECONDARY_ENABLE_VPID BIT(5)
#define SECONDARY_UNRESTRICTED_GUEST BIT(7)
#define SECONDARY_ENABLE_INVPCID BIT(12)
#define EXIT_LOAD_PERF_GLOBAL_CTRL BIT(12)
#define EXIT_SAVE_PERF_GLOBAL_CTRL BIT(30)
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

/*
 * How IA32_PERF_GLOBAL_CTRL crosses the world switch (docs/design.md, "The
 * world switch", VT-x): loaded at entry and exit by the "load" controls when
 * the CPU offers both, else by the VM-entry/VM-exit MSR-load lists; the
 * guest's value saved at exit (needed only when the guest writes it
 * directly) by the "save" exit control, else by the VM-exit MSR-store list.
 * force_lists (pmu_switch=msr-lists) takes the lists for both, for tests.
 */
struct vmx_global_ctrl_switch {
	bool load_by_controls, save_by_control;
};

static inline struct vmx_global_ctrl_switch vmx_global_ctrl_switch(u64 exit_ctls, u64 entry_ctls,
								   bool force_lists)
{
	return (struct vmx_global_ctrl_switch){
		.load_by_controls = !force_lists && vmx_allowed1(exit_ctls, EXIT_LOAD_PERF_GLOBAL_CTRL) &&
				    vmx_allowed1(entry_ctls, ENTRY_LOAD_PERF_GLOBAL_CTRL),
		.save_by_control = !force_lists && vmx_allowed1(exit_ctls, EXIT_SAVE_PERF_GLOBAL_CTRL),
	};
}

/* Reads the capability MSRs (the TRUE_* ones when VMX_BASIC bit 55 says so). */
void vmx_caps_read(struct vmx_caps *c);

#endif
