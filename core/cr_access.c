#include "core/cr_access.h"
#include "arch/log.h"
#include "arch/shared_state.h"
#include "core/cpuid_policy.h"
#include "core/vcpu_events.h"
#include "core/guest_insn.h"

#define LEN_XSETBV 3
#define LMSW_BITS (CR0_PE | CR0_MP | CR0_EM | CR0_TS)

void cr_access_init(struct vcpu *v)
{
	struct cpuid_regs l1 = cpuid_policy(v, 1, 0), l7 = cpuid_policy(v, 7, 0),
			  e1 = cpuid_policy(v, 0x80000001, 0), e8 = cpuid_policy(v, 0x80000008, 0),
			  xs = cpuid_policy(v, 0xD, 0);
	struct cr_cpuid c = { l1.ecx, l1.edx, l7.ebx, l7.ecx, e1.edx, e8.eax,
			      ((u64)xs.edx << 32) | xs.eax };
	cr_features_derive(&c, &v->cr);
}

static void refuse(struct vcpu *v, const char *why)
{
	pr_debug("%s: %s: #GP", v->vm->name, why);
	vcpu_raise_exception(v, VEC_GP, true, 0);
}

/*
 * A load of CR0, CR3 or CR4, checked by its rule; a CR0 load (MOV, CLTS,
 * LMSW) also moves EFER.LMA with PG when LME is set.
 */
static bool load(struct vcpu *v, enum vcpu_reg reg, cr_rule rule, u64 val)
{
	struct cr_state s = cr_state_of(v);
	u64 out;
	const char *why = rule(&v->cr, &s, val, &out);
	if (why) {
		refuse(v, why);
		return false;
	}
	vcpu_set_reg(v, reg, out);
	if (reg == VREG_CR0 && efer_with_lma(s.efer, out) != s.efer)
		vcpu_set_reg(v, VREG_EFER, efer_with_lma(s.efer, out));
	return true;
}

static bool load_cr0(struct vcpu *v, u64 val) { return load(v, VREG_CR0, cr0_load, val); }

/* CR8 is the local APIC's TPR bits 7:4: the virtual LAPIC's, never the host's. */
static bool load_cr8(struct vcpu *v, u64 val)
{
	if (val >> 4) {
		refuse(v, "CR8: reserved bits 63:4");
		return false;
	}
	v->lapic.tpr = (u32)val << 4;
	return true;
}

static u64 read_cr(struct vcpu *v, u8 cr)
{
	switch (cr) {
	case 0: return vcpu_ops->get_reg(v, VREG_CR0);
	case 3: return vcpu_ops->get_reg(v, VREG_CR3);
	case 4: return vcpu_ops->get_reg(v, VREG_CR4);
	default: return (v->lapic.tpr >> 4) & 0xF; /* CR8 */
	}
}

static bool mov_to_cr(struct vcpu *v, u8 cr, u64 val)
{
	switch (cr) {
	case 0: return load_cr0(v, val);
	case 3: return load(v, VREG_CR3, cr3_load, val);
	case 4: return load(v, VREG_CR4, cr4_load, val);
	default: return load_cr8(v, val);
	}
}

/*
 * AMD-V without decode assists says only which CR was written: the guest's
 * instruction says how (MOV, CLTS, LMSW) and from which register.
 */
static const char *decode_cr_write(struct vcpu *v, struct exit_info *e)
{
	u8 bytes[INSN_MAX_LEN];
	enum code_mode mode;
	struct cr_insn insn;
	u32 n = vcpu_fetch_insn(v, bytes, &mode);
	const char *err = n ? insn_decode_cr_write(bytes, n, mode, &insn)
			    : "its instruction could not be fetched";
	if (err)
		return err;
	if (insn.kind == CR_INSN_MOV_TO && insn.cr != e->cr.cr)
		return "the instruction writes another control register than the exit says";
	e->cr.access = insn.kind == CR_INSN_CLTS ? CR_CLTS : insn.kind == CR_INSN_LMSW ? CR_LMSW
										      : CR_MOV_TO;
	e->cr.gpr = insn.gpr;
	if (insn.kind == CR_INSN_LMSW)
		e->cr.lmsw = (u16)vcpu_gpr_read(v, insn.gpr);
	e->next_rip = e->rip + insn.len;
	return NULL;
}

void handle_cr_access(struct vcpu *v, const struct exit_info *exit)
{
	struct exit_info decoded = *exit, *e = &decoded;
	bool done;
	if (e->cr.gpr == CR_GPR_DECODE) {
		const char *err = decode_cr_write(v, e);
		if (err) {
			pr_err("%s: write of CR%u at rip=0x%lx: %s", v->vm->name, e->cr.cr, e->rip, err);
			vcpu_stop(v, 1, "control-register write not emulated");
			return;
		}
	}
	if (e->cr.cr != 0 && e->cr.cr != 3 && e->cr.cr != 4 && e->cr.cr != 8) {
		vcpu_raise_exception(v, VEC_UD, false, 0); /* CR1, CR5-7, CR9-15 */
		return;
	}
	struct cr_state s = cr_state_of(v);
	bool code64 = (s.efer & EFER_LMA) && s.cs_l;
	u64 src = e->cr.access == CR_MOV_TO ? vcpu_gpr_read(v, e->cr.gpr) : 0;
	switch (e->cr.access) {
	case CR_MOV_TO: /* outside 64-bit mode the operand is 32 bits */
		done = mov_to_cr(v, e->cr.cr, code64 ? src : (u32)src);
		break;
	case CR_MOV_FROM: /* VT-x only: CR3 and CR8 stores (AMD-V reads are not intercepted) */
		*vcpu_gpr(v, e->cr.gpr) = read_cr(v, e->cr.cr);
		done = true;
		break;
	case CR_CLTS:
		done = load_cr0(v, s.cr0 & ~(u64)CR0_TS);
		break;
	default: /* LMSW: the low four bits; it can set PE but never clear it */
		done = load_cr0(v, (s.cr0 & ~(u64)LMSW_BITS) | (e->cr.lmsw & LMSW_BITS) |
					   (s.cr0 & CR0_PE));
		break;
	}
	if (done)
		vcpu_skip_instruction(v, e, 0);
}

/* XSETBV: only XCR0 exists; the guest's state is loaded, so the value goes into the CPU. */
void handle_xsetbv(struct vcpu *v, const struct exit_info *e)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	const char *why;
	if (!(vcpu_ops->get_reg(v, VREG_CR4) & CR4_OSXSAVE)) {
		vcpu_raise_exception(v, VEC_UD, false, 0);
		return;
	}
	if (vcpu_ops->get_reg(v, VREG_CPL))
		why = "XSETBV at CPL > 0";
	else if ((u32)v->regs.rcx != 0)
		why = "XSETBV of an XCR other than XCR0";
	else
		why = xcr0_load(&v->cr, val);
	if (why) {
		refuse(v, why);
		return;
	}
	shared_state_xcr0(&v->shared, val);
	vcpu_skip_instruction(v, e, LEN_XSETBV);
}
