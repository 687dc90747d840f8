/*
 * Guest-linear to guest-physical translation through the guest's own page
 * tables, as the CPU would do it: paging off, 32-bit (4 KiB/4 MiB pages),
 * PAE and 4-level long mode (2 MiB and 1 GiB pages). Used to fetch the
 * instruction behind an MMIO exit. Host-testable.
 */
#ifndef CORE_GUEST_WALK_H
#define CORE_GUEST_WALK_H

#include "arch/types.h"
#include "core/guest_mem.h"

struct paging_state {
	u64 cr0, cr3, cr4, efer;
};

/* NULL on success, else why the address does not translate. */
const char *guest_linear_to_phys(const struct guest_mem *m, const struct paging_state *ps,
				 u64 linear, u64 *phys);

/* Copies up to len bytes at a guest-linear address; returns how many it could. */
u32 guest_read_linear(const struct guest_mem *m, const struct paging_state *ps, u64 linear,
		      u8 *dst, u32 len);

#endif
