/*
 * Names what is wrong when VM entry fails with "invalid guest state": the
 * CPU gives no field, so pmuvisor checks the SDM's rules (vol. 3, 27.3.1)
 * itself. A subset: control registers, RFLAGS, segment access rights and
 * limits, the VMCS link pointer. Host-testable.
 */
#ifndef VMX_VMX_GUEST_CHECK_H
#define VMX_VMX_GUEST_CHECK_H

#include "arch/cpu.h"

struct vmx_guest_state {
	u64 cr0, cr4, rflags, link_pointer;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool unrestricted;
	struct { u32 ar, limit; } seg[SEG_COUNT];
};

/* Writes one line per broken rule into emit(); returns how many were found. */
int vmx_check_guest_state(const struct vmx_guest_state *s, void (*emit)(const char *line));

#endif
