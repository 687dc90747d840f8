/*
 * pmuvisor on a modelled CPU: the host PMU description its boot probe
 * decodes from that CPU's CPUID, and the modelled CPU each pmu_profile=
 * stands for. The bridge between the model, which knows nothing of
 * pmuvisor, and the tests that run pmu/ on it.
 */
#ifndef TESTS_PMU_MODEL_MODEL_HOST_H
#define TESTS_PMU_MODEL_MODEL_HOST_H

#include "pmu/pmu_caps.h"
#include "pmu/pmu_profiles.h"
#include "tests/pmu_model/model_cpus.h"

/* What pmu/pmu_probe.c makes of CPU c (its CPUID leaves and PERF_CAPABILITIES). */
void model_host_caps(const struct model_cpu *c, struct pmu_caps *out);
/* The modelled CPU behind profile p (test_pmu_model checks the two agree). */
const struct model_cpu *model_cpu_of_profile(enum pmu_profile p);

#endif
