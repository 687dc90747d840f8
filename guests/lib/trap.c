/* The guest's IDT: faults listed in .extable resume with the vector in RSI. */
#include "guests/lib/guest.h"
#include "arch/interrupts.h"

struct idt_gate {
	u16 offset_lo, selector;
	u8 ist, type_attr;
	u16 offset_mid;
	u32 offset_hi, reserved;
} __attribute__((packed));

extern const u64 guest_isr_table[32];
extern const u64 __extable_start[], __extable_end[];
static struct idt_gate idt[32] __attribute__((aligned(16)));

void guest_idt_init(void);
void guest_trap(struct trap_frame *f);

void guest_idt_init(void)
{
	for (int v = 0; v < 32; v++) {
		u64 h = guest_isr_table[v];
		idt[v] = (struct idt_gate){ (u16)h, 0x08, 0, 0x8E, (u16)(h >> 16), (u32)(h >> 32), 0 };
	}
	struct __attribute__((packed)) {
		u16 limit;
		u64 base;
	} idtr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };
	asm volatile("lidt %0" : : "m"(idtr));
}

void guest_trap(struct trap_frame *f)
{
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
