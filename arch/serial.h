/* COM1 16550 UART: the one output path of the hypervisor. */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

#include "arch/types.h"

#define COM1_PORT 0x3f8

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t n);

#endif
