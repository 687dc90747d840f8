/*
 * Abuse: never exits again. kind=spin loops without a single exit, kind=storm
 * loops on CPUID (an exit storm). pmuvisor's watchdog must stop it when its
 * budget (timeout=) runs out (the runner expects reason=watchdog).
 */
#include "guests/lib/guest.h"
#include "arch/string.h"

int guest_main(const char *cmdline)
{
	(void)cmdline;
	char kind[8] = "spin";
	cmdline_value("kind", kind, sizeof(kind));
	/* Nothing to check here: the runner checks pmuvisor stopped it (expect=watchdog). */
	diag("about to %s forever: only the watchdog can stop this",
	     !strcmp(kind, "storm") ? "exit on CPUID" : "spin without exits");
	tap_done();
	if (!strcmp(kind, "storm"))
		for (;;)
			cpuid(0, 0);
	for (;;)
		asm volatile("pause");
}
