/* What the vPMU of a guest did, printed when the guest ends; and its trace. */
#ifndef PMU_PMU_REPORT_H
#define PMU_PMU_REPORT_H

#include "pmu/vpmu.h"

void pmu_report(const char *guest, const struct vpmu *vp);
/*
 * Prints the recorded accesses as "hv: pmutrace ..." lines, after a header
 * describing the host PMU they were made on (tests/pmu_model/pmu_replay
 * replays them against the PMU model).
 */
void pmu_trace_dump(const char *guest, const struct pmu_trace *t, const struct pmu_caps *host);

#endif
