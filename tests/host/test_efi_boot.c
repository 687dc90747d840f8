#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "boot/efi/efi_config.h"
#include "boot/efi/efi_memmap.h"

static struct efi_config cfg;
static char err[160];

static int parse(const char *text) { return efi_config_parse(text, strlen(text), &cfg, err, sizeof(err)); }

static void config_with_cmdline_and_modules(void **state)
{
	(void)state;
	assert_int_equal(parse("# pmuvisor\r\n\ncmdline log=info guest=a\n"
			       "  module guests/0.elf a expect=1  \n"
			       "module \\EFI\\b.elf\n"), 0);
	assert_string_equal(cfg.cmdline, "log=info guest=a");
	assert_int_equal(cfg.nr_modules, 2);
	assert_string_equal(cfg.modules[0].path, "guests/0.elf");
	assert_string_equal(cfg.modules[0].string, "a expect=1");
	assert_string_equal(cfg.modules[1].path, "\\EFI\\b.elf");
	assert_string_equal(cfg.modules[1].string, "b.elf"); /* defaults to the file name */
}

static void bad_configs_name_the_line(void **state)
{
	(void)state;
	assert_int_equal(parse("cmdline a=1\nboot now\n"), -1);
	assert_string_equal(err, "line 2: expected 'cmdline ...' or 'module PATH [STRING]': 'boot now'");
	assert_int_equal(parse("cmdline a=1\ncmdline b=2\n"), -1);
	assert_string_equal(err, "line 2: a second cmdline");
	assert_int_equal(parse("module\n"), -1);
	assert_string_equal(err, "line 1: module needs a path");
	assert_int_equal(parse("modules x\n"), -1);
	char many[4096] = "";
	for (int i = 0; i <= BOOT_MAX_MODULES; i++)
		strcat(many, "module g.elf\n");
	assert_int_equal(parse(many), -1);
	assert_string_equal(err, "line 33: more than 32 modules");
	char long_line[BOOT_CMDLINE_MAX + 16] = "cmdline ";
	memset(long_line + 8, 'x', BOOT_CMDLINE_MAX);
	assert_int_equal(parse(long_line), -1);
	assert_string_equal(err, "line 1: command line too long");
}

static void empty_config_is_empty(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(cfg.nr_modules, 0);
	assert_string_equal(cfg.cmdline, "");
}

/* A descriptor 48 bytes apart, as real firmware reports, larger than the struct. */
struct padded {
	struct efi_memory_descriptor d;
	u64 extra;
};

static void memory_map_keeps_conventional_memory_merged(void **state)
{
	(void)state;
	struct padded map[] = {
		{ { EFI_CONVENTIONAL_MEMORY, 0, 0x100000, 0, 0x100, 0 }, 0 },
		{ { EFI_CONVENTIONAL_MEMORY, 0, 0x200000, 0, 0x100, 0 }, 0 }, /* adjacent: merged */
		{ { 4 /* boot services data */, 0, 0x300000, 0, 0x10, 0 }, 0 },
		{ { EFI_CONVENTIONAL_MEMORY, 0, 0x400000, 0, 0x200, 0 }, 0 },
		{ { EFI_CONVENTIONAL_MEMORY, 0, 0x900000, 0, 0, 0 }, 0 },    /* empty: ignored */
	};
	struct boot_info bi = { 0 };
	efi_memmap_to_ranges(map, sizeof(map), sizeof(map[0]), &bi);
	assert_int_equal(bi.nr_ranges, 2);
	assert_int_equal(bi.ranges[0].start, 0x100000);
	assert_int_equal(bi.ranges[0].size, 0x200000);
	assert_int_equal(bi.ranges[1].start, 0x400000);
	assert_int_equal(bi.ranges[1].size, 0x200000);
	efi_memmap_to_ranges(map, sizeof(map), 8, &bi); /* a nonsense descriptor size */
	assert_int_equal(bi.nr_ranges, 0);
	/* found by fuzz_boot_info: a size off 8-byte alignment read misaligned descriptors */
	efi_memmap_to_ranges(map, sizeof(map), sizeof(map[0]) + 1, &bi);
	assert_int_equal(bi.nr_ranges, 0);
}

static void memory_map_keeps_the_largest_when_full(void **state)
{
	(void)state;
	static struct efi_memory_descriptor map[BOOT_MAX_RANGES + 1];
	for (u32 i = 0; i < BOOT_MAX_RANGES; i++)
		map[i] = (struct efi_memory_descriptor){ EFI_CONVENTIONAL_MEMORY, 0,
							 0x10000000ULL * (i + 1), 0, 1, 0 };
	map[BOOT_MAX_RANGES] = (struct efi_memory_descriptor){ EFI_CONVENTIONAL_MEMORY, 0, 0x1000, 0,
								16, 0 };
	struct boot_info bi = { 0 };
	efi_memmap_to_ranges(map, sizeof(map), sizeof(map[0]), &bi);
	assert_int_equal(bi.nr_ranges, BOOT_MAX_RANGES);
	bool big = false;
	for (u32 i = 0; i < bi.nr_ranges; i++)
		big |= bi.ranges[i].start == 0x1000 && bi.ranges[i].size == 16 * 4096;
	assert_true(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_with_cmdline_and_modules),
		cmocka_unit_test(bad_configs_name_the_line),
		cmocka_unit_test(empty_config_is_empty),
		cmocka_unit_test(memory_map_keeps_conventional_memory_merged),
		cmocka_unit_test(memory_map_keeps_the_largest_when_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
