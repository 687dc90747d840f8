/*
 * A software model of the PMU hardware, the referee of the vPMU's host tests.
 *
 * It is written from the Intel SDM (vol. 3, "Performance Monitoring":
 * architectural perfmon v1-v5) and the AMD APM (vol. 2, "Performance
 * Monitoring Counters": legacy, PerfCtrExtCore and PerfMonV2 counters), not
 * from pmuvisor: a modelled CPU is described the way a CPU describes itself,
 * by its CPUID leaves and IA32_PERF_CAPABILITIES (struct model_cpu), and the
 * model decodes those itself; its MSR addresses and bit positions are its
 * own. It counts a synthetic stream of events, each happening at a CPL in
 * guest or host mode: a counter counts only while its enable bit, its
 * GLOBAL_CTRL bit (where there is a global control), its USR/OS bits for
 * the CPL and, on AMD, Guest-Only/Host-Only for the mode allow it. Counters
 * wrap at their width, set their overflow status bit and raise a PMI
 * through the LVTPC, which the local APIC masks on delivery on Intel and
 * not on AMD. VM entry and exit load GLOBAL_CTRL as VT-x's "load
 * IA32_PERF_GLOBAL_CTRL" controls do.
 *
 * One instance ("the hardware") backs pmu/pmu_hw.h, so the hypervisor's pmu/
 * code runs against it; it records a violation whenever that code breaks a
 * hardware rule or an invariant of docs/design.md, "The PMU contract":
 *   - a write to an MSR the PMU does not have, or of reserved bits (#GP);
 *   - a write of an event selector, counter, FIXED_CTR_CTRL or PERF_METRICS
 *     while that counter counts in the current mode, but for the write that
 *     stops it (invariant 3);
 *   - an LVTPC write while GLOBAL_CTRL is not 0 (invariant 2);
 *   - a nonzero PERF_METRICS written and then FIXED_CTR3 before the next VM
 *     entry, which clears it again (invariant 4);
 *   - GLOBAL_CTRL not 0 in host mode after a VM exit (invariant 1).
 * Further instances serve as a guest's private reference PMU, built from
 * what the guest was shown.
 */
#ifndef TESTS_PMU_MODEL_PMU_MODEL_H
#define TESTS_PMU_MODEL_PMU_MODEL_H

#include "arch/types.h"

/* The most counters a modelled CPU may have (CPUID can report more than pmuvisor switches). */
#define MODEL_MAX_GP 16
#define MODEL_MAX_FIXED 4

/* One CPUID leaf as EAX, EBX, ECX, EDX. */
struct model_leaf {
	u32 eax, ebx, ecx, edx;
};

/* A CPU's PMU as it enumerates itself. */
struct model_cpu {
	const char *name;
	bool amd;
	struct model_leaf leaf_0a;  /* Intel: CPUID.0AH */
	bool pdcm;                  /* Intel: CPUID.1:ECX[15], IA32_PERF_CAPABILITIES exists */
	u64 perf_capabilities;
	u32 ext1_ecx;               /* AMD: CPUID 0x80000001 ECX (PerfCtrExtCore, ...) */
	struct model_leaf leaf_80000022; /* AMD: PerfMonV2 and the number of core counters */
	/*
	 * The PMU MSRs exist but hold nothing: reads give 0, writes are dropped,
	 * whatever their value, nothing counts (QEMU TCG; AMD's legacy counters
	 * on KVM with its PMU off). An MSR the CPU does not have still faults;
	 * RDPMC faults, having nothing to read.
	 */
	bool no_storage;
	/*
	 * The counters no CPUID bit announces (Intel's first two, there since the
	 * P6 whatever leaf 0xA says; AMD's four legacy ones) fault: a hypervisor
	 * that hides them. No CPU lacks them.
	 */
	bool no_legacy_counters;
};

/* What the model read from a model_cpu (SDM 20.2.1-20.2.5; APM 13.2.1-13.2.2). */
struct model_pmu {
	bool intel, global, status_set, full_width, metrics, perf_caps, amd_core;
	u32 version, nr_gp, gp_width, fixed_bitmap, fixed_width;
};

struct pmu_model {
	struct model_cpu cpu;
	struct model_pmu pmu;
	bool guest_mode;
	u8 cpl;
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

void pmu_model_init(struct pmu_model *m, const struct model_cpu *cpu);
/* Records a broken rule (counted; the last one kept for the report). */
void pmu_model_violation(struct pmu_model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Accesses with hardware semantics; false = #GP. Direct: no invariant checks. */
bool pmu_model_rdmsr(struct pmu_model *m, u32 msr, u64 *val);
bool pmu_model_wrmsr(struct pmu_model *m, u32 msr, u64 val);
/* RDPMC with the vendor's index encoding; false = #GP. */
bool pmu_model_rdpmc(struct pmu_model *m, u32 ecx, u64 *val);
void pmu_model_write_lvtpc(struct pmu_model *m, u32 val);

/*
 * VT-x world switches (GLOBAL_CTRL loaded atomically; the exit returns the
 * guest's value as the "save IA32_PERF_GLOBAL_CTRL" exit control stores it).
 * AMD: only the mode changes (the exit returns the GLOBAL_CTL in place).
 */
void pmu_model_vm_entry(struct pmu_model *m, u64 guest_global_ctrl);
u64 pmu_model_vm_exit(struct pmu_model *m, u64 host_global_ctrl);

/* n occurrences of an event at the current CPL in the current mode (guest or host). */
void pmu_model_count(struct pmu_model *m, u16 event, u8 umask, u64 n);

/* Whether counter i (fixed: MODEL_MAX_GP + i) counts at the current CPL in the current mode. */
bool pmu_model_counting(const struct pmu_model *m, u32 counter);
bool pmu_model_any_counting(const struct pmu_model *m);
/*
 * The counter whose counting a write to msr would disturb (MODEL_MAX_GP + i
 * for fixed counter i, PERF_METRICS with fixed counter 3), -1 for none, or
 * MODEL_ANY_FIXED for FIXED_CTR_CTRL.
 */
#define MODEL_ANY_FIXED (-2)
int pmu_model_counter_of(const struct pmu_model *m, u32 msr);
/* Puts a value into a register as the hardware holds it (a replay's start); false: none. */
bool pmu_model_set(struct pmu_model *m, u32 msr, u64 val);
/* Whether the write only stops counting (an event selector without EN, FIXED_CTR_CTRL 0). */
bool pmu_model_write_stops(const struct pmu_model *m, u32 msr, u64 val);
/* Whether counting changes the register by itself (counters, GLOBAL_STATUS, PERF_METRICS). */
bool pmu_model_counts_itself(const struct pmu_model *m, u32 msr);
bool pmu_model_is_metrics(const struct pmu_model *m, u32 msr);
bool pmu_model_is_slots_counter(const struct pmu_model *m, u32 msr);

/* The model's own reading of the architectural events behind the fixed counters. */
#define EVENT_INSTRUCTIONS 0xC0, 0x00
#define EVENT_CORE_CYCLES 0x3C, 0x00
#define EVENT_REF_CYCLES 0x00, 0x03
#define EVENT_TOPDOWN_SLOTS 0xA4, 0x01

#endif
