#include "arch/gdt.h"
#include "arch/types.h"

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3, iomap_base;
} __attribute__((packed));

#define IST_STACK_SIZE 8192
static u8 ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
static struct tss tss;
static u64 gdt[5] __attribute__((aligned(16)));

struct __attribute__((packed)) descriptor_pointer {
	u16 limit;
	u64 base;
};

void gdt_init(void)
{
	for (int i = 0; i < 3; i++)
		tss.ist[i] = (u64)(uintptr_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */

	u64 base = (u64)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFULL; /* 64-bit code, DPL0 */
	gdt[2] = 0x00CF92000000FFFFULL; /* data */
	gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
		 (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[4] = base >> 32;

	struct descriptor_pointer gdtr = { sizeof(gdt) - 1, (u64)(uintptr_t)gdt };
	asm volatile("lgdt %0\n"
		     "pushq %1\n"
		     "leaq 1f(%%rip), %%rax\n"
		     "pushq %%rax\n"
		     "lretq\n"
		     "1:\n"
		     "mov %2, %%ax\n"
		     "mov %%ax, %%ds\n"
		     "mov %%ax, %%es\n"
		     "mov %%ax, %%ss\n"
		     "xor %%eax, %%eax\n"
		     "mov %%ax, %%fs\n"
		     "mov %%ax, %%gs\n"
		     "ltr %w3\n"
		     :
		     : "m"(gdtr), "i"(GDT_CODE64), "i"(GDT_DATA), "r"((u16)GDT_TSS)
		     : "rax", "memory");
}
