/*
 * The hypervisor's interrupt handlers for the two LVTPC vectors. A PMI on
 * the mediated vector belongs to the vPMU loaded when it fired and is marked
 * pending there (vpmu_pmi_arrived); a PMI on the host vector belongs to the
 * hypervisor's own counters and is counted, never injected.
 */
#ifndef PMU_PMI_HOST_H
#define PMU_PMI_HOST_H

#include "arch/types.h"

void pmi_host_init(void);
/* PMIs that arrived on the host vector (never given to a guest). */
u64 pmi_host_own_count(void);

#endif
