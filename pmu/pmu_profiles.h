/*
 * Host PMU profiles: what pmu_profile= makes pmuvisor assume instead of the
 * probed PMU. For emulators, whose PMU MSRs read 0 and never fault: the
 * mediated path (intercepts, LVTPC switching, PERF_METRICS ordering, the
 * trace) then runs there as on the named CPU. Nothing counts, so this proves
 * the control path, not counting.
 */
#ifndef PMU_PMU_PROFILES_H
#define PMU_PMU_PROFILES_H

#include "core/config.h"
#include "pmu/pmu_caps.h"

/* The probed caps for PROFILE_HOST, else the named profile. */
const struct pmu_caps *pmu_profile_caps(enum pmu_profile p, const struct pmu_caps *probed);

#endif
