#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/page_alloc.h"

#define MIB (1ULL << 20)
static struct page_allocator a;

static void init(void)
{
	static struct boot_info bi = {
		.nr_ranges = 3,
		.ranges = { { 32 * MIB, 32 * MIB }, { 0, 640 * 1024 }, { MIB, 15 * MIB } },
	};
	const struct boot_range reserved[] = { { 16 * MIB - 4096, 4096 }, { 2 * MIB, MIB } };
	page_alloc_init(&a, &bi, MIB, 4096 * MIB, reserved, 2);
}

static void free_list_excludes_low_memory_and_reserved(void **state)
{
	(void)state;
	init();
	/* [1M,2M) [3M,16M-4K) [32M,64M) */
	assert_int_equal(a.nr_ranges, 3);
	assert_int_equal(a.free[0].start, MIB);
	assert_int_equal(a.free[0].size, MIB);
	assert_int_equal(a.free[1].start, 3 * MIB);
	assert_int_equal(a.free[1].size, 13 * MIB - 4096);
	assert_int_equal(a.free[2].start, 32 * MIB);
	assert_int_equal(page_alloc_free_bytes(&a), MIB + 13 * MIB - 4096 + 32 * MIB);
}

static void allocations_are_aligned_and_disjoint(void **state)
{
	(void)state;
	init();
	u64 p1 = page_alloc(&a, 100, 4096);
	assert_int_equal(p1, MIB);
	u64 p2 = page_alloc(&a, 2 * MIB, 2 * MIB); /* does not fit in [1M,2M): skips ahead */
	assert_int_equal(p2, 4 * MIB);
	u64 p3 = page_alloc(&a, 4096, 4096);
	assert_int_equal(p3, 6 * MIB);
	u64 big = page_alloc(&a, 20 * MIB, 4096);
	assert_int_equal(big, 32 * MIB);
}

static void failure_leaves_the_allocator_usable(void **state)
{
	(void)state;
	init();
	assert_int_equal(page_alloc(&a, 64 * MIB, 4096), 0);
	assert_int_equal(page_alloc(&a, 4096, 4096), MIB);
}

static void mark_and_release_return_memory(void **state)
{
	(void)state;
	init();
	page_alloc(&a, 4096, 4096);
	struct page_mark m = page_alloc_mark(&a);
	u64 before = page_alloc_free_bytes(&a);
	u64 g1 = page_alloc(&a, 16 * MIB, 2 * MIB);
	assert_int_not_equal(g1, 0);
	page_alloc_release(&a, m);
	assert_int_equal(page_alloc_free_bytes(&a), before);
	assert_int_equal(page_alloc(&a, 16 * MIB, 2 * MIB), g1); /* the next guest gets the same */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(free_list_excludes_low_memory_and_reserved),
		cmocka_unit_test(allocations_are_aligned_and_disjoint),
		cmocka_unit_test(failure_leaves_the_allocator_usable),
		cmocka_unit_test(mark_and_release_return_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
