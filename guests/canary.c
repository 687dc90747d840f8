/*
 * Runs after the abuse guests: it must start from a clean state, nothing of
 * the previous guest left: RAM zeroed, MSRs at their reset values, and (with
 * vpmu=mediated) an idle PMU.
 */
#include "guests/lib/guest.h"
#include "guests/lib/pmu.h"

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u64 end = guest_ram_end(), dirty = 0;
	for (u64 a = 2ULL << 20; a < end; a += 8) /* above this image, stack and page tables */
		dirty += *(volatile u64 *)(uintptr_t)a != 0;
	report(dirty == 0, "RAM from 2 MiB to %lu MiB is zero (%lu dirty words)", end >> 20, dirty);
	u64 fs = 1, gs = 1, kgs = 1, star = 1;
	rdmsr_safe(0xC0000100, &fs);
	rdmsr_safe(0xC0000101, &gs);
	rdmsr_safe(0xC0000102, &kgs);
	rdmsr_safe(0xC0000081, &star);
	report(!fs && !gs && !kgs && !star, "FS/GS/KERNEL_GS base and STAR are 0");
	u64 apic = 0;
	rdmsr_safe(MSR_APIC_BASE, &apic);
	report(apic == 0xFEE00900, "the APIC base is the reset one, xAPIC mode (0x%lx)", apic);
	u64 s = 1;
	rdmsr_safe(pmu_gp_eventsel_msr(0), &s);
	report(s == 0, "event selector 0 is clear (0x%lx)", s);
	return tap_status();
}
