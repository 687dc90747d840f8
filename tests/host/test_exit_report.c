#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/exit_report.h"

/* The lines make bench parses (tests/lib/pmuvisor_test/linux_bench.py): key=value words. */
static void a_mark_gives_the_counts_so_far_and_the_hypervisor_ticks(void **state)
{
	(void)state;
	struct exit_stats s = { 0 };
	s.count[EXIT_IO] = 3;
	s.count[EXIT_MSR_WRITE] = 1000;
	s.cycles[EXIT_IO] = 900;
	s.cycles[EXIT_MSR_WRITE] = 350000;
	s.cycles[EXIT_GUEST_SWITCH] = 7; /* the switch's slot is the hypervisor's too */
	s.count[EXIT_HLT] = 2;
	s.cycles[EXIT_HLT] = 5000000; /* idle time, apart */
	char line[512];
	size_t n = bench_mark_format(line, sizeof(line), "vmlinuz", 4, 123456789, &s, 12);
	assert_string_equal(line, "hv: guest vmlinuz mark 4 tsc=123456789 hv_tsc=350907 "
				  "hlt_tsc=5000000 pmu_accesses=12 exits=1005 msr_write=1000 io=3 hlt=2");
	assert_int_equal(n, strlen(line));
}

static void no_exits_yet_reads_none(void **state)
{
	(void)state;
	struct exit_stats s = { 0 };
	char line[512];
	bench_mark_format(line, sizeof(line), "g", 0, 1, &s, 0);
	assert_string_equal(line, "hv: guest g mark 0 tsc=1 hv_tsc=0 hlt_tsc=0 pmu_accesses=0 exits=0 none");
	assert_int_equal(exit_stats_total(&s), 0);
}

static void the_end_report_gives_counts_or_mean_ticks(void **state)
{
	(void)state;
	struct exit_stats s = { 0 };
	s.count[EXIT_CPUID] = 4;
	s.cycles[EXIT_CPUID] = 1000;
	s.count[EXIT_HLT] = 1;
	s.cycles[EXIT_HLT] = 77;
	char buf[128];
	exit_report_format(buf, sizeof(buf), &s, EXIT_REPORT_COUNTS);
	assert_string_equal(buf, " cpuid=4 hlt=1");
	exit_report_format(buf, sizeof(buf), &s, EXIT_REPORT_MEAN_CYCLES);
	assert_string_equal(buf, " cpuid=250 hlt=77");
}

/* A line longer than its buffer is cut, never overrun, and the length says what is there. */
static void a_small_buffer_cuts_the_line(void **state)
{
	(void)state;
	struct exit_stats s = { 0 };
	for (int r = 0; r < EXIT_REASON_COUNT; r++)
		s.count[r] = 1000000000000ull;
	char buf[64 + 8];
	memset(buf, 'X', sizeof(buf));
	size_t n = bench_mark_format(buf, 64, "vmlinuz", 1, 1, &s, 0);
	assert_int_equal(n, 63);
	assert_int_equal(strlen(buf), 63);
	assert_int_equal(buf[64], 'X');
	n = exit_report_format(buf, 16, &s, EXIT_REPORT_COUNTS);
	assert_int_equal(n, 15);
	assert_int_equal(strlen(buf), 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_mark_gives_the_counts_so_far_and_the_hypervisor_ticks),
		cmocka_unit_test(no_exits_yet_reads_none),
		cmocka_unit_test(the_end_report_gives_counts_or_mean_ticks),
		cmocka_unit_test(a_small_buffer_cuts_the_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
