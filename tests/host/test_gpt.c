#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/gpt.h"

/* Tables come from a small pool; "physical" addresses are pool offsets + a base. */
#define POOL_TABLES 64
#define POOL_BASE 0x40000000ULL
static u64 pool[POOL_TABLES][512] __attribute__((aligned(4096)));
static u32 used, limit;

static u64 alloc(void *ctx)
{
	(void)ctx;
	if (used == limit)
		return 0;
	memset(pool[used], 0, sizeof(pool[used]));
	return POOL_BASE + (u64)used++ * 4096;
}

static u64 *map(void *ctx, u64 pa)
{
	(void)ctx;
	assert_true(pa >= POOL_BASE && pa < POOL_BASE + POOL_TABLES * 4096ULL);
	return pool[(pa - POOL_BASE) / 4096];
}

static const struct gpt_format fmt = { .table = 0x7, .leaf_4k = 0x37, .leaf_2m = 0xB7 };
static const struct gpt_builder b = { &fmt, alloc, map, NULL };

static u64 walk(u64 root, u64 gpa, int *level_out)
{
	u64 *t = map(NULL, root);
	for (int level = 3; level >= 0; level--) {
		u64 e = t[(gpa >> (12 + 9 * level)) & 511];
		if (!e)
			return 0;
		if (level == 0 || (level == 1 && (e & 0x80))) {
			*level_out = level;
			u64 page = level ? 2ULL << 20 : 4096;
			return (e & 0xFFFFFFFFFF000ULL & ~(page - 1)) | (gpa & (page - 1));
		}
		t = map(NULL, e & 0xFFFFFFFFFF000ULL);
	}
	return 0;
}

static void maps_2m_pages_and_a_4k_tail(void **state)
{
	(void)state;
	used = 0;
	limit = POOL_TABLES;
	u64 hpa = 0x80000000ULL, size = (4ULL << 20) + 3 * 4096;
	u64 root = gpt_build(&b, hpa, size);
	assert_int_not_equal(root, 0);
	int level;
	assert_int_equal(walk(root, 0x123456, &level), hpa + 0x123456);
	assert_int_equal(level, 1);
	assert_int_equal(walk(root, (4ULL << 20) + 0x2FFF, &level), hpa + (4ULL << 20) + 0x2FFF);
	assert_int_equal(level, 0);
	assert_int_equal(walk(root, (4ULL << 20) + 0x3000, &level), 0); /* past the end */
	assert_int_equal(walk(root, 0xFEE00000ULL, &level), 0);          /* no LAPIC, nothing else */
	assert_int_equal(used, 4); /* PML4, PDPT, PD, one PT */
}

static void unaligned_host_memory_uses_4k_pages(void **state)
{
	(void)state;
	used = 0;
	limit = POOL_TABLES;
	u64 root = gpt_build(&b, 0x80001000ULL, 2ULL << 20);
	int level;
	assert_int_equal(walk(root, 0x1FFFFF, &level), 0x80001000ULL + 0x1FFFFF);
	assert_int_equal(level, 0);
}

static void entry_bits_come_from_the_format(void **state)
{
	(void)state;
	used = 0;
	limit = POOL_TABLES;
	u64 root = gpt_build(&b, 0x80000000ULL, 2ULL << 20);
	u64 pml4e = map(NULL, root)[0];
	assert_int_equal(pml4e & 0xFFF, fmt.table);
	u64 pdpte = map(NULL, pml4e & ~0xFFFULL)[0];
	u64 pde = map(NULL, pdpte & ~0xFFFULL)[0];
	assert_int_equal(pde, 0x80000000ULL | fmt.leaf_2m);
}

static void out_of_memory_returns_zero(void **state)
{
	(void)state;
	used = 0;
	limit = 3;
	assert_int_equal(gpt_build(&b, 0x80000000ULL, (2ULL << 20) + 4096), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(maps_2m_pages_and_a_4k_tail),
		cmocka_unit_test(unaligned_host_memory_uses_4k_pages),
		cmocka_unit_test(entry_bits_come_from_the_format),
		cmocka_unit_test(out_of_memory_returns_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
