/* A 64-bit interrupt gate (shared by the hypervisor's IDT and the unit guests'). */
#ifndef ARCH_IDT_GATE_H
#define ARCH_IDT_GATE_H

#include "arch/types.h"

struct idt_gate {
	u16 offset_lo, selector;
	u8 ist, type_attr;
	u16 offset_mid;
	u32 offset_hi, reserved;
} __attribute__((packed));

#define IDT_INTERRUPT_GATE 0x8E /* present, DPL0, 64-bit interrupt gate */

static inline struct idt_gate idt_gate(u64 handler, u16 selector, u8 ist)
{
	return (struct idt_gate){ (u16)handler, selector, ist, IDT_INTERRUPT_GATE,
				  (u16)(handler >> 16), (u32)(handler >> 32), 0 };
}

static inline void idt_load(const struct idt_gate *idt, size_t entries)
{
	struct __attribute__((packed)) {
		u16 limit;
		u64 base;
	} idtr = { (u16)(entries * sizeof(*idt) - 1), (u64)(uintptr_t)idt };
	asm volatile("lidt %0" : : "m"(idtr));
}

#endif
