/*
 * Events as a kernel written for QEMU sees them: NMIs sent to itself through
 * the xAPIC ICR (also while IF=0, and one raised inside the NMI handler,
 * which must wait for the handler's IRET), the ICR's delivery modes and
 * destinations on a one-CPU machine, single-stepping (TF) over CPUID,
 * RDMSR, IN, OUT and an APIC read, alone and after MOV SS and STI, and the
 * APIC's global disable through IA32_APIC_BASE[11].
 */
#include "guests/qemu/qk.h"

#define APIC 0xFEE00000u
enum { VERSION = 0x30, EOI = 0xB0, LDR = 0xD0, DFR = 0xE0, SVR = 0xF0, ICR = 0x300,
       ICR_HIGH = 0x310 };
#define NMI_MODE (4u << 8)
#define LOGICAL (1u << 11)
#define SELF (1u << 18)
#define ALL (2u << 18)
#define OTHERS (3u << 18)
#define VECTOR 0x45
#define TF (1u << 8)
#define BS (1u << 14)

static uint32_t apic(uint32_t reg) { return *(volatile uint32_t *)(APIC + reg); }
static void apic_set(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(APIC + reg) = v; }

static volatile uint32_t fired, nmis, depth, max_depth, seen_inside, nest;
static volatile uint32_t db_count, db_eip[4], db_dr6[4], db_keep_tf;

static void ipi(uint32_t dest, uint32_t icr)
{
	apic_set(ICR_HIGH, dest << 24);
	apic_set(ICR, icr);
}

/*
 * An IPI is delivered asynchronously (QEMU takes a few instructions for a
 * self-NMI): wait for nmis to reach n, a bounded while.
 */
static uint32_t wait_nmis(uint32_t n)
{
	for (uint32_t i = 0; i < 1000000 && nmis < n; i++)
		asm volatile("pause");
	return nmis;
}

static void on_interrupt(uint32_t vector)
{
	if (vector == VECTOR)
		fired++;
	apic_set(EOI, 0);
}

static bool on_exception(uint32_t vector, struct qk_frame *f)
{
	if (vector == 2) {
		if (++depth > max_depth)
			max_depth = depth;
		nmis++;
		if (nest) {
			nest = 0;
			ipi(0, NMI_MODE); /* held: this handler has not returned */
			uint32_t r[4];
			cpuid(0, r);
			for (uint32_t i = 0; i < 100000; i++)
				asm volatile("pause");
			seen_inside = nmis;
		}
		depth--;
		return true;
	}
	if (vector == 1) {
		uint32_t dr6;
		asm volatile("mov %%db6, %0" : "=r"(dr6));
		if (db_count < 4) {
			db_eip[db_count] = f->eip;
			db_dr6[db_count] = dr6;
		}
		db_count++;
		asm volatile("mov %0, %%db6" : : "r"(0xFFFF0FF0u)); /* BS is sticky */
		if (db_keep_tf == 0)
			f->eflags &= ~TF;
		else
			db_keep_tf--;
		return true;
	}
	return false;
}

static void nmi_tests(void)
{
	ipi(0, NMI_MODE);
	check(wait_nmis(1) == 1, "a self-NMI (ICR, physical destination 0) arrives");
	ipi(0, NMI_MODE); /* IF is 0 throughout */
	check(wait_nmis(2) == 2, "a self-NMI arrives with IF=0 too");
	nest = 1;
	ipi(0, NMI_MODE);
	uint32_t n = wait_nmis(4);
	check(seen_inside == 3, "an NMI raised in the NMI handler waits there");
	check(n == 4, "and arrives after the handler's IRET");
	check(max_depth == 1, "the NMI handler never nests");
	ipi(1, NMI_MODE);
	ipi(0, NMI_MODE | OTHERS);
	check(wait_nmis(5) == 4, "an NMI to another APIC ID or to all others reaches nobody");
}

/* Sends icr to dest, opens a short interrupt window, and says whether VECTOR came. */
static bool reaches_self(uint32_t dest, uint32_t icr)
{
	uint32_t before = fired;
	ipi(dest, icr | VECTOR);
	asm volatile("sti; nop; nop; cli");
	return fired == before + 1;
}

static void ipi_tests(void)
{
	check(reaches_self(0, 0), "fixed IPI to physical APIC ID 0 reaches this CPU");
	check(!reaches_self(1, 0), "fixed IPI to physical APIC ID 1 does not");
	check(reaches_self(0xFF, 0), "fixed IPI to the physical broadcast ID 0xFF does");
	check(reaches_self(0, SELF), "fixed IPI with the self shorthand does");
	check(reaches_self(0, ALL), "fixed IPI to all including self does");
	check(!reaches_self(0, OTHERS), "fixed IPI to all excluding self reaches nobody");
	check(reaches_self(0, 1u << 8), "lowest-priority IPI to APIC ID 0 reaches this CPU");
	apic_set(DFR, 0xFFFFFFFF); /* flat model */
	apic_set(LDR, 0x01000000); /* logical ID: bit 0 */
	check(reaches_self(0x01, LOGICAL), "logical (flat) IPI to bit 0 reaches this CPU");
	check(!reaches_self(0x02, LOGICAL), "logical (flat) IPI to bit 1 does not");
	apic_set(DFR, 0x0FFFFFFF); /* cluster model */
	apic_set(LDR, 0x21000000); /* cluster 2, member bit 0 */
	check(reaches_self(0x21, LOGICAL), "logical (cluster) IPI to cluster 2 member 0 reaches it");
	check(!reaches_self(0x11, LOGICAL), "logical (cluster) IPI to cluster 1 does not");
	apic_set(DFR, 0xFFFFFFFF);
	apic_set(LDR, 0);
}

static void step_reset(uint32_t keep_tf)
{
	db_count = 0;
	db_keep_tf = keep_tf;
	asm volatile("mov %0, %%db6" : : "r"(0xFFFF0FF0u));
}

/* POPF sets TF: the trap comes after the instruction that follows it. */
#define SET_TF "pushfl; orl $0x100, (%%esp); popfl\n"

static void check_step(const char *what, uint32_t after)
{
	check(db_count == 1 && db_eip[0] == after && (db_dr6[0] & BS), what);
}

static void step_tests(void)
{
	uint32_t after, at;
	step_reset(0);
	asm volatile("movl $1f, %0; xor %%eax, %%eax; xor %%ecx, %%ecx\n" SET_TF "cpuid\n1:"
		     : "=&r"(after) : : "eax", "ebx", "ecx", "edx", "memory");
	check_step("single-step over CPUID: one #DB after it, DR6.BS", after);
	step_reset(0);
	asm volatile("movl $1f, %0; mov $0x1b, %%ecx\n" SET_TF "rdmsr\n1:"
		     : "=&r"(after) : : "eax", "ecx", "edx", "memory");
	check_step("single-step over RDMSR: one #DB after it, DR6.BS", after);
	step_reset(0);
	asm volatile("movl $1f, %0; xor %%eax, %%eax\n" SET_TF "outb %%al, $0x80\n1:"
		     : "=&r"(after) : : "eax", "memory");
	check_step("single-step over OUT: one #DB after it, DR6.BS", after);
	step_reset(0);
	asm volatile("movl $1f, %0\n" SET_TF "inb $0x80, %%al\n1:" : "=&r"(after) : : "eax", "memory");
	check_step("single-step over IN: one #DB after it, DR6.BS", after);
	step_reset(0);
	asm volatile("movl $1f, %0; mov $0xfee00030, %%edx\n" SET_TF "mov (%%edx), %%eax\n1:"
		     : "=&r"(after) : : "eax", "edx", "memory");
	check_step("single-step over an APIC read: one #DB after it, DR6.BS", after);
	step_reset(0);
	asm volatile("movl $1f, %0; mov %%ss, %%eax\n" SET_TF "mov %%eax, %%ss\ncpuid\n1:"
		     : "=&r"(after) : : "eax", "ebx", "ecx", "edx", "memory");
	check_step("single-step over MOV SS then CPUID: one #DB, after CPUID", after);
	/* STI holds interrupts for one instruction, not debug traps: a #DB after each. */
	step_reset(1);
	asm volatile("movl $2f, %0; movl $1f, %1; xor %%eax, %%eax; xor %%ecx, %%ecx\n" SET_TF
		     "sti\n2: cpuid\n1: cli" : "=&r"(at), "=&r"(after) : : "eax", "ebx", "ecx", "edx",
		     "memory");
	bool after_sti = db_count >= 1 && db_eip[0] == at;
	check(after_sti, "single-step over STI: a #DB after it");
	check(db_eip[after_sti ? 1 : 0] == after, "single-step over CPUID after STI: a #DB after it");
}

static bool cpuid_apic(void)
{
	uint32_t r[4];
	cpuid(1, r);
	return r[3] & (1u << 9);
}

static void global_disable_tests(void)
{
	uint64_t base = rdmsr(0x1B);
	check(cpuid_apic(), "CPUID.1:EDX[9] is set with the APIC enabled");
	wrmsr(0x1B, base & ~(1ull << 11));
	check(!cpuid_apic(), "IA32_APIC_BASE[11]=0: CPUID.1:EDX[9] is clear");
	check(apic(VERSION) == 0xFFFFFFFF, "IA32_APIC_BASE[11]=0: the APIC page reads all ones");
	wrmsr(0x1B, base);
	check(cpuid_apic(), "IA32_APIC_BASE[11]=1 again: CPUID.1:EDX[9] is set");
	check((apic(VERSION) & 0xFF) >= 0x10 && (apic(SVR) & 0x1FF) == 0xFF,
	      "enabled again: the APIC is back, software-disabled as after reset");
	apic_set(SVR, 0x1FF);
	check(reaches_self(0, SELF), "and takes self-IPIs again");
}

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	(void)magic, (void)mbi;
	idt_init(on_interrupt);
	qk_exception_hook(on_exception);
	apic_set(SVR, 0x1FF);
	nmi_tests();
	ipi_tests();
	step_tests();
	global_disable_tests();
	finish();
}
