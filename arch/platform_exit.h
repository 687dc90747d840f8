/*
 * Ending a run and carrying its status out of the machine.
 *   qemu:  isa-debug-exit at port 0xf4 (QEMU exits with (status << 1) | 1)
 *   bochs: the Bochs shutdown port 0x8900 (Bochs quits)
 *   reset: ACPI-less reset through the keyboard controller (real machines)
 *   halt:  stop the CPU, output stays on the console (real machines)
 *   auto:  qemu, then bochs, then halt: each is a no-op where absent.
 * The status is always printed first as "hv: exit status=N", the line the
 * test runner reads on every platform.
 */
#ifndef ARCH_PLATFORM_EXIT_H
#define ARCH_PLATFORM_EXIT_H

enum exit_method { EXIT_AUTO, EXIT_QEMU, EXIT_BOCHS, EXIT_RESET, EXIT_HALT };

/* Exit statuses the hypervisor itself uses. */
enum {
	STATUS_PASS = 0,
	STATUS_GUEST_FAILED = 1, /* at least one guest failed */
	STATUS_BAD_INPUT = 2,    /* command line, config, image, unsupported CPU */
	STATUS_PANIC = 3,        /* hypervisor exception */
};

extern enum exit_method platform_exit_method;

void platform_exit(int status) __attribute__((noreturn));

#endif
