/*
 * Guest MMIO: the xAPIC page is the only device behind the nested page
 * tables. The access is decoded from the guest's own instruction (fetched
 * through its page tables), emulated on the virtual LAPIC, and RIP moves on.
 * Elsewhere outside guest RAM nothing answers: as on a PC, a read returns all
 * ones and a write is dropped (counted), unless unbacked=stop asks for a stop.
 * An instruction fetch there, or an access that is not a MOV, is a stop.
 */
#include "core/exit.h"
#include "arch/log.h"
#include "core/guest_insn.h"

static const char *fetch_and_decode(struct vcpu *v, struct mmio_insn *insn)
{
	u8 bytes[INSN_MAX_LEN];
	enum code_mode mode;
	u32 n = vcpu_fetch_insn(v, bytes, &mode);
	if (n == 0)
		return "its instruction could not be fetched";
	const char *err = insn_decode_mov(bytes, n, mode, insn);
	if (!err && insn->reg == GPR_RSP)
		err = "RSP as the operand is not emulated";
	return err;
}

static const char *emulate_lapic(struct vcpu *v, const struct exit_info *e)
{
	struct mmio_insn insn;
	const char *err = fetch_and_decode(v, &insn);
	if (err)
		return err;
	u32 offset = (u32)(e->npf.gpa - VLAPIC_MMIO_BASE);
	if (insn.size != 4 || (offset & 0xF))
		return "LAPIC registers take aligned 4-byte accesses only";
	if (insn.write) {
		u64 val = insn.reg == INSN_REG_NONE ? insn.imm : *vcpu_gpr(v, insn.reg);
		vlapic_mmio_write(v, offset, (u32)val);
	} else {
		*vcpu_gpr(v, insn.reg) = vlapic_mmio_read(v, offset); /* a 32-bit load zero-extends */
	}
	vcpu_complete_instruction(v, vcpu_ops->get_reg(v, VREG_RIP) + insn.len);
	return NULL;
}

/* A MOV to or from nothing: all ones in, nothing out. */
static bool emulate_unbacked(struct vcpu *v)
{
	struct mmio_insn insn;
	if (fetch_and_decode(v, &insn))
		return false;
	if (!insn.write) {
		u64 *r = vcpu_gpr(v, insn.reg);
		/* a 4-byte load zero-extends; a 2-byte one keeps the register's upper bits */
		*r = insn.size == 8 ? ~0ULL : insn.size == 4 ? 0xFFFFFFFFULL : *r | 0xFFFF;
	}
	v->exits.unbacked++;
	vcpu_complete_instruction(v, vcpu_ops->get_reg(v, VREG_RIP) + insn.len);
	return true;
}

bool mmio_emulate(struct vcpu *v, const struct exit_info *e)
{
	if ((e->npf.gpa & ~(PAGE_SIZE - 1)) != VLAPIC_MMIO_BASE || !vlapic_xapic_active(&v->lapic))
		return v->vm->cfg->unbacked == UNBACKED_ONES && !e->npf.exec &&
		       e->npf.gpa >= v->vm->mem.size && emulate_unbacked(v);
	const char *err = emulate_lapic(v, e);
	if (err) {
		pr_err("%s: LAPIC access at 0x%lx from rip=0x%lx: %s", v->vm->name, e->npf.gpa,
		       vcpu_ops->get_reg(v, VREG_RIP), err);
		vcpu_stop(v, 1, "mmio");
	}
	return true;
}
