/* The legacy 8259 PICs: remapped off the exception vectors and masked. */
#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#define PIC_VECTOR_BASE 0x20 /* IRQ 0-15 -> vectors 0x20-0x2F, should one slip through */

void pic_disable(void);

#endif
