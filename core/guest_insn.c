#include "core/guest_insn.h"

struct paging_state guest_paging(struct vcpu *v)
{
	return (struct paging_state){
		vcpu_ops->get_reg(v, VREG_CR0), vcpu_ops->get_reg(v, VREG_CR3),
		vcpu_ops->get_reg(v, VREG_CR4), vcpu_ops->get_reg(v, VREG_EFER),
	};
}

enum code_mode guest_code_mode(struct vcpu *v)
{
	u64 cs = vcpu_ops->get_reg(v, VREG_CS_ATTR);
	if ((vcpu_ops->get_reg(v, VREG_EFER) & EFER_LMA) && (cs & SEG_AR_L))
		return CODE_64;
	if (vcpu_ops->get_reg(v, VREG_RFLAGS) & RFLAGS_VM)
		return CODE_16;
	return cs & SEG_AR_DB ? CODE_32 : CODE_16;
}

u32 guest_fetch(struct vcpu *v, u8 *bytes, u32 len)
{
	struct paging_state ps = guest_paging(v);
	u64 rip = vcpu_ops->get_reg(v, VREG_CS_BASE) + vcpu_ops->get_reg(v, VREG_RIP);
	if (guest_code_mode(v) != CODE_64)
		rip &= 0xFFFFFFFF;
	return guest_read_linear(&v->vm->mem, &ps, rip, bytes, len);
}
