/*
 * What one CPU's PMU hardware holds now, and for whom: the per-CPU half of
 * the vPMU. It lives in that CPU's struct pcpu (core/pcpu.h); pmu/ code
 * reaches it as pmu_cpu (pmu/vpmu.h).
 */
#ifndef PMU_PMU_CPU_H
#define PMU_PMU_CPU_H

#include "arch/types.h"
#include "pmu/vpmu_desc.h"

/* A PMU context: what the hardware holds for its owner. */
struct pmu_context {
	u64 gp_sel[VPMU_MAX_GP], gp_ctr[VPMU_MAX_GP];
	u64 fixed_ctr[VPMU_MAX_FIXED], fixed_ctrl;
	u64 global_status, perf_metrics;
};

struct vpmu;
struct pmu_access_stats;
struct pmu_trace;

struct pmu_cpu_state {
	struct vpmu *owner;
	struct pmu_context hw;
	u64 global_ctrl; /* the MSR value the hypervisor last wrote */
	u32 global_ctrl_msr; /* 0: the host PMU has no global control */
	u32 lvtpc;
	/* where pmu/pmu_access.c counts and traces (the current vCPU's); NULL = nowhere */
	struct pmu_access_stats *stats;
	struct pmu_trace *trace;
	u64 host_pmis;   /* PMIs on the hypervisor's own vector: counted, never injected */
	u64 stray_pmis;  /* PMIs on the mediated vector with no PMU loaded */
};

#endif
