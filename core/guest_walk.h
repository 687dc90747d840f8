/*
 * Guest-linear to guest-physical translation through the guest's own page
 * tables, as the CPU would do it: paging off, 32-bit (4 KiB/4 MiB pages),
 * PAE and 4-level long mode (2 MiB and 1 GiB pages), with the access rights
 * (R/W, U/S, CR0.WP, SMAP) and the accessed and dirty bits the CPU sets. Used to
 * fetch the instruction behind an MMIO exit and for the memory operand of
 * string I/O. Host-testable.
 */
#ifndef CORE_GUEST_WALK_H
#define CORE_GUEST_WALK_H

#include "arch/types.h"
#include "core/guest_mem.h"

struct paging_state {
	u64 cr0, cr3, cr4, efer;
};

/* An access, in the bits of the #PF error code it would raise (SDM vol. 3, 4.7). */
#define PF_ERR_PRESENT BIT(0) /* set: a protection violation; clear: not present */
#define PF_ERR_WRITE BIT(1)
#define PF_ERR_USER BIT(2)    /* from CPL 3 */
#define PF_ERR_NONE 0xFFFFFFFFu /* no #PF to give: a page table lies outside guest RAM */
/* Not an error-code bit: a supervisor data access CR4.SMAP applies to (RFLAGS.AC clear). */
#define WALK_SMAP BIT(31)

/*
 * Translates an access (PF_ERR_WRITE, PF_ERR_USER and WALK_SMAP in `access`) and
 * sets the accessed bits of the entries it used, and the dirty bit for a
 * write. NULL on success; else why, with *pf_error the #PF error code the
 * CPU would give, or PF_ERR_NONE when a page table lies outside guest RAM.
 */
const char *guest_translate(const struct guest_mem *m, const struct paging_state *ps, u64 linear,
			    u32 access, u64 *phys, u32 *pf_error);

/* A supervisor read (instruction fetch of the emulator): NULL on success, else why not. */
const char *guest_linear_to_phys(const struct guest_mem *m, const struct paging_state *ps,
				 u64 linear, u64 *phys);

/* Copies up to len bytes at a guest-linear address; returns how many it could. */
u32 guest_read_linear(const struct guest_mem *m, const struct paging_state *ps, u64 linear,
		      u8 *dst, u32 len);

#endif
