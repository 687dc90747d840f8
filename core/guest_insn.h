/*
 * What exit handlers that decode the guest's own instruction share: its
 * general registers in encoding order, its paging state, and the bytes at
 * its RIP fetched through its page tables with the size of the code that runs.
 */
#ifndef CORE_GUEST_INSN_H
#define CORE_GUEST_INSN_H

#include "core/guest_walk.h"
#include "core/insn_decode.h"
#include "core/vcpu.h"

#define GPR_RSP 4 /* lives in the VMCB/VMCS, not in struct vcpu_regs */

/* GPR reg (0 rax ... 15 r15, encoding order) in v->regs; reg must not be GPR_RSP. */
u64 *vcpu_gpr(struct vcpu *v, s8 reg);
/* Any GPR's value, RSP included. */
u64 vcpu_gpr_read(struct vcpu *v, s8 reg);
/* CR0, CR3, CR4 and EFER, for a walk of the guest's page tables. */
struct paging_state vcpu_paging(struct vcpu *v);
/*
 * Copies up to INSN_MAX_LEN bytes at CS:RIP; returns how many, and the code's
 * mode: 64-bit with EFER.LMA and CS.L, else CS.D's 32 or 16 bits (real and
 * virtual-8086 mode: 16).
 */
u32 vcpu_fetch_insn(struct vcpu *v, u8 bytes[INSN_MAX_LEN], enum code_mode *mode);

#endif
