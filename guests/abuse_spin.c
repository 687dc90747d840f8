/*
 * Abuse: never exits again. kind=spin loops without a single exit, kind=storm
 * loops on CPUID (an exit storm), kind=rep runs one REP OUTSB of 4 billion
 * bytes (an instruction pmuvisor emulates a bounded chunk of per exit).
 * pmuvisor's watchdog must stop it when its budget (timeout=) runs out (the
 * runner expects reason=watchdog).
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
	     !strcmp(kind, "storm") ? "exit on CPUID"
	     : !strcmp(kind, "rep") ? "REP OUTSB 4 GiB to a denied port"
				    : "spin without exits");
	tap_done();
	if (!strcmp(kind, "storm"))
		for (;;)
			cpuid(0, 0);
	if (!strcmp(kind, "rep")) {
		/* 32-bit addressing: ESI wraps inside the identity-mapped 4 GiB, never a fault */
		u64 rsi = 0, rcx = 0xFFFFFFFF;
		asm volatile("addr32 rep outsb" : "+S"(rsi), "+c"(rcx) : "d"(0x80) : "memory");
		diag("REP OUTSB of 4 GiB came to an end: RCX 0x%lx", rcx);
		return 1;
	}
	for (;;)
		asm volatile("pause");
}
