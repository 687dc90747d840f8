/*
 * The guest's IDT, on the hypervisor's own stubs (arch/isr.asm): interrupt
 * vectors go to the handler a guest registered, faults listed in .extable
 * resume with the vector in RSI, anything else is a failure of the test.
 */
#include "guests/lib/guest.h"
#include "arch/idt_gate.h"
#include "arch/interrupts.h"

#define GUEST_CODE_SELECTOR 0x08
#define VECTORS 256

extern const u64 isr_stub_table[VECTORS];
extern const u64 __extable_start[], __extable_end[];
static struct idt_gate idt[VECTORS] __attribute__((aligned(16)));
static guest_irq_handler handlers[VECTORS];

void guest_idt_init(void);
void trap_dispatch(struct trap_frame *f);

void guest_idt_init(void)
{
	for (int v = 0; v < VECTORS; v++)
		idt[v] = idt_gate(isr_stub_table[v], GUEST_CODE_SELECTOR, 0);
	idt_load(idt, VECTORS);
}

void guest_irq_register(u8 vector, guest_irq_handler fn) { handlers[vector] = fn; }

void guest_idt_present(u8 vector, bool present)
{
	idt[vector].type_attr = present ? IDT_INTERRUPT_GATE : IDT_INTERRUPT_GATE & 0x7F;
}

void trap_dispatch(struct trap_frame *f)
{
	if (handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	for (const u64 *e = __extable_start; e < __extable_end; e += 2) {
		if (e[0] == f->rip) {
			f->rip = e[1];
			f->rsi = f->vector;
			return;
		}
	}
	gprintf("not ok - unexpected exception %lu (error 0x%lx) at rip 0x%lx\n", f->vector,
		f->error_code, f->rip);
	guest_exit(3);
}
