/* What CPUID shows a guest: pmuvisor's leaves, the host's vendor, nothing of VMX/SVM. */
#include "guests/lib/guest.h"
#include "arch/string.h"

int guest_main(const char *cmdline)
{
	(void)cmdline;
	struct cpuid_regs r = cpuid(1, 0);
	report(r.ecx & BIT(31), "hypervisor-present bit (CPUID.1:ECX[31]) is set");
	report(!(r.ecx & BIT(5)), "VMX (CPUID.1:ECX[5]) is hidden");
	report(r.ecx & BIT(21), "x2APIC is offered by the virtual LAPIC");

	r = cpuid(0x40000000, 0);
	char name[13] = { 0 };
	memcpy(name, &r.ebx, 4);
	memcpy(name + 4, &r.ecx, 4);
	memcpy(name + 8, &r.edx, 4);
	report(!strcmp(name, "pmuvisor") && !memcmp(name + 8, "\0\0\0\0", 4),
	       "leaf 0x40000000 names pmuvisor (got \"%s\")", name);
	report(r.eax >= 0x40000001, "leaf 0x40000000 EAX covers leaf 0x40000001 (0x%x)", r.eax);
	report(cpuid(0x40000001, 0).eax == HC_ABI_VERSION, "leaf 0x40000001 gives the ABI version");

	r = cpuid(0x80000001, 0);
	report(!(r.ecx & BIT(2)), "SVM (CPUID.80000001h:ECX[2]) is hidden");
	r = cpuid(0x8000000A, 0);
	report(!(r.eax | r.ebx | r.ecx | r.edx), "SVM leaf 0x8000000A reads as zero");
	return tap_status();
}
