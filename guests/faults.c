/*
 * Exceptions reach the guest's own IDT; then it triple-faults on purpose:
 * pmuvisor must report a shutdown and go on with the next guest (the runner
 * expects reason=shutdown).
 */
#include "guests/lib/guest.h"

int guest_main(const char *cmdline)
{
	(void)cmdline;
	report(TRY("ud2") == VEC_UD, "#UD is delivered to the guest's IDT");
	int vec = TRY("mov %1, %%ds", "r"(0x1234));
	report(vec == VEC_GP, "#GP from a selector beyond the GDT is delivered (vector %d)", vec);
	u64 v;
	report(rdmsr_safe(0xDEAD, &v) == VEC_GP, "#GP from a denied MSR is delivered");
	tap_done();
	diag("next: an empty IDT and #UD, a triple fault pmuvisor must report");
	struct __attribute__((packed)) {
		u16 limit;
		u64 base;
	} empty = { 0, 0 };
	asm volatile("lidt %0; ud2" : : "m"(empty));
	report(false, "the triple fault did not stop the guest");
	return 1;
}
