/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c */
/*
 * Invariant 6 (isolation; docs/design.md, "The PMU contract"),
 * differentially: each guest also owns a private reference PMU (a model
 * instance with exactly the virtual PMU it was given). Random schedules run
 * several guests on one hardware model through the real pmu/ code: direct
 * accesses where the intercept policy passes them, exits and emulation where
 * it does not, guest and hypervisor events, PMIs, vCPU switches. Every value
 * a guest reads must equal what its private PMU gives, and the hardware
 * model must see no broken invariant.
 * PMU_SEED=N reproduces one run; PMU_SCHEDULES=N changes how many.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <cmocka.h>

#include "pmu/pmu_hw.h"
#include "pmu/pmu_profiles.h"
#include "pmu/pmu_vendor.h"
#include "pmu/vpmu.h"
#include "tests/pmu_model/pmu_model.h"

#define MAX_GUESTS 3
#define STEPS 40

struct guest {
	struct guest_config cfg;
	struct vpmu_desc desc;
	struct vpmu vp;
	struct pmu_model ref;
};

static struct guest guests[MAX_GUESTS];
static struct guest *running;
static u64 rng;
static char failure[256];
static u64 reads_compared, pmis_checked;
/* What the random schedules reached, printed so a narrowed generator shows. */
static struct {
	u64 profile[PROFILE_AMD_CORE + 1];
	u64 mode[VPMU_MEDIATED + 1];
	u64 fewer, filtered;
} coverage;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u64 pick(u64 n) { return rnd() % n; }

static bool mismatch(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	return false;
}

static bool intel(void) { return hw_model.caps.kind == PMU_INTEL_ARCH; }

/* The hardware's world switch: VT-x loads GLOBAL_CTRL, SVM swaps it in software. */
static void enter(struct guest *g)
{
	vpmu_load(&g->vp);
	vpmu_global_ctrl_enter(&g->vp);
	pmu_model_vm_entry(&hw_model, g->vp.global_ctrl_hw);
	running = g;
}

static void leave(void)
{
	pmu_model_vm_exit(&hw_model, 0);
	vpmu_global_ctrl_exit(&running->vp);
}

static struct pmu_caps reference_caps(const struct vpmu_desc *d)
{
	if (d->mode == VPMU_OFF) /* shown no PMU: every PMU MSR and RDPMC faults */
		return (struct pmu_caps){ .kind = PMU_NONE };
	return (struct pmu_caps){
		.kind = d->host->kind, .version = d->version, .nr_gp = d->nr_gp,
		.gp_width = d->gp_width, .nr_fixed = d->nr_fixed_contiguous,
		.fixed_width = d->fixed_width, .fixed_bitmap = d->fixed_bitmap,
		.has_perf_capabilities = vpmu_has(d, FEAT_PERF_CAPS),
		.perf_capabilities = d->perf_capabilities,
		.full_width_writes = vpmu_has(d, FEAT_FULL_WIDTH),
		.perf_metrics = vpmu_has(d, FEAT_PERF_METRICS),
		.amd_perfctr_core = vpmu_has(d, FEAT_AMD_CORE),
		.amd_perfmon_v2 = d->host->kind == PMU_AMD && vpmu_has(d, FEAT_GLOBAL),
	};
}

static void make_guest(struct guest *g, const struct pmu_caps *host)
{
	char err[160];
	memset(g, 0, sizeof(*g));
	static const enum vpmu_mode modes[] = { VPMU_MEDIATED, VPMU_MEDIATED, VPMU_EMULATED,
						VPMU_OFF };
	g->cfg = (struct guest_config){ .vpmu = modes[pick(4)],
					.pmu_gp = pick(3) ? PMU_ALL_COUNTERS : 1 + pick(host->nr_gp),
					.pmu_fixed = PMU_ALL_COUNTERS };
	if (!pick(4)) /* deny an event that no fixed counter counts */
		event_filter_parse("deny:2e.4f", 10, &g->cfg.pmu_filter, err, sizeof(err));
	assert_int_equal(vpmu_desc_derive(host, &g->cfg, &g->desc, err, sizeof(err)), 0);
	coverage.mode[g->cfg.vpmu]++;
	coverage.fewer += g->desc.vendor && g->desc.nr_gp < host->nr_gp;
	coverage.filtered += g->cfg.pmu_filter.active;
	vpmu_init(&g->vp, &g->desc, NULL);
	struct pmu_caps caps = reference_caps(&g->desc);
	pmu_model_init(&g->ref, &caps);
	g->ref.guest_mode = true;
}

/* An MSR of the guest's PMU (or one it was not given, which must #GP on both sides). */
static u32 random_msr(const struct guest *g)
{
	u32 gp = (u32)pick(g->desc.host->nr_gp), fixed = (u32)pick(MODEL_MAX_FIXED);
	if (intel()) {
		static const u32 single[] = { MSR_IA32_FIXED_CTR_CTRL, MSR_IA32_PERF_GLOBAL_STATUS,
					      MSR_IA32_PERF_GLOBAL_CTRL, MSR_IA32_PERF_GLOBAL_OVF_CTRL,
					      MSR_IA32_PERF_GLOBAL_STATUS_SET, MSR_IA32_PERF_CAPABILITIES,
					      MSR_IA32_PERF_METRICS };
		u32 choices[] = { MSR_IA32_PMC0 + gp, MSR_IA32_A_PMC0 + gp, MSR_IA32_PERFEVTSEL0 + gp,
				  MSR_IA32_PERFEVTSEL0 + gp, MSR_IA32_FIXED_CTR0 + fixed,
				  single[pick(sizeof(single) / sizeof(single[0]))] };
		return choices[pick(sizeof(choices) / sizeof(choices[0]))];
	}
	u32 core = MSR_F15H_PERFCTL0 + 2 * gp;
	u32 choices[] = { core, core, core + 1, MSR_K7_PERFCTL0 + gp % 4, MSR_K7_PERFCTR0 + gp % 4,
			  MSR_AMD_PERF_GLOBAL_CTL, MSR_AMD_PERF_GLOBAL_STATUS,
			  MSR_AMD_PERF_GLOBAL_STATUS_CLR };
	return choices[pick(sizeof(choices) / sizeof(choices[0]))];
}

static u64 random_value(const struct guest *g, u32 msr)
{
	static const u16 events[][2] = { { EVENT_INSTRUCTIONS }, { EVENT_CORE_CYCLES },
					 { 0x2E, 0x4F }, { EVENT_TOPDOWN_SLOTS } };
	const u16 *e = events[pick(4)];
	bool selector = intel() ? msr - MSR_IA32_PERFEVTSEL0 < 8
				: (msr - MSR_F15H_PERFCTL0 < 12 && !(msr & 1)) || msr - MSR_K7_PERFCTL0 < 4;
	switch (pick(6)) {
	case 0: return rnd();                                    /* reserved bits, often */
	case 1: return (1ULL << g->desc.gp_width) - 1 - pick(64); /* about to overflow */
	case 2: return pick(2) ? g->desc.global_ctrl_valid : rnd() & g->desc.global_ctrl_valid;
	case 3: return g->desc.fixed_ctrl_valid & rnd();
	default:
		if (!selector)
			return pick(1ULL << 40);
		return e[0] | (u64)e[1] << 8 | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN |
		       (pick(3) ? 0 : EVTSEL_INT);
	}
}

/* A guest's MSR access, directly or through an exit, as the intercept policy says. */
static bool guest_msr(struct guest *g, u32 msr, bool write, u64 *val)
{
	enum msr_access a = write ? MSR_WRITE : MSR_READ;
	bool owned = vpmu_owns_msr(&g->desc, msr);
	if (owned && vpmu_msr_passthrough(&g->desc, msr, a))
		return write ? pmu_model_wrmsr(&hw_model, msr, *val) : pmu_model_rdmsr(&hw_model, msr, val);
	leave();
	bool ok = owned && (write ? vpmu_msr_write(&g->vp, msr, *val) : vpmu_msr_read(&g->vp, msr, val));
	enter(g);
	return ok;
}

static bool check_msr_op(struct guest *g)
{
	u32 msr = random_msr(g);
	bool write = pick(2);
	u64 val = write ? random_value(g, msr) : 0, ref_val = val;
	bool ok = guest_msr(g, msr, write, &val);
	bool ref_ok = write ? pmu_model_wrmsr(&g->ref, msr, ref_val)
			    : pmu_model_rdmsr(&g->ref, msr, &ref_val);
	if (ok != ref_ok)
		return mismatch("%s 0x%x: %s here, %s on its own PMU", write ? "wrmsr" : "rdmsr", msr,
			    ok ? "ok" : "#GP", ref_ok ? "ok" : "#GP");
	reads_compared += !write && ok;
	if (!write && ok && val != ref_val)
		return mismatch("rdmsr 0x%x = 0x%llx, its own PMU has 0x%llx", msr,
			    (unsigned long long)val, (unsigned long long)ref_val);
	return true;
}

static bool check_rdpmc(struct guest *g)
{
	u32 ecx = intel() && pick(3) == 0 ? BIT(30) | (u32)pick(MODEL_MAX_FIXED) : (u32)pick(8);
	u64 val = 0, ref_val = 0;
	bool ok;
	if (g->desc.rdpmc_passthrough) {
		ok = pmu_model_rdpmc(&hw_model, ecx, &val);
	} else {
		leave();
		ok = vpmu_rdpmc(&g->vp, ecx, &val);
		enter(g);
	}
	bool ref_ok = pmu_model_rdpmc(&g->ref, ecx, &ref_val);
	if (ok != ref_ok || (ok && val != ref_val))
		return mismatch("rdpmc 0x%x: %s 0x%llx here, %s 0x%llx on its own PMU", ecx, ok ? "ok" : "#GP",
			    (unsigned long long)val, ref_ok ? "ok" : "#GP", (unsigned long long)ref_val);
	reads_compared += ok;
	return true;
}

/* Events the guest causes; a PMI the hardware raises goes through the vPMU. */
static bool guest_events(struct guest *g)
{
	static const u16 events[][2] = { { EVENT_INSTRUCTIONS }, { EVENT_CORE_CYCLES },
					 { 0x2E, 0x4F }, { EVENT_TOPDOWN_SLOTS } };
	const u16 *e = events[pick(4)];
	u64 n = 1 + pick(1 << 20);
	u32 hw_pmis = hw_model.pmis, ref_pmis = g->ref.pmis;
	pmu_model_count(&hw_model, e[0], (u8)e[1], n);
	if (event_filter_allows(&g->desc.filter, e[0], (u8)e[1]))
		pmu_model_count(&g->ref, e[0], (u8)e[1], n);
	u64 injected = 0;
	for (u32 i = hw_pmis; i < hw_model.pmis; i++) {
		u8 vector;
		if ((hw_model.last_pmi_lvtpc & 0xFF) != PMU_MEDIATED_PMI_VECTOR)
			return mismatch("a PMI arrived on vector 0x%x, not the mediated one",
				    hw_model.last_pmi_lvtpc & 0xFF);
		leave();
		vpmu_pmi(&g->vp);
		injected += vpmu_pmi_deliver(&g->vp, true, &vector) != PMI_NONE;
		enter(g);
	}
	pmis_checked += injected;
	if (injected != g->ref.pmis - ref_pmis)
		return mismatch("%llu PMIs injected, its own PMU raised %u", (unsigned long long)injected,
			    g->ref.pmis - ref_pmis);
	return true;
}

/* The hypervisor's own work between exit and entry counts for no guest, writes nothing. */
static bool hypervisor_events(struct guest *g)
{
	u64 before = hw_model.accesses;
	bool idle = !g->vp.global_ctrl_hw;
	leave();
	pmu_model_count(&hw_model, EVENT_INSTRUCTIONS, 1 + pick(100000));
	pmu_model_count(&hw_model, EVENT_CORE_CYCLES, 1 + pick(100000));
	enter(g);
	if (idle && hw_model.accesses != before)
		return mismatch("re-entering the same vCPU made %llu PMU accesses",
			    (unsigned long long)(hw_model.accesses - before));
	return true;
}

static void lvtpc_write(struct guest *g)
{
	u32 val = (u32)(0x20 + pick(0xD0)) | (pick(4) ? 0 : LVTPC_DELIVERY_NMI) |
		  (pick(3) ? 0 : LVTPC_MASKED);
	leave();
	vpmu_lvtpc_write(&g->vp, val);
	enter(g);
	pmu_model_write_lvtpc(&g->ref, val);
}

/* What perf record does: a counter just below overflow, its PMI on, the LVTPC open. */
static bool arm_sampling(struct guest *g)
{
	u32 i = (u32)pick(g->desc.nr_gp);
	bool amd = !intel();
	u32 sel = amd ? (vpmu_has(&g->desc, FEAT_AMD_CORE) ? MSR_F15H_PERFCTL0 + 2 * i
							    : MSR_K7_PERFCTL0 + i)
		      : MSR_IA32_PERFEVTSEL0 + i;
	u32 ctr = amd ? (vpmu_has(&g->desc, FEAT_AMD_CORE) ? sel + 1 : MSR_K7_PERFCTR0 + i)
		      : (vpmu_has(&g->desc, FEAT_FULL_WIDTH) ? MSR_IA32_A_PMC0 : MSR_IA32_PMC0) + i;
	u64 values[3] = { 0xC0 | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN | EVTSEL_INT,
			  ((1ULL << g->desc.gp_width) - 1 - pick(1000)) & 0xFFFFFFFFFFFFULL,
			  g->desc.global_ctrl_valid };
	u32 msrs[3] = { sel, ctr, amd ? MSR_AMD_PERF_GLOBAL_CTL : MSR_IA32_PERF_GLOBAL_CTRL };
	int n = vpmu_has(&g->desc, FEAT_GLOBAL) ? 3 : 2;
	if (intel() && !vpmu_has(&g->desc, FEAT_FULL_WIDTH))
		values[1] = 0xFFFFFFFF - pick(1000); /* legacy writes: sign-extended 32 bits */
	for (int k = 0; k < n; k++) {
		u64 v = values[k], r = values[k];
		if (guest_msr(g, msrs[k], true, &v) != pmu_model_wrmsr(&g->ref, msrs[k], r))
			return mismatch("arming: wrmsr 0x%x differs", msrs[k]);
	}
	u32 lvtpc = pick(2) ? LVTPC_DELIVERY_NMI : 0xE0;
	leave();
	vpmu_lvtpc_write(&g->vp, lvtpc);
	enter(g);
	pmu_model_write_lvtpc(&g->ref, lvtpc);
	return true;
}

static bool step(int nguests)
{
	struct guest *g = running;
	switch (pick(10)) {
	case 0:
	case 1:
	case 2: return check_msr_op(g);
	case 3: return check_rdpmc(g);
	case 4:
	case 5: return guest_events(g);
	case 6: return hypervisor_events(g);
	case 7: lvtpc_write(g); return true;
	case 8: return g->desc.mode == VPMU_OFF ? check_msr_op(g) : arm_sampling(g);
	default:
		leave();
		enter(&guests[pick((u64)nguests)]);
		return true;
	}
}

/* Every host PMU: with and without global control, legacy and extended AMD layouts. */
static const enum pmu_profile profiles[] = { PROFILE_INTEL_V4, PROFILE_INTEL_V5_METRICS,
					     PROFILE_AMD_LEGACY, PROFILE_AMD_CORE,
					     PROFILE_AMD_CORE_V2 };
#define NR_PROFILES (sizeof(profiles) / sizeof(profiles[0]))
static const char *const profile_names[] = {
	[PROFILE_INTEL_V4] = "intel-v4", [PROFILE_INTEL_V5_METRICS] = "intel-v5-metrics",
	[PROFILE_AMD_LEGACY] = "amd-legacy", [PROFILE_AMD_CORE] = "amd-core",
	[PROFILE_AMD_CORE_V2] = "amd-core-v2",
};

static bool run_schedule(void)
{
	enum pmu_profile p = profiles[pick(NR_PROFILES)];
	const struct pmu_caps *host = pmu_profile_caps(p, NULL);
	coverage.profile[p]++;
	pmu_model_init(&hw_model, host);
	pmu_cpu_init(host);
	int n = 2 + (int)pick(MAX_GUESTS - 1);
	for (int i = 0; i < n; i++)
		make_guest(&guests[i], host);
	enter(&guests[0]);
	for (int s = 0; s < STEPS; s++)
		if (!step(n))
			return false;
	leave();
	vpmu_put(&running->vp);
	if (hw_model.violations)
		return mismatch("hardware invariant broken: %s", hw_model.last_violation);
	return true;
}

static void random_schedules_stay_isolated(void **state)
{
	(void)state;
	const char *env = getenv("PMU_SEED");
	u64 seed = env ? strtoull(env, NULL, 0) : 0x5EEDULL ^ (u64)time(NULL);
	env = getenv("PMU_SCHEDULES");
	long schedules = env ? atol(env) : 10000;
	printf("# seed %llu (PMU_SEED=%llu reproduces), %ld schedules of up to %d guests x %d steps\n",
	       (unsigned long long)seed, (unsigned long long)seed, schedules, MAX_GUESTS, STEPS);
	for (long i = 0; i < schedules; i++) {
		rng = seed + (u64)i * 0x9E3779B97F4A7C15ULL;
		rng = rng ? rng : 1;
		if (!run_schedule()) {
			printf("# schedule %ld (PMU_SEED=%llu): %s\n", i, (unsigned long long)seed, failure);
			fail_msg("isolation broken in schedule %ld: %s", i, failure);
		}
	}
	printf("# %ld schedules: %llu guest reads compared with their own PMU, %llu PMIs injected, "
	       "0 hardware invariants broken\n", schedules, (unsigned long long)reads_compared,
	       (unsigned long long)pmis_checked);
	printf("# covered: host PMUs");
	for (size_t i = 0; i < NR_PROFILES; i++) {
		printf(" %s %llu", profile_names[profiles[i]],
		       (unsigned long long)coverage.profile[profiles[i]]);
		assert_true(coverage.profile[profiles[i]] > 0);
	}
	printf("; guests off %llu, emulated %llu, mediated %llu, with fewer counters than the "
	       "host %llu, filtered %llu\n", (unsigned long long)coverage.mode[VPMU_OFF],
	       (unsigned long long)coverage.mode[VPMU_EMULATED],
	       (unsigned long long)coverage.mode[VPMU_MEDIATED], (unsigned long long)coverage.fewer,
	       (unsigned long long)coverage.filtered);
	assert_true(reads_compared > (u64)schedules); /* the schedules did compare something */
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(random_schedules_stay_isolated) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
