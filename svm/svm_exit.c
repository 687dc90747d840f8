#include "svm/svm.h"
#include "svm/vmcb.h"
#include "core/cr_rules.h"

#define IOIO_IN BIT(0)
#define IOIO_STRING BIT(2)
#define IOIO_REP BIT(3)
#define NPF_WRITE BIT(1)
#define NPF_EXEC BIT(4)
#define CR_INFO_MOV BIT(63)

/*
 * The normalized reason of every exit code up to XSETBV, looked up in one
 * load on each exit: EXIT_OTHER unless listed (the range first, so the
 * codes below override it).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const u8 reasons[VMEXIT_XSETBV + 1] = {
	[0 ... VMEXIT_XSETBV] = EXIT_OTHER,
	/* CR writes: with decode assists EXITINFO1 gives the GPR (svm_decode_exit) */
	[VMEXIT_CR0_WRITE ... VMEXIT_CR0_WRITE + 15] = EXIT_CR_ACCESS,
	[VMEXIT_EXCP_BASE ... VMEXIT_EXCP_BASE + 31] = EXIT_EXCEPTION,
	[VMEXIT_INTR] = EXIT_INTERRUPT,
	[VMEXIT_NMI] = EXIT_NMI,
	[VMEXIT_VINTR] = EXIT_INTR_WINDOW,
	[VMEXIT_IRET] = EXIT_NMI_WINDOW, /* the NMI handler returns (svm.c tracks it) */
	[VMEXIT_RDPMC] = EXIT_RDPMC,
	[VMEXIT_CPUID] = EXIT_CPUID,
	[VMEXIT_HLT] = EXIT_HLT,
	[VMEXIT_IOIO] = EXIT_IO,
	[VMEXIT_MSR] = EXIT_MSR_READ, /* or a write, as EXITINFO1 says */
	[VMEXIT_SHUTDOWN] = EXIT_SHUTDOWN,
	[VMEXIT_VMMCALL] = EXIT_HYPERCALL,
	/* Instructions guests are not offered: they get #UD. */
	[VMEXIT_VMRUN] = EXIT_VIRT_INSN,
	[VMEXIT_VMLOAD] = EXIT_VIRT_INSN,
	[VMEXIT_VMSAVE] = EXIT_VIRT_INSN,
	[VMEXIT_STGI] = EXIT_VIRT_INSN,
	[VMEXIT_CLGI] = EXIT_VIRT_INSN,
	[VMEXIT_SKINIT] = EXIT_VIRT_INSN,
	[VMEXIT_INVLPGA] = EXIT_VIRT_INSN,
	[VMEXIT_MONITOR] = EXIT_VIRT_INSN,
	[VMEXIT_MWAIT] = EXIT_VIRT_INSN,
	[VMEXIT_MWAIT_COND] = EXIT_VIRT_INSN,
	[VMEXIT_XSETBV] = EXIT_XSETBV,
};
#pragma GCC diagnostic pop

static enum exit_reason reason_of(u64 code)
{
	if (code < ARRAY_SIZE(reasons))
		return reasons[code];
	if (code == VMEXIT_NPF)
		return EXIT_NPF;
	if ((u32)code == (u32)VMEXIT_INVALID) /* QEMU TCG stores -1 as 32 bits */
		return EXIT_INVALID_STATE;
	return EXIT_OTHER;
}

void svm_decode_exit(const struct vmcb *vmcb, bool nrips, struct exit_info *e)
{
	const struct vmcb_control *c = &vmcb->control;
	/* Field by field: on every exit, clearing the whole union would cost more. */
	e->reason = reason_of(c->exitcode);
	e->raw_reason = c->exitcode;
	e->qual[0] = c->exitinfo1;
	e->qual[1] = c->exitinfo2;
	e->rip = vmcb->save.rip;
	e->next_rip = nrips ? c->next_rip : 0;
	switch (e->reason) {
	case EXIT_MSR_READ: /* ECX holds the index, EXITINFO1 says read (0) or write (1) */
		if (c->exitinfo1)
			e->reason = EXIT_MSR_WRITE;
		break;
	case EXIT_IO:
		e->io.port = (u16)(c->exitinfo1 >> 16);
		e->io.size = (c->exitinfo1 >> 4) & 7; /* one-hot SZ8/SZ16/SZ32 */
		e->io.size = e->io.size == 4 ? 4 : e->io.size == 2 ? 2 : 1;
		e->io.in = c->exitinfo1 & IOIO_IN;
		e->io.string = c->exitinfo1 & IOIO_STRING;
		e->io.rep = c->exitinfo1 & IOIO_REP;
		e->next_rip = c->exitinfo2; /* IOIO gives the next RIP even without NRIPS */
		break;
	case EXIT_NPF:
		e->npf.gpa = c->exitinfo2;
		e->npf.write = c->exitinfo1 & NPF_WRITE;
		e->npf.exec = c->exitinfo1 & NPF_EXEC;
		e->npf.read = !e->npf.write && !e->npf.exec;
		break;
	case EXIT_EXCEPTION:
		e->exception.vector = (u8)(c->exitcode - VMEXIT_EXCP_BASE);
		e->exception.has_error = false;
		e->exception.error = (u32)c->exitinfo1;
		break;
	case EXIT_CR_ACCESS:
		/*
		 * With decode assists EXITINFO1 bit 63 says a MOV and bits 3:0 its
		 * GPR; otherwise (CLTS, LMSW, or no next RIP to skip to) core/
		 * decodes the instruction.
		 */
		e->cr.cr = (u8)(c->exitcode - VMEXIT_CR0_WRITE);
		e->cr.access = CR_MOV_TO;
		e->cr.gpr = nrips && (c->exitinfo1 & CR_INFO_MOV) ? (s8)(c->exitinfo1 & 0xF)
								     : CR_GPR_DECODE;
		break;
	default:
		break;
	}
}

#define VEC_BP 3
#define VEC_OF 4

bool svm_decode_exitintinfo(u64 info, struct vcpu_event *ev)
{
	if (!(info & EVENT_VALID))
		return false;
	u8 type = (u8)EVENT_TYPE(info), vector = (u8)info;
	if (type != EVENT_EXTINT && type != EVENT_NMI && type != EVENT_EXCEPTION)
		return false; /* INT n, or a type the APM reserves */
	if (type == EVENT_EXCEPTION && (vector == VEC_BP || vector == VEC_OF))
		return false;
	bool has_error = info & EVENT_ERROR_VALID;
	*ev = (struct vcpu_event){ .valid = true, .type = type, .vector = vector,
				   .has_error = has_error, .error = has_error ? (u32)(info >> 32) : 0 };
	return true;
}

u64 svm_guest_efer(const struct vmcb_save *s)
{
	return efer_with_lma(s->efer & ~(u64)EFER_SVME, s->cr0);
}
