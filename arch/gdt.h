/* The hypervisor's own GDT and TSS, with IST stacks for NMI, #DF and #MC. */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x18

/* IST slots (1-based, as the IDT gate encodes them). */
#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3

void gdt_init(void);

#endif
