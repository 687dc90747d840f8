#include "arch/interrupts.h"
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/idt_gate.h"
#include "arch/log.h"
#include "arch/platform_exit.h"
#include "arch/string.h"

extern const u64 isr_stub_table[256];
extern const u64 __extable_start[], __extable_end[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static interrupt_handler handlers[256];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved 31",
};

static volatile u64 host_nmis;

void host_nmi_record(void) { host_nmis++; }
u64 host_nmi_count(void) { return host_nmis; }

static void on_nmi(struct trap_frame *f)
{
	(void)f;
	host_nmi_record();
}

static volatile u64 stray_debug_traps;

u64 host_stray_debug_traps(void) { return stray_debug_traps; }

/*
 * pmuvisor sets no breakpoint and never single-steps itself, so a #DB here
 * is a guest's: Bochs's AMD-V keeps the single-step trap of a guest
 * instruction that was intercepted pending across the #VMEXIT (measured).
 * The guest gets its #DB from the emulation; here it is counted and dropped.
 */
static void on_debug(struct trap_frame *f)
{
	(void)f;
	stray_debug_traps++;
	asm volatile("mov %0, %%db6" : : "r"(DR6_RESET));
}

void idt_init(void)
{
	handlers[VEC_NMI] = on_nmi;
	handlers[VEC_DB] = on_debug;
	for (int v = 0; v < 256; v++)
		idt[v] = idt_gate(isr_stub_table[v], GDT_CODE64, 0);
	idt[VEC_NMI] = idt_gate(isr_stub_table[VEC_NMI], GDT_CODE64, IST_NMI);
	idt[VEC_DF] = idt_gate(isr_stub_table[VEC_DF], GDT_CODE64, IST_DF);
	idt[VEC_MC] = idt_gate(isr_stub_table[VEC_MC], GDT_CODE64, IST_MC);
	idt_load(idt, 256);
}

void interrupt_register(u8 vector, interrupt_handler handler) { handlers[vector] = handler; }

/* rdmsr_safe and friends: resume after the instruction, vector in RSI. */
static bool fixup(struct trap_frame *f)
{
	for (const u64 *e = __extable_start; e < __extable_end; e += 2) {
		if (e[0] == f->rip) {
			f->rip = e[1];
			f->rsi = f->vector;
			return true;
		}
	}
	return false;
}

static void panic_report(const struct trap_frame *f)
{
	log_raw("PANIC: exception %lu (%s) error_code=0x%lx", f->vector,
		exception_names[f->vector], f->error_code);
	log_raw("PANIC: rip=0x%016lx cs=0x%lx rflags=0x%lx rsp=0x%016lx ss=0x%lx", f->rip,
		f->cs, f->rflags, f->rsp, f->ss);
	log_raw("PANIC: cr0=0x%lx cr2=0x%016lx cr3=0x%lx cr4=0x%lx", read_cr0(), read_cr2(),
		read_cr3(), read_cr4());
	log_raw("PANIC: rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx", f->rax, f->rbx, f->rcx,
		f->rdx);
	log_raw("PANIC: rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx", f->rsi, f->rdi, f->rbp,
		f->r8);
	log_raw("PANIC: r9 =%016lx r10=%016lx r11=%016lx r12=%016lx", f->r9, f->r10, f->r11,
		f->r12);
	log_raw("PANIC: r13=%016lx r14=%016lx r15=%016lx", f->r13, f->r14, f->r15);
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	if (handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	if (f->vector < 32) {
		if (fixup(f))
			return;
		panic_report(f);
		platform_exit(STATUS_PANIC);
	}
	pr_warn("unexpected interrupt vector %lu at rip=0x%lx", f->vector, f->rip);
}

void exceptions_selftest(const char *kind)
{
	pr_info("selftest: raising %s on purpose", kind);
	if (!strcmp(kind, "ud"))
		asm volatile("ud2");
	else if (!strcmp(kind, "gp"))
		wrmsr(0xFFFFFFFF, 0); /* no such MSR: #GP */
	else if (!strcmp(kind, "pf"))
		(void)*(volatile u64 *)0x7FFFFFFF000ULL; /* beyond the 4 GiB identity map */
	else if (!strcmp(kind, "de")) {
		volatile u32 zero = 0;
		(void)(1 / zero);
	}
}
