#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/fw_cfg.h"

#define RAM (16ULL << 20)

static u64 read_le(struct fw_cfg *f, u16 key, int n)
{
	u64 v = 0;
	fw_cfg_select(f, key);
	for (int i = 0; i < n; i++)
		v |= (u64)fw_cfg_read(f, RAM) << (8 * i);
	return v;
}

static void items(void **state)
{
	(void)state;
	struct fw_cfg f = { 0 };
	char sig[5] = { 0 };
	fw_cfg_select(&f, 0x00);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)fw_cfg_read(&f, RAM);
	assert_string_equal(sig, "QEMU");
	assert_int_equal(read_le(&f, 0x01, 4), 1);   /* traditional interface, no DMA */
	assert_int_equal(read_le(&f, 0x03, 8), RAM); /* RAM size */
	assert_int_equal(read_le(&f, 0x05, 2), 1);   /* CPUs */
	assert_int_equal(read_le(&f, 0x0F, 2), 1);   /* max CPUs */
	assert_int_equal(read_le(&f, 0x19, 4), 0);   /* no files */
}

static void past_the_end_and_unknown_read_zero(void **state)
{
	(void)state;
	struct fw_cfg f = { 0 };
	assert_int_equal(read_le(&f, 0x05, 2), 1);
	assert_int_equal(fw_cfg_read(&f, RAM), 0); /* past the 2-byte item */
	assert_int_equal(read_le(&f, 0x1234, 8), 0);
	fw_cfg_select(&f, 0x00); /* selecting again starts over */
	assert_int_equal(fw_cfg_read(&f, RAM), 'Q');
	fw_cfg_select(&f, 0x00);
	assert_int_equal(fw_cfg_read(&f, RAM), 'Q');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(items),
		cmocka_unit_test(past_the_end_and_unknown_read_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
