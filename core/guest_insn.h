/* The guest as an instruction emulator sees it: paging state, code size, the bytes at CS:RIP. */
#ifndef CORE_GUEST_INSN_H
#define CORE_GUEST_INSN_H

#include "core/guest_walk.h"
#include "core/insn_decode.h"
#include "core/vcpu.h"

struct paging_state guest_paging(struct vcpu *v);
/* 64-bit with EFER.LMA and CS.L, else CS.D's 32 or 16 bits (real and virtual-8086 mode too). */
enum code_mode guest_code_mode(struct vcpu *v);
/* Copies up to len bytes of the instruction at CS:RIP; returns how many it could. */
u32 guest_fetch(struct vcpu *v, u8 *bytes, u32 len);

#endif
