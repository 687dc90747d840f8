#include "arch/serial.h"
#include "arch/cpu.h"

enum { REG_DATA = 0, REG_IER = 1, REG_FCR = 2, REG_LCR = 3, REG_MCR = 4, REG_LSR = 5 };
#define LSR_THRE 0x20
#define LCR_DLAB 0x80

void serial_init(void)
{
	outb(COM1_PORT + REG_IER, 0x00);     /* no interrupts: we poll */
	outb(COM1_PORT + REG_LCR, LCR_DLAB);
	outb(COM1_PORT + REG_DATA, 1);        /* divisor 1: 115200 baud */
	outb(COM1_PORT + REG_IER, 0);
	outb(COM1_PORT + REG_LCR, 0x03);     /* 8N1 */
	outb(COM1_PORT + REG_FCR, 0xC7);     /* FIFO on, cleared */
	outb(COM1_PORT + REG_MCR, 0x03);     /* DTR, RTS */
}

void serial_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (int i = 0; i < 100000 && !(inb(COM1_PORT + REG_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1_PORT + REG_DATA, (u8)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
