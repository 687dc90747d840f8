#include "core/exit.h"
#include "arch/interrupts.h"
#include "arch/log.h"
#include "core/cr_access.h"
#include "core/msr_policy.h"
#include "core/vcpu_events.h"

/* Instruction lengths for backends that cannot tell (SVM without NRIPS). */
#define LEN_MSR 2
#define LEN_HLT 1
#define LEN_RDPMC 2

/* RDMSR and WRMSR name their MSR in ECX on both vendors. */
static u32 msr_index(const struct vcpu *v) { return (u32)v->regs.rcx; }

static void handle_msr_read(struct vcpu *v, const struct exit_info *e)
{
	u64 val;
	if (!msr_policy_read(v, msr_index(v), &val)) {
		pr_debug("%s: rdmsr 0x%x denied: #GP", v->vm->name, msr_index(v));
		vcpu_raise_exception(v, VEC_GP, true, 0);
		return;
	}
	v->regs.rax = (u32)val;
	v->regs.rdx = val >> 32;
	vcpu_skip_instruction(v, e, LEN_MSR);
}

static void handle_msr_write(struct vcpu *v, const struct exit_info *e)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	if (!msr_policy_write(v, msr_index(v), val)) {
		pr_debug("%s: wrmsr 0x%x=0x%lx denied: #GP", v->vm->name, msr_index(v), val);
		vcpu_raise_exception(v, VEC_GP, true, 0);
		return;
	}
	vcpu_skip_instruction(v, e, LEN_MSR);
}

/*
 * The vCPU sleeps until its LAPIC has an interrupt for it (core/vcpu_events.c).
 * HLT completes (and ends an STI shadow): the interrupt that wakes it goes in
 * right after, and so does a single-step #DB.
 */
static void handle_hlt(struct vcpu *v, const struct exit_info *e)
{
	vcpu_skip_instruction(v, e, LEN_HLT);
	v->halted = true;
}

/* A window opened: the next entry delivers what waited for it (core/event_queue.c). */
static void handle_window(struct vcpu *v, const struct exit_info *e) { (void)v, (void)e; }

static void handle_virt_insn(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	vcpu_raise_exception(v, VEC_UD, false, 0);
}

/* RDPMC exits when the vPMU emulates it (emulated mode, or fewer counters than the host). */
static void handle_rdpmc(struct vcpu *v, const struct exit_info *e)
{
	u64 val;
	bool pce = vcpu_ops->get_reg(v, VREG_CR4) & CR4_PCE;
	if ((vcpu_ops->get_reg(v, VREG_CPL) && !pce) || !vpmu_rdpmc(&v->pmu, (u32)v->regs.rcx, &val)) {
		vcpu_raise_exception(v, VEC_GP, true, 0);
		return;
	}
	v->regs.rax = (u32)val;
	v->regs.rdx = val >> 32;
	vcpu_skip_instruction(v, e, LEN_RDPMC);
}

/*
 * A physical interrupt made the guest exit. The hypervisor runs with
 * interrupts off, so it is still pending: open a one-instruction window to
 * take it (a PMI on the mediated vector marks the PMU's owner, in
 * pmu/pmi_host.c; the next event delivery passes it on).
 */
static void handle_interrupt(struct vcpu *v, const struct exit_info *e)
{
	(void)v, (void)e;
	asm volatile("sti; nop; cli" ::: "memory");
}

/* A host NMI while the guest ran: the host's, never injected (see arch/interrupts.h). */
static void handle_nmi(struct vcpu *v, const struct exit_info *e)
{
	(void)v, (void)e;
	if (vcpu_ops->nmi_exit_consumes_nmi)
		host_nmi_record();
}

static void report_and_stop(struct vcpu *v, const struct exit_info *e, const char *reason)
{
	pr_err("%s: %s at rip=0x%lx (exit 0x%lx, info 0x%lx 0x%lx)", v->vm->name, reason,
	       vcpu_ops->get_reg(v, VREG_RIP), e->raw_reason, e->qual[0], e->qual[1]);
	vcpu_ops->dump(v, e);
	vcpu_stop(v, 1, reason);
}

static void handle_npf(struct vcpu *v, const struct exit_info *e)
{
	if (v->events.redeliver.valid) { /* no instruction of the guest's to emulate */
		pr_err("%s: delivering vector %u touched guest-physical 0x%lx outside its RAM",
		       v->vm->name, v->events.redeliver.vector, e->npf.gpa);
		report_and_stop(v, e, "npf during event delivery");
		return;
	}
	if (mmio_emulate(v, e))
		return;
	pr_err("%s: access to guest-physical 0x%lx outside its RAM (%s%s%s)", v->vm->name,
	       e->npf.gpa, e->npf.read ? "read" : "", e->npf.write ? "write" : "",
	       e->npf.exec ? "exec" : "");
	report_and_stop(v, e, "npf");
}

static void handle_shutdown(struct vcpu *v, const struct exit_info *e)
{
	report_and_stop(v, e, "shutdown (triple fault)");
}

static void handle_invalid(struct vcpu *v, const struct exit_info *e)
{
	report_and_stop(v, e, "vm entry failed: invalid guest state");
}

static void handle_unexpected(struct vcpu *v, const struct exit_info *e)
{
	report_and_stop(v, e, "unexpected exit");
}

const exit_handler exit_handlers[EXIT_REASON_COUNT] = {
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_MSR_READ] = handle_msr_read,
	[EXIT_MSR_WRITE] = handle_msr_write,
	[EXIT_IO] = handle_io,
	[EXIT_HLT] = handle_hlt,
	[EXIT_HYPERCALL] = handle_hypercall,
	[EXIT_NPF] = handle_npf,
	[EXIT_EXCEPTION] = handle_unexpected,
	[EXIT_INTERRUPT] = handle_interrupt,
	[EXIT_NMI] = handle_nmi,
	[EXIT_PMI] = handle_unexpected,
	[EXIT_RDPMC] = handle_rdpmc,
	[EXIT_SHUTDOWN] = handle_shutdown,
	[EXIT_VIRT_INSN] = handle_virt_insn,
	[EXIT_INTR_WINDOW] = handle_window,
	[EXIT_NMI_WINDOW] = handle_window,
	[EXIT_INVALID_STATE] = handle_invalid,
	[EXIT_CR_ACCESS] = handle_cr_access,
	[EXIT_XSETBV] = handle_xsetbv,
	[EXIT_OTHER] = handle_unexpected,
};

void vcpu_stop(struct vcpu *v, int status, const char *reason)
{
	v->stopped = true;
	v->status = status;
	v->stop_reason = reason;
}

void vcpu_exit_itself(struct vcpu *v, int status, const char *how)
{
	vcpu_stop(v, status, how);
	v->exited_itself = true;
}
