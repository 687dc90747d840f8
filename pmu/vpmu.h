/*
 * The vendor-neutral virtual PMU of one vCPU (docs/design.md, "The PMU contract").
 *
 * mediated: the guest's context is in the PMU hardware while it runs; data
 *   MSRs (counters, GLOBAL_STATUS reads, PERF_METRICS) and RDPMC are passed
 *   through, control MSRs are intercepted here so the event filter applies.
 * emulated: the same hardware context, but every PMU MSR and RDPMC exits
 *   and is emulated here: the cost baseline.
 * off: no PMU; RDPMC and every PMU MSR raise #GP, but the counters every CPU
 *   of the vendor has (AMD's legacy four, Intel's first two) read 0 and drop
 *   writes (core/msr_policy.c).
 *
 * State is switched by diff against what the hardware holds (struct
 * pmu_cpu): re-entering the same vCPU writes nothing, a switch writes only
 * the MSRs whose values differ. Host-testable against tests/pmu_model/.
 */
#ifndef PMU_VPMU_H
#define PMU_VPMU_H

#include "core/intercept_bitmap.h"
#include "core/pcpu.h"
#include "pmu/pmu_access.h"
#include "pmu/pmu_cpu.h"
#include "pmu/pmu_vendor.h"
#include "pmu/vpmu_desc.h"

/* LVTPC vectors: guests' PMIs arrive on the mediated one, the hypervisor's own on the host one. */
#define PMU_MEDIATED_PMI_VECTOR 0xF0
#define PMU_HOST_PMI_VECTOR 0xF1
#define LVTPC_MASKED BIT(16)
#define LVTPC_DELIVERY_MASK (7u << 8)
#define LVTPC_DELIVERY_NMI (4u << 8)
#define LVTPC_VECTOR_MASK 0xFFu
#define LVTPC_RESET LVTPC_MASKED

struct vpmu {
	const struct vpmu_desc *desc;
	struct pmu_context ctx;        /* the guest's values as loaded in hardware */
	u64 gp_sel_guest[VPMU_MAX_GP]; /* as the guest wrote them (filtered bits read back) */
	u64 fixed_ctrl_guest, global_ctrl_guest;
	u64 global_ctrl_hw;            /* loaded at VM entry, or with the context (AMD) */
	u32 lvtpc;                     /* the guest's virtual LVTPC */
	u64 status_unloaded;           /* overflow bits the hardware could not take back (no STATUS_SET) */
	bool pmi_pending;              /* a PMI waits for the guest to accept it */
	u64 pmis_injected, pmis_dropped, loads, puts;
	struct pmu_access_stats stats;
	struct pmu_trace *trace;
};

/* Puts the hardware in a known, idle state (boot; host PMU description h). */
void pmu_cpu_init(const struct pmu_caps *h);

/* This CPU's PMU state (struct pmu_cpu_state in its struct pcpu). */
#define pmu_cpu (this_pcpu()->pmu)

void vpmu_init(struct vpmu *vp, const struct vpmu_desc *d, struct pmu_trace *trace);
/* Before VM entry: make the hardware hold vp's context (writes only differences). */
void vpmu_switch_in(struct vpmu *vp);

static inline void vpmu_load(struct vpmu *vp)
{
	/* the same vCPU re-entering costs nothing; an off vPMU only puts the last owner */
	if (pmu_cpu.owner != vp && (pmu_cpu.owner || vp->desc->mode != VPMU_OFF))
		vpmu_switch_in(vp);
}
/* Reads GLOBAL_STATUS of the loaded vp into its context, as the guest sees it; returns it. */
u64 vpmu_read_status(struct vpmu *vp, enum pmu_phase phase);
/* When vp leaves the CPU (another vCPU comes, or the guest ends). */
void vpmu_put(struct vpmu *vp);
/* PMU accesses of one guest switch that saved and restored every register (make bench). */
u32 vpmu_full_switch_accesses(void);

/*
 * VT-x with GLOBAL_CTRL passed through: the guest's value as the CPU saved
 * it at the VM exit (the "save IA32_PERF_GLOBAL_CTRL" exit control, or the
 * VM-exit MSR-store list); the next entry loads it again. Without the
 * passthrough the guest cannot change it without an exit: nothing to do.
 */
static inline void vpmu_global_ctrl_saved(struct vpmu *vp, u64 val)
{
	if (vp->desc->global_ctrl_passthrough)
		vp->global_ctrl_guest = vp->global_ctrl_hw = val;
}

/* Intercept policy: true when the guest may access msr directly. */
bool vpmu_msr_passthrough(const struct vpmu_desc *d, u32 msr, enum msr_access a);
/* Whether the MSR belongs to the guest's PMU at all. */
bool vpmu_owns_msr(const struct vpmu_desc *d, u32 msr);
/* Emulation of an intercepted access; false = #GP for the guest. */
bool vpmu_msr_read(struct vpmu *vp, u32 msr, u64 *val);
bool vpmu_msr_write(struct vpmu *vp, u32 msr, u64 val);
/* The same for an MSR already classified (pmu_classify), as an exit does it once. */
bool vpmu_class_passthrough(const struct vpmu_desc *d, struct pmu_msr_class c,
			    enum msr_access a);
bool vpmu_class_read(struct vpmu *vp, struct pmu_msr_class c, u64 *val);
bool vpmu_class_write(struct vpmu *vp, struct pmu_msr_class c, u64 val);
/* RDPMC emulation (ECX = index); false = #GP. */
bool vpmu_rdpmc(struct vpmu *vp, u32 ecx, u64 *val);

/* The guest's virtual LVTPC (x2APIC 0x834 / xAPIC 0x340). */
u32 vpmu_lvtpc_read(const struct vpmu *vp);
void vpmu_lvtpc_write(struct vpmu *vp, u32 val);

enum pmi_delivery { PMI_NONE, PMI_NMI, PMI_FIXED };
/* A PMI arrived on the mediated vector while vp was loaded. */
void vpmu_pmi(struct vpmu *vp);
/*
 * A PMI on the mediated vector, from the interrupt handler: it belongs to the
 * vPMU that owned the hardware when it fired, whichever vCPU runs next. With
 * no owner (nothing is loaded) it is a stray and only counted (pmu_cpu.stray_pmis).
 */
void vpmu_pmi_arrived(void);
/*
 * What to inject now, if anything: NMI or a fixed vector (when the guest
 * can take it: can_take_interrupt). Marks the virtual LVTPC masked where
 * the guest's vendor does so on delivery (Intel; not AMD).
 */
enum pmi_delivery vpmu_pmi_deliver(struct vpmu *vp, bool can_take_interrupt, u8 *vector);

#endif
