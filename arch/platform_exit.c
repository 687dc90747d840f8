#include "arch/platform_exit.h"
#include "arch/cpu.h"
#include "arch/log.h"

enum exit_method platform_exit_method = EXIT_AUTO;

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900
#define KBC_CMD_PORT 0x64

static void exit_qemu(int status) { outl(QEMU_DEBUG_EXIT_PORT, (u32)status); }

static void exit_bochs(void)
{
	for (const char *p = "Shutdown"; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*p);
}

static void exit_reset(void) { outb(KBC_CMD_PORT, 0xFE); }

void platform_exit(int status)
{
	cli();
	log_raw("hv: exit status=%d", status);
	switch (platform_exit_method) {
	case EXIT_AUTO:
		exit_qemu(status);
		exit_bochs();
		break;
	case EXIT_QEMU:
		exit_qemu(status);
		break;
	case EXIT_BOCHS:
		exit_bochs();
		break;
	case EXIT_RESET:
		exit_reset();
		break;
	case EXIT_HALT:
		break;
	}
	halt_forever();
}
