/*
 * Events into the guest as the CPU delivers them: NMIs sent to itself
 * through the ICR (the path an NMI-mode PMI takes too) go in at once, also
 * with IF=0, and one raised inside the NMI handler is held until the
 * handler's IRET and then arrives right after it, never nested and never
 * lost; single-stepping (RFLAGS.TF) over what only pmuvisor emulates (a
 * hypercall, unbacked memory, MOV SS with an emulated instruction in its
 * shadow, a faulting RDMSR) gives the #DB the CPU would raise; an
 * interrupt held by STI goes in right after the emulated instruction in
 * its shadow; and a
 * globally disabled APIC (IA32_APIC_BASE[11])
 * is no APIC: CPUID.1:EDX[9] clear, its page reads all ones and takes no
 * writes, its MSRs fault, and it comes back in its power-up state.
 * guests/qemu/qk_events.c checks the rest of single-stepping (CPUID, RDMSR,
 * IN, OUT, an APIC read, STI) and the ICR's destinations against QEMU itself.
 */
#include "guests/lib/guest.h"
#include "arch/interrupts.h"

#define APIC_MMIO 0xFEE00000UL
#define APIC_BASE_MSR 0x1B
#define APIC_EN BIT(11)
#define APIC_EXTD BIT(10)
#define ICR 0x300
#define ICR_HIGH 0x310
#define SVR 0xF0
#define VERSION 0x30
#define ICR_NMI (4u << 8)
#define ICR_SELF (1u << 18)
#define FIXED_VECTOR 0x50
#define UNBACKED 0xC0000000UL /* below 4 GiB, far above the guest's RAM */

static u32 mmio_read(u32 reg) { return *(volatile u32 *)(APIC_MMIO + reg); }
static void mmio_write(u32 reg, u32 val) { *(volatile u32 *)(APIC_MMIO + reg) = val; }

/* --- NMIs --- */

static volatile int nmis, depth, max_depth, seen_inside, nest;

static void self_nmi(void)
{
	mmio_write(ICR_HIGH, 0);      /* destination: APIC ID 0, this CPU */
	mmio_write(ICR, ICR_NMI);     /* the NMI goes in right after this write */
}

static void on_nmi(struct trap_frame *f)
{
	(void)f;
	if (++depth > max_depth)
		max_depth = depth;
	nmis++;
	if (nest) {
		nest = 0;
		self_nmi();       /* blocked: the handler has not returned */
		cpuid(0, 0);      /* more exits while blocked */
		hypercall(HC_VERSION, 0, 0, 0);
		seen_inside = nmis;
	}
	depth--;
}

static void nmi_tests(void)
{
	report_prefix_push("nmi");
	guest_irq_register(VEC_NMI, on_nmi);
	self_nmi();
	int after = nmis;
	report(after == 1, "a self-NMI through the ICR arrives before the next instruction (%d)", after);
	cli();
	self_nmi();
	after = nmis;
	report(after == 2, "with IF=0 too (%d)", after);
	u64 before[EXIT_REASON_COUNT], later[EXIT_REASON_COUNT];
	hc_exit_counts(before);
	nest = 1;
	self_nmi();
	after = nmis;
	hc_exit_counts(later);
	report(seen_inside == 3, "an NMI raised in the NMI handler is held there (%d seen inside)",
	       seen_inside);
	report(after == 4, "and arrives right after the handler's IRET (%d)", after);
	report(max_depth == 1, "the handler never nests (depth %d)", max_depth);
	report(later[EXIT_NMI_WINDOW] > before[EXIT_NMI_WINDOW],
	       "pmuvisor waited for the NMI window (%lu exits)",
	       later[EXIT_NMI_WINDOW] - before[EXIT_NMI_WINDOW]);
	/* x2APIC: the ICR is one MSR */
	wrmsr(APIC_BASE_MSR, rdmsr(APIC_BASE_MSR) | APIC_EXTD);
	wrmsr(0x830, ICR_NMI);
	after = nmis;
	report(after == 5, "a self-NMI through the x2APIC ICR arrives too (%d)", after);
	report_prefix_pop();
}

/* --- single-step --- */

/* The last #DB: where it returns to and the DR6 it reported; TF ends with it. */
static volatile u64 db_rip, db_dr6;
static volatile int db_count;

static void on_db(struct trap_frame *f)
{
	asm volatile("mov %%db6, %0; mov %1, %%db6" : "=&r"(db_dr6) : "r"(DR6_RESET));
	db_rip = f->rip;
	db_count++;
	f->rflags &= ~RFLAGS_TF;
}

/* POPF sets TF: the trap comes after the instruction that follows it. */
#define SET_TF "pushfq; orq $0x100, (%%rsp); popfq\n"

/* One #DB, right after the instruction, with DR6.BS. */
static void check_one_step(const char *what, u64 after)
{
	report(db_count == 1 && db_rip == after && (db_dr6 & DR6_BS),
	       "single-step over %s: #DB after it, DR6.BS (%d #DB, rip 0x%lx for 0x%lx, dr6 0x%lx)",
	       what, db_count, db_rip, after, db_dr6);
	db_count = 0;
}

static void step_tests(void)
{
	report_prefix_push("single-step");
	guest_irq_register(VEC_DB, on_db);
	asm volatile("mov %0, %%db6" : : "r"(DR6_RESET));
	u64 after;

	if (guest_on_intel)
		asm volatile("lea 1f(%%rip), %0; xor %%eax, %%eax\n" SET_TF "vmcall\n1:"
			     : "=&r"(after) : : "rax", "memory");
	else
		asm volatile("lea 1f(%%rip), %0; xor %%eax, %%eax\n" SET_TF "vmmcall\n1:"
			     : "=&r"(after) : : "rax", "memory");
	check_one_step("a hypercall", after);

	asm volatile("lea 1f(%%rip), %0; mov $0xc0000000, %%edx\n" SET_TF "mov (%%rdx), %%eax\n1:"
		     : "=&r"(after) : : "rax", "rdx", "memory");
	check_one_step("a read of unbacked memory", after);

	/* MOV SS holds the trap of its own step until after the next instruction: one #DB. */
	asm volatile("lea 1f(%%rip), %0; mov %%ss, %%eax\n" SET_TF "mov %%eax, %%ss\ncpuid\n1:"
		     : "=&r"(after) : : "rax", "rbx", "rcx", "rdx", "memory");
	check_one_step("MOV SS then CPUID", after);

	/* A faulting instruction does not complete: #GP, and no trap until the next one does. */
	u64 vec = 0;
	asm volatile("lea 3f(%%rip), %1; mov $0x12345678, %%ecx\n" SET_TF "1: rdmsr\n2: nop\n3:\n"
		     EXTABLE_ENTRY(1b, 2b)
		     : "+S"(vec), "=&r"(after) : : "rax", "rcx", "rdx", "memory");
	report(vec == VEC_GP && db_count == 1 && db_rip == after,
	       "single-step over a denied RDMSR: #GP, then #DB only after the next instruction "
	       "(vector %lu, %d #DB at 0x%lx for 0x%lx)", vec, db_count, db_rip, after);
	report_prefix_pop();
}

/* --- interrupts --- */

static volatile int fixed_seen;
static volatile u64 fixed_rip;

static void on_fixed(struct trap_frame *f)
{
	fixed_seen++;
	fixed_rip = f->rip;
	mmio_write(0xB0, 0);
}

/*
 * STI holds interrupts for one instruction: an interrupt that waited for IF
 * goes in right after that instruction, also when pmuvisor emulated it.
 */
static void shadow_tests(void)
{
	guest_irq_register(FIXED_VECTOR, on_fixed);
	mmio_write(ICR, ICR_SELF | FIXED_VECTOR); /* IF=0: it waits */
	u64 after;
	asm volatile("lea 1f(%%rip), %0; xor %%eax, %%eax; xor %%ecx, %%ecx\n"
		     "sti\ncpuid\n1: nop\ncli" : "=&r"(after) : : "rax", "rbx", "rcx", "rdx", "memory");
	report(fixed_seen == 1 && fixed_rip == after,
	       "an interrupt waiting for STI goes in right after the CPUID in its shadow "
	       "(%d at 0x%lx for 0x%lx)", fixed_seen, fixed_rip, after);
	fixed_seen = 0;
}

/* --- APIC global disable --- */

static bool cpuid_apic(void) { return cpuid(1, 0).edx & BIT(9); }

static void global_disable_tests(void)
{
	report_prefix_push("APIC global disable");
	u64 base = rdmsr(APIC_BASE_MSR) & ~(APIC_EN | APIC_EXTD);
	report(cpuid_apic(), "CPUID.1:EDX[9] set while the APIC is enabled");
	wrmsr(APIC_BASE_MSR, base); /* from x2APIC mode (nmi_tests left it there) */
	report(!cpuid_apic(), "CPUID.1:EDX[9] clear once IA32_APIC_BASE[11] is");
	u32 ver = mmio_read(VERSION);
	report(ver == 0xFFFFFFFF, "its page reads all ones (0x%x)", ver);
	mmio_write(ICR, ICR_SELF | FIXED_VECTOR);
	asm volatile("sti; nop; nop; cli");
	report(fixed_seen == 0, "a write to its ICR sends nothing");
	u64 val;
	report(rdmsr_safe(0x803, &val) == VEC_GP, "its x2APIC MSRs fault");
	report(wrmsr_safe(APIC_BASE_MSR, base | APIC_EN | APIC_EXTD) == VEC_GP,
	       "disabled -> x2APIC directly faults");
	wrmsr(APIC_BASE_MSR, base | APIC_EN);
	report(cpuid_apic(), "enabled again: CPUID.1:EDX[9] set");
	report((mmio_read(VERSION) & 0xFF) == 0x14 && mmio_read(SVR) == 0xFF,
	       "back in its power-up state (version 0x%x, SVR 0x%x)", mmio_read(VERSION),
	       mmio_read(SVR));
	mmio_write(SVR, 0x1FF);
	mmio_write(ICR, ICR_SELF | FIXED_VECTOR);
	asm volatile("sti; nop; nop; cli");
	report(fixed_seen == 1, "and a self-IPI arrives again (%d)", fixed_seen);
	report_prefix_pop();
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	step_tests();
	shadow_tests();
	nmi_tests();
	global_disable_tests();
	return tap_status();
}
