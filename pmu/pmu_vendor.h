/*
 * What differs between Intel arch perfmon and AMD PerfCtr/PerfMonV2, as
 * data: the MSR layout, selector bits, the host-side transform of a
 * selector, and the CPUID leaves. The vendor-neutral vPMU uses only this.
 */
#ifndef PMU_PMU_VENDOR_H
#define PMU_PMU_VENDOR_H

#include "pmu/vpmu_desc.h"

enum pmu_msr_kind {
	PMC_NONE,
	PMC_GP_CTR,           /* general counter (legacy write semantics on Intel) */
	PMC_GP_CTR_FW,        /* Intel IA32_A_PMCx: full-width writes */
	PMC_GP_SEL,
	PMC_FIXED_CTR,
	PMC_FIXED_CTRL,
	PMC_GLOBAL_STATUS,
	PMC_GLOBAL_CTRL,
	PMC_GLOBAL_STATUS_RESET,
	PMC_GLOBAL_STATUS_SET,
	PMC_PERF_CAPS,
	PMC_PERF_METRICS,
};

struct pmu_msr_range {
	u32 first, count, stride;
	enum pmu_msr_kind kind;
	u32 requires; /* enum vpmu_feature bits the guest must have */
};

struct pmu_msr_class {
	enum pmu_msr_kind kind;
	u32 index; /* counter number for counters and selectors */
};

struct pmu_vendor {
	const char *name;
	const struct pmu_msr_range *ranges;
	u32 nr_ranges;
	u64 evtsel_guest_bits;  /* selector bits a guest may set; the rest #GP */
	u64 evtsel_hw_set;      /* bits the hypervisor adds in hardware (AMD Guest-Only) */
	bool gp_ctr_writes_32;  /* PMC_GP_CTR writes take 32 bits, sign-extended (Intel legacy) */
	bool pmi_masks_lvtpc;   /* the local APIC sets LVTPC.M when it delivers a PMI (Intel) */
	/*
	 * No VM entry loads the global control (AMD-V): it is loaded and put with
	 * the rest of the vCPU's context and holds the guest's value while the vCPU
	 * is loaded, the hypervisor's runs included (its selectors are Guest-Only).
	 */
	bool global_ctrl_swapped;
	u32 global_ctrl_msr, global_status_msr, status_reset_msr, status_set_msr;
	/* GLOBAL_STATUS flags beyond the counters' the hardware reports; the reset MSR clears them. */
	u64 status_flags;
	/* The MSRs the hypervisor itself uses for counter / selector i. */
	u32 (*gp_ctr_msr)(const struct vpmu_desc *d, u32 i);
	u32 (*gp_sel_msr)(const struct vpmu_desc *d, u32 i);
	u16 (*event_of)(u64 evtsel);
	/* RDPMC's ECX -> the counter it reads; false for an invalid index (#GP). */
	bool (*rdpmc_decode)(const struct vpmu_desc *d, u32 ecx, struct pmu_msr_class *out);
	int (*derive)(const struct pmu_caps *host, const struct guest_config *cfg,
		      struct vpmu_desc *d, char *err, size_t errlen);
	void (*cpuid)(const struct vpmu_desc *d, u32 leaf, u32 subleaf, struct cpuid_regs *r);
	/* Whether the host PMU has a global control (Intel v2 and later, AMD PerfMonV2). */
	bool (*has_global_ctrl)(const struct pmu_caps *host);
};

extern const struct pmu_vendor pmu_intel, pmu_amd;
/* The vendor table of a host PMU kind; NULL for none. */
const struct pmu_vendor *pmu_vendor_of(enum pmu_kind kind);

/* Which PMU MSR this is for the guest (PMC_NONE if the guest has no such MSR). */
struct pmu_msr_class pmu_classify(const struct vpmu_desc *d, u32 msr);
/* True for every MSR any vendor layout knows, given or not (for the MSR policy). */
bool pmu_msr_known(const struct pmu_vendor *v, u32 msr);

#define FIXED_CTR_MSR(i) (MSR_IA32_FIXED_CTR0 + (i))

#endif
