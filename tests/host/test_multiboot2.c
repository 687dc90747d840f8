#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "boot/multiboot2_info.h"

static u8 info[8192] __attribute__((aligned(8)));
static size_t pos;
static struct boot_info bi;

static void begin(void) { memset(info, 0, sizeof(info)); pos = 8; }

static void *tag(u32 type, u32 size)
{
	u32 *t = (u32 *)(info + pos);
	t[0] = type;
	t[1] = size;
	pos += (size + 7) & ~7u;
	return t;
}

static u32 end(void)
{
	tag(0, 8);
	((u32 *)info)[0] = (u32)pos;
	return (u32)pos;
}

static void cmdline(const char *s)
{
	char *t = tag(1, 8 + (u32)strlen(s) + 1);
	strcpy(t + 8, s);
}

static void module(u32 start, u32 stop, const char *s)
{
	u32 *t = tag(3, 16 + (u32)strlen(s) + 1);
	t[2] = start;
	t[3] = stop;
	strcpy((char *)(t + 4), s);
}

static void mmap(void)
{
	u32 *t = tag(6, 16 + 3 * 24);
	t[2] = 24;
	t[3] = 0;
	u64 entries[3][3] = { { 0, 0x9FC00, 1 }, { 0xF0000, 0x10000, 2 }, { 0x100000, 0x1FF00000, 1 } };
	memcpy(t + 4, entries, sizeof(entries));
}

static void well_formed_info(void **state)
{
	(void)state;
	begin();
	cmdline("log=debug guest=a");
	module(0x200000, 0x201000, "a args");
	module(0x300000, 0x300010, "b");
	mmap();
	u32 n = end();
	assert_null(mb2_parse((void *)info, n, &bi));
	assert_int_equal(bi.path, BOOT_MULTIBOOT2);
	assert_string_equal(bi.cmdline, "log=debug guest=a");
	assert_int_equal(bi.nr_modules, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].size, 0x1000);
	assert_string_equal(bi.modules[0].string, "a args");
	assert_int_equal(bi.nr_ranges, 2); /* reserved range dropped */
	assert_int_equal(bi.ranges[1].start, 0x100000);
	assert_int_equal(bi.ranges[1].size, 0x1FF00000);
}

static void malformed_info(void **state)
{
	(void)state;
	begin();
	cmdline("x");
	u32 n = end();
	assert_string_equal(mb2_parse((void *)info, n - 1, &bi), "total size out of range");
	((u32 *)info)[0] = 4;
	assert_string_equal(mb2_parse((void *)info, n, &bi), "total size out of range");

	begin();
	u32 *t = tag(1, 16);
	t[1] = 4000; /* runs past the end */
	n = end();
	assert_string_equal(mb2_parse((void *)info, n, &bi), "tag size out of range");

	begin();
	cmdline("no end tag");
	((u32 *)info)[0] = (u32)pos;
	assert_string_equal(mb2_parse((void *)info, pos, &bi), "no end tag");

	begin();
	module(0x5000, 0x4000, "backwards");
	n = end();
	assert_string_equal(mb2_parse((void *)info, n, &bi), "module ends before it starts");

	begin(); /* the long fuzz run's finding: entries that would be read misaligned */
	mmap();
	((u32 *)info)[2 + 2] = 25;
	n = end();
	assert_string_equal(mb2_parse((void *)info, n, &bi),
			    "memory map entry size is not a multiple of 8");
}

/* A command line or module string that does not fit is refused, never cut. */
static void too_long_strings(void **state)
{
	(void)state;
	static char s[BOOT_CMDLINE_MAX + 1];
	memset(s, 'a', BOOT_CMDLINE_MAX - 1);
	begin();
	cmdline(s); /* 2047 characters and the NUL: fits */
	u32 n = end();
	assert_null(mb2_parse((void *)info, n, &bi));
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	s[BOOT_CMDLINE_MAX - 1] = 'a';
	begin();
	cmdline(s);
	n = end();
	assert_string_equal(mb2_parse((void *)info, n, &bi),
			    "command line does not fit in 2048 bytes");
	memset(s, 0, sizeof(s));
	memset(s, 'm', BOOT_MODULE_STRING_MAX);
	begin();
	module(0x1000, 0x2000, s);
	n = end();
	assert_string_equal(mb2_parse((void *)info, n, &bi),
			    "module string does not fit in 256 bytes");
	s[BOOT_MODULE_STRING_MAX - 1] = '\0';
	begin();
	module(0x1000, 0x2000, s);
	n = end();
	assert_null(mb2_parse((void *)info, n, &bi));
}

static void too_many_modules(void **state)
{
	(void)state;
	begin();
	for (int i = 0; i <= BOOT_MAX_MODULES; i++)
		module(0x1000, 0x2000, "m");
	u32 n = end();
	assert_string_equal(mb2_parse((void *)info, n, &bi), "too many modules");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(well_formed_info),
		cmocka_unit_test(malformed_info),
		cmocka_unit_test(too_long_strings),
		cmocka_unit_test(too_many_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
