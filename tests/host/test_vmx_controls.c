#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmx_caps.h"
#include "vmx/vmx_guest_check.h"

#define CPU_HLT (1u << 7)
#define CPU_RDPMC (1u << 11)
#define CPU_WANT (CPU_HLT | CPU_RDPMC | CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_ACTIVATE_SECONDARY)
#define EXIT_HOST_64BIT (1u << 9)

/*
 * Capability MSR values: Bochs 2.7 models as read by a probe kernel booted
 * on each (the allowed-1 settings include "load IA32_PERF_GLOBAL_CTRL" on
 * all three), and two real machines' published dumps
 * (a TRUE_PROCBASED of 0xfff9fffe04006172; ENTRY 0x3ffff000011ff and
 * EXIT 0x1ffffff00036dff). "old" is constructed: a CPU whose exit and
 * entry controls lack "load IA32_PERF_GLOBAL_CTRL" (pre-Nehalem style);
 * "new" is constructed too: the real dump plus the exit control "save
 * IA32_PERF_GLOBAL_CTRL" (bit 30), which none of the others offers.
 */
struct cpu_caps {
	const char *name;
	u64 procbased, procbased2, exit, entry;
};

static const struct cpu_caps cpus[] = {
	{ "bochs sandy bridge", 0xF7F9FFFE0401E172ULL, 0x000000FF00000000ULL,
	  0x007FFFFF00036DFFULL, 0x0000FFFF000011FFULL },
	{ "bochs skylake_x", 0xF7F9FFFE0401E172ULL, 0x02177FFF00000000ULL,
	  0x007FFFFF00036DFFULL, 0x0000FFFF000011FFULL },
	{ "bochs tigerlake", 0xF7F9FFFE0401E172ULL, 0x02977FFF00000000ULL,
	  0x107FFFFF00036DFFULL, 0x0010FFFF000011FFULL },
	{ "real (published dump)", 0xFFF9FFFE04006172ULL, 0x02177FFF00000000ULL,
	  0x01FFFFFF00036DFFULL, 0x0003FFFF000011FFULL },
	{ "old (constructed)", 0xF7F9FFFE0401E172ULL, 0x000000FF00000000ULL,
	  0x007FEFFF00036DFFULL, 0x0000DFFF000011FFULL },
	{ "new (constructed)", 0xFFF9FFFE04006172ULL, 0x02177FFF00000000ULL,
	  0x41FFFFFF00036DFFULL, 0x0003FFFF000011FFULL },
};
#define OLD 4
#define NEW 5

static void must_be_one_bits_are_forced(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		u32 missing;
		u32 got = vmx_fit_controls(cpus[i].procbased, CPU_WANT, &missing);
		assert_int_equal(got & (u32)cpus[i].procbased, (u32)cpus[i].procbased);
		assert_int_equal(got & ~(u32)(cpus[i].procbased >> 32), 0);
		assert_int_equal(got & CPU_WANT, CPU_WANT);
		assert_int_equal(missing, 0);
	}
}

static void unsupported_bits_are_reported_missing(void **state)
{
	(void)state;
	u32 missing;
	/* Sandy bridge (Bochs) allows secondary bits 0-7 only. */
	u32 got = vmx_fit_controls(cpus[0].procbased2, SECONDARY_ENABLE_EPT | SECONDARY_ENABLE_VPID |
						       SECONDARY_UNRESTRICTED_GUEST | (1u << 20),
				   &missing);
	assert_int_equal(missing, 1u << 20); /* XSAVES/XRSTORS: not on that model */
	assert_int_equal(got, SECONDARY_ENABLE_EPT | SECONDARY_ENABLE_VPID |
				      SECONDARY_UNRESTRICTED_GUEST);
}

static void perf_global_ctrl_load_follows_the_cpu(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		bool exit = vmx_allowed1(cpus[i].exit, EXIT_LOAD_PERF_GLOBAL_CTRL);
		bool entry = vmx_allowed1(cpus[i].entry, ENTRY_LOAD_PERF_GLOBAL_CTRL);
		bool old = i == OLD;
		assert_int_equal(exit, !old);
		assert_int_equal(entry, !old);
		u32 missing;
		vmx_fit_controls(cpus[i].exit, EXIT_HOST_64BIT | EXIT_LOAD_PERF_GLOBAL_CTRL, &missing);
		assert_int_equal(missing, old ? EXIT_LOAD_PERF_GLOBAL_CTRL : 0);
	}
}

/*
 * The guest's GLOBAL_CTRL is saved at exit by the "save" control only where
 * the CPU offers it (no Bochs model does), else by the MSR-store list; the
 * loads by the controls where both are offered; pmu_switch=msr-lists forces
 * the lists for all of it.
 */
static void perf_global_ctrl_save_follows_the_cpu(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		struct vmx_global_ctrl_switch g = vmx_global_ctrl_switch(cpus[i].exit, cpus[i].entry,
									 false);
		assert_int_equal(g.load_by_controls, i != OLD);
		assert_int_equal(g.save_by_control, i == NEW);
		g = vmx_global_ctrl_switch(cpus[i].exit, cpus[i].entry, true);
		assert_false(g.load_by_controls);
		assert_false(g.save_by_control);
	}
}

static char lines[8][160];
static int nlines;
static void collect(const char *line)
{
	strncpy(lines[nlines++ % 8], line, sizeof(lines[0]) - 1);
}

static struct vmx_guest_state valid_state(void)
{
	struct vmx_guest_state s = {
		.cr0 = 0x31, .cr4 = 0x2000, .rflags = 0x2, .link_pointer = ~0ULL,
		.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xFFFFFFFF,
		.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3767FF, .unrestricted = true,
	};
	for (int i = 0; i < SEG_COUNT; i++)
		s.seg[i].ar = 0xC093, s.seg[i].limit = 0xFFFFFFFF;
	s.seg[SEG_CS].ar = 0xC09B;
	s.seg[SEG_TR].ar = 0x8B, s.seg[SEG_TR].limit = 0xFFFF;
	s.seg[SEG_LDTR].ar = 0x10000, s.seg[SEG_LDTR].limit = 0;
	return s;
}

static void the_pmuvisor_entry_state_is_valid(void **state)
{
	(void)state;
	struct vmx_guest_state s = valid_state();
	nlines = 0;
	assert_int_equal(vmx_check_guest_state(&s, collect), 0);
}

static void each_broken_rule_names_its_field(void **state)
{
	(void)state;
	struct vmx_guest_state s = valid_state();
	s.seg[SEG_CS].ar |= 1u << 8;
	nlines = 0;
	assert_int_equal(vmx_check_guest_state(&s, collect), 1);
	assert_string_equal(lines[0], "vmx: invalid guest state: GUEST_CS_AR=0xc19b: reserved bits "
				      "11:8 or 31:17 are set");

	s = valid_state();
	s.cr0 &= ~0x20ULL; /* NE is fixed to 1 */
	nlines = 0;
	assert_int_equal(vmx_check_guest_state(&s, collect), 1);
	assert_non_null(strstr(lines[0], "GUEST_CR0=0x11: a bit fixed to 1"));

	s = valid_state();
	s.unrestricted = false; /* then PE and PG are fixed too */
	nlines = 0;
	assert_int_equal(vmx_check_guest_state(&s, collect), 1);

	s = valid_state();
	s.seg[SEG_TR].ar = 0x89; /* an available, not busy, TSS */
	s.rflags = 0;
	s.link_pointer = 0;
	nlines = 0;
	assert_int_equal(vmx_check_guest_state(&s, collect), 3);

	s = valid_state();
	s.seg[SEG_DS].limit = 0xFFFFF000; /* G=1 with low bits clear */
	nlines = 0;
	assert_int_equal(vmx_check_guest_state(&s, collect), 1);
	assert_non_null(strstr(lines[0], "GUEST_DS_AR"));
}

/* Real mode under unrestricted guest (SDM vol. 3, 27.3.1.2): CS may be type 3, SS.DPL is 0. */
static void real_mode_rules(void **state)
{
	(void)state;
	struct vmx_guest_state s = valid_state();
	s.cr0 &= ~1ULL;               /* PE off */
	s.seg[SEG_CS].ar = 0x93;      /* read/write data, as VT-x allows CS in real mode */
	s.seg[SEG_CS].limit = 0xFFFF;
	nlines = 0;
	assert_int_equal(vmx_check_guest_state(&s, collect), 0);
	s.seg[SEG_SS].ar = 0xF3;      /* DPL 3 */
	s.seg[SEG_SS].limit = 0xFFFF;
	assert_int_equal(vmx_check_guest_state(&s, collect), 1);
	assert_non_null(strstr(lines[0], "SS.DPL must be 0"));
	s = valid_state();
	s.unrestricted = false;       /* without it, CS must be code */
	s.cr0 |= 1ULL << 31;          /* and PG is fixed to 1 */
	s.seg[SEG_CS].ar = 0xC093;
	nlines = 0;
	assert_int_equal(vmx_check_guest_state(&s, collect), 1);
	assert_non_null(strstr(lines[0], "GUEST_CS_AR"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(must_be_one_bits_are_forced),
		cmocka_unit_test(unsupported_bits_are_reported_missing),
		cmocka_unit_test(perf_global_ctrl_load_follows_the_cpu),
		cmocka_unit_test(perf_global_ctrl_save_follows_the_cpu),
		cmocka_unit_test(the_pmuvisor_entry_state_is_valid),
		cmocka_unit_test(each_broken_rule_names_its_field),
		cmocka_unit_test(real_mode_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
