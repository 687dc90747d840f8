/* IDT, exception reporting and interrupt handler registration. */
#ifndef ARCH_INTERRUPTS_H
#define ARCH_INTERRUPTS_H

#include "arch/types.h"

/* Layout pushed by arch/isr.asm; keep in sync. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

typedef void (*interrupt_handler)(struct trap_frame *frame);

void idt_init(void);

/*
 * Host NMIs (an NMI button, a watchdog, a monitor's "nmi"): counted, never a
 * panic. pmuvisor's own PMIs use fixed vectors (the LVTPC is never in NMI
 * mode), so an NMI is never a PMI that belongs to a guest.
 */
void host_nmi_record(void);
u64 host_nmi_count(void);
/* #DB traps taken in the hypervisor: a guest's single-step an emulator carried across the exit. */
u64 host_stray_debug_traps(void);
void interrupt_register(u8 vector, interrupt_handler handler);

/* Test hook: raise an exception on purpose (cmdline crash=ud|gp|pf|de). */
void exceptions_selftest(const char *kind);

#endif
