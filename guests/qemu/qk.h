/*
 * The small library of the QEMU-style test kernels: written the way kernels
 * for QEMU usually are (COM1, fw_cfg, the xAPIC at 0xFEE00000, isa-debug-exit),
 * with no pmuvisor hypercall, so they run the same on QEMU and under pmuvisor.
 * Results are lines "PASS: what", "FAIL: what" or "SKIP: what (why)".
 */
#ifndef GUESTS_QEMU_QK_H
#define GUESTS_QEMU_QK_H

#include <stdbool.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper;
};

void puts_serial(const char *s);
/* The n bytes at a and at b are the same. */
bool mem_equal(const void *a, const void *b, uint32_t n);
void put_uint(uint32_t v);
/* One result line; returns ok. */
bool check(bool ok, const char *what);
void skip(const char *what, const char *why);
/* isa-debug-exit with 0 when nothing failed, else 1. */
void finish(void) __attribute__((noreturn));

/*
 * The IDT, with the legacy PICs masked: vectors QK_FIRST_VECTOR..QK_LAST_VECTOR
 * call handler(vector); an exception or any other vector (but the spurious
 * vector 0xFF) prints a FAIL line naming it and ends the kernel with status 1.
 */
#define QK_FIRST_VECTOR 0x40
#define QK_LAST_VECTOR 0x7F
void idt_init(void (*handler)(uint32_t vector));
/* Points one gate of that IDT at a kernel's own stub (e.g. an exception it expects). */
void idt_set_gate(uint8_t vector, void (*stub)(void));

/* What IRET returns to after an exception (any error code is below it). */
struct qk_frame {
	uint32_t eip, cs, eflags;
};
/*
 * Exceptions a kernel takes itself: hook(vector, frame) returns true when it
 * handled vector (the frame may be changed); otherwise the vector fails as above.
 */
void qk_exception_hook(bool (*hook)(uint32_t vector, struct qk_frame *frame));

/*
 * The exception vector one instruction raised, or -1 when it raised none
 * (needs idt_init): QK_TRY("mov %0, %%cr4", "r"(val)). The handler resumes
 * after the instruction, which must be the only one in insn.
 */
extern volatile uint32_t qk_try_at, qk_try_resume, qk_try_vector;
#define QK_TRY(insn, ...)                                                                   \
	({                                                                                  \
		qk_try_vector = ~0u;                                                        \
		asm volatile("movl $1f, qk_try_at\n\tmovl $2f, qk_try_resume\n1: " insn     \
			     "\n2:\n" : : __VA_ARGS__ : "memory");                            \
		qk_try_at = 0;                                                              \
		(int)qk_try_vector;                                                         \
	})

#endif
