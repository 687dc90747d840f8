#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/format.h"

static char out[64];

/* Edge cases gcc's format checking would reject at compile time. */
static int unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#define SAME_AS_LIBC(...)                                                 \
	do {                                                              \
		char expect[64];                                          \
		int n = format(out, sizeof(out), __VA_ARGS__);            \
		int m = snprintf(expect, sizeof(expect), __VA_ARGS__);    \
		assert_string_equal(out, expect);                         \
		assert_int_equal(n, m);                                   \
	} while (0)

static void conversions_match_libc(void **state)
{
	(void)state;
	SAME_AS_LIBC("%d %i %u", -42, 7, 3000000000u);
	SAME_AS_LIBC("%x %X %lx", 0xbeefu, 0xbeefu, 0x123456789abcdefUL);
	SAME_AS_LIBC("%ld %lu %zu", -9223372036854775807L - 1, 18446744073709551615UL, (size_t)77);
	SAME_AS_LIBC("%s|%c|%%", "str", 'z');
	SAME_AS_LIBC("%08x|%-6d|%6s|%-4s|", 0xabcu, 12, "ab", "c");
	SAME_AS_LIBC("%05d %5d", -42, -42);
	SAME_AS_LIBC("%.3s|%.*s|%.0s", "abcdef", 2, "xyz", "gone");
	SAME_AS_LIBC("%016lx", 0x1ul);
	SAME_AS_LIBC("%u %d", 0u, 0);
}

static void pointer_and_null_string(void **state)
{
	(void)state;
	format(out, sizeof(out), "%p", (void *)0x1000);
	assert_string_equal(out, "0x1000");
	unchecked(out, sizeof(out), "%s", (char *)NULL);
	assert_string_equal(out, "(null)");
}

static void truncates_and_returns_full_length(void **state)
{
	(void)state;
	char small[6];
	memset(small, 'X', sizeof(small));
	assert_int_equal(format(small, sizeof(small), "hello world %d", 42), 14);
	assert_string_equal(small, "hello");
	assert_int_equal(format(small, 1, "abc"), 3);
	assert_string_equal(small, "");
	assert_int_equal(format(NULL, 0, "%d", 12345), 5); /* size 0: nothing written */
}

static void unknown_conversion_is_shown(void **state)
{
	(void)state;
	unchecked(out, sizeof(out), "a%qb");
	assert_string_equal(out, "a%qb");
	unchecked(out, sizeof(out), "end%");
	assert_string_equal(out, "end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conversions_match_libc),
		cmocka_unit_test(pointer_and_null_string),
		cmocka_unit_test(truncates_and_returns_full_length),
		cmocka_unit_test(unknown_conversion_is_shown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
