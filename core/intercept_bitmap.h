/*
 * MSR and I/O intercept bitmaps. The vendors lay the bits out differently
 * (SVM MSRPM: 2 bits per MSR, read then write, in three 2 KiB ranges; VMX:
 * 1 bit per MSR in separate read and write halves), so each backend
 * describes its layout as data and everything goes through one setter.
 * I/O bitmaps have the same shape on both (1 bit per port, 64 Ki ports).
 * Host-testable.
 */
#ifndef CORE_INTERCEPT_BITMAP_H
#define CORE_INTERCEPT_BITMAP_H

#include "arch/types.h"

enum msr_access { MSR_READ = 1, MSR_WRITE = 2, MSR_RW = 3 };

struct msr_bitmap_range {
	u32 first_msr, count;
	u32 read_bit, write_bit; /* bit index of the first MSR's read / write bit */
	u32 stride;              /* bits between consecutive MSRs */
};

struct msr_bitmap_layout {
	u32 size; /* bytes */
	u32 nr_ranges;
	struct msr_bitmap_range ranges[3];
};

extern const struct msr_bitmap_layout svm_msrpm_layout, vmx_msr_bitmap_layout;

#define IO_BITMAP_BYTES (65536 / 8)

/*
 * Sets (on) or clears the intercept of an MSR. MSRs outside the layout's
 * ranges are always intercepted by the hardware; returns false for them.
 */
bool msr_intercept(const struct msr_bitmap_layout *l, u8 *bitmap, u32 msr, enum msr_access a,
		   bool on);
bool msr_intercepted(const struct msr_bitmap_layout *l, const u8 *bitmap, u32 msr,
		     enum msr_access a);
void io_intercept(u8 *bitmap, u16 port, bool on);
bool io_intercepted(const u8 *bitmap, u16 port);

#endif
