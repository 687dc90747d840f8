/*
 * Abuse: malformed hypercalls (unknown numbers, buffers outside guest RAM,
 * oversized lengths) get an error code, never a crash or a host access.
 */
#include "guests/lib/guest.h"

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u64 end = guest_ram_end();
	report(hypercall(0x7FFF, 1, 2, 3) == HC_ENOSYS, "an unknown hypercall number: ENOSYS");
	report(hypercall(~0UL, 0, 0, 0) == HC_ENOSYS, "hypercall number ~0: ENOSYS");
	report(hypercall(HC_PRINT, end - 4, 16, 0) == HC_EFAULT, "print from a buffer running past RAM: EFAULT");
	report(hypercall(HC_PRINT, 0x1000, 100000, 0) == HC_EINVAL, "print of 100,000 bytes: EINVAL");
	report(hypercall(HC_EXIT_COUNTS, 0xFFFFFFFFFFFFF000UL, 4096, 0) == HC_EFAULT,
	       "counters into an address far beyond RAM: EFAULT");
	report(hypercall(HC_EXIT_COUNTS, end, 4096, 0) == HC_EFAULT,
	       "counters just past RAM (where no hypervisor memory is mapped): EFAULT");
	report(hypercall(HC_PMU_STATS, 0x1000, 8, 0) == HC_EINVAL, "PMU stats into a too-small buffer: EINVAL");
	report(hc_host_msr(MSR_LSTAR) == HC_EINVAL, "the host's LSTAR is not on the audit list: EINVAL");
	report(hc_host_msr(MSR_VM_HSAVE_PA) == HC_EINVAL,
	       "the host's VM_HSAVE_PA (a host physical address) is not on it either: EINVAL");
	return tap_status();
}
