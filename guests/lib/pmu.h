/*
 * The guest's PMU, probed once from the CPUID pmuvisor gives it (so it is
 * the vPMU of the guest's mode, not the host's), and the MSR numbers of
 * its counters with the vendor hidden: Intel arch perfmon, AMD legacy
 * (four counters), PerfCtrExtCore (six, interleaved) and PerfMonV2.
 * An accessor returns 0 for an MSR the vendor's layout does not have.
 */
#ifndef GUESTS_LIB_PMU_H
#define GUESTS_LIB_PMU_H

#include "arch/types.h"
#include "pmu/pmu_caps.h"

struct guest_pmu {
	bool intel;           /* the vendor, from CPUID 0 even when no PMU is offered */
	struct pmu_caps caps; /* kind PMU_NONE: CPUID offers no counters (Intel) */
	bool amd_core;        /* AMD counters at 0xC0010200 rather than the legacy four */
	bool global;          /* GLOBAL_CTRL, GLOBAL_STATUS and its reset (Intel v2+, PerfMonV2) */
};

/* Probes on the first call; the same answer after that. */
const struct guest_pmu *pmu_probe(void);

u32 pmu_gp_eventsel_msr(u32 i);
u32 pmu_gp_counter_msr(u32 i);
u32 pmu_fixed_counter_msr(u32 i);
u32 pmu_fixed_ctrl_msr(void);
/* The vendor's global registers, whether or not CPUID offers them (see .global). */
u32 pmu_global_ctrl_msr(void);
u32 pmu_global_status_msr(void);
u32 pmu_global_status_reset_msr(void);
/* Bits a guest may never set in an event selector on this vendor. */
u64 pmu_eventsel_reserved_bit(void);

#endif
