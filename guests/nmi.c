/*
 * A host NMI while this guest runs: it says it waits, then spins in guest
 * mode (a hypercall every few thousand pauses) until pmuvisor reports the
 * NMI taken. The runner sends the NMI through QEMU's monitor when it sees the
 * "waiting" line (tests/t/35). pmuvisor must count it, not panic, and not
 * inject it: the guest sets up no NMI handler, so an injected NMI would end it.
 */
#include "guests/lib/guest.h"

int guest_main(const char *cmdline)
{
	(void)cmdline;
	long before = hc_host_nmis();
	diag("waiting for a host NMI (%ld so far)", before);
	long now;
	while ((now = hc_host_nmis()) == before)
		for (int i = 0; i < 4096; i++)
			asm volatile("pause");
	report(now == before + 1, "pmuvisor took one host NMI while this guest ran (%ld)", now);
	struct cpuid_regs r = cpuid(0, 0);
	report(r.eax != 0, "the guest goes on afterwards (CPUID.0:EAX=0x%x)", r.eax);
	return tap_status();
}
