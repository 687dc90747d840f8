#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/uart.h"

enum { THR, IER, IIR, LCR, MCR, LSR, MSR, SCR };

/* What Linux's 8250 autoconfig does before it calls a port a 16550A. */
static void linux_finds_a_16550a(void **state)
{
	(void)state;
	struct uart u = { 0 };
	uart_write(&u, IER, 0);
	assert_int_equal(uart_read(&u, IER) & 0x0F, 0);
	uart_write(&u, IER, 0x0F);
	assert_int_equal(uart_read(&u, IER) & 0x0F, 0x0F); /* the IER test */
	uart_write(&u, IER, 0);
	uart_write(&u, SCR, 0xA5);
	assert_int_equal(uart_read(&u, SCR), 0xA5);
	uart_write(&u, MCR, 0x10 | 0x0A); /* loopback, RTS, OUT2 */
	assert_int_equal(uart_read(&u, MSR) & 0xF0, 0x90); /* CTS, DCD */
	uart_write(&u, MCR, 0x10 | 0x05); /* loopback, DTR, OUT1 */
	assert_int_equal(uart_read(&u, MSR) & 0xF0, 0x60); /* DSR, RI */
	uart_write(&u, MCR, 0);
	assert_int_equal(uart_read(&u, IIR) >> 6, 0);
	uart_write(&u, IIR, 0x01); /* FCR: FIFOs on */
	assert_int_equal(uart_read(&u, IIR) >> 6, 3);
	uart_write(&u, IER, 0x40); /* an XScale's UUE bit: not there */
	assert_int_equal(uart_read(&u, IER) & 0x40, 0);
}

static void the_divisor_latch_reads_back_and_sends_nothing(void **state)
{
	(void)state;
	struct uart u = { 0 };
	uart_write(&u, LCR, 0x83);
	assert_false(uart_write(&u, THR, 0x01));
	assert_false(uart_write(&u, IER, 0x00));
	assert_int_equal(uart_read(&u, THR), 0x01);
	assert_int_equal(uart_read(&u, IER), 0x00);
	uart_write(&u, LCR, 0x03);
	assert_int_equal(uart_read(&u, LCR), 0x03);
	assert_true(uart_write(&u, THR, 'x'));
	uart_write(&u, MCR, 0x10); /* loopback: a byte sent goes nowhere */
	assert_false(uart_write(&u, THR, 'y'));
}

/* A driver that polls (no IRQ routed) sees the transmit interrupt whenever it enables it. */
static void transmitter_always_empty_and_its_interrupt_pending_when_enabled(void **state)
{
	(void)state;
	struct uart u = { 0 };
	assert_int_equal(uart_read(&u, LSR), 0x60);
	assert_int_equal(uart_read(&u, IIR), 0x01); /* no interrupt */
	uart_write(&u, IER, 0x02);
	assert_int_equal(uart_read(&u, IIR), 0x02);
	uart_write(&u, IIR, 0x01);
	assert_int_equal(uart_read(&u, IIR), 0xC2);
	assert_int_equal(uart_read(&u, THR), 0); /* nothing received */
	assert_int_equal(uart_read(&u, MSR), 0xB0); /* a line attached: CTS, DSR, DCD */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linux_finds_a_16550a),
		cmocka_unit_test(the_divisor_latch_reads_back_and_sends_nothing),
		cmocka_unit_test(transmitter_always_empty_and_its_interrupt_pending_when_enabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
