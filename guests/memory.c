/*
 * The guest sees exactly its RAM. Its last act touches the first byte past
 * it: pmuvisor must stop it with a nested page fault report (the runner
 * expects reason=npf); reaching the line after that is a failure.
 */
#include "guests/lib/guest.h"

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u64 mib = cmdline_uint("expect_mib", 16); /* what the runner gave pmuvisor as mem= */
	u64 end = guest_ram_end();
	report(end == mib << 20, "memory map ends at %lu MiB (0x%lx)", mib, end);
	volatile u64 *last = (volatile u64 *)(uintptr_t)(end - 4096);
	for (int i = 0; i < 512; i++)
		last[i] = 0x5A5A0000ULL + (u64)i;
	bool ok = true;
	for (int i = 0; i < 512; i++)
		ok &= last[i] == 0x5A5A0000ULL + (u64)i;
	report(ok, "the last page of RAM keeps what was written");
	report(*(volatile u32 *)0x100000 != 0, "the image itself is at 1 MiB");
	tap_done();
	diag("next: one byte past RAM, which pmuvisor must stop");
	(void)*(volatile u8 *)(uintptr_t)end;
	report(false, "access beyond RAM at 0x%lx did not stop the guest", end);
	return 1;
}
