/*
 * Fast system calls in 32-bit protected mode, as a kernel written for QEMU
 * uses them: SYSEXIT to ring 3 and SYSENTER back through the kernel's
 * SYSENTER_CS/ESP/EIP (both vendors), and on AMD, SYSRET to ring 3 and
 * SYSCALL back through its STAR (SYSCALL outside 64-bit mode is #UD on Intel).
 * The CPU must use the values this kernel wrote.
 */
#include "guests/qemu/qk.h"

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define EFER_SCE 1u
#define EXT1_EDX_SYSCALL (1u << 11)

/* Kernel code and data, user code and data (SYSEXIT and SYSRET: +16/+24 and +0/+8), a TSS. */
#define KERNEL_CS 0x08
#define KERNEL_SS 0x10
#define USER_CS (0x18 | 3)
#define USER_SS (0x20 | 3)
#define TSS_SEL 0x28

static uint64_t gdt[6] __attribute__((aligned(8))) = {
	0,
	0x00CF9A000000FFFFull, /* 0x08: code, DPL 0 */
	0x00CF92000000FFFFull, /* 0x10: data, DPL 0 */
	0x00CFFA000000FFFFull, /* 0x18: code, DPL 3 */
	0x00CFF2000000FFFFull, /* 0x20: data, DPL 3 */
	0,                     /* 0x28: the TSS, filled in at run time */
};

/* Where an interrupt in ring 3 (none is expected) would switch stacks to. */
static struct {
	uint32_t link, esp0, ss0, unused[22];
	uint16_t trap, iomap;
} tss;

static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
static uint8_t entry_stack[4096] __attribute__((aligned(16)));

/* What the round trips saw, filled in by the assembly below. */
uint32_t saved_esp, user_cs, landed_cs, landed_ss, landed_esp, landed_ecx, landed_eflags;

void sysenter_trip(uint32_t user_esp);
void sysenter_entry(void);
void syscall_trip(uint32_t user_esp);
void syscall_entry(void);
extern const char after_syscall[];

asm(".text\n"
    /* sysenter_trip(user_esp): SYSEXIT to ring 3, which SYSENTERs back. */
    ".global sysenter_trip, sysenter_entry\n"
    "sysenter_trip:\n"
    "	mov 4(%esp), %ecx\n"
    "	pushal\n"
    "	mov %esp, saved_esp\n"
    "	mov $1f, %edx\n"
    "	sysexit\n"
    "1:	mov %cs, %eax\n"
    "	mov %eax, user_cs\n"
    "	sysenter\n"
    "	ud2\n"
    "sysenter_entry:\n"
    "	mov %esp, landed_esp\n"
    "	jmp back_in_kernel\n"
    /* syscall_trip(user_esp): SYSRET to ring 3 (ECX: where), which SYSCALLs back. */
    ".global syscall_trip, syscall_entry, after_syscall\n"
    "syscall_trip:\n"
    "	mov 4(%esp), %eax\n"
    "	pushal\n"
    "	mov %esp, saved_esp\n"
    "	mov %eax, %esp\n"
    "	mov $1f, %ecx\n"
    "	sysret\n"
    /* legacy-mode SYSRET sets IF: nothing is armed, and the TSS catches the unexpected */
    "1:	mov %cs, %eax\n"
    "	mov %eax, user_cs\n"
    "	syscall\n"
    "after_syscall:\n"
    "	ud2\n"
    "syscall_entry:\n"
    "	mov %ecx, landed_ecx\n"
    "	pushfl\n"
    "	popl landed_eflags\n"
    /* both entries: note the selectors loaded, return to the trip's caller */
    "back_in_kernel:\n"
    "	mov %cs, %eax\n"
    "	mov %eax, landed_cs\n"
    "	mov %ss, %eax\n"
    "	mov %eax, landed_ss\n"
    "	mov saved_esp, %esp\n"
    "	popal\n"
    "	ret\n");

static void load_gdt_and_tss(void)
{
	uint32_t base = (uint32_t)&tss, limit = sizeof(tss) - 1;
	tss.ss0 = KERNEL_SS;
	tss.esp0 = (uint32_t)(kernel_stack + sizeof(kernel_stack));
	tss.iomap = sizeof(tss);
	gdt[5] = (limit & 0xFFFF) | (uint64_t)(base & 0xFFFFFF) << 16 | 0x89ull << 40 |
		 (uint64_t)(limit >> 16 & 0xF) << 48 | (uint64_t)(base >> 24) << 56;
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} gdtr = { sizeof(gdt) - 1, (uint32_t)gdt };
	asm volatile("lgdt %0\n\t"
		     "ljmp $0x08, $1f\n"
		     "1:\tmov $0x10, %%eax\n\t"
		     "mov %%eax, %%ds; mov %%eax, %%es; mov %%eax, %%ss\n\t"
		     "mov %%eax, %%fs; mov %%eax, %%gs\n\t"
		     "mov $0x28, %%eax\n\t"
		     "ltr %%ax"
		     : : "m"(gdtr) : "eax", "memory");
}

static void test_sysenter(void)
{
	uint32_t stack = (uint32_t)(entry_stack + sizeof(entry_stack));
	wrmsr(MSR_SYSENTER_CS, KERNEL_CS);
	wrmsr(MSR_SYSENTER_ESP, stack);
	wrmsr(MSR_SYSENTER_EIP, (uint32_t)sysenter_entry);
	check(rdmsr(MSR_SYSENTER_CS) == KERNEL_CS && rdmsr(MSR_SYSENTER_ESP) == stack &&
		      rdmsr(MSR_SYSENTER_EIP) == (uint32_t)sysenter_entry,
	      "SYSENTER_CS/ESP/EIP read back what was written");
	sysenter_trip((uint32_t)(user_stack + sizeof(user_stack)));
	check(user_cs == USER_CS, "SYSEXIT entered ring 3 with SYSENTER_CS + 16");
	check(landed_cs == KERNEL_CS && landed_ss == KERNEL_SS,
	      "SYSENTER loaded SYSENTER_CS and SYSENTER_CS + 8");
	check(landed_esp == stack, "SYSENTER switched to SYSENTER_ESP");
}

static bool amd(void)
{
	uint32_t r[4];
	cpuid(0, r);
	return r[1] == 0x68747541; /* "Auth" of AuthenticAMD */
}

static void test_syscall(void)
{
	uint32_t r[4];
	cpuid(0x80000001, r);
	if (!amd() || !(r[3] & EXT1_EDX_SYSCALL)) {
		skip("SYSCALL and SYSRET in 32-bit mode use STAR",
		     "not AMD: outside 64-bit mode they are #UD on Intel");
		return;
	}
	uint64_t star = (uint64_t)0x18 << 48 | (uint64_t)KERNEL_CS << 32 | (uint32_t)syscall_entry;
	wrmsr(MSR_STAR, star);
	check(rdmsr(MSR_STAR) == star, "STAR reads back what was written");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	syscall_trip((uint32_t)(user_stack + sizeof(user_stack)));
	check(user_cs == USER_CS, "SYSRET entered ring 3 with STAR[63:48]");
	check(landed_cs == KERNEL_CS && landed_ss == KERNEL_SS,
	      "SYSCALL loaded STAR[47:32] and STAR[47:32] + 8");
	check(landed_ecx == (uint32_t)after_syscall, "SYSCALL jumped to STAR[31:0], ECX = the return");
	check(!(landed_eflags & (1u << 9)), "SYSCALL cleared EFLAGS.IF");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)EFER_SCE);
}

static void no_interrupt(uint32_t vector) { (void)vector; }

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	(void)magic, (void)mbi;
	load_gdt_and_tss();
	idt_init(no_interrupt); /* anything unexpected in ring 3 is reported, not a triple fault */
	test_sysenter();
	test_syscall();
	finish();
}
