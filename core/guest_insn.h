/*
 * What exit handlers that decode the guest's own instruction share: its
 * paging state, and the bytes at its RIP fetched through its page tables
 * with the size of the code that runs.
 */
#ifndef CORE_GUEST_INSN_H
#define CORE_GUEST_INSN_H

#include "core/guest_walk.h"
#include "core/insn_decode.h"
#include "core/vcpu.h"

/* CR0, CR3, CR4 and EFER, for a walk of the guest's page tables. */
struct paging_state vcpu_paging(struct vcpu *v);
/*
 * Copies up to INSN_MAX_LEN bytes at CS:RIP; returns how many, and the code's
 * mode: 64-bit with EFER.LMA and CS.L, else CS.D's 32 or 16 bits (real and
 * virtual-8086 mode: 16).
 */
u32 vcpu_fetch_insn(struct vcpu *v, u8 bytes[INSN_MAX_LEN], enum code_mode *mode);

#endif
