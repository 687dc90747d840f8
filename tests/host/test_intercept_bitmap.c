#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/intercept_bitmap.h"

static u8 bitmap[8192];

static bool bit(u32 byte, u32 b) { return bitmap[byte] & (1u << b); }

/* APM vol. 2, 15.11: two bits per MSR, read then write, ranges at 0, 0x800, 0x1000. */
static void svm_msrpm_bit_positions(void **state)
{
	(void)state;
	struct { u32 msr, byte, bit; } cases[] = {
		{ 0x0, 0x0, 0 },        { 0x10, 0x4, 0 },          { 0x1FFF, 0x7FF, 6 },
		{ 0xC0000080, 0x820, 0 }, { 0xC0000102, 0x840, 4 }, { 0xC0010117, 0x1045, 6 },
		{ 0xC0010200, 0x1080, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(bitmap, 0, sizeof(bitmap));
		assert_true(msr_intercept(&svm_msrpm_layout, bitmap, cases[i].msr, MSR_READ, true));
		assert_true(bit(cases[i].byte, cases[i].bit));
		assert_false(bit(cases[i].byte, cases[i].bit + 1));
		assert_true(msr_intercept(&svm_msrpm_layout, bitmap, cases[i].msr, MSR_WRITE, true));
		assert_true(bit(cases[i].byte, cases[i].bit + 1));
		int set = 0;
		for (size_t b = 0; b < sizeof(bitmap); b++)
			set += __builtin_popcount(bitmap[b]);
		assert_int_equal(set, 2); /* nothing else touched */
	}
}

/* SDM vol. 3, 25.6.9: read low/high at 0/0x400, write low/high at 0x800/0xC00. */
static void vmx_bitmap_bit_positions(void **state)
{
	(void)state;
	memset(bitmap, 0, sizeof(bitmap));
	msr_intercept(&vmx_msr_bitmap_layout, bitmap, 0x10, MSR_READ, true);
	assert_true(bit(0x2, 0));
	msr_intercept(&vmx_msr_bitmap_layout, bitmap, 0x10, MSR_WRITE, true);
	assert_true(bit(0x802, 0));
	msr_intercept(&vmx_msr_bitmap_layout, bitmap, 0xC0000080, MSR_RW, true);
	assert_true(bit(0x410, 0));
	assert_true(bit(0xC10, 0));
	msr_intercept(&vmx_msr_bitmap_layout, bitmap, 0x38F, MSR_READ, true);
	assert_true(bit(0x71, 7));
}

static void clearing_and_querying(void **state)
{
	(void)state;
	memset(bitmap, 0xFF, sizeof(bitmap));
	const struct msr_bitmap_layout *layouts[] = { &svm_msrpm_layout, &vmx_msr_bitmap_layout };
	for (int l = 0; l < 2; l++) {
		msr_intercept(layouts[l], bitmap, 0xC1, MSR_READ, false);
		assert_false(msr_intercepted(layouts[l], bitmap, 0xC1, MSR_READ));
		assert_true(msr_intercepted(layouts[l], bitmap, 0xC1, MSR_WRITE));
		assert_true(msr_intercepted(layouts[l], bitmap, 0xC1, MSR_RW));
	}
}

static void msrs_outside_the_ranges_are_always_intercepted(void **state)
{
	(void)state;
	memset(bitmap, 0, sizeof(bitmap));
	assert_false(msr_intercept(&svm_msrpm_layout, bitmap, 0x40000000, MSR_READ, false));
	assert_true(msr_intercepted(&svm_msrpm_layout, bitmap, 0x40000000, MSR_READ));
	/* VMX has no third range: AMD's 0xC0010000 block always exits there. */
	assert_false(msr_intercept(&vmx_msr_bitmap_layout, bitmap, 0xC0010000, MSR_READ, false));
	assert_true(msr_intercepted(&vmx_msr_bitmap_layout, bitmap, 0xC0010000, MSR_READ));
	assert_true(msr_intercepted(&vmx_msr_bitmap_layout, bitmap, 0x2000, MSR_WRITE));
}

static void io_bitmap_one_bit_per_port(void **state)
{
	(void)state;
	memset(bitmap, 0, sizeof(bitmap));
	io_intercept(bitmap, 0x3F8, true);
	assert_true(bit(0x7F, 0));
	io_intercept(bitmap, 0xFFFF, true);
	assert_true(bit(0x1FFF, 7));
	assert_true(io_intercepted(bitmap, 0x3F8));
	assert_false(io_intercepted(bitmap, 0x3F9));
	io_intercept(bitmap, 0x3F8, false);
	assert_false(io_intercepted(bitmap, 0x3F8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(svm_msrpm_bit_positions),
		cmocka_unit_test(vmx_bitmap_bit_positions),
		cmocka_unit_test(clearing_and_querying),
		cmocka_unit_test(msrs_outside_the_ranges_are_always_intercepted),
		cmocka_unit_test(io_bitmap_one_bit_per_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
