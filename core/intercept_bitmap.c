#include "core/intercept_bitmap.h"

/* AMD APM vol. 2, 15.11: MSRPM, 8 KiB used of 8 KiB; byte offsets 0, 0x800, 0x1000. */
const struct msr_bitmap_layout svm_msrpm_layout = {
	.size = 8192,
	.nr_ranges = 3,
	.ranges = {
		{ 0x00000000, 0x2000, 0x0000 * 8, 0x0000 * 8 + 1, 2 },
		{ 0xC0000000, 0x2000, 0x0800 * 8, 0x0800 * 8 + 1, 2 },
		{ 0xC0010000, 0x2000, 0x1000 * 8, 0x1000 * 8 + 1, 2 },
	},
};

/* Intel SDM vol. 3, 25.6.9: read low/high at 0/0x400, write low/high at 0x800/0xC00. */
const struct msr_bitmap_layout vmx_msr_bitmap_layout = {
	.size = 4096,
	.nr_ranges = 2,
	.ranges = {
		{ 0x00000000, 0x2000, 0x000 * 8, 0x800 * 8, 1 },
		{ 0xC0000000, 0x2000, 0x400 * 8, 0xC00 * 8, 1 },
	},
};

static const struct msr_bitmap_range *find_range(const struct msr_bitmap_layout *l, u32 msr)
{
	for (u32 i = 0; i < l->nr_ranges; i++)
		if (msr - l->ranges[i].first_msr < l->ranges[i].count)
			return &l->ranges[i];
	return NULL;
}

static void set_bit(u8 *bitmap, u32 bit, bool on)
{
	if (on)
		bitmap[bit / 8] |= (u8)(1u << (bit % 8));
	else
		bitmap[bit / 8] &= (u8)~(1u << (bit % 8));
}

static bool test_bit(const u8 *bitmap, u32 bit) { return bitmap[bit / 8] & (1u << (bit % 8)); }

bool msr_intercept(const struct msr_bitmap_layout *l, u8 *bitmap, u32 msr, enum msr_access a,
		   bool on)
{
	const struct msr_bitmap_range *r = find_range(l, msr);
	if (!r)
		return false;
	u32 n = (msr - r->first_msr) * r->stride;
	if (a & MSR_READ)
		set_bit(bitmap, r->read_bit + n, on);
	if (a & MSR_WRITE)
		set_bit(bitmap, r->write_bit + n, on);
	return true;
}

bool msr_intercepted(const struct msr_bitmap_layout *l, const u8 *bitmap, u32 msr,
		     enum msr_access a)
{
	const struct msr_bitmap_range *r = find_range(l, msr);
	if (!r)
		return true;
	u32 n = (msr - r->first_msr) * r->stride;
	return ((a & MSR_READ) && test_bit(bitmap, r->read_bit + n)) ||
	       ((a & MSR_WRITE) && test_bit(bitmap, r->write_bit + n));
}

void io_intercept(u8 *bitmap, u16 port, bool on) { set_bit(bitmap, port, on); }

bool io_intercepted(const u8 *bitmap, u16 port) { return test_bit(bitmap, port); }
