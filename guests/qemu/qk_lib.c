#include "guests/qemu/qk.h"

#define COM1 0x3F8
#define DEBUG_EXIT 0xF4

static unsigned failures;

void puts_serial(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + 5) & 0x20))
			;
		outb(COM1, (uint8_t)*s);
	}
}

bool mem_equal(const void *a, const void *b, uint32_t n)
{
	const uint8_t *x = a, *y = b;
	for (uint32_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

void put_uint(uint32_t v)
{
	char buf[11], *p = buf + sizeof(buf) - 1;
	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	puts_serial(p);
}

bool check(bool ok, const char *what)
{
	failures += !ok;
	puts_serial(ok ? "PASS: " : "FAIL: ");
	puts_serial(what);
	puts_serial("\n");
	return ok;
}

void skip(const char *what, const char *why)
{
	puts_serial("SKIP: ");
	puts_serial(what);
	puts_serial(" (");
	puts_serial(why);
	puts_serial(")\n");
}

void finish(void)
{
	outb(DEBUG_EXIT, failures ? 1 : 0);
	for (;;)
		asm volatile("cli; hlt");
}

struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

static struct gate idt[256];
static void (*on_interrupt)(uint32_t vector);
static bool (*on_exception)(uint32_t vector, struct qk_frame *frame);

void qk_exception_hook(bool (*hook)(uint32_t vector, struct qk_frame *frame)) { on_exception = hook; }
extern const uint32_t qk_stubs[256];

#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA 0xA1
#define SPURIOUS_VECTOR 0xFF

void idt_init(void (*handler)(uint32_t vector))
{
	/*
	 * The BIOS leaves the 8259 pair with the PIT's IRQ0 unmasked at vector 8,
	 * and QEMU's LAPIC passes it through LINT0 (ExtINT): a tick that lands in
	 * an STI window would hit a vector the kernel never meant to take. These
	 * kernels use the LAPIC only, so they mask both PICs, as kernels do.
	 */
	outb(PIC_MASTER_DATA, 0xFF);
	outb(PIC_SLAVE_DATA, 0xFF);
	on_interrupt = handler;
	uint32_t cs;
	asm volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned v = 0; v < 256; v++)
		idt[v] = (struct gate){ (uint16_t)qk_stubs[v], (uint16_t)cs, 0, 0x8E,
					(uint16_t)(qk_stubs[v] >> 16) };
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} idtr = { sizeof(idt) - 1, (uint32_t)idt };
	asm volatile("lidt %0" : : "m"(idtr));
}

void idt_set_gate(uint8_t vector, void (*stub)(void))
{
	uint32_t at = (uint32_t)stub;
	idt[vector].off_lo = (uint16_t)at;
	idt[vector].off_hi = (uint16_t)(at >> 16);
}

volatile uint32_t qk_try_at, qk_try_resume, qk_try_vector;

void qk_interrupt(uint32_t vector, struct qk_frame *frame);
void qk_interrupt(uint32_t vector, struct qk_frame *frame)
{
	if (vector < 32 && qk_try_at && frame->eip == qk_try_at) { /* the fault QK_TRY expected */
		qk_try_vector = vector;
		frame->eip = qk_try_resume;
		return;
	}
	if (vector >= QK_FIRST_VECTOR && vector <= QK_LAST_VECTOR) {
		on_interrupt(vector);
		return;
	}
	if (vector == SPURIOUS_VECTOR) /* the SDM: no EOI for a spurious interrupt */
		return;
	if (vector < 32 && on_exception && on_exception(vector, frame))
		return;
	/* An exception or a vector nobody armed: say which, rather than triple-fault. */
	puts_serial("FAIL: unexpected exception or interrupt, vector ");
	put_uint(vector);
	puts_serial("\n");
	failures++;
	finish();
}
