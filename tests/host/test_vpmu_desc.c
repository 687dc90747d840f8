/* fakes: tests/host/fake_pmu_hw.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "pmu/pmu_hw.h"
#include "pmu/pmu_profiles.h"
#include "pmu/pmu_vendor.h"
#include "pmu/vpmu.h"


static struct vpmu_desc d;
static char err[160];

static struct guest_config cfg(enum vpmu_mode mode)
{
	return (struct guest_config){ .vpmu = mode, .pmu_gp = PMU_ALL_COUNTERS,
				      .pmu_fixed = PMU_ALL_COUNTERS };
}

static const struct pmu_caps *profile(enum pmu_profile p) { return pmu_profile_caps(p, NULL); }

static void off_mode_has_no_pmu_at_all(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_OFF);
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_INTEL_V5_METRICS), &c, &d, err, sizeof(err)), 0);
	struct cpuid_regs r = { 0 };
	vpmu_cpuid(&d, 0xA, 0, &r);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	assert_false(vpmu_owns_msr(&d, MSR_IA32_PMC0));
	assert_false(vpmu_owns_msr(&d, MSR_IA32_PERF_GLOBAL_CTRL));
	assert_false(vpmu_msr_passthrough(&d, MSR_IA32_PMC0, MSR_READ));
	assert_false(d.rdpmc_passthrough);
}

static void leaf_0a_matches_what_the_guest_is_given(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_MEDIATED);
	c.pmu_gp = 3;
	c.pmu_fixed = 0x3;
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_INTEL_V5_METRICS), &c, &d, err, sizeof(err)), 0);
	struct cpuid_regs r = { 0 };
	vpmu_cpuid(&d, 0xA, 0, &r);
	assert_int_equal(r.eax & 0xFF, 5);            /* version */
	assert_int_equal((r.eax >> 8) & 0xFF, 3);     /* general counters */
	assert_int_equal((r.eax >> 16) & 0xFF, 48);   /* width */
	assert_int_equal(r.ecx, 0x3);                 /* v5 fixed bitmap */
	assert_int_equal(r.edx & 0x1F, 2);            /* contiguous fixed counters */
	assert_true(r.edx & (1u << 15));              /* AnyThread deprecated: it is refused */
	assert_int_equal(d.global_ctrl_valid, 0x7 | (0x3ULL << 32)); /* no metrics without FIXED_CTR3 */
	assert_false(vpmu_has(&d, FEAT_PERF_METRICS));
	assert_false(d.rdpmc_passthrough); /* fewer counters than the host: RDPMC must exit */
	assert_true(vpmu_owns_msr(&d, MSR_IA32_PMC0 + 2));
	assert_false(vpmu_owns_msr(&d, MSR_IA32_PMC0 + 3));   /* not given: #GP */
	assert_false(vpmu_owns_msr(&d, MSR_IA32_FIXED_CTR0 + 2));
	r = (struct cpuid_regs){ 0 };
	vpmu_cpuid(&d, 0x1, 0, &r);
	assert_true(r.ecx & (1u << 15)); /* PDCM: PERF_CAPABILITIES exists */
}

static void perf_metrics_only_in_mediated_mode(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_MEDIATED);
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_INTEL_V5_METRICS), &c, &d, err, sizeof(err)), 0);
	assert_true(vpmu_has(&d, FEAT_PERF_METRICS));
	assert_true(d.perf_capabilities & PERF_CAP_PERF_METRICS);
	assert_true(d.global_ctrl_valid & GLOBAL_PERF_METRICS);
	assert_true(vpmu_msr_passthrough(&d, MSR_IA32_PERF_METRICS, MSR_READ));
	assert_true(d.rdpmc_passthrough);
	c = cfg(VPMU_EMULATED);
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_INTEL_V5_METRICS), &c, &d, err, sizeof(err)), 0);
	assert_false(vpmu_has(&d, FEAT_PERF_METRICS));
	assert_false(d.perf_capabilities & PERF_CAP_PERF_METRICS);
	assert_false(vpmu_owns_msr(&d, MSR_IA32_PERF_METRICS));
	assert_false(d.rdpmc_passthrough);
}

static void mediated_passes_data_and_intercepts_control(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_MEDIATED);
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_INTEL_V4), &c, &d, err, sizeof(err)), 0);
	u32 data[] = { MSR_IA32_PMC0, MSR_IA32_PMC0 + 3, MSR_IA32_A_PMC0, MSR_IA32_FIXED_CTR0 + 2 };
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		assert_true(vpmu_msr_passthrough(&d, data[i], MSR_READ));
		assert_true(vpmu_msr_passthrough(&d, data[i], MSR_WRITE));
	}
	u32 control[] = { MSR_IA32_PERFEVTSEL0, MSR_IA32_FIXED_CTR_CTRL, MSR_IA32_PERF_CAPABILITIES };
	for (size_t i = 0; i < sizeof(control) / sizeof(control[0]); i++) {
		assert_true(vpmu_owns_msr(&d, control[i]));
		assert_false(vpmu_msr_passthrough(&d, control[i], MSR_READ));
		assert_false(vpmu_msr_passthrough(&d, control[i], MSR_WRITE));
	}
	assert_true(vpmu_msr_passthrough(&d, MSR_IA32_PERF_GLOBAL_STATUS, MSR_READ));
	assert_false(vpmu_msr_passthrough(&d, MSR_IA32_PERF_GLOBAL_STATUS, MSR_WRITE));
}

/* Which global registers a guest reaches directly, for each reason to intercept. */
struct global_case {
	const char *what;
	enum pmu_profile profile;
	enum vpmu_mode mode;
	u32 gp;               /* 0: all the host has */
	const char *filter;   /* NULL: none */
	bool ctrl_rw, ctrl_read, status;
	const struct pmu_caps *host; /* instead of the profile */
};

/* Arch perfmon v3 (Sandy Bridge): no GLOBAL_STATUS_SET. */
static const struct pmu_caps intel_v3 = {
	.kind = PMU_INTEL_ARCH, .version = 3, .nr_gp = 4, .gp_width = 48, .nr_fixed = 3,
	.fixed_width = 48, .fixed_bitmap = 0x7,
};

static void global_registers_pass_through_only_when_all_are_the_guests(void **state)
{
	(void)state;
	static const struct global_case cases[] = {
		{ "every counter", PROFILE_INTEL_V4, VPMU_MEDIATED, 0, NULL, true, true, true, NULL },
		{ "with PERF_METRICS", PROFILE_INTEL_V5_METRICS, VPMU_MEDIATED, 0, NULL, true, true, true, NULL },
		{ "an event filter (selectors still exit)", PROFILE_INTEL_V4, VPMU_MEDIATED, 0,
		  "deny:2e.4f", true, true, true, NULL },
		{ "a fixed counter filtered: GLOBAL_CTRL is masked", PROFILE_INTEL_V4, VPMU_MEDIATED, 0,
		  "deny:2e.4f:fixed=0x2", false, false, true, NULL },
		{ "allow list without fixed counters", PROFILE_INTEL_V4, VPMU_MEDIATED, 0, "allow:c0.00",
		  false, false, true, NULL },
		{ "fewer counters: their bits must #GP", PROFILE_INTEL_V4, VPMU_MEDIATED, 2, NULL, false,
		  true, false, NULL },
		{ "emulated", PROFILE_INTEL_V4, VPMU_EMULATED, 0, NULL, false, false, false, NULL },
		/* GLOBAL_CTL is the guest's while its vCPU is loaded: the same rules as VT-x */
		{ "PerfMonV2", PROFILE_AMD_CORE_V2, VPMU_MEDIATED, 0, NULL, true, true, true, NULL },
		{ "PerfMonV2, fewer counters", PROFILE_AMD_CORE_V2, VPMU_MEDIATED, 3, NULL, false, true,
		  false, NULL },
		/* no set MSR: status bits a load cannot restore stay in software, reads add them */
		{ "v3, no STATUS_SET", 0, VPMU_MEDIATED, 0, NULL, true, true, false, &intel_v3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct global_case *k = &cases[i];
		struct guest_config c = cfg(k->mode);
		if (k->gp)
			c.pmu_gp = k->gp;
		if (k->filter)
			assert_int_equal(event_filter_parse(k->filter, strlen(k->filter), &c.pmu_filter,
							    err, sizeof(err)), 0);
		const struct pmu_caps *host = k->host ? k->host : profile(k->profile);
		assert_int_equal(vpmu_desc_derive(host, &c, &d, err, sizeof(err)), 0);
		const struct pmu_vendor *v = d.vendor;
		print_message("# %s\n", k->what);
		assert_int_equal(d.global_ctrl_passthrough, k->ctrl_rw);
		assert_int_equal(d.status_passthrough, k->status);
		assert_int_equal(vpmu_msr_passthrough(&d, v->global_ctrl_msr, MSR_WRITE), k->ctrl_rw);
		assert_int_equal(vpmu_msr_passthrough(&d, v->global_ctrl_msr, MSR_READ), k->ctrl_read);
		assert_int_equal(vpmu_msr_passthrough(&d, v->status_reset_msr, MSR_WRITE), k->status);
		if (vpmu_has(&d, FEAT_STATUS_SET))
			assert_int_equal(vpmu_msr_passthrough(&d, v->status_set_msr, MSR_WRITE),
					 k->status);
		assert_false(vpmu_msr_passthrough(&d, v->global_status_msr, MSR_WRITE));
	}
}

static void emulated_passes_nothing(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_EMULATED);
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_AMD_CORE_V2), &c, &d, err, sizeof(err)), 0);
	for (u32 msr = MSR_F15H_PERFCTL0; msr < MSR_F15H_PERFCTL0 + 12; msr++) {
		assert_true(vpmu_owns_msr(&d, msr));
		assert_false(vpmu_msr_passthrough(&d, msr, MSR_READ));
	}
	assert_true(vpmu_owns_msr(&d, MSR_K7_PERFCTR0 + 3));  /* legacy aliases */
	assert_false(vpmu_owns_msr(&d, MSR_IA32_PMC0));        /* not an AMD MSR */
}

static void amd_cpuid_bits(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_MEDIATED);
	c.pmu_gp = 4;
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_AMD_CORE_V2), &c, &d, err, sizeof(err)), 0);
	struct cpuid_regs r = { 0 };
	vpmu_cpuid(&d, 0x80000001, 0, &r);
	assert_true(r.ecx & (1u << 23));
	r = (struct cpuid_regs){ 0 };
	vpmu_cpuid(&d, 0x80000022, 0, &r);
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ebx, 4);
	r = (struct cpuid_regs){ .eax = 0x8000001F }; /* a host whose extended leaves end lower */
	vpmu_cpuid(&d, 0x80000000, 0, &r);
	assert_int_equal(r.eax, 0x80000022);
	assert_false(vpmu_owns_msr(&d, MSR_F15H_PERFCTL0 + 8)); /* counter 4: not given */
	assert_false(d.rdpmc_passthrough);
	c = cfg(VPMU_MEDIATED);
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_AMD_LEGACY), &c, &d, err, sizeof(err)), 0);
	r = (struct cpuid_regs){ 0 };
	vpmu_cpuid(&d, 0x80000001, 0, &r);
	assert_false(r.ecx & (1u << 23));
	assert_false(vpmu_owns_msr(&d, MSR_AMD_PERF_GLOBAL_CTL));
}

/* PerfMonV2 may report more than PerfCtrExtCore's six core counters: each one given exists. */
static void amd_perfmon_v2_counters_beyond_six(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_MEDIATED);
	struct pmu_caps host;
	struct cpuid_regs v2 = { .eax = 1, .ebx = 8 };
	pmu_caps_decode_amd(BIT(23), &v2, &host);
	assert_int_equal(vpmu_desc_derive(&host, &c, &d, err, sizeof(err)), 0);
	assert_true(vpmu_owns_msr(&d, MSR_F15H_PERFCTL0 + 14)); /* counter 7's selector */
	assert_true(vpmu_owns_msr(&d, MSR_F15H_PERFCTL0 + 15)); /* and its counter */
	assert_false(vpmu_owns_msr(&d, MSR_F15H_PERFCTL0 + 16));
	c.pmu_gp = 7;
	assert_int_equal(vpmu_desc_derive(&host, &c, &d, err, sizeof(err)), 0);
	assert_false(vpmu_owns_msr(&d, MSR_F15H_PERFCTL0 + 14)); /* not given */
}

/* RDPMC ECX 6-15 reach the DF/NB and LLC counters: never passed through when they exist. */
static void amd_rdpmc_passes_through_only_without_shared_counters(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_MEDIATED);
	struct pmu_caps host;
	struct cpuid_regs v2 = { .eax = 1, .ebx = 6 };
	pmu_caps_decode_amd(BIT(23), &v2, &host);
	assert_int_equal(vpmu_desc_derive(&host, &c, &d, err, sizeof(err)), 0);
	assert_true(d.rdpmc_passthrough);
	pmu_caps_decode_amd(BIT(23) | BIT(24), &v2, &host);
	assert_int_equal(vpmu_desc_derive(&host, &c, &d, err, sizeof(err)), 0);
	assert_false(d.rdpmc_passthrough);
	pmu_caps_decode_amd(BIT(23) | BIT(28), &v2, &host);
	assert_int_equal(vpmu_desc_derive(&host, &c, &d, err, sizeof(err)), 0);
	assert_false(d.rdpmc_passthrough);
}

static void never_more_than_the_host(void **state)
{
	(void)state;
	struct guest_config c = cfg(VPMU_MEDIATED);
	c.pmu_gp = 5;
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_INTEL_V4), &c, &d, err, sizeof(err)), -1);
	assert_string_equal(err, "vpmu: pmu_gp=5 but the host has 4 general counters");
	c = cfg(VPMU_MEDIATED);
	c.pmu_fixed = 0x8;
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_INTEL_V4), &c, &d, err, sizeof(err)), -1);
	c = cfg(VPMU_MEDIATED);
	c.pmu_fixed = 0x5; /* a hole below v5 */
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_INTEL_V4), &c, &d, err, sizeof(err)), -1);
	assert_string_equal(err, "vpmu: a fixed-counter bitmap with holes needs arch perfmon v5");
	c = cfg(VPMU_MEDIATED);
	c.pmu_fixed = 0x1;
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_AMD_LEGACY), &c, &d, err, sizeof(err)), -1);
	static const struct pmu_caps none = { .kind = PMU_NONE };
	c = cfg(VPMU_EMULATED);
	assert_int_equal(vpmu_desc_derive(&none, &c, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs a host PMU"));
}

static void event_filter_matches_like_kvm(void **state)
{
	(void)state;
	struct event_filter f;
	assert_int_equal(event_filter_parse("allow:c0.00,3c.00:fixed=0x1", 27, &f, err, sizeof(err)), 0);
	assert_true(event_filter_allows(&f, 0xC0, 0x00));
	assert_false(event_filter_allows(&f, 0xC0, 0x01));
	assert_false(event_filter_allows(&f, 0x2E, 0x4F));
	assert_true(event_filter_allows_fixed(&f, 0));
	assert_false(event_filter_allows_fixed(&f, 1));
	assert_int_equal(event_filter_parse("deny:1c0.02", 11, &f, err, sizeof(err)), 0);
	assert_false(event_filter_allows(&f, 0x1C0, 0x02)); /* a 12-bit AMD event */
	assert_true(event_filter_allows(&f, 0xC0, 0x02));
	assert_true(event_filter_allows_fixed(&f, 2));
	assert_int_equal(event_filter_parse("deny:zz.00", 10, &f, err, sizeof(err)), -1);
	assert_int_equal(event_filter_parse("deny:c0.00:fixed=", 17, &f, err, sizeof(err)), -1);
	assert_int_equal(event_filter_parse("deny:c0", 7, &f, err, sizeof(err)), -1);
	assert_int_equal(event_filter_parse("deny:1234.00", 12, &f, err, sizeof(err)), -1);
}

/* A host with more general counters than pmuvisor switches gets no vPMU, loudly. */
static void more_host_counters_than_switched_refuses_a_vpmu(void **state)
{
	(void)state;
	struct pmu_caps big = *profile(PROFILE_INTEL_V4);
	big.nr_gp = VPMU_MAX_GP + 2;
	for (enum vpmu_mode m = VPMU_EMULATED; m <= VPMU_MEDIATED; m++) {
		struct guest_config c = cfg(m);
		c.pmu_gp = 2; /* even a guest asking for few counters */
		assert_int_equal(vpmu_desc_derive(&big, &c, &d, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "the host PMU has 10 general counters"));
	}
	struct guest_config off = cfg(VPMU_OFF);
	assert_int_equal(vpmu_desc_derive(&big, &off, &d, err, sizeof(err)), 0);
}

/*
 * Without PerfMonV2 an AMD guest's CPUID implies all 4 (legacy) or 6
 * (PerfCtrExtCore) counters: fewer is refused in both vPMU modes, where
 * leaf 0x80000022 (PerfMonV2) and leaf 0xA (Intel) show any count.
 */
static void amd_without_perfmon_v2_refuses_fewer_counters(void **state)
{
	(void)state;
	static const struct {
		enum pmu_profile profile;
		u32 host_gp;
		const char *err;
	} fixed[] = {
		{ PROFILE_AMD_LEGACY, 4, "vpmu: pmu_gp=2 refused: this AMD PMU has no PerfMonV2, so "
		  "CPUID cannot show a guest fewer than its 4 general counters (leave pmu_gp out or "
		  "give 4)" },
		{ PROFILE_AMD_CORE, 6, "vpmu: pmu_gp=2 refused: this AMD PMU has no PerfMonV2, so "
		  "CPUID cannot show a guest fewer than its 6 general counters (leave pmu_gp out or "
		  "give 6)" },
	};
	for (enum vpmu_mode m = VPMU_EMULATED; m <= VPMU_MEDIATED; m++) {
		for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
			const struct pmu_caps *h = profile(fixed[i].profile);
			struct guest_config c = cfg(m);
			c.pmu_gp = 2;
			err[0] = 0;
			assert_int_equal(vpmu_desc_derive(h, &c, &d, err, sizeof(err)), -1);
			assert_string_equal(err, fixed[i].err);
			c.pmu_gp = 0;
			assert_int_equal(vpmu_desc_derive(h, &c, &d, err, sizeof(err)), -1);
			c.pmu_gp = fixed[i].host_gp; /* all of them, named: allowed */
			assert_int_equal(vpmu_desc_derive(h, &c, &d, err, sizeof(err)), 0);
			assert_int_equal(d.nr_gp, fixed[i].host_gp);
		}
		static const enum pmu_profile shown[] = { PROFILE_AMD_CORE_V2, PROFILE_INTEL_V4 };
		for (size_t i = 0; i < ARRAY_SIZE(shown); i++) {
			struct guest_config c = cfg(m);
			c.pmu_gp = 2;
			assert_int_equal(vpmu_desc_derive(profile(shown[i]), &c, &d, err, sizeof(err)), 0);
			assert_int_equal(d.nr_gp, 2);
		}
	}
	struct guest_config off = cfg(VPMU_OFF);
	off.pmu_gp = 2; /* no PMU shown at all: nothing to refuse */
	assert_int_equal(vpmu_desc_derive(profile(PROFILE_AMD_LEGACY), &off, &d, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(off_mode_has_no_pmu_at_all),
		cmocka_unit_test(leaf_0a_matches_what_the_guest_is_given),
		cmocka_unit_test(perf_metrics_only_in_mediated_mode),
		cmocka_unit_test(mediated_passes_data_and_intercepts_control),
		cmocka_unit_test(global_registers_pass_through_only_when_all_are_the_guests),
		cmocka_unit_test(emulated_passes_nothing),
		cmocka_unit_test(amd_cpuid_bits),
		cmocka_unit_test(more_host_counters_than_switched_refuses_a_vpmu),
		cmocka_unit_test(amd_without_perfmon_v2_refuses_fewer_counters),
		cmocka_unit_test(amd_rdpmc_passes_through_only_without_shared_counters),
		cmocka_unit_test(amd_perfmon_v2_counters_beyond_six),
		cmocka_unit_test(never_more_than_the_host),
		cmocka_unit_test(event_filter_matches_like_kvm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
