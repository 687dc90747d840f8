/*
 * From long mode to real mode and back, as a 64-bit kernel does for a reboot
 * through the BIOS or to run an AP trampoline: out through compatibility mode
 * (paging and EFER.LME off), 16-bit protected mode, real mode at 0x0800:0
 * (code copied below 1 MiB, as kernels copy their trampolines), then up again
 * into long mode. In real mode: CR0, CPUID, a port read and a denied MSR
 * (#GP through the IVT, with no error code). Twice, so the second trip starts
 * from state the first one left.
 */
#include "guests/lib/guest.h"
#include "arch/string.h"

#define LOW_BASE 0x8000 /* where the 16-bit code runs: CS 0x0800 */

/* What the real-mode code leaves (at fixed low addresses: DS is 0 there). */
struct low_results {
	u32 cr0, vendor[3], lsr, gp_count, gp_ip, efer_in_real_mode;
};
#define RESULTS ((volatile struct low_results *)(uintptr_t)0x7E00)

extern const u8 rm_blob[], rm_blob_end[], rm_msr_insn[];
void rm_trip(u64 gdtr_addr);

/*
 * rm_trip(&gdtr): GDT selectors 0x08 64-bit code, 0x10 data, 0x18 32-bit code,
 * 0x20 16-bit code at LOW_BASE, 0x28 16-bit data at 0. The blob runs at
 * LOW_BASE; its addresses are offsets from rm_blob.
 */
asm(".text\n"
    ".globl rm_trip\n"
    "rm_trip:\n"
    "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "  mov %rsp, rm_saved_rsp(%rip)\n"
    "  sgdt rm_saved_gdtr(%rip)\n sidt rm_saved_idtr(%rip)\n"
    "  mov %cr3, %rax\n mov %rax, rm_saved_cr3(%rip)\n"
    "  lgdt (%rdi)\n"
    "  pushq $0x18\n lea 1f(%rip), %rax\n push %rax\n lretq\n"
    ".code32\n"
    "1: mov %cr0, %eax\n and $0x7FFFFFFF, %eax\n mov %eax, %cr0\n" /* paging off: LMA 0 */
    "  mov $0xC0000080, %ecx\n rdmsr\n and $~0x100, %eax\n wrmsr\n"  /* EFER.LME off */
    "  ljmp $0x20, $0\n"
    ".code64\n"
    /* up again: 32-bit protected mode, then long mode */
    ".code32\n"
    "rm_back32:\n"
    "  mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n"
    "  mov rm_saved_cr3, %eax\n mov %eax, %cr3\n"
    "  mov $0xC0000080, %ecx\n rdmsr\n or $0x100, %eax\n wrmsr\n"
    "  mov %cr0, %eax\n or $0x80000000, %eax\n mov %eax, %cr0\n"
    "  ljmp $0x08, $2f\n"
    ".code64\n"
    "2: mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n"
    "  lgdt rm_saved_gdtr(%rip)\n lidt rm_saved_idtr(%rip)\n"
    "  mov rm_saved_rsp(%rip), %rsp\n"
    "  pushq $0x08\n lea 3f(%rip), %rax\n push %rax\n lretq\n"
    "3: pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "  ret\n"
    /* the 16-bit blob, copied to LOW_BASE */
    ".globl rm_blob, rm_blob_end, rm_msr_insn\n"
    ".code16\n"
    "rm_blob:\n"
    "  mov $0x28, %ax\n mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n"
    "  mov %cr0, %eax\n and $0xFFFFFFFE, %eax\n mov %eax, %cr0\n"
    "  ljmp $0x0800, $(4f - rm_blob)\n"
    "4: xor %ax, %ax\n mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n"
    "  mov $0x7C00, %sp\n"
    "  lidt (0x7F00)\n" /* the real-mode IVT: base 0, limit 0x3FF, written by C */
    "  mov %cr0, %eax\n mov %eax, (0x7E00)\n"
    "  xor %eax, %eax\n cpuid\n"
    "  mov %ebx, (0x7E04)\n mov %edx, (0x7E08)\n mov %ecx, (0x7E0C)\n"
    "  mov $0x3FD, %dx\n in %dx, %al\n movzbl %al, %eax\n mov %eax, (0x7E10)\n"
    "  mov $0xC0000080, %ecx\n rdmsr\n mov %eax, (0x7E1C)\n"
    /* #GP through the IVT: vector 13 -> 0x0800:(rm_gp - rm_blob) */
    "  movw $(rm_gp - rm_blob), (13 * 4)\n movw $0x0800, (13 * 4 + 2)\n"
    "  mov $0x4B564D00, %ecx\n"   /* an MSR no CPU has: #GP */
    "rm_msr_insn: rdmsr\n"
    "5: lgdtl (0x7F10)\n"         /* the GDT pseudo-descriptor, copied low by C */
    "  mov %cr0, %eax\n or $1, %eax\n mov %eax, %cr0\n"
    "  ljmpl $0x18, $rm_back32\n"
    "rm_gp: incl (0x7E14)\n" /* DS is 0 where the #GP is expected */
    "  push %bp\n mov %sp, %bp\n"
    "  mov 2(%bp), %ax\n movzwl %ax, %eax\n mov %eax, (0x7E18)\n"
    "  movw $(5b - rm_blob), 2(%bp)\n"
    "  pop %bp\n iret\n"
    "rm_blob_end:\n"
    ".code64\n"
    ".data\n"
    ".balign 16\n"
    "rm_saved_gdtr: .word 0\n .quad 0\n"
    "rm_saved_idtr: .word 0\n .quad 0\n"
    "rm_saved_rsp: .quad 0\n"
    "rm_saved_cr3: .quad 0\n"
    ".text\n");

static const u64 gdt[6] __attribute__((aligned(8))) = {
	0,
	0x00AF9A000000FFFFULL,                        /* 0x08: 64-bit code */
	0x00CF92000000FFFFULL,                        /* 0x10: data */
	0x00CF9A000000FFFFULL,                        /* 0x18: 32-bit code */
	0x00009A000000FFFFULL | ((u64)LOW_BASE << 16), /* 0x20: 16-bit code at LOW_BASE */
	0x000092000000FFFFULL,                        /* 0x28: 16-bit data at 0 */
};

struct __attribute__((packed)) pseudo_descriptor {
	u16 limit;
	u32 base;
};

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u32 vendor[4];
	asm volatile("cpuid" : "=a"(vendor[0]), "=b"(vendor[1]), "=c"(vendor[2]), "=d"(vendor[3])
			     : "a"(0), "c"(0));
	memcpy((void *)(uintptr_t)LOW_BASE, rm_blob, (size_t)(rm_blob_end - rm_blob));
	/* the real-mode IVT's and the GDT's pseudo-descriptors, where DS=0 reaches them */
	*(volatile struct pseudo_descriptor *)(uintptr_t)0x7F00 = (struct pseudo_descriptor){ 0x3FF, 0 };
	*(volatile struct pseudo_descriptor *)(uintptr_t)0x7F10 =
		(struct pseudo_descriptor){ sizeof(gdt) - 1, (u32)(uintptr_t)gdt };
	struct __attribute__((packed)) { u16 limit; u64 base; } gdtr = { sizeof(gdt) - 1, (u64)gdt };
	for (int trip = 1; trip <= 2; trip++) {
		report_prefix_push(trip == 1 ? "first trip" : "second trip");
		memset((void *)RESULTS, 0, sizeof(*RESULTS));
		rm_trip((u64)&gdtr);
		report(true, "back in long mode from real mode");
		report(!(RESULTS->cr0 & 1) && !(RESULTS->cr0 & 0x80000000),
		       "CR0.PE and PG read 0 in real mode (0x%x)", RESULTS->cr0);
		report(!(RESULTS->efer_in_real_mode & 0x500),
		       "EFER.LME and LMA read 0 after leaving long mode (0x%x)",
		       RESULTS->efer_in_real_mode);
		report(RESULTS->vendor[0] == vendor[1] && RESULTS->vendor[1] == vendor[3] &&
			       RESULTS->vendor[2] == vendor[2], "CPUID in real mode gives the same vendor");
		report(RESULTS->lsr & 0x20, "a COM1 port read in real mode (LSR 0x%x)", RESULTS->lsr);
		u32 want_ip = (u32)(rm_msr_insn - rm_blob);
		report(RESULTS->gp_count == 1 && RESULTS->gp_ip == want_ip,
		       "a denied RDMSR in real mode raises #GP through the IVT, no error code (IP 0x%x, "
		       "want 0x%x)", RESULTS->gp_ip, want_ip);
		report_prefix_pop();
	}
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000080));
	u64 efer = ((u64)hi << 32) | lo;
	report((efer & 0x500) == 0x500, "EFER.LME and LMA set again (0x%lx)", efer);
	return tap_status();
}
