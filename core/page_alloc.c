#include "core/page_alloc.h"

static void add_range(struct page_allocator *a, u64 start, u64 end)
{
	start = ALIGN_UP(start, PAGE_SIZE);
	end &= ~(PAGE_SIZE - 1);
	if (end <= start || a->nr_ranges == PAGE_ALLOC_MAX_RANGES)
		return;
	/* insertion sort by start: ranges arrive in any order */
	u32 i = a->nr_ranges++;
	while (i > 0 && a->free[i - 1].start > start) {
		a->free[i] = a->free[i - 1];
		i--;
	}
	a->free[i] = (struct boot_range){ start, end - start };
}

/* Adds [start, end) minus every reserved range (recursively splitting). */
static void add_minus_reserved(struct page_allocator *a, u64 start, u64 end,
			       const struct boot_range *res, u32 nr)
{
	for (u32 i = 0; i < nr; i++) {
		u64 rs = res[i].start, re = res[i].start + res[i].size;
		if (re <= start || rs >= end)
			continue;
		if (rs > start)
			add_minus_reserved(a, start, rs, res + i + 1, nr - i - 1);
		if (re < end)
			add_minus_reserved(a, re, end, res + i + 1, nr - i - 1);
		return;
	}
	add_range(a, start, end);
}

void page_alloc_init(struct page_allocator *a, const struct boot_info *bi, u64 min_addr,
		     u64 max_addr, const struct boot_range *reserved, u32 nr_reserved)
{
	*a = (struct page_allocator){ 0 };
	for (u32 i = 0; i < bi->nr_ranges; i++) {
		u64 start = bi->ranges[i].start, end = start + bi->ranges[i].size;
		if (start < min_addr)
			start = min_addr;
		if (end > max_addr)
			end = max_addr;
		if (start < end)
			add_minus_reserved(a, start, end, reserved, nr_reserved);
	}
	a->next = a->nr_ranges ? a->free[0].start : 0;
}

u64 page_alloc(struct page_allocator *a, u64 bytes, u64 align)
{
	bytes = ALIGN_UP(bytes, PAGE_SIZE);
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	for (u32 i = a->cur; i < a->nr_ranges; i++) {
		const struct boot_range *r = &a->free[i];
		u64 from = i == a->cur && a->next > r->start ? a->next : r->start;
		u64 addr = ALIGN_UP(from, align);
		if (addr + bytes <= r->start + r->size && addr + bytes > addr) {
			a->cur = i;
			a->next = addr + bytes;
			if (a->next > a->limit)
				a->limit = a->next;
			return addr;
		}
	}
	return 0;
}

struct page_mark page_alloc_mark(const struct page_allocator *a)
{
	return (struct page_mark){ a->cur, a->next };
}

void page_alloc_release(struct page_allocator *a, struct page_mark m)
{
	a->cur = m.cur;
	a->next = m.next;
}

u64 page_alloc_free_bytes(const struct page_allocator *a)
{
	u64 total = 0;
	for (u32 i = a->cur; i < a->nr_ranges; i++) {
		u64 start = a->free[i].start, end = start + a->free[i].size;
		if (i == a->cur && a->next > start)
			start = a->next < end ? a->next : end;
		total += end - start;
	}
	return total;
}
