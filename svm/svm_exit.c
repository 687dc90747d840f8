#include "svm/svm_exit.h"

/* EXIT_OTHER unless listed: the range first, so the codes below override it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const u8 svm_exit_reasons[VMEXIT_XSETBV + 1] = {
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
