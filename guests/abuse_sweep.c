/*
 * Abuse: touch every MSR of the three ranges the bitmaps cover and every I/O
 * port. Each access either behaves per the policy or raises #GP (MSRs) or is
 * denied (ports): nothing else. pmuvisor then checks the host's MSRs are
 * unchanged (its audit makes this guest fail otherwise).
 */
#include "guests/lib/guest.h"
#include "core/fw_cfg.h"

static bool sweep_msrs(u32 first, u32 count, u32 *faulted)
{
	for (u32 msr = first; msr < first + count; msr++) {
		u64 v = 0;
		int r = rdmsr_safe(msr, &v);
		int w = msr == MSR_EFER || msr == MSR_APIC_BASE ? 0 : wrmsr_safe(msr, v);
		if ((r && r != VEC_GP) || (w && w != VEC_GP)) {
			diag("MSR 0x%x: vector %d/%d", msr, r, w);
			return false;
		}
		*faulted += r == VEC_GP;
	}
	return true;
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u32 faulted = 0;
	bool ok = sweep_msrs(0, 0x2000, &faulted) && sweep_msrs(0xC0000000, 0x2000, &faulted) &&
		  sweep_msrs(0xC0010000, 0x2000, &faulted);
	report(ok, "24,576 MSRs read and written back: #GP or allowed, nothing else");
	report(faulted > 24000, "%u of them denied (default deny)", faulted);
	bool all_ones = true;
	for (u32 port = 0; port < 0x10000; port++) {
		if ((port >= GUEST_COM1_PORT && port < GUEST_COM1_PORT + 8) || port == GUEST_DEBUG_EXIT_PORT ||
		    port == FW_CFG_PORT_DATA) /* fw_cfg answers byte reads */
			continue;
		all_ones &= inb((u16)port) == 0xFF;
		outb((u16)port, 0);
	}
	report(all_ones, "every other port reads all ones, writes are dropped");
	report(inb(0x3FD) & 0x20, "COM1 still works after the sweep");
	return tap_status();
}
