/*
 * The virtual PMU a guest is given: derived once per guest from the host
 * PMU (or a profile) and the guest's command line; CPUID leaves, the MSRs
 * that exist and the intercepts all follow from it, so they always agree.
 * A guest never gets more than the host has. Host-testable.
 */
#ifndef PMU_VPMU_DESC_H
#define PMU_VPMU_DESC_H

#include "arch/cpu.h"
#include "core/config.h"
#include "pmu/event_filter.h"
#include "pmu/pmu_caps.h"

#define VPMU_MAX_GP 8
#define VPMU_MAX_FIXED 4

/* Which optional parts of the PMU the guest has (pmu_msr_range.requires). */
enum vpmu_feature {
	FEAT_GLOBAL = BIT(0),       /* GLOBAL_CTRL/STATUS/OVF (Intel v2+, AMD PerfMonV2) */
	FEAT_STATUS_SET = BIT(1),   /* GLOBAL_STATUS_SET (Intel v4+, AMD PerfMonV2) */
	FEAT_FULL_WIDTH = BIT(2),   /* IA32_A_PMCx */
	FEAT_PERF_CAPS = BIT(3),    /* IA32_PERF_CAPABILITIES */
	FEAT_PERF_METRICS = BIT(4), /* IA32_PERF_METRICS (mediated only; design invariant 4) */
	FEAT_AMD_CORE = BIT(5),     /* six counters at 0xC0010200 */
	FEAT_FIXED = BIT(6),        /* fixed counters and FIXED_CTR_CTRL */
};

struct pmu_vendor;

struct vpmu_desc {
	enum vpmu_mode mode;
	const struct pmu_vendor *vendor; /* NULL when the mode is off */
	u32 features;                    /* enum vpmu_feature */
	u32 version;
	u32 nr_gp, gp_width;
	u32 fixed_bitmap, nr_fixed_contiguous, fixed_width;
	u32 events_len, events_unavailable;
	u64 perf_capabilities;           /* what the guest reads from PERF_CAPABILITIES */
	u64 global_ctrl_valid;           /* bits the guest may set in GLOBAL_CTRL */
	u64 fixed_ctrl_valid;            /* bits the guest may set in FIXED_CTR_CTRL */
	bool rdpmc_passthrough;          /* the vPMU equals the host PMU: RDPMC need not exit */
	/*
	 * The fast path (docs/design.md, "The PMU contract", "Global registers"):
	 * mediated with every general and fixed counter of the host, so the
	 * hardware's reserved bits are the guest's. status_passthrough: the status
	 * reset/set MSRs go to the hardware. global_ctrl_passthrough: GLOBAL_CTRL
	 * too, when also no fixed counter is filtered (the filter masks its bit);
	 * VT-x then saves the guest's value at every exit, AMD-V at the put.
	 */
	bool status_passthrough, global_ctrl_passthrough;
	struct event_filter filter;
	const struct pmu_caps *host;
};

/*
 * Fills d for a guest; 0, or -1 with a message (e.g. more counters asked
 * than the host has, a mode the host cannot support).
 */
int vpmu_desc_derive(const struct pmu_caps *host, const struct guest_config *cfg,
		     struct vpmu_desc *d, char *err, size_t errlen);

/* Adjusts a CPUID result (after the core policy) to the guest's PMU. */
void vpmu_cpuid(const struct vpmu_desc *d, u32 leaf, u32 subleaf, struct cpuid_regs *r);

static inline bool vpmu_has(const struct vpmu_desc *d, enum vpmu_feature f)
{
	return d->features & f;
}

static inline u64 counter_mask(u32 width) { return width >= 64 ? ~0ULL : BIT(width) - 1; }

#endif
