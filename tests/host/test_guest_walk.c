#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/cpu.h"
#include "core/guest_walk.h"

#define RAM (8u << 20)
static u8 ram[RAM] __attribute__((aligned(4096)));
static const struct guest_mem mem = { ram, RAM };

static void put32(u64 pa, u32 v) { memcpy(ram + pa, &v, 4); }
static void put64(u64 pa, u64 v) { memcpy(ram + pa, &v, 8); }

static u64 walk(const struct paging_state *ps, u64 la)
{
	u64 pa = ~0ULL;
	const char *err = guest_linear_to_phys(&mem, ps, la, &pa);
	if (err)
		fail_msg("0x%lx: %s", (unsigned long)la, err);
	return pa;
}

static void paging_off_is_identity(void **state)
{
	(void)state;
	struct paging_state ps = { .cr0 = CR0_PE };
	assert_int_equal(walk(&ps, 0x123456), 0x123456);
	assert_int_equal(walk(&ps, 0x1FEE00030ULL), 0xFEE00030); /* 32-bit wrap */
}

static void two_level_32bit(void **state)
{
	(void)state;
	memset(ram, 0, RAM);
	struct paging_state ps = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PSE };
	put32(0x1000 + 0x3FB * 4, 0x00400000 | 0x83);   /* 0xFEC00000: 4 MiB page at 4 MiB */
	put32(0x1000 + 0x001 * 4, 0x2000 | 0x3);        /* 0x00400000: a page table */
	put32(0x2000 + 0x005 * 4, 0x00345000 | 0x3);    /* 0x00405000 -> 0x345000 */
	assert_int_equal(walk(&ps, 0xFEE00030), 0x00600030);
	assert_int_equal(walk(&ps, 0x00405ABC), 0x00345ABC);
	ps.cr4 = 0; /* without PSE the PS bit is ignored: the entry is a table */
	u64 pa;
	assert_non_null(guest_linear_to_phys(&mem, &ps, 0x00406000, &pa)); /* not present */
}

static void pae_three_level(void **state)
{
	(void)state;
	memset(ram, 0, RAM);
	struct paging_state ps = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1020, .cr4 = CR4_PAE };
	put64(0x1020 + 3 * 8, 0x3000 | 1);            /* PDPTE 3: 0xC0000000-0xFFFFFFFF */
	put64(0x3000 + 0x1F7 * 8, 0x00200000 | 0x83); /* 0xFEE00000: 2 MiB page at 2 MiB */
	assert_int_equal(walk(&ps, 0xFEE00030), 0x00200030);
}

static void long_mode_four_level(void **state)
{
	(void)state;
	memset(ram, 0, RAM);
	struct paging_state ps = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE,
				   .efer = EFER_LME | EFER_LMA };
	put64(0x1000, 0x2000 | 3);              /* PML4[0] */
	put64(0x2000 + 3 * 8, 0x3000 | 3);      /* PDPT[3]: a directory */
	put64(0x2000 + 1 * 8, 0x00000000 | 0x83); /* PDPT[1]: 1 GiB page at 0 */
	put64(0x3000 + 0x1F7 * 8, 0x4000 | 3);  /* PD[0x1F7]: a table */
	put64(0x4000, 0x00567000 | 3);          /* PT[0]: 0xFEE00000 -> 0x567000 */
	put64(0x3000 + 0x1F8 * 8, 0x00600000 | 0x83);
	assert_int_equal(walk(&ps, 0xFEE00030), 0x00567030);
	assert_int_equal(walk(&ps, 0xFF000010), 0x00600010);
	assert_int_equal(walk(&ps, 0x40001234), 0x00001234);
	u64 pa;
	assert_non_null(guest_linear_to_phys(&mem, &ps, 0x8000000000ULL, &pa)); /* PML4[1] */
	put64(0x1000 + 8, 0x7FFFF000ULL | 3); /* a table beyond guest RAM */
	assert_non_null(guest_linear_to_phys(&mem, &ps, 0x8000000000ULL, &pa));
}

static void reads_across_pages(void **state)
{
	(void)state;
	memset(ram, 0, RAM);
	struct paging_state ps = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000 };
	put32(0x1000, 0x2000 | 3);
	put32(0x2000 + 0 * 4, 0x5000 | 3); /* 0x0000 -> 0x5000 */
	put32(0x2000 + 1 * 4, 0x9000 | 3); /* 0x1000 -> 0x9000 */
	memcpy(ram + 0x5FFE, "ab", 2);
	memcpy(ram + 0x9000, "cd", 2);
	u8 buf[4];
	assert_int_equal(guest_read_linear(&mem, &ps, 0xFFE, buf, 4), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(guest_read_linear(&mem, &ps, 0x1FFE, buf, 4), 2); /* 0x2000 unmapped */
}

/* SDM vol. 3, 4.6 and 4.8: rights are ANDed over the levels; A and D are set as used. */
static void rights_and_accessed_dirty_bits(void **state)
{
	(void)state;
	memset(ram, 0, RAM);
	struct paging_state ps = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000 };
	put32(0x1000, 0x2000 | 0x7);               /* PDE: present, writable, user */
	put32(0x2000 + 1 * 4, 0x5000 | 0x1);       /* 0x1000: read-only, supervisor */
	put32(0x2000 + 2 * 4, 0x6000 | 0x7);       /* 0x2000: writable, user */
	u64 pa;
	u32 err;
	assert_null(guest_translate(&mem, &ps, 0x1010, PF_ERR_WRITE, &pa, &err)); /* WP=0 */
	ps.cr0 |= CR0_WP;
	assert_non_null(guest_translate(&mem, &ps, 0x1010, PF_ERR_WRITE, &pa, &err));
	assert_int_equal(err, PF_ERR_PRESENT | PF_ERR_WRITE);
	assert_non_null(guest_translate(&mem, &ps, 0x1010, PF_ERR_USER, &pa, &err));
	assert_int_equal(err, PF_ERR_PRESENT | PF_ERR_USER);
	assert_non_null(guest_translate(&mem, &ps, 0x3000, PF_ERR_USER | PF_ERR_WRITE, &pa, &err));
	assert_int_equal(err, PF_ERR_USER | PF_ERR_WRITE); /* not present */

	u32 pde, pte;
	memcpy(&pte, ram + 0x2000 + 2 * 4, 4);
	assert_int_equal(pte & 0x60, 0);
	assert_null(guest_translate(&mem, &ps, 0x2004, PF_ERR_USER, &pa, &err));
	assert_int_equal(pa, 0x6004);
	memcpy(&pde, ram + 0x1000, 4);
	memcpy(&pte, ram + 0x2000 + 2 * 4, 4);
	assert_int_equal(pde & 0x20, 0x20);
	assert_int_equal(pte & 0x60, 0x20); /* a read: accessed, not dirty */
	assert_null(guest_translate(&mem, &ps, 0x2004, PF_ERR_USER | PF_ERR_WRITE, &pa, &err));
	memcpy(&pte, ram + 0x2000 + 2 * 4, 4);
	assert_int_equal(pte & 0x60, 0x60);
	memcpy(&pde, ram + 0x1000, 4);
	assert_int_equal(pde & 0x40, 0); /* D only in the entry that maps the page */

	put32(0x1000 + 4, 0x7FFFF000 | 0x7);       /* a table beyond guest RAM: no #PF to give */
	assert_non_null(guest_translate(&mem, &ps, 0x400000, 0, &pa, &err));
	assert_int_equal(err, PF_ERR_NONE);
	assert_non_null(guest_translate(&mem, &ps, 0x3000, 0, &pa, &err));
	assert_int_equal(err, 0); /* a supervisor read of a page that is not there */
}

/* SMAP: a supervisor data access to a user page faults, unless RFLAGS.AC lifts it. */
static void smap_keeps_the_supervisor_off_user_pages(void **state)
{
	(void)state;
	memset(ram, 0, RAM);
	struct paging_state ps = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000 };
	put32(0x1000, 0x2000 | 0x7);
	put32(0x2000 + 2 * 4, 0x6000 | 0x7);       /* 0x2000: a user page */
	put32(0x2000 + 3 * 4, 0x7000 | 0x3);       /* 0x3000: a supervisor page */
	u64 pa;
	u32 err;
	assert_null(guest_translate(&mem, &ps, 0x2000, WALK_SMAP, &pa, &err)); /* CR4.SMAP off */
	ps.cr4 = CR4_SMAP;
	assert_non_null(guest_translate(&mem, &ps, 0x2000, WALK_SMAP | PF_ERR_WRITE, &pa, &err));
	assert_int_equal(err, PF_ERR_PRESENT | PF_ERR_WRITE);
	assert_null(guest_translate(&mem, &ps, 0x2000, PF_ERR_WRITE, &pa, &err)); /* AC set */
	assert_null(guest_translate(&mem, &ps, 0x3000, WALK_SMAP, &pa, &err));
	assert_null(guest_translate(&mem, &ps, 0x2000, WALK_SMAP | PF_ERR_USER, &pa, &err));
}

/* In PAE mode the PDPTEs carry no rights: they must not deny a user write. */
static void pae_pdptes_grant_everything(void **state)
{
	(void)state;
	memset(ram, 0, RAM);
	struct paging_state ps = { .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = 0x1000, .cr4 = CR4_PAE };
	put64(0x1000, 0x2000 | 1);       /* PDPTE 0: present only */
	put64(0x2000, 0x3000 | 7);
	put64(0x3000 + 8, 0x9000 | 7);   /* 0x1000 -> 0x9000, user writable */
	u64 pa;
	u32 err;
	assert_null(guest_translate(&mem, &ps, 0x1008, PF_ERR_USER | PF_ERR_WRITE, &pa, &err));
	assert_int_equal(pa, 0x9008);
	u64 pdpte;
	memcpy(&pdpte, ram + 0x1000, 8);
	assert_int_equal(pdpte, 0x2000 | 1); /* no accessed bit written into a PDPTE */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paging_off_is_identity),
		cmocka_unit_test(two_level_32bit),
		cmocka_unit_test(pae_three_level),
		cmocka_unit_test(long_mode_four_level),
		cmocka_unit_test(reads_across_pages),
		cmocka_unit_test(rights_and_accessed_dirty_bits),
		cmocka_unit_test(pae_pdptes_grant_everything),
		cmocka_unit_test(smap_keeps_the_supervisor_off_user_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
