/*
 * Firmware leaves the 8259 PICs delivering IRQ 0-7 on vectors 8-15, the
 * same numbers as CPU exceptions (BIOS), so a timer tick would look like a
 * double fault. pmuvisor uses the LAPIC only: remap, then mask everything.
 */
#include "arch/pic.h"
#include "arch/cpu.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 4); /* slave on IRQ2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
}
