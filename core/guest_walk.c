#include "core/guest_walk.h"
#include "arch/cpu.h"

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_A BIT(5)
#define PTE_D BIT(6)
#define PTE_PS BIT(7)
#define ADDR_MASK 0x000FFFFFFFFFF000ULL

/* A walk under way: the rights granted so far (AND over the levels), and the entries used. */
struct walk {
	const struct guest_mem *m;
	u32 access;           /* the #PF error-code bits of the access */
	bool smap;            /* a supervisor data access SMAP applies to */
	u64 rights;           /* PTE_RW | PTE_US, cleared by any level that denies them */
	u64 at[4];            /* guest-physical address of each entry used */
	u32 size, levels;     /* entry size, entries used */
	const char *err;
	u32 pf_error;
};

/* One level of a walk: the entry at table + index * size, which must be present. */
static bool entry(struct walk *w, u64 table, u64 index, u64 *e)
{
	u64 at = table + index * w->size;
	*e = 0;
	if (gmem_read(w->m, at, e, w->size)) {
		w->err = "a page table lies outside guest RAM";
		w->pf_error = PF_ERR_NONE;
		return false;
	}
	if (!(*e & PTE_P)) {
		w->err = "not present in the guest's page tables";
		w->pf_error = w->access;
		return false;
	}
	w->rights &= *e;
	w->at[w->levels++] = at;
	return true;
}

static bool walk_32bit(struct walk *w, const struct paging_state *ps, u64 la, u64 *pa)
{
	u64 pde, pte;
	if (!entry(w, ps->cr3 & 0xFFFFF000, (la >> 22) & 0x3FF, &pde))
		return false;
	if ((pde & PTE_PS) && (ps->cr4 & CR4_PSE)) {
		*pa = (pde & 0xFFC00000) | (la & 0x3FFFFF);
		return true;
	}
	if (!entry(w, pde & 0xFFFFF000, (la >> 12) & 0x3FF, &pte))
		return false;
	*pa = (pte & 0xFFFFF000) | (la & 0xFFF);
	return true;
}

/* PAE (3 levels) and long mode (4): 9 bits per level, large pages below the top. */
static bool walk_pae(struct walk *w, const struct paging_state *ps, u64 la, u64 *pa)
{
	bool long_mode = ps->efer & EFER_LMA;
	int level = long_mode ? 4 : 3;
	u64 table = long_mode ? ps->cr3 & ADDR_MASK : ps->cr3 & 0xFFFFFFE0, e;
	for (; level > 0; level--) {
		u32 shift = 12 + 9 * (u32)(level - 1);
		u64 index = (la >> shift) & (level == 3 && !long_mode ? 3 : 0x1FF);
		u64 keep = w->rights;
		if (!entry(w, table, index, &e))
			return false;
		if (level == 3 && !long_mode) { /* PAE's PDPTEs have no rights and no A bit */
			w->rights = keep;
			w->levels--;
		}
		if (level == 1 || ((e & PTE_PS) && level <= 3 && (long_mode || level == 2))) {
			u64 page = (1ULL << shift) - 1;
			*pa = ((e & ADDR_MASK) & ~page) | (la & page);
			return true;
		}
		table = e & ADDR_MASK;
	}
	w->err = "page walk ended without a page";
	return false;
}

/*
 * SDM vol. 3, 4.6: user accesses need U/S everywhere; writes need R/W where
 * WP or user says; with SMAP a supervisor data access may not touch a user page.
 */
static bool allowed(const struct walk *w, const struct paging_state *ps)
{
	bool user = w->access & PF_ERR_USER;
	if (user && !(w->rights & PTE_US))
		return false;
	if (!user && w->smap && (ps->cr4 & CR4_SMAP) && (w->rights & PTE_US))
		return false;
	if ((w->access & PF_ERR_WRITE) && !(w->rights & PTE_RW) && (user || (ps->cr0 & CR0_WP)))
		return false;
	return true;
}

/* What the CPU writes back: A in every entry used, D in the last one for a write. */
static void mark_used(const struct walk *w)
{
	for (u32 i = 0; i < w->levels; i++) {
		u64 e = 0;
		gmem_read(w->m, w->at[i], &e, w->size);
		u64 set = PTE_A | (i + 1 == w->levels && (w->access & PF_ERR_WRITE) ? PTE_D : 0);
		if ((e & set) != set) {
			e |= set;
			gmem_write(w->m, w->at[i], &e, w->size);
		}
	}
}

const char *guest_translate(const struct guest_mem *m, const struct paging_state *ps, u64 linear,
			    u32 access, u64 *phys, u32 *pf_error)
{
	*pf_error = 0;
	if (!(ps->cr0 & CR0_PG)) {
		*phys = linear & 0xFFFFFFFF;
		return NULL;
	}
	struct walk w = { .m = m, .access = access & (PF_ERR_WRITE | PF_ERR_USER),
			  .smap = access & WALK_SMAP,
			  .rights = PTE_RW | PTE_US, .size = ps->cr4 & CR4_PAE ? 8 : 4 };
	bool ok = ps->cr4 & CR4_PAE ? walk_pae(&w, ps, linear, phys) : walk_32bit(&w, ps, linear, phys);
	if (!ok) {
		*pf_error = w.pf_error;
		return w.err;
	}
	if (!allowed(&w, ps)) {
		*pf_error = w.access | PF_ERR_PRESENT;
		return "the guest's page tables deny this access";
	}
	mark_used(&w);
	return NULL;
}

const char *guest_linear_to_phys(const struct guest_mem *m, const struct paging_state *ps,
				 u64 linear, u64 *phys)
{
	u32 pf_error;
	return guest_translate(m, ps, linear, 0, phys, &pf_error);
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
