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
extern char qk_stub_0x40[], qk_stub_0x50[], qk_stub_0x60[], qk_stub_0x70[];

static void set_gate(uint8_t v, void *fn)
{
	uint32_t a = (uint32_t)fn, cs;
	asm volatile("mov %%cs, %0" : "=r"(cs));
	idt[v] = (struct gate){ (uint16_t)a, (uint16_t)cs, 0, 0x8E, (uint16_t)(a >> 16) };
}

void idt_init(void (*handler)(uint32_t vector))
{
	on_interrupt = handler;
	set_gate(0x40, qk_stub_0x40);
	set_gate(0x50, qk_stub_0x50);
	set_gate(0x60, qk_stub_0x60);
	set_gate(0x70, qk_stub_0x70);
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} idtr = { sizeof(idt) - 1, (uint32_t)idt };
	asm volatile("lidt %0" : : "m"(idtr));
}

void qk_interrupt(uint32_t vector);
void qk_interrupt(uint32_t vector) { on_interrupt(vector); }
