/*
 * Guest-physical addresses with no RAM and no device behind them answer as
 * on a PC: reads return all ones, writes are dropped, and the guest goes on
 * (pmuvisor's default, unbacked=ones; it counts them). The memory guest
 * checks the strict mode, unbacked=stop.
 */
#include "guests/lib/guest.h"

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u64 end = guest_ram_end();
	volatile u32 *word = (volatile u32 *)(uintptr_t)end;
	volatile u64 *quad = (volatile u64 *)(uintptr_t)(end + (1ULL << 20) + 8);
	u32 w = *word;
	u64 q = *quad;
	report(w == 0xFFFFFFFF && q == ~0ULL, "reads past RAM return all ones (0x%x, 0x%lx)", w, q);
	*word = 0x12345678;
	*quad = 0;
	w = *word;
	q = *quad;
	report(w == 0xFFFFFFFF && q == ~0ULL, "writes there are dropped (0x%x, 0x%lx)", w, q);
	return tap_status();
}
