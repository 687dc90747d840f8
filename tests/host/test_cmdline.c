#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/cmdline.h"
#include "arch/log.h"
#include "arch/platform_exit.h"

static struct config cfg;
static char err[160];

static int parse(const char *s) { return cmdline_parse(s, &cfg, err, sizeof(err)); }

static void empty_line_gives_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_int_equal(cfg.exit_method, EXIT_AUTO);
	assert_int_equal(cfg.nr_guests, 0);
	assert_int_equal(cfg.defaults.vpmu, VPMU_OFF);
	assert_int_equal(cfg.defaults.mem_mib, 16);
	assert_string_equal(err, "");
}

static void global_keys_are_set(void **state)
{
	(void)state;
	assert_int_equal(parse("  log=debug\texit=bochs crash=ud pmu_profile=intel-v5-metrics "), 0);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_int_equal(cfg.exit_method, EXIT_BOCHS);
	assert_int_equal(cfg.crash, CRASH_UD);
	assert_int_equal(cfg.pmu_profile, PROFILE_INTEL_V5_METRICS);
}

static void guest_keys_apply_to_the_guest_before_them(void **state)
{
	(void)state;
	assert_int_equal(parse("vpmu=emulated guest=a.elf mem=32 guest=b.elf vpmu=mediated"), 0);
	assert_int_equal(cfg.nr_guests, 2);
	assert_string_equal(cfg.guests[0].name, "a.elf");
	assert_int_equal(cfg.guests[0].vpmu, VPMU_EMULATED); /* from the defaults */
	assert_int_equal(cfg.guests[0].mem_mib, 32);
	assert_string_equal(cfg.guests[1].name, "b.elf");
	assert_int_equal(cfg.guests[1].vpmu, VPMU_MEDIATED);
	assert_int_equal(cfg.guests[1].mem_mib, 16);
}

static void numbers_in_decimal_and_hex(void **state)
{
	(void)state;
	assert_int_equal(parse("guest=a pmu_fixed=0x5 pmu_gp=3 timeout=0x2710"), 0);
	assert_int_equal(cfg.guests[0].pmu_fixed, 5);
	assert_int_equal(cfg.guests[0].pmu_gp, 3);
	assert_int_equal(cfg.guests[0].timeout_ms, 10000);
}

static void groups_and_the_slice(void **state)
{
	(void)state;
	assert_int_equal(parse("guest=a"), 0);
	assert_int_equal(cfg.slice_us, 1000);
	assert_int_equal(cfg.guests[0].group, 0); /* alone, as the suite has always run */
	assert_int_equal(parse("slice=250 group=3 guest=a guest=b group=0"), 0);
	assert_int_equal(cfg.slice_us, 250);
	assert_int_equal(cfg.guests[0].group, 3);
	assert_int_equal(cfg.guests[1].group, 0);
	assert_int_equal(parse("slice=99"), -1);
	assert_non_null(strstr(err, "'slice'"));
	assert_int_equal(parse("guest=a group=256"), -1);
}

static void unknown_key_is_named(void **state)
{
	(void)state;
	assert_int_equal(parse("log=info nosuchkey=1"), -1);
	assert_string_equal(err, "unknown key 'nosuchkey'");
}

static void bad_choice_lists_the_choices(void **state)
{
	(void)state;
	assert_int_equal(parse("guest=a vpmu=fast"), -1);
	assert_string_equal(err, "bad value 'fast' for key 'vpmu' (expected off|emulated|mediated)");
}

static void numbers_out_of_range_or_malformed(void **state)
{
	(void)state;
	assert_int_equal(parse("mem=1"), -1);
	assert_string_equal(err, "bad value '1' for key 'mem' (expected a number from 2 to 256)");
	assert_int_equal(parse("mem=12x"), -1);
	assert_int_equal(parse("mem=0x"), -1);
	assert_int_equal(parse("pmu_gp=9"), -1);
	assert_int_equal(parse("timeout=99999999999999999999999"), -1); /* overflow */
}

static void tokens_without_value_or_equals(void **state)
{
	(void)state;
	assert_int_equal(parse("quiet"), -1);
	assert_string_equal(err, "'quiet' is not a key=value token");
	assert_int_equal(parse("log="), -1);
	assert_string_equal(err, "key 'log' has an empty value");
}

static void too_many_guests(void **state)
{
	(void)state;
	char line[2048] = "";
	for (int i = 0; i <= CONFIG_MAX_GUESTS; i++)
		strcat(line, "guest=g ");
	assert_int_equal(parse(line), -1);
	assert_string_equal(err, "too many guests at 'g'");
}

static void long_guest_name(void **state)
{
	(void)state;
	char line[256] = "guest=";
	memset(line + 6, 'x', CONFIG_NAME_MAX);
	assert_int_equal(parse(line), -1);
}

static void filter_value_is_parsed(void **state)
{
	(void)state;
	assert_int_equal(parse("guest=a pmu_filter=deny:c0.00,2e.4f:fixed=0x2"), 0);
	const struct event_filter *f = &cfg.guests[0].pmu_filter;
	assert_true(f->active);
	assert_false(f->allow);
	assert_int_equal(f->nr, 2);
	assert_int_equal(f->events[1].event, 0x2e);
	assert_int_equal(f->events[1].umask, 0x4f);
	assert_int_equal(f->fixed_mask, 2);
	assert_int_equal(parse("guest=a pmu_filter=maybe:c0.00"), -1);
	assert_string_equal(err, "pmu_filter: must start with allow: or deny:");
}

static int lines;
static void count_line(const char *line)
{
	assert_non_null(strchr(line, '='));
	lines++;
}

static void expect_takes_a_status_or_a_stop_reason(void **state)
{
	(void)state;
	assert_int_equal(parse("guest=a guest=b unbacked=stop"), 0);
	assert_int_equal(cfg.guests[0].unbacked, UNBACKED_ONES); /* a PC's behaviour by default */
	assert_int_equal(cfg.guests[1].unbacked, UNBACKED_STOP);
	assert_int_equal(parse("guest=a guest=b expect=3 guest=c expect=watchdog"), 0);
	assert_string_equal(cfg.guests[0].expect.stop_reason, "");
	assert_int_equal(cfg.guests[0].expect.status, 0); /* the default: its own exit, status 0 */
	assert_string_equal(cfg.guests[1].expect.stop_reason, "");
	assert_int_equal(cfg.guests[1].expect.status, 3);
	assert_string_equal(cfg.guests[2].expect.stop_reason, "watchdog");
	assert_int_equal(parse("guest=a expect=256"), -1);
	assert_string_equal(err, "bad value '256' for key 'expect' (expected an exit status 0..255 "
				 "or a stop reason of at most 23 characters)");
	assert_int_equal(parse("guest=a expect=aaaaaaaaaaaaaaaaaaaaaaaa"), -1); /* 24 characters */
}

static void initrd_names_a_module_per_guest(void **state)
{
	(void)state;
	assert_int_equal(parse("guest=vmlinuz initrd=initrd.cpio guest=a"), 0);
	assert_string_equal(cfg.guests[0].initrd, "initrd.cpio");
	assert_string_equal(cfg.guests[1].initrd, ""); /* none unless given */
	char line[128] = "guest=a initrd=";
	memset(line + strlen(line), 'x', CONFIG_NAME_MAX);
	assert_int_equal(parse(line), -1);
	assert_non_null(strstr(err, "is too long (at most 63 characters)"));
}

static void expectations_are_judged_on_how_the_guest_ended(void **state)
{
	(void)state;
	struct guest_expect status0 = { "", 0 }, status3 = { "", 3 }, watchdog = { "watchdog", 1 };
	assert_true(guest_expect_met(&status0, true, 0, "exit hypercall"));
	assert_false(guest_expect_met(&status0, true, 1, "exit hypercall"));
	assert_true(guest_expect_met(&status3, true, 3, "debug-exit port"));
	/* pmuvisor stopping a guest with status 1 is not the guest exiting with 1 */
	struct guest_expect status1 = { "", 1 };
	assert_false(guest_expect_met(&status1, false, 1, "npf"));
	assert_true(guest_expect_met(&watchdog, false, 1, "watchdog"));
	assert_false(guest_expect_met(&watchdog, false, 1, "npf"));
	/* a guest meant to be stopped that exits by itself did not meet it */
	assert_false(guest_expect_met(&watchdog, true, 1, "watchdog"));
}

static void every_key_is_described(void **state)
{
	(void)state;
	lines = 0;
	cmdline_describe(count_line);
	assert_true(lines >= 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_line_gives_defaults),
		cmocka_unit_test(global_keys_are_set),
		cmocka_unit_test(guest_keys_apply_to_the_guest_before_them),
		cmocka_unit_test(numbers_in_decimal_and_hex),
		cmocka_unit_test(groups_and_the_slice),
		cmocka_unit_test(unknown_key_is_named),
		cmocka_unit_test(bad_choice_lists_the_choices),
		cmocka_unit_test(numbers_out_of_range_or_malformed),
		cmocka_unit_test(tokens_without_value_or_equals),
		cmocka_unit_test(too_many_guests),
		cmocka_unit_test(long_guest_name),
		cmocka_unit_test(filter_value_is_parsed),
		cmocka_unit_test(expect_takes_a_status_or_a_stop_reason),
		cmocka_unit_test(initrd_names_a_module_per_guest),
		cmocka_unit_test(expectations_are_judged_on_how_the_guest_ended),
		cmocka_unit_test(every_key_is_described),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
