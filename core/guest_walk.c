#include "core/guest_walk.h"
#include "arch/cpu.h"

#define PTE_P BIT(0)
#define PTE_PS BIT(7)
#define ADDR_MASK 0x000FFFFFFFFFF000ULL

/* One level of a walk: the entry at table + index * size, which must be present. */
static const char *entry(const struct guest_mem *m, u64 table, u64 index, u32 size, u64 *e)
{
	*e = 0;
	if (gmem_read(m, table + index * size, e, size))
		return "a page table lies outside guest RAM";
	return *e & PTE_P ? NULL : "not present in the guest's page tables";
}

static const char *walk_32bit(const struct guest_mem *m, const struct paging_state *ps, u64 la,
			      u64 *pa)
{
	u64 pde, pte;
	const char *err = entry(m, ps->cr3 & 0xFFFFF000, (la >> 22) & 0x3FF, 4, &pde);
	if (err)
		return err;
	if ((pde & PTE_PS) && (ps->cr4 & CR4_PSE)) {
		*pa = (pde & 0xFFC00000) | (la & 0x3FFFFF);
		return NULL;
	}
	if ((err = entry(m, pde & 0xFFFFF000, (la >> 12) & 0x3FF, 4, &pte)))
		return err;
	*pa = (pte & 0xFFFFF000) | (la & 0xFFF);
	return NULL;
}

/* PAE (3 levels) and long mode (4): 9 bits per level, large pages below the top. */
static const char *walk_pae(const struct guest_mem *m, const struct paging_state *ps, u64 la,
			    u64 *pa)
{
	bool long_mode = ps->efer & EFER_LMA;
	int level = long_mode ? 4 : 3;
	u64 table = long_mode ? ps->cr3 & ADDR_MASK : ps->cr3 & 0xFFFFFFE0, e;
	for (; level > 0; level--) {
		u32 shift = 12 + 9 * (u32)(level - 1);
		u64 index = (la >> shift) & (level == 3 && !long_mode ? 3 : 0x1FF);
		const char *err = entry(m, table, index, 8, &e);
		if (err)
			return err;
		if (level == 1 || ((e & PTE_PS) && level <= 3 && (long_mode || level == 2))) {
			u64 page = (1ULL << shift) - 1;
			*pa = ((e & ADDR_MASK) & ~page) | (la & page);
			return NULL;
		}
		table = e & ADDR_MASK;
	}
	return "page walk ended without a page";
}

const char *guest_linear_to_phys(const struct guest_mem *m, const struct paging_state *ps,
				 u64 linear, u64 *phys)
{
	if (!(ps->cr0 & CR0_PG)) {
		*phys = linear & 0xFFFFFFFF;
		return NULL;
	}
	return ps->cr4 & CR4_PAE ? walk_pae(m, ps, linear, phys) : walk_32bit(m, ps, linear, phys);
}

u32 guest_read_linear(const struct guest_mem *m, const struct paging_state *ps, u64 linear,
		      u8 *dst, u32 len)
{
	u32 done = 0;
	while (done < len) {
		u64 pa, la = linear + done;
		u32 chunk = (u32)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		if (chunk > len - done)
			chunk = len - done;
		if (guest_linear_to_phys(m, ps, la, &pa) || gmem_read(m, pa, dst + done, chunk))
			break;
		done += chunk;
	}
	return done;
}
