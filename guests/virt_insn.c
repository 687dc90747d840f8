/*
 * VMX and SVM instructions are not offered to guests: each raises #UD. What
 * CPUID does offer runs: INVPCID (VT-x raises #UD for it unless the VMCS
 * enables it).
 */
#include "guests/lib/guest.h"

#define LEAF7_EBX_INVPCID BIT(10)
#define INVPCID_ALL_CONTEXTS 2UL /* every PCID, global translations too: as Linux flushes */

static void invpcid_runs_when_offered(void)
{
	if (!(cpuid(7, 0).ebx & LEAF7_EBX_INVPCID)) {
		report_skip("CPUID does not offer INVPCID", "INVPCID runs");
		return;
	}
	struct { u64 pcid, addr; } desc = { 0, 0 };
	int vec = TRY("invpcid %1, %2", "m"(desc), "r"(INVPCID_ALL_CONTEXTS));
	report(vec == 0, "INVPCID, offered by CPUID, runs (vector %d)", vec);
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	if (guest_on_intel) {
		report(TRY("vmxon (%%rsp)") == VEC_UD, "VMXON raises #UD");
		report(TRY("vmptrst (%%rsp)") == VEC_UD, "VMPTRST raises #UD");
		report(TRY("invept (%%rsp), %%rax") == VEC_UD, "INVEPT raises #UD");
		report(TRY("vmxoff") == VEC_UD, "VMXOFF raises #UD");
		report(TRY("vmmcall") == VEC_UD, "AMD's VMMCALL raises #UD on Intel");
	} else {
		/* A page-aligned RAX: the #UD must come from pmuvisor, not an operand check. */
		report(TRY("vmrun", "a"(0x200000UL)) == VEC_UD, "VMRUN raises #UD");
		report(TRY("vmload", "a"(0x200000UL)) == VEC_UD, "VMLOAD raises #UD");
		report(TRY("stgi") == VEC_UD, "STGI raises #UD");
		report(TRY("clgi") == VEC_UD, "CLGI raises #UD");
		report(TRY("vmcall") == VEC_UD, "Intel's VMCALL raises #UD on AMD");
	}
	report(TRY("xsetbv", "a"(1), "c"(0), "d"(0)) == VEC_UD,
	       "XSETBV raises #UD while CR4.OSXSAVE is clear");
	invpcid_runs_when_offered();
	return tap_status();
}
