#include "core/guest_insn.h"

#define GPR(r) offsetof(struct vcpu_regs, r)
static const u8 gpr_offset[16] = {
	GPR(rax), GPR(rcx), GPR(rdx), GPR(rbx), 0xFF, GPR(rbp), GPR(rsi), GPR(rdi),
	GPR(r8), GPR(r9), GPR(r10), GPR(r11), GPR(r12), GPR(r13), GPR(r14), GPR(r15),
};

u64 *vcpu_gpr(struct vcpu *v, s8 reg) { return (u64 *)((u8 *)&v->regs + gpr_offset[reg & 15]); }

u64 vcpu_gpr_read(struct vcpu *v, s8 reg)
{
	return reg == GPR_RSP ? vcpu_ops->get_reg(v, VREG_RSP) : *vcpu_gpr(v, reg);
}

struct paging_state vcpu_paging(struct vcpu *v)
{
	return (struct paging_state){
		vcpu_ops->get_reg(v, VREG_CR0), vcpu_ops->get_reg(v, VREG_CR3),
		vcpu_ops->get_reg(v, VREG_CR4), vcpu_ops->get_reg(v, VREG_EFER),
	};
}

static enum code_mode code_mode(struct vcpu *v, const struct paging_state *ps)
{
	u64 cs = vcpu_ops->get_reg(v, VREG_CS_ATTR);
	if ((ps->efer & EFER_LMA) && (cs & SEG_AR_L))
		return CODE_64;
	if (vcpu_ops->get_reg(v, VREG_RFLAGS) & RFLAGS_VM)
		return CODE_16;
	return cs & SEG_AR_DB ? CODE_32 : CODE_16;
}

u32 vcpu_fetch_insn(struct vcpu *v, u8 bytes[INSN_MAX_LEN], enum code_mode *mode)
{
	struct paging_state ps = vcpu_paging(v);
	u64 rip = vcpu_ops->get_reg(v, VREG_CS_BASE) + vcpu_ops->get_reg(v, VREG_RIP);
	*mode = code_mode(v, &ps);
	if (*mode != CODE_64)
		rip &= 0xFFFFFFFF;
	return guest_read_linear(&v->vm->mem, &ps, rip, bytes, INSN_MAX_LEN);
}
