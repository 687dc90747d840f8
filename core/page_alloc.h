/*
 * Physical page allocator for the hypervisor: a bump allocator over the
 * usable RAM of boot_info, minus the image, the modules and low memory.
 * Pages go back as a stack: a mark/release pair returns all that was
 * handed out since the mark (a guest's pages, once it and every guest
 * started after it have ended: core/sched.h). Host-testable (the caller
 * provides the ranges).
 */
#ifndef CORE_PAGE_ALLOC_H
#define CORE_PAGE_ALLOC_H

#include "boot/boot_info.h"

#define PAGE_ALLOC_MAX_RANGES (BOOT_MAX_RANGES * 2)

struct page_allocator {
	u32 nr_ranges;
	struct boot_range free[PAGE_ALLOC_MAX_RANGES]; /* page aligned, disjoint, sorted */
	u32 cur;  /* range being bumped */
	u64 next; /* next free address in free[cur] */
	u64 limit; /* highest address handed out + 1 (for reports) */
};

struct page_mark {
	u32 cur;
	u64 next;
};

/*
 * Builds the free list from bi's ranges, dropping everything below min_addr
 * and above max_addr, and the reserved [start, end) pairs.
 */
void page_alloc_init(struct page_allocator *a, const struct boot_info *bi, u64 min_addr,
		     u64 max_addr, const struct boot_range *reserved, u32 nr_reserved);
/* Physical address of `bytes` (rounded up to pages), aligned to `align`; 0 if none. */
u64 page_alloc(struct page_allocator *a, u64 bytes, u64 align);
struct page_mark page_alloc_mark(const struct page_allocator *a);
void page_alloc_release(struct page_allocator *a, struct page_mark m);
u64 page_alloc_free_bytes(const struct page_allocator *a);

#endif
