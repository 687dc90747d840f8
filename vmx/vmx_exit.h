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
