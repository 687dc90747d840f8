/* Exit information from the hardware (or a nested hypervisor): decoded, never trusted. */
#include <stdlib.h>
#include <string.h>
#include "svm/svm_exit.h"
#include "svm/vmcb.h"
#include "vmx/vmx_exit.h"
#include "vmx/vmx_guest_check.h"

static void ignore(const char *line) { (void)line; }

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct vmcb vmcb;
	struct vmx_exit_raw raw;
	struct vmx_guest_state gs;
	struct exit_info e;
	if (size < sizeof(raw) + 8)
		return 0;
	memcpy(&vmcb.control.exitcode, data, 8);
	memcpy(&vmcb.control.exitinfo1, data + 8, 8);
	vmcb.control.exitinfo2 = vmcb.control.exitcode ^ vmcb.control.exitinfo1;
	svm_decode_exit(&vmcb, data[0] & 1, &e);
	if (e.reason >= EXIT_REASON_COUNT)
		abort();
	memcpy(&raw, data + 8, sizeof(raw));
	vmx_decode_exit(&raw, &e);
	if (e.reason >= EXIT_REASON_COUNT || (e.reason == EXIT_IO && (e.io.size < 1 || e.io.size > 8)))
		abort();
	/* what an exit cut short: valid events only, of the interruption types there are */
	struct vcpu_event ev;
	if (svm_decode_exitintinfo(vmcb.control.exitcode, &ev) &&
	    (!ev.valid || (ev.type != EVENT_EXTINT && ev.type != EVENT_NMI &&
			   ev.type != EVENT_EXCEPTION)))
		abort();
	if (vmx_decode_vectoring(raw.intr_info, raw.intr_error, raw.insn_len, &ev) &&
	    (!ev.valid || ev.type == 1 || ev.type > EVENT_SOFT_EXCEPTION ||
	     (ev.type < EVENT_SOFT_INT && ev.insn_len)))
		abort();
	vmx_exit_reason_text(raw.reason & 0xFFFF);
	vmx_instruction_error_text(raw.reason);
	memset(&gs, 0, sizeof(gs));
	memcpy(&gs, data, size < sizeof(gs) ? size : sizeof(gs));
	gs.unrestricted = data[0] & 1; /* a bool must hold 0 or 1 */
	vmx_check_guest_state(&gs, ignore);
	return 0;
}
