#include "core/gpt.h"

#define ENTRY_ADDR_MASK 0x000FFFFFFFFFF000ULL
#define SIZE_2M (2ULL << 20)

static u64 *next_table(const struct gpt_builder *b, u64 *entry)
{
	if (!*entry) {
		u64 pa = b->alloc(b->ctx);
		if (!pa)
			return NULL;
		*entry = pa | b->fmt->table;
	}
	return b->map(b->ctx, *entry & ENTRY_ADDR_MASK);
}

static int map_page(const struct gpt_builder *b, u64 root, u64 gpa, u64 hpa, bool large)
{
	u64 *table = b->map(b->ctx, root);
	int last_level = large ? 1 : 0; /* level 1 = page directory */
	for (int level = 3; level > last_level; level--) {
		table = next_table(b, &table[(gpa >> (12 + 9 * level)) & 511]);
		if (!table)
			return -1;
	}
	u64 index = (gpa >> (12 + 9 * last_level)) & 511;
	table[index] = hpa | (large ? b->fmt->leaf_2m : b->fmt->leaf_4k);
	return 0;
}

u64 gpt_build(const struct gpt_builder *b, u64 hpa, u64 size)
{
	u64 root = b->alloc(b->ctx);
	if (!root)
		return 0;
	for (u64 off = 0; off < size;) {
		bool large = !(off % SIZE_2M) && !(hpa % SIZE_2M) && size - off >= SIZE_2M;
		if (map_page(b, root, off, hpa + off, large))
			return 0;
		off += large ? SIZE_2M : PAGE_SIZE;
	}
	return root;
}
