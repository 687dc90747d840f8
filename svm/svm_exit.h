/*
 * Decoding a #VMEXIT into the normalized exit: inline, as svm_run() does it
 * on every exit; host-testable (tests/host/test_exit_decode.c).
 */
#ifndef SVM_SVM_EXIT_H
#define SVM_SVM_EXIT_H

#include "core/cr_rules.h"
#include "svm/svm.h"
#include "svm/vmcb.h"

#define IOIO_IN BIT(0)
#define IOIO_STRING BIT(2)
#define IOIO_REP BIT(3)
#define NPF_WRITE BIT(1)
#define NPF_EXEC BIT(4)
#define CR_INFO_MOV BIT(63)

/*
 * The normalized reason of every exit code up to XSETBV, looked up in one
 * load (svm/svm_exit.c).
 */
extern const u8 svm_exit_reasons[VMEXIT_XSETBV + 1];

static inline enum exit_reason svm_exit_reason(u64 code)
{
	if (code < ARRAY_SIZE(svm_exit_reasons))
		return svm_exit_reasons[code];
	if (code == VMEXIT_NPF)
		return EXIT_NPF;
	if ((u32)code == (u32)VMEXIT_INVALID) /* QEMU TCG stores -1 as 32 bits */
		return EXIT_INVALID_STATE;
	return EXIT_OTHER;
}

static inline void svm_decode_exit(const struct vmcb *vmcb, bool nrips, struct exit_info *e)
{
	const struct vmcb_control *c = &vmcb->control;
	/* Field by field: on every exit, clearing the whole union would cost more. */
	e->reason = svm_exit_reason(c->exitcode);
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

#endif
