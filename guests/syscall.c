/*
 * System calls with the guest's own MSRs: a 64-bit SYSRET to user mode and a
 * SYSCALL back, through the STAR, LSTAR and SFMASK this guest wrote; SWAPGS
 * with its KERNEL_GS_BASE; and, on Intel, SYSENTER through its
 * SYSENTER_CS/ESP/EIP. The hardware must use what the guest wrote, not the
 * host's values (pmuvisor audits those after the guest ends).
 */
#include "guests/lib/guest.h"

#define PTE_US BIT(2)
#define PTE_PS BIT(7)
#define RFLAGS_DF BIT(10)
#define RFLAGS_AC BIT(18)
#define SFMASK_VALUE (RFLAGS_DF | RFLAGS_AC)

/* Selectors: the library's kernel code (0x08) and data (0x10), then user data and code. */
#define KERNEL_CS 0x08
#define KERNEL_SS 0x10
#define SYSRET_BASE 0x18 /* SYSRET64: SS = base + 8, CS = base + 16, both RPL 3 */
#define USER_SS (0x20 | 3)
#define USER_CS (0x28 | 3)

static const u64 gdt[] __attribute__((aligned(16))) = {
	0,
	0x00AF9A000000FFFF, /* 0x08: 64-bit code, DPL 0 */
	0x00CF92000000FFFF, /* 0x10: data, DPL 0 */
	0,                  /* 0x18: unused (SYSRET's 32-bit user code) */
	0x00CFF2000000FFFF, /* 0x20: data, DPL 3 */
	0x00AFFA000000FFFF, /* 0x28: 64-bit code, DPL 3 */
};

/* What the entry points saw, filled in by the assembly below. */
struct landing {
	u64 rcx, r11, rflags, cs, ss, user_cs, rsp;
};
struct landing landing;
u64 saved_rsp;

void syscall_round_trip(void);
void syscall_entry(void);
void sysenter_round_trip(u64 stack);
void sysenter_entry(void);
extern const char user_syscall[], user_after_syscall[];

/*
 * syscall_round_trip: SYSRET to user_syscall at CPL 3 with DF and AC set in
 * RFLAGS (IF clear: nothing may interrupt user mode, which has no TSS to
 * return through); user mode notes its CS and executes SYSCALL, which lands
 * in syscall_entry at CPL 0; that records what it found and returns to the
 * caller on the saved stack.
 */
asm(".text\n"
    ".global syscall_round_trip, syscall_entry, user_syscall, user_after_syscall\n"
    "syscall_round_trip:\n"
    "	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "	mov %rsp, saved_rsp(%rip)\n"
    "	lea user_syscall(%rip), %rcx\n"
    "	mov $(0x2 | (1 << 10) | (1 << 18)), %r11\n"
    "	sysretq\n"
    "user_syscall:\n"
    "	mov %cs, %r12d\n"
    "	syscall\n"
    "user_after_syscall:\n"
    "	ud2\n"
    "syscall_entry:\n"
    "	mov %rcx, landing+0(%rip)\n"
    "	mov %r11, landing+8(%rip)\n"
    "	pushfq; popq landing+16(%rip)\n"
    "	cld\n"
    "	mov %r12, landing+40(%rip)\n"
    "	jmp back_in_kernel\n"
    /* sysenter_round_trip(stack): SYSENTER from CPL 0 lands in sysenter_entry on its stack. */
    ".global sysenter_round_trip, sysenter_entry\n"
    "sysenter_round_trip:\n"
    "	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "	mov %rsp, saved_rsp(%rip)\n"
    "	sysenter\n"
    "	ud2\n"
    "sysenter_entry:\n"
    "	mov %rsp, landing+48(%rip)\n"
    /* both entries: note the selectors loaded, return to the trip's caller */
    "back_in_kernel:\n"
    "	mov %cs, %eax; mov %rax, landing+24(%rip)\n"
    "	mov %ss, %eax; mov %rax, landing+32(%rip)\n"
    "	mov $0x10, %eax; mov %eax, %ss\n"
    "	mov saved_rsp(%rip), %rsp\n"
    "	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "	ret\n");

/* User mode runs this image in place: every mapping of the identity map becomes user-accessible. */
static void open_pages_to_user(void)
{
	u64 *pml4 = (u64 *)(uintptr_t)(read_cr3() & ~0xFFFULL);
	u64 *pdpt = (u64 *)(uintptr_t)(pml4[0] & ~0xFFFULL);
	pml4[0] |= PTE_US;
	for (u32 i = 0; i < 4; i++) {
		pdpt[i] |= PTE_US;
		u64 *pd = (u64 *)(uintptr_t)(pdpt[i] & ~0xFFFULL);
		for (u32 j = 0; j < 512; j++)
			if (pd[j] & PTE_PS)
				pd[j] |= PTE_US;
	}
	write_cr3(read_cr3()); /* drop the cached translations */
}

static void load_gdt(void)
{
	struct __attribute__((packed)) { u16 limit; u64 base; } gdtr = { sizeof(gdt) - 1,
									  (u64)(uintptr_t)gdt };
	asm volatile("lgdt %0" : : "m"(gdtr));
}

static void test_syscall(void)
{
	const u64 star = (u64)SYSRET_BASE << 48 | (u64)KERNEL_CS << 32;
	wrmsr(MSR_STAR, star);
	wrmsr(MSR_LSTAR, (u64)(uintptr_t)syscall_entry);
	wrmsr(MSR_SFMASK, SFMASK_VALUE);
	report(rdmsr(MSR_STAR) == star && rdmsr(MSR_LSTAR) == (u64)(uintptr_t)syscall_entry &&
		       rdmsr(MSR_SFMASK) == SFMASK_VALUE,
	       "STAR, LSTAR and SFMASK read back what was written");
	u64 efer = rdmsr(MSR_EFER);
	wrmsr(MSR_EFER, efer | EFER_SCE);
	syscall_round_trip();
	report(landing.user_cs == USER_CS, "SYSRET entered user mode with STAR's selectors (CS 0x%lx)",
	       landing.user_cs);
	report(landing.rcx == (u64)(uintptr_t)user_after_syscall,
	       "SYSCALL landed at LSTAR with RCX = the user's next RIP");
	report(landing.cs == KERNEL_CS && landing.ss == KERNEL_SS,
	       "SYSCALL loaded STAR's kernel selectors (CS 0x%lx, SS 0x%lx)", landing.cs, landing.ss);
	report((landing.r11 & SFMASK_VALUE) == SFMASK_VALUE && !(landing.rflags & SFMASK_VALUE),
	       "SFMASK cleared DF and AC (user RFLAGS 0x%lx, kernel 0x%lx)", landing.r11,
	       landing.rflags);
	wrmsr(MSR_EFER, efer);
}

static void test_swapgs(void)
{
	const u64 kernel_gs = 0x123456789000ULL, gs = 0x4000;
	wrmsr(MSR_GS_BASE, gs);
	wrmsr(MSR_KERNEL_GS_BASE, kernel_gs);
	asm volatile("swapgs" ::: "memory");
	u64 after = rdmsr(MSR_GS_BASE), kernel_after = rdmsr(MSR_KERNEL_GS_BASE);
	asm volatile("swapgs" ::: "memory");
	report(after == kernel_gs && kernel_after == gs,
	       "SWAPGS exchanges GS base with the guest's KERNEL_GS_BASE (0x%lx, 0x%lx)", after,
	       kernel_after);
	report_cpu_refuses_wrmsr(MSR_LSTAR, 0x0000800000000000ULL, "a non-canonical LSTAR");
	report_cpu_refuses_wrmsr(MSR_KERNEL_GS_BASE, 0x0000800000000000ULL,
				 "a non-canonical KERNEL_GS_BASE");
	wrmsr(MSR_GS_BASE, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

static u8 sysenter_stack[4096] __attribute__((aligned(16)));

static void test_sysenter(void)
{
	if (!guest_on_intel) {
		report_skip("AMD: SYSENTER raises #UD in long mode (APM)",
			    "SYSENTER uses the guest's SYSENTER_CS/ESP/EIP");
		return;
	}
	u64 stack = (u64)(uintptr_t)(sysenter_stack + sizeof(sysenter_stack));
	wrmsr(MSR_SYSENTER_CS, KERNEL_CS);
	wrmsr(MSR_SYSENTER_ESP, stack);
	wrmsr(MSR_SYSENTER_EIP, (u64)(uintptr_t)sysenter_entry);
	sysenter_round_trip(stack);
	report(landing.rsp == stack && landing.cs == KERNEL_CS && landing.ss == KERNEL_SS,
	       "SYSENTER used the guest's SYSENTER_CS/ESP/EIP (RSP 0x%lx, CS 0x%lx)", landing.rsp,
	       landing.cs);
	wrmsr(MSR_SYSENTER_CS, 0);
	wrmsr(MSR_SYSENTER_ESP, 0);
	wrmsr(MSR_SYSENTER_EIP, 0);
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	u64 exits_before[EXIT_REASON_COUNT], exits_after[EXIT_REASON_COUNT];
	load_gdt();
	open_pages_to_user();
	hc_exit_counts(exits_before);
	test_syscall();
	test_swapgs();
	test_sysenter();
	hc_exit_counts(exits_after);
	/* STAR, LSTAR, SFMASK, KERNEL_GS_BASE and SYSENTER_* are the guest's: no MSR exits */
	u64 msr_exits = exits_after[EXIT_MSR_READ] + exits_after[EXIT_MSR_WRITE] -
			exits_before[EXIT_MSR_READ] - exits_before[EXIT_MSR_WRITE];
	const u64 emulated = 3 + 3; /* EFER: read, set SCE, restore; GS_BASE: write, read, reset */
	report(msr_exits == emulated, "only the EFER and GS_BASE accesses exit (%lu MSR exits)",
	       msr_exits);
	/* CSTAR: the CPU's on AMD (compatibility-mode SYSCALL), plain storage on Intel */
	u64 cstar = 0;
	report(wrmsr_safe(MSR_CSTAR, 0xFFFF800000002000ULL) == 0 &&
		       rdmsr_safe(MSR_CSTAR, &cstar) == 0 && cstar == 0xFFFF800000002000ULL,
	       "CSTAR reads back what was written");
	wrmsr(MSR_CSTAR, 0);
	return tap_status();
}
