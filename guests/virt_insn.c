/* VMX and SVM instructions are not offered to guests: each raises #UD. */
#include "guests/lib/guest.h"

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
	return tap_status();
}
