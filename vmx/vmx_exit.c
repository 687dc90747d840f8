#include "vmx/vmx_exit.h"

#define INTR_INFO_VECTOR(x) ((u8)(x))
#define INTR_INFO_TYPE(x) (((x) >> 8) & 7)
#define INTR_TYPE_NMI 2
#define IO_QUAL_IN BIT(3)
#define IO_QUAL_STRING BIT(4)
#define IO_QUAL_REP BIT(5)
#define EPT_QUAL_READ BIT(0)
#define EPT_QUAL_WRITE BIT(1)
#define EPT_QUAL_EXEC BIT(2)
/* Control-register exits (SDM vol. 3, table 28-3): CR, access type, GPR, LMSW data. */
#define CR_QUAL_CR(q) ((u8)((q) & 0xF))
#define CR_QUAL_ACCESS(q) ((enum cr_access)(((q) >> 4) & 3))
#define CR_QUAL_GPR(q) ((s8)(((q) >> 8) & 0xF))
#define CR_QUAL_LMSW(q) ((u16)((q) >> 16))

static enum exit_reason reason_of(u32 basic, u32 intr_info)
{
	switch (basic) {
	case BASIC_EXCEPTION_NMI:
		return INTR_INFO_TYPE(intr_info) == INTR_TYPE_NMI ? EXIT_NMI : EXIT_EXCEPTION;
	case BASIC_EXTERNAL_INTERRUPT:
	case BASIC_PREEMPTION_TIMER: /* the watchdog tick's stand-in */
		return EXIT_INTERRUPT;
	case BASIC_TRIPLE_FAULT: return EXIT_SHUTDOWN;
	case BASIC_INTERRUPT_WINDOW: return EXIT_INTR_WINDOW;
	case BASIC_NMI_WINDOW: return EXIT_NMI_WINDOW;
	case BASIC_CPUID: return EXIT_CPUID;
	case BASIC_HLT: return EXIT_HLT;
	case BASIC_RDPMC: return EXIT_RDPMC;
	case BASIC_VMCALL: return EXIT_HYPERCALL;
	case BASIC_IO: return EXIT_IO;
	case BASIC_RDMSR: return EXIT_MSR_READ;
	case BASIC_WRMSR: return EXIT_MSR_WRITE;
	case BASIC_EPT_VIOLATION: return EXIT_NPF;
	case BASIC_CR_ACCESS: return EXIT_CR_ACCESS;
	case BASIC_XSETBV: return EXIT_XSETBV;
	case BASIC_INVALID_GUEST_STATE:
	case BASIC_MSR_LOADING:
		return EXIT_INVALID_STATE;
	/* Instructions guests are not offered: they get #UD. */
	case BASIC_GETSEC:
	case BASIC_VMCLEAR:
	case BASIC_VMLAUNCH:
	case BASIC_VMPTRLD:
	case BASIC_VMPTRST:
	case BASIC_VMREAD:
	case BASIC_VMRESUME:
	case BASIC_VMWRITE:
	case BASIC_VMXOFF:
	case BASIC_VMXON:
	case BASIC_INVEPT:
	case BASIC_INVVPID:
	case BASIC_MWAIT:
	case BASIC_MONITOR:
	case BASIC_VMFUNC:
		return EXIT_VIRT_INSN;
	default:
		return EXIT_OTHER;
	}
}

void vmx_decode_exit(const struct vmx_exit_raw *raw, struct exit_info *e)
{
	u32 basic = raw->reason & 0xFFFF;
	*e = (struct exit_info){
		.reason = reason_of(basic, raw->intr_info),
		.raw_reason = raw->reason,
		.qual = { raw->qualification, raw->guest_physical },
		.rip = raw->rip,
		.next_rip = raw->rip + raw->insn_len,
	};
	if (raw->reason & VMX_EXIT_ENTRY_FAILURE)
		e->reason = EXIT_INVALID_STATE;
	switch (e->reason) {
	case EXIT_IO:
		e->io.size = (u8)((raw->qualification & 7) + 1);
		e->io.in = raw->qualification & IO_QUAL_IN;
		e->io.string = raw->qualification & IO_QUAL_STRING;
		e->io.rep = raw->qualification & IO_QUAL_REP;
		e->io.port = (u16)(raw->qualification >> 16);
		break;
	case EXIT_NPF:
		e->npf.gpa = raw->guest_physical;
		e->npf.read = raw->qualification & EPT_QUAL_READ;
		e->npf.write = raw->qualification & EPT_QUAL_WRITE;
		e->npf.exec = raw->qualification & EPT_QUAL_EXEC;
		break;
	case EXIT_CR_ACCESS:
		e->cr.cr = CR_QUAL_CR(raw->qualification);
		e->cr.access = CR_QUAL_ACCESS(raw->qualification);
		e->cr.gpr = CR_QUAL_GPR(raw->qualification);
		e->cr.lmsw = CR_QUAL_LMSW(raw->qualification);
		break;
	case EXIT_EXCEPTION:
		e->exception.vector = INTR_INFO_VECTOR(raw->intr_info);
		e->exception.has_error = raw->intr_info & INTR_INFO_HAS_ERROR;
		e->exception.error = raw->intr_error;
		break;
	default:
		break;
	}
}

#define VECTORING_VALID BIT(31)

bool vmx_decode_vectoring(u32 info, u32 error, u32 insn_len, struct vcpu_event *ev)
{
	u8 type = (u8)INTR_INFO_TYPE(info);
	if (!(info & VECTORING_VALID) || type == 1 || type == 7)
		return false; /* none, or a type IDT-vectoring never reports (reserved, other) */
	bool has_error = info & INTR_INFO_HAS_ERROR;
	*ev = (struct vcpu_event){
		.valid = true, .type = type, .vector = INTR_INFO_VECTOR(info),
		.has_error = has_error, .error = has_error ? error : 0,
		.insn_len = type >= EVENT_SOFT_INT ? (u8)insn_len : 0,
	};
	return true;
}

static const char *const instruction_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

const char *vmx_instruction_error_text(u32 error)
{
	if (error < ARRAY_SIZE(instruction_errors) && instruction_errors[error])
		return instruction_errors[error];
	return "unknown VM-instruction error";
}

static const char *const basic_names[] = {
	[BASIC_EXCEPTION_NMI] = "exception or NMI", [BASIC_EXTERNAL_INTERRUPT] = "external interrupt",
	[BASIC_TRIPLE_FAULT] = "triple fault", [BASIC_INTERRUPT_WINDOW] = "interrupt window",
	[BASIC_NMI_WINDOW] = "NMI window", [BASIC_CPUID] = "CPUID", [BASIC_HLT] = "HLT",
	[BASIC_RDPMC] = "RDPMC", [BASIC_VMCALL] = "VMCALL", [BASIC_CR_ACCESS] = "control-register access",
	[BASIC_IO] = "I/O instruction", [BASIC_RDMSR] = "RDMSR", [BASIC_WRMSR] = "WRMSR",
	[BASIC_INVALID_GUEST_STATE] = "VM entry failure: invalid guest state",
	[BASIC_MSR_LOADING] = "VM entry failure: MSR loading",
	[BASIC_MACHINE_CHECK] = "VM entry failure: machine-check event",
	[BASIC_EPT_VIOLATION] = "EPT violation", [BASIC_EPT_MISCONFIG] = "EPT misconfiguration",
	[BASIC_XSETBV] = "XSETBV",
};

const char *vmx_exit_reason_text(u32 basic)
{
	if (basic < ARRAY_SIZE(basic_names) && basic_names[basic])
		return basic_names[basic];
	return "other";
}
