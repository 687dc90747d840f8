/*
 * A software model of the PMU hardware, the referee of the vPMU's host tests.
 *
 * It models Intel architectural perfmon (v2-v5: general and fixed counters,
 * GLOBAL_CTRL/STATUS/OVF_CTRL/STATUS_SET, PERF_CAPABILITIES, PERF_METRICS)
 * and AMD (legacy K7 counters, PerfCtrExtCore, PerfMonV2 global registers,
 * Guest-Only/Host-Only), counting a synthetic stream of events that each
 * happen in guest or host mode, with overflow, GLOBAL_STATUS and PMIs
 * through the LVTPC (masked on delivery on Intel only). VM entry and exit
 * load GLOBAL_CTRL as VT-x's "load IA32_PERF_GLOBAL_CTRL" controls do.
 *
 * One instance ("the hardware") backs pmu/pmu_hw.h, so the hypervisor's pmu/
 * code runs against it; it records a violation whenever that code breaks a
 * hardware rule or an invariant of docs/design.md, "The PMU contract":
 *   - a write to an MSR the PMU does not have, or of reserved bits (#GP);
 *   - a write of an event selector, counter, FIXED_CTR_CTRL or PERF_METRICS
 *     while that counter counts in the current mode (invariant 3);
 *   - an LVTPC write while GLOBAL_CTRL is not 0 (invariant 2);
 *   - a nonzero PERF_METRICS written and then FIXED_CTR3 before the next VM
 *     entry, which clears it again (invariant 4).
 * Further instances serve as a guest's private reference PMU.
 */
#ifndef TESTS_PMU_MODEL_PMU_MODEL_H
#define TESTS_PMU_MODEL_PMU_MODEL_H

#include "arch/types.h"
#include "pmu/pmu_caps.h"

#define MODEL_MAX_GP 8
#define MODEL_MAX_FIXED 4

struct pmu_model {
	struct pmu_caps caps;
	bool guest_mode;
	u64 gp_sel[MODEL_MAX_GP], gp_ctr[MODEL_MAX_GP];
	u64 fixed_ctr[MODEL_MAX_FIXED], fixed_ctrl;
	u64 global_ctrl, global_status, perf_metrics;
	u32 lvtpc;
	bool metrics_restored; /* PERF_METRICS written since the last VM entry */
	/* PMIs: raised while the LVTPC was unmasked, and blocked by its mask */
	u32 pmis, pmis_blocked, last_pmi_lvtpc;
	/* the hypervisor's accesses (through pmu/pmu_hw.h) */
	u64 accesses, writes;
	u32 violations;
	char last_violation[160];
};

/* The instance pmu/pmu_hw.h operates on. */
extern struct pmu_model hw_model;

void pmu_model_init(struct pmu_model *m, const struct pmu_caps *caps);

/* Accesses with hardware semantics; false = #GP. Direct: no invariant checks. */
bool pmu_model_rdmsr(struct pmu_model *m, u32 msr, u64 *val);
bool pmu_model_wrmsr(struct pmu_model *m, u32 msr, u64 val);
/* RDPMC with the vendor's index encoding; false = #GP. */
bool pmu_model_rdpmc(struct pmu_model *m, u32 ecx, u64 *val);
void pmu_model_write_lvtpc(struct pmu_model *m, u32 val);

/* VT-x world switches (GLOBAL_CTRL loaded atomically); AMD: only the mode changes. */
void pmu_model_vm_entry(struct pmu_model *m, u64 guest_global_ctrl);
void pmu_model_vm_exit(struct pmu_model *m, u64 host_global_ctrl);

/* n occurrences of an event in the current mode (guest or host). */
void pmu_model_count(struct pmu_model *m, u16 event, u8 umask, u64 n);

/* Whether counter i (fixed: MODEL_MAX_GP + i) counts in the current mode. */
bool pmu_model_counting(const struct pmu_model *m, u32 counter);

/* The architectural events behind the fixed counters. */
#define EVENT_INSTRUCTIONS 0xC0, 0x00
#define EVENT_CORE_CYCLES 0x3C, 0x00
#define EVENT_REF_CYCLES 0x00, 0x03
#define EVENT_TOPDOWN_SLOTS 0xA4, 0x01

#endif
