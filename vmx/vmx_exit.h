/* VM-exit decoding into the normalized exit, and VMX error texts. Host-testable. */
#ifndef VMX_VMX_EXIT_H
#define VMX_VMX_EXIT_H

#include "core/vcpu.h"

/* The VMCS fields an exit is decoded from. */
struct vmx_exit_raw {
	u32 reason;     /* EXIT_REASON: basic reason in [15:0], entry failure in bit 31 */
	u64 qualification;
	u64 guest_physical;
	u32 intr_info, intr_error;
	u64 rip;
	u32 insn_len;
};

#define VMX_EXIT_ENTRY_FAILURE BIT(31)

#define INTR_INFO_HAS_ERROR BIT(11) /* the exit's interruption information has an error code */

/* Basic exit reasons (EXIT_REASON[15:0]; SDM vol. 3, appendix C). */
enum basic_exit {
	BASIC_EXCEPTION_NMI = 0, BASIC_EXTERNAL_INTERRUPT = 1, BASIC_TRIPLE_FAULT = 2,
	BASIC_INIT = 3, BASIC_SIPI = 4, BASIC_INTERRUPT_WINDOW = 7, BASIC_NMI_WINDOW = 8,
	BASIC_TASK_SWITCH = 9, BASIC_CPUID = 10, BASIC_GETSEC = 11, BASIC_HLT = 12,
	BASIC_INVD = 13, BASIC_INVLPG = 14, BASIC_RDPMC = 15, BASIC_RDTSC = 16, BASIC_RSM = 17,
	BASIC_VMCALL = 18, BASIC_VMCLEAR = 19, BASIC_VMLAUNCH = 20, BASIC_VMPTRLD = 21,
	BASIC_VMPTRST = 22, BASIC_VMREAD = 23, BASIC_VMRESUME = 24, BASIC_VMWRITE = 25,
	BASIC_VMXOFF = 26, BASIC_VMXON = 27, BASIC_CR_ACCESS = 28, BASIC_DR_ACCESS = 29,
	BASIC_IO = 30, BASIC_RDMSR = 31, BASIC_WRMSR = 32, BASIC_INVALID_GUEST_STATE = 33,
	BASIC_MSR_LOADING = 34, BASIC_MWAIT = 36, BASIC_MTF = 37, BASIC_MONITOR = 39,
	BASIC_PAUSE = 40, BASIC_MACHINE_CHECK = 41, BASIC_TPR_BELOW = 43, BASIC_APIC_ACCESS = 44,
	BASIC_EPT_VIOLATION = 48, BASIC_EPT_MISCONFIG = 49, BASIC_INVEPT = 50, BASIC_RDTSCP = 51,
	BASIC_PREEMPTION_TIMER = 52, BASIC_INVVPID = 53, BASIC_WBINVD = 54, BASIC_XSETBV = 55,
	BASIC_RDRAND = 57, BASIC_INVPCID = 58, BASIC_VMFUNC = 59, BASIC_RDSEED = 61,
	BASIC_XSAVES = 63, BASIC_XRSTORS = 64,
};

/*
 * Which exits report the fields not every exit has: the run loop reads
 * them only then, as each VMREAD costs on every exit.
 */
static inline bool vmx_exit_has_intr_info(u32 reason)
{
	return (reason & 0xFFFF) == BASIC_EXCEPTION_NMI;
}

static inline bool vmx_exit_has_guest_physical(u32 reason)
{
	u32 basic = reason & 0xFFFF;
	return basic == BASIC_EPT_VIOLATION || basic == BASIC_EPT_MISCONFIG;
}

void vmx_decode_exit(const struct vmx_exit_raw *raw, struct exit_info *e);
/*
 * The event an exit cut short, from the IDT-vectoring information (and its
 * error code, and the exit's instruction length for software events): false
 * when there is none.
 */
bool vmx_decode_vectoring(u32 info, u32 error, u32 insn_len, struct vcpu_event *ev);

/* Text for a VM-instruction error number (SDM vol. 3, 31.4). */
const char *vmx_instruction_error_text(u32 error);
/* Text for a basic exit reason number (for reports). */
const char *vmx_exit_reason_text(u32 basic);

#endif
