/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c tests/pmu_model/model_cpus.c tests/pmu_model/model_host.c tests/host/fake_log.c */
/*
 * Invariant 6 (isolation; docs/design.md, "The PMU contract"),
 * differentially: random schedules run several guests on one modelled CPU
 * (tests/pmu_model) through the real pmu/ code and the real MSR and CPUID
 * policies: direct accesses where the policy passes them, exits and
 * emulation where it does not, events at CPL 0 and 3 in each guest and in
 * the hypervisor, PMIs (also left pending across switches), vCPU switches
 * with and without an explicit put. Each guest owns a private reference PMU
 * built only from what the guest was shown: the CPUID leaves it reads
 * (vendor, 0xA, 1, 0x80000001, 0x80000022), PERF_CAPABILITIES as it reads
 * it, and, with no counters in CPUID, whether the counters no CPUID bit
 * announces exist and keep a value written (the probe Linux makes). Every
 * value a guest reads, every #GP and every PMI it gets must equal what its
 * reference gives, and the hardware model must see no broken invariant.
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

#include "arch/host_caps.h"
#include "core/cpuid_policy.h"
#include "core/msr_policy.h"
#include "pmu/pmu_hw.h"
#include "pmu/pmu_platform.h"
#include "pmu/vpmu.h"
#include "tests/pmu_model/model_host.h"
#include "tests/pmu_model/world_switch.h"

/* What the image defines elsewhere, for this test alone. */
struct pmu_platform pmu_platform;
struct host_caps host_caps;
static const struct vcpu_ops no_ops = { .name = "none" };
const struct vcpu_ops *vcpu_ops = &no_ops;

#define MAX_GUESTS 3
#define STEPS 40
/* pmuvisor switches at most this many general counters (README, "The vPMU"). */
#define SWITCHED_GP 8

/* The filters the schedules use, and what each means, stated here again (KVM's semantics). */
static const struct {
	const char *spec;
	bool allow;
	u16 events[2][2];
	u32 nr, fixed_mask;
} filters[] = {
	{ "deny:2e.4f", false, { { 0x2E, 0x4F } }, 1, 0 },
	{ "allow:c0.00,3c.00:fixed=0x1", true, { { EVENT_INSTRUCTIONS }, { EVENT_CORE_CYCLES } }, 2, 0x1 },
	{ "deny:c0.00:fixed=0x2", false, { { EVENT_INSTRUCTIONS } }, 1, 0x2 },
};
#define NR_FILTERS (sizeof(filters) / sizeof(filters[0]))

struct guest {
	struct guest_config cfg;
	struct vm vm;
	struct vcpu v;
	int filter;          /* index into filters, -1: none */
	struct pmu_model ref;
	bool ref_pending;    /* its reference raised a PMI not injected yet */
};

static struct guest guests[MAX_GUESTS];
static struct guest *running;
static const struct model_cpu *cpu; /* the modelled CPU of this schedule */
static struct pmu_caps host;        /* what pmuvisor's probe made of it */
static u64 rng;
static char failure[256];
static u64 reads_compared, pmis_checked;
/* What the random schedules reached, printed so a narrowed generator shows. */
static struct {
	u64 cpu[CPU_COUNT];
	u64 mode[VPMU_MEDIATED + 1];
	u64 refused, fewer, global_direct, filtered[NR_FILTERS], pending_switches, puts_between,
		host_events, user_events, legacy_stub, unshowable, fewer_fixed;
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

static bool intel(void) { return !cpu->amd; }

/* ---- the hardware's world switch ---- */

static bool deliver_pending(struct guest *g);

static bool enter(struct guest *g)
{
	running = g;
	if (!deliver_pending(g)) /* vcpu_deliver_events runs before the load */
		return false;
	vpmu_load(&g->v.pmu);
	model_vm_entry(&g->v.pmu); /* SVM swaps PerfMonV2's GLOBAL_CTL in software, VT-x in the VMCS */
	return true;
}

/* VT-x saves the GLOBAL_CTRL of a guest that writes it directly (the fast path). */
static void leave(void) { model_vm_exit(&running->v.pmu); }

/* ---- the reference: the PMU the guest was shown ---- */

/* The modelled CPU's CPUID, as the CPUID policy reads the host's. */
static struct cpuid_regs host_cpuid(u32 leaf, u32 subleaf)
{
	(void)subleaf;
	struct model_leaf l = model_cpu_cpuid(cpu, leaf);
	return (struct cpuid_regs){ .eax = l.eax, .ebx = l.ebx, .ecx = l.ecx, .edx = l.edx };
}

static struct model_leaf guest_cpuid(struct guest *g, u32 leaf)
{
	struct cpuid_regs r = cpuid_policy_from(&g->v, leaf, 0, host_cpuid);
	return (struct model_leaf){ r.eax, r.ebx, r.ecx, r.edx };
}

/* A guest's MSR access, directly or through an exit, as the MSR policy says. */
static bool guest_msr(struct guest *g, u32 msr, bool write, u64 *val)
{
	enum msr_action a = msr_policy_action(&g->v, msr, write ? MSR_WRITE : MSR_READ);
	if (a == MSR_PASS)
		return write ? pmu_model_wrmsr(&hw_model, msr, *val) : pmu_model_rdmsr(&hw_model, msr, val);
	leave();
	bool ok = write ? msr_policy_write(&g->v, msr, *val) : msr_policy_read(&g->v, msr, val);
	enter(g);
	return ok;
}

/* Runs while g is loaded, as the guest's own PMU probe at start-up. */
static void derive_reference(struct guest *g)
{
	struct model_cpu shown = { .name = "shown" };
	struct model_leaf vendor = guest_cpuid(g, 0x0);
	shown.amd = vendor.ebx == 0x68747541; /* "Auth" */
	shown.leaf_0a = guest_cpuid(g, 0xA);
	shown.pdcm = guest_cpuid(g, 0x1).ecx & (1u << 15);
	if (shown.pdcm && !guest_msr(g, 0x345, false, &shown.perf_capabilities))
		shown.perf_capabilities = 0;
	shown.ext1_ecx = guest_cpuid(g, 0x80000001).ecx;
	if (guest_cpuid(g, 0x80000000).eax >= 0x80000022)
		shown.leaf_80000022 = guest_cpuid(g, 0x80000022);
	/*
	 * With no counters in CPUID, the ones no CPUID bit announces (AMD's legacy
	 * four, Intel's P6 two): do they fault, or keep a value written to
	 * counter 0? (Linux's check_hw_exists asks the same.)
	 */
	bool enumerated = shown.amd ? shown.ext1_ecx & (1u << 23) || shown.leaf_80000022.eax & 1
				    : shown.leaf_0a.eax & 0xFF;
	if (!enumerated) {
		u32 ctr0 = shown.amd ? 0xC0010004 : 0xC1;
		u64 probe = 0xABCDE, back = 0, zero = 0;
		bool exists = guest_msr(g, ctr0, true, &probe);
		bool stuck = exists && guest_msr(g, ctr0, false, &back) && back == probe;
		shown.no_legacy_counters = !exists;
		shown.no_storage = exists && !stuck;
		guest_msr(g, ctr0, true, &zero);
		coverage.legacy_stub += shown.no_storage;
	}
	pmu_model_init(&g->ref, &shown);
	g->ref.guest_mode = true;
}

/* The reference applies the guest's filter as the README states it (like KVM's). */
static bool event_filtered(const struct guest *g, u16 event, u8 umask)
{
	if (g->filter < 0)
		return false;
	bool listed = false;
	for (u32 i = 0; i < filters[g->filter].nr; i++)
		listed |= filters[g->filter].events[i][0] == event &&
			  filters[g->filter].events[i][1] == umask;
	return filters[g->filter].allow ? !listed : listed;
}

static bool fixed_filtered(const struct guest *g, u32 i)
{
	if (g->filter < 0)
		return false;
	bool listed = filters[g->filter].fixed_mask & (1u << i);
	return filters[g->filter].allow ? !listed : listed;
}

/* n events on the reference: filtered selectors and fixed counters count nothing. */
static void reference_count(struct guest *g, u16 event, u8 umask, u64 n)
{
	struct pmu_model *r = &g->ref;
	u64 sel[MODEL_MAX_GP], fixed_ctrl = r->fixed_ctrl;
	memcpy(sel, r->gp_sel, sizeof(sel));
	for (u32 i = 0; i < MODEL_MAX_GP; i++) {
		u16 ev = (u16)((r->gp_sel[i] & 0xFF) | (cpu->amd ? (r->gp_sel[i] >> 24) & 0xF00 : 0));
		if (event_filtered(g, ev, (u8)(r->gp_sel[i] >> 8)))
			r->gp_sel[i] &= ~EVTSEL_EN;
	}
	for (u32 i = 0; i < MODEL_MAX_FIXED; i++)
		if (fixed_filtered(g, i))
			r->fixed_ctrl &= ~(0xFULL << (i * FIXED_CTRL_BITS_PER_COUNTER));
	pmu_model_count(r, event, umask, n);
	memcpy(r->gp_sel, sel, sizeof(sel));
	r->fixed_ctrl = fixed_ctrl;
}

/* ---- guests ---- */

static void make_guest(struct guest *g)
{
	char err[160];
	static const enum vpmu_mode modes[] = { VPMU_MEDIATED, VPMU_MEDIATED, VPMU_EMULATED,
						VPMU_OFF };
	memset(g, 0, sizeof(*g));
	g->cfg = (struct guest_config){ .vpmu = modes[pick(4)],
					.pmu_gp = pick(3) ? PMU_ALL_COUNTERS : 1 + pick(host.nr_gp),
					.pmu_fixed = PMU_ALL_COUNTERS };
	g->filter = pick(3) ? -1 : (int)pick(NR_FILTERS);
	if (g->filter >= 0)
		assert_int_equal(event_filter_parse(filters[g->filter].spec,
						    strlen(filters[g->filter].spec), &g->cfg.pmu_filter,
						    err, sizeof(err)), 0);
	g->vm = (struct vm){ .name = "g", .cfg = &g->cfg };
	/* pmuvisor refuses a vPMU where it cannot switch every counter, or has no global control */
	bool refusable = hw_model.pmu.nr_gp > SWITCHED_GP || (intel() && hw_model.pmu.version < 2);
	/*
	 * Only PerfMonV2's CPUID leaf can show an AMD guest fewer counters than the
	 * CPU has; without it the layout implies all four (six): fewer is refused.
	 */
	bool unshowable = cpu->amd && !hw_model.pmu.global && g->cfg.pmu_gp != PMU_ALL_COUNTERS &&
			  g->cfg.pmu_gp != hw_model.pmu.nr_gp;
	/* fewer fixed counters (Intel): CPUID shows a set with holes only from v5 on */
	u32 fixed = hw_model.pmu.fixed_bitmap & (u32)rnd();
	bool holes = fixed & (fixed + 1);
	if (fixed != hw_model.pmu.fixed_bitmap && !pick(4) && !(holes && hw_model.pmu.version < 5)) {
		g->cfg.pmu_fixed = fixed;
		coverage.fewer_fixed++;
	}
	int derived = vpmu_desc_derive(&host, &g->cfg, &g->vm.pmu, err, sizeof(err));
	if (g->cfg.vpmu != VPMU_OFF && refusable) {
		assert_int_not_equal(derived, 0); /* refused, loudly */
		coverage.refused++;
		g->cfg.vpmu = VPMU_OFF;
		g->filter = -1;
		g->cfg.pmu_filter.active = false;
		derived = vpmu_desc_derive(&host, &g->cfg, &g->vm.pmu, err, sizeof(err));
	} else if (g->cfg.vpmu != VPMU_OFF && unshowable) {
		assert_int_not_equal(derived, 0); /* refused, loudly */
		assert_non_null(strstr(err, "cannot show a guest fewer"));
		coverage.unshowable++;
		g->cfg.pmu_gp = PMU_ALL_COUNTERS; /* what a user does next */
		derived = vpmu_desc_derive(&host, &g->cfg, &g->vm.pmu, err, sizeof(err));
	}
	assert_int_equal(derived, 0);
	coverage.mode[g->cfg.vpmu]++;
	coverage.fewer += g->vm.pmu.vendor && g->vm.pmu.nr_gp < host.nr_gp;
	coverage.global_direct += g->vm.pmu.global_ctrl_passthrough;
	coverage.filtered[g->filter >= 0 ? g->filter : 0] += g->filter >= 0;
	g->v = (struct vcpu){ .vm = &g->vm };
	vpmu_init(&g->v.pmu, &g->vm.pmu, NULL);
}

/* Any MSR of the PMU blocks, given or not (those not given must #GP on both sides). */
static u32 random_msr(void)
{
	u32 gp = (u32)pick(MODEL_MAX_GP), fixed = (u32)pick(MODEL_MAX_FIXED);
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
			  MSR_AMD_PERF_GLOBAL_STATUS_CLR, MSR_AMD_PERF_GLOBAL_STATUS_SET };
	return choices[pick(sizeof(choices) / sizeof(choices[0]))];
}

static const u16 events[][2] = { { EVENT_INSTRUCTIONS }, { EVENT_CORE_CYCLES }, { 0x2E, 0x4F },
				 { EVENT_TOPDOWN_SLOTS }, { EVENT_REF_CYCLES } };
#define NR_EVENTS (sizeof(events) / sizeof(events[0]))

static u64 random_selector(void)
{
	const u16 *e = events[pick(NR_EVENTS)];
	static const u64 rings[] = { EVTSEL_OS | EVTSEL_USR, EVTSEL_OS, EVTSEL_USR };
	return e[0] | (u64)e[1] << 8 | rings[pick(3)] | EVTSEL_EN | (pick(3) ? 0 : EVTSEL_INT);
}

static u64 random_value(const struct guest *g, u32 msr)
{
	bool selector = intel() ? msr - MSR_IA32_PERFEVTSEL0 < MODEL_MAX_GP
				: (msr - MSR_F15H_PERFCTL0 < 2 * MODEL_MAX_GP && !(msr & 1)) ||
					  msr - MSR_K7_PERFCTL0 < 4;
	u64 global = ((1ULL << g->ref.pmu.nr_gp) - 1) | (u64)g->ref.pmu.fixed_bitmap << 32;
	switch (pick(6)) {
	case 0: return rnd();                                           /* reserved bits, often */
	case 1: return (1ULL << g->ref.pmu.gp_width) - 1 - pick(64);     /* about to overflow */
	case 2: return pick(2) ? global : rnd() & global;
	case 3: return rnd() & 0xBBBB;                                   /* FIXED_CTR_CTRL fields */
	default: return selector ? random_selector() : pick(1ULL << 40);
	}
}

static const char *const mode_names[] = { [VPMU_OFF] = "off", [VPMU_EMULATED] = "emulated",
					   [VPMU_MEDIATED] = "mediated" };

static bool check_msr_op(struct guest *g)
{
	u32 msr = random_msr();
	bool write = pick(2);
	u64 val = write ? random_value(g, msr) : 0, ref_val = val;
	bool ok = guest_msr(g, msr, write, &val);
	bool ref_ok = write ? pmu_model_wrmsr(&g->ref, msr, ref_val)
			    : pmu_model_rdmsr(&g->ref, msr, &ref_val);
	if (ok != ref_ok)
		return mismatch("%s 0x%x: %s here, %s on its own PMU (a %s guest given %u counters, "
				"shown %u)", write ? "wrmsr" : "rdmsr", msr, ok ? "ok" : "#GP",
				ref_ok ? "ok" : "#GP", mode_names[g->vm.pmu.mode], g->vm.pmu.nr_gp,
				g->ref.pmu.nr_gp);
	reads_compared += !write && ok;
	if (!write && ok && val != ref_val)
		return mismatch("rdmsr 0x%x = 0x%llx, its own PMU has 0x%llx (a %s guest, filter %d)",
				msr, (unsigned long long)val, (unsigned long long)ref_val,
				mode_names[g->vm.pmu.mode], g->filter);
	return true;
}

static bool check_rdpmc(struct guest *g)
{
	u32 ecx = intel() && pick(3) == 0 ? BIT(30) | (u32)pick(MODEL_MAX_FIXED) : (u32)pick(16);
	u64 val = 0, ref_val = 0;
	bool ok;
	if (g->vm.pmu.rdpmc_passthrough) {
		ok = pmu_model_rdpmc(&hw_model, ecx, &val);
	} else {
		leave();
		ok = vpmu_rdpmc(&g->v.pmu, ecx, &val);
		enter(g);
	}
	bool ref_ok = pmu_model_rdpmc(&g->ref, ecx, &ref_val);
	if (ok != ref_ok || (ok && val != ref_val))
		return mismatch("rdpmc 0x%x: %s 0x%llx here, %s 0x%llx on its own PMU", ecx,
				ok ? "ok" : "#GP", (unsigned long long)val, ref_ok ? "ok" : "#GP",
				(unsigned long long)ref_val);
	reads_compared += ok;
	return true;
}

/* Before g enters: what pmuvisor injects must be what g's own PMU raised, no more, no less. */
static bool deliver_pending(struct guest *g)
{
	u8 vector = 0;
	enum pmi_delivery d = vpmu_pmi_deliver(&g->v.pmu, true, &vector);
	if (d != PMI_NONE && !g->ref_pending)
		return mismatch("a PMI injected that its own PMU never raised");
	if (d == PMI_NONE && g->ref_pending)
		return mismatch("its own PMU raised a PMI, none injected");
	if (d == PMI_NONE)
		return true;
	u32 lvtpc = g->ref.last_pmi_lvtpc;
	bool nmi = (lvtpc & LVTPC_DELIVERY_MASK) == LVTPC_DELIVERY_NMI;
	if ((d == PMI_NMI) != nmi || (!nmi && vector != (lvtpc & LVTPC_VECTOR_MASK)))
		return mismatch("PMI injected as %s vector 0x%x, its own LVTPC says 0x%x",
				d == PMI_NMI ? "NMI" : "fixed", vector, lvtpc);
	g->ref_pending = false;
	pmis_checked++;
	return true;
}

/* The hypervisor's own work: it counts for no guest and raises no PMI. */
static bool hypervisor_events(void)
{
	u32 pmis = hw_model.pmis;
	coverage.host_events++;
	pmu_model_count(&hw_model, EVENT_INSTRUCTIONS, 1 + pick(100000));
	pmu_model_count(&hw_model, EVENT_CORE_CYCLES, 1 + pick(100000));
	return hw_model.pmis == pmis || mismatch("the hypervisor's own events raised a PMI");
}

/* After the running guest's exit: the hypervisor runs, maybe puts it, then next enters. */
static bool switch_after_exit(struct guest *next)
{
	if (!hypervisor_events())
		return false;
	if (pick(2)) { /* the guest ends its time slice with an explicit put */
		coverage.puts_between++;
		vpmu_put(&running->v.pmu);
		if (!hypervisor_events())
			return false;
	}
	return enter(next);
}

static bool switch_to(struct guest *next)
{
	leave();
	return switch_after_exit(next);
}

/*
 * Events the guest causes at CPL 0 or 3. A PMI the hardware raises makes
 * the guest exit; the hypervisor takes it (vpmu_pmi_arrived) and injects it
 * at the guest's next entry, which may come after other guests ran.
 */
static bool guest_events(struct guest *g, int nguests)
{
	const u16 *e = events[pick(NR_EVENTS)];
	u64 n = 1 + pick(1 << 20);
	u32 hw_pmis = hw_model.pmis, ref_pmis = g->ref.pmis;
	hw_model.cpl = g->ref.cpl = pick(2) ? 0 : 3;
	coverage.user_events += hw_model.cpl == 3;
	pmu_model_count(&hw_model, e[0], (u8)e[1], n);
	reference_count(g, e[0], (u8)e[1], n);
	g->ref_pending |= g->ref.pmis != ref_pmis;
	if (hw_model.pmis == hw_pmis)
		return true;
	if ((hw_model.last_pmi_lvtpc & 0xFF) != PMU_MEDIATED_PMI_VECTOR)
		return mismatch("a PMI arrived on vector 0x%x, not the mediated one",
				hw_model.last_pmi_lvtpc & 0xFF);
	leave();
	vpmu_pmi_arrived();
	if (pick(3))
		return enter(g);
	coverage.pending_switches += g->v.pmu.pmi_pending;
	return switch_after_exit(&guests[pick((u64)nguests)]);
}

/* The guest's virtual LVTPC; nothing pends while the guest runs (it was injected at entry). */
static bool lvtpc_write(struct guest *g)
{
	u32 val = (u32)(0x20 + pick(0xD0)) | (pick(4) ? 0 : LVTPC_DELIVERY_NMI) |
		  (pick(3) ? 0 : LVTPC_MASKED);
	leave();
	vpmu_lvtpc_write(&g->v.pmu, val);
	pmu_model_write_lvtpc(&g->ref, val);
	return enter(g);
}

/* What perf record does: a counter just below overflow, its PMI on, the LVTPC open. */
static bool arm_sampling(struct guest *g)
{
	const struct model_pmu *p = &g->ref.pmu;
	u32 i = (u32)pick(p->nr_gp);
	bool amd = !intel();
	u32 sel = amd ? (p->amd_core ? MSR_F15H_PERFCTL0 + 2 * i : MSR_K7_PERFCTL0 + i)
		      : MSR_IA32_PERFEVTSEL0 + i;
	u32 ctr = amd ? (p->amd_core ? sel + 1 : MSR_K7_PERFCTR0 + i)
		      : (p->full_width ? MSR_IA32_A_PMC0 : MSR_IA32_PMC0) + i;
	u64 values[3] = { random_selector() | EVTSEL_INT,
			  ((1ULL << p->gp_width) - 1 - pick(1000)), (1ULL << p->nr_gp) - 1 };
	u32 msrs[3] = { sel, ctr, amd ? MSR_AMD_PERF_GLOBAL_CTL : MSR_IA32_PERF_GLOBAL_CTRL };
	int n = p->global ? 3 : 2;
	if (intel() && !p->full_width)
		values[1] = 0xFFFFFFFF - pick(1000); /* legacy writes: sign-extended 32 bits */
	for (int k = 0; k < n; k++) {
		u64 v = values[k], r = values[k];
		if (guest_msr(g, msrs[k], true, &v) != pmu_model_wrmsr(&g->ref, msrs[k], r))
			return mismatch("arming: wrmsr 0x%x differs", msrs[k]);
	}
	u32 lvtpc = pick(2) ? LVTPC_DELIVERY_NMI : 0xE0;
	leave();
	vpmu_lvtpc_write(&g->v.pmu, lvtpc);
	pmu_model_write_lvtpc(&g->ref, lvtpc);
	return enter(g);
}

static bool step(int nguests)
{
	struct guest *g = running;
	u64 before = hw_model.accesses;
	switch (pick(10)) {
	case 0:
	case 1:
	case 2: return check_msr_op(g);
	case 3: return check_rdpmc(g);
	case 4:
	case 5: return guest_events(g, nguests);
	case 6: /* the hypervisor's own work between exit and entry counts for no guest */
		leave();
		if (!hypervisor_events() || !enter(g))
			return false;
		return (!intel() && g->v.pmu.global_ctrl_hw) || hw_model.accesses == before ||
		       mismatch("re-entering the same vCPU made %llu PMU accesses",
				(unsigned long long)(hw_model.accesses - before));
	case 7: return lvtpc_write(g);
	case 8: return g->vm.pmu.mode == VPMU_OFF ? check_msr_op(g) : arm_sampling(g);
	default: return switch_to(&guests[pick((u64)nguests)]);
	}
}

/*
 * Firmware (or a previous OS) left the PMU anything, counting and with its
 * LVTPC open: after the boot nothing may count or raise a PMI, whether or
 * not a vPMU is offered on this CPU, and no guest may see the values.
 */
static bool firmware_leftovers_stopped(const struct pmu_caps *probed)
{
	for (u32 i = 0; i < MODEL_MAX_GP; i++) {
		hw_model.gp_ctr[i] = rnd() & ((1ULL << hw_model.pmu.gp_width) - 1);
		hw_model.gp_sel[i] = pick(2) ? 0xC0 | EVTSEL_OS | EVTSEL_USR | EVTSEL_EN | EVTSEL_INT : 0;
	}
	hw_model.global_ctrl = rnd();
	hw_model.fixed_ctrl = pick(2) ? 0xBBBB : 0;
	pmu_model_write_lvtpc(&hw_model, 0x20);
	pmu_cpu_init(probed);
	if (pmu_model_any_counting(&hw_model))
		return mismatch("after the boot a counter the firmware left on still counts");
	return (hw_model.lvtpc & LVTPC_MASKED) ||
	       mismatch("after the boot the LVTPC is still open (0x%x)", hw_model.lvtpc);
}

static bool run_schedule(void)
{
	enum model_cpu_id id = (enum model_cpu_id)pick(CPU_COUNT);
	cpu = &model_cpus[id];
	failure[0] = '\0';
	coverage.cpu[id]++;
	model_host_caps(cpu, &host);
	pmu_model_init(&hw_model, cpu);
	if (!firmware_leftovers_stopped(&host))
		return false;
	int n = 2 + (int)pick(MAX_GUESTS - 1);
	for (int i = 0; i < n; i++)
		make_guest(&guests[i]);
	for (int i = 0; i < n; i++) { /* each guest's start-up: it learns its PMU */
		if (!enter(&guests[i]))
			return false;
		derive_reference(&guests[i]);
		leave();
	}
	if (!enter(&guests[0]))
		return false;
	for (int s = 0; s < STEPS; s++)
		if (!step(n) || failure[0]) /* also a mismatch found inside an exit */
			return false;
	leave();
	vpmu_put(&running->v.pmu);
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
			fail_msg("isolation broken in schedule %ld (%s): %s", i, cpu->name, failure);
		}
	}
	printf("# %ld schedules: %llu guest reads compared with their own PMU, %llu PMIs injected, "
	       "0 hardware invariants broken\n", schedules, (unsigned long long)reads_compared,
	       (unsigned long long)pmis_checked);
	printf("# covered: modelled CPUs");
	for (int i = 0; i < CPU_COUNT; i++)
		printf(" %s %llu", model_cpus[i].name, (unsigned long long)coverage.cpu[i]);
	printf("\n# covered: AMD guests without PerfMonV2 asking for fewer counters, refused "
	       "(then given all) %llu", (unsigned long long)coverage.unshowable);
	printf("\n# covered: guests off %llu, emulated %llu, mediated %llu, refused a vPMU %llu "
	       "(then off), fewer counters than the host %llu, fewer fixed counters %llu, legacy "
	       "counters that hold nothing %llu, filtered",
	       (unsigned long long)coverage.mode[VPMU_OFF],
	       (unsigned long long)coverage.mode[VPMU_EMULATED],
	       (unsigned long long)coverage.mode[VPMU_MEDIATED], (unsigned long long)coverage.refused,
	       (unsigned long long)coverage.fewer, (unsigned long long)coverage.fewer_fixed,
	       (unsigned long long)coverage.legacy_stub);
	for (size_t i = 0; i < NR_FILTERS; i++)
		printf(" %s %llu", filters[i].spec, (unsigned long long)coverage.filtered[i]);
	printf("\n# covered: guests writing GLOBAL_CTRL directly %llu, PMIs pending across a switch "
	       "%llu, puts between guests %llu, hypervisor event bursts %llu, guest event bursts at "
	       "CPL 3 %llu\n", (unsigned long long)coverage.global_direct,
	       (unsigned long long)coverage.pending_switches,
	       (unsigned long long)coverage.puts_between, (unsigned long long)coverage.host_events,
	       (unsigned long long)coverage.user_events);
	if (schedules >= 1000) { /* enough to reach every part: a narrowed generator fails */
		assert_true(coverage.global_direct > 0);
		for (int i = 0; i < CPU_COUNT; i++)
			assert_true(coverage.cpu[i] > 0);
		for (size_t i = 0; i < NR_FILTERS; i++)
			assert_true(coverage.filtered[i] > 0);
		assert_true(coverage.refused && coverage.fewer && coverage.fewer_fixed &&
			    coverage.legacy_stub && coverage.unshowable &&
			    coverage.pending_switches && coverage.puts_between && pmis_checked);
		assert_true(coverage.mode[VPMU_OFF] && coverage.mode[VPMU_EMULATED] &&
			    coverage.mode[VPMU_MEDIATED]);
	}
	assert_true(reads_compared > (u64)schedules); /* the schedules did compare something */
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(random_schedules_stay_isolated) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
