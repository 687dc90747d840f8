/*
 * A guest's COM1 as a 16550A that is always ready to send: the registers
 * Linux's 8250 driver probes (scratch, IER, LCR, MCR, the divisor latch,
 * FIFO bits in IIR, the modem-status loopback) read back as on the chip, the
 * line status always says the transmitter is empty, and IIR reports the
 * transmit interrupt whenever it is enabled, so a driver that polls IIR
 * sends without loss (no IRQ is routed to it). Nothing is ever received.
 * Host-testable.
 */
#ifndef CORE_UART_H
#define CORE_UART_H

#include "arch/types.h"

struct uart {
	u8 ier, lcr, mcr, scr, dll, dlm;
	bool fifo;
};

/* Register at offset 0-7 from the base port. */
u8 uart_read(const struct uart *u, u16 offset);
/* True when the write sent a byte (THR with the divisor latch closed, not in loopback). */
bool uart_write(struct uart *u, u16 offset, u8 val);

#endif
