/*
 * Vendor-neutral vm and vcpu objects, the decoded exit, and the backend
 * ops table that svm/ and vmx/ fill. core/ never asks which vendor it runs on.
 */
#ifndef CORE_VCPU_H
#define CORE_VCPU_H

#include "arch/cpu.h"
#include "arch/log.h"
#include "arch/shared_state.h"
#include "arch/types.h"
#include "core/abi.h"
#include "core/config.h"
#include "core/cr_rules.h"
#include "core/fw_cfg.h"
#include "core/guest_mem.h"
#include "core/uart.h"
#include "core/vlapic.h"
#include "pmu/vpmu.h"

/* General-purpose registers the backends save and load around each entry. */
struct vcpu_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/* State kept in the VMCB/VMCS, reached through the backend. */
enum vcpu_reg {
	VREG_RIP, VREG_RSP, VREG_RFLAGS, VREG_CR0, VREG_CR3, VREG_CR4, VREG_EFER,
	VREG_PAT, VREG_FS_BASE, VREG_GS_BASE, VREG_CS_BASE,
	VREG_CS_ATTR,     /* in VMX access-rights form (L is bit 13) on both backends */
	VREG_CPL,
	VREG_TSC_OFFSET,  /* added to the host TSC for RDTSC, RDTSCP and RDMSR(IA32_TSC) */
	VREG_CR2,         /* the address a #PF pmuvisor raises reports */
	VREG_COUNT
};

/* What a control-register exit did (the VT-x exit qualification's encoding). */
enum cr_access { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };
#define CR_GPR_DECODE (-1) /* the exit does not say: core/ decodes the instruction */

struct exit_info {
	enum exit_reason reason;
	u64 raw_reason;  /* the backend's own exit code, for reports */
	u64 qual[2];     /* the backend's exit qualification / EXITINFO1,2 */
	u64 rip;         /* the guest's RIP at the exit */
	u64 next_rip;    /* RIP after the exiting instruction, when known (else 0) */
	union {
		struct { u16 port; u8 size; bool in, string, rep; } io;
		struct { u64 gpa; bool read, write, exec; } npf;
		struct { u8 vector; bool has_error; u32 error; } exception;
		struct { u8 cr; enum cr_access access; s8 gpr; u16 lmsw; } cr;
	};
};

/*
 * One event for the guest, in the interruption types both backends write
 * into the VMCS/VMCB (the SDM's VM-entry interruption-information field;
 * the APM's EVENTINJ uses the same numbers for 0-4).
 */
enum event_type {
	EVENT_EXTINT = 0,
	EVENT_NMI = 2,
	EVENT_EXCEPTION = 3,
	EVENT_SOFT_INT = 4,           /* INT n */
	EVENT_PRIV_SOFT_EXCEPTION = 5, /* INT1 (ICEBP) */
	EVENT_SOFT_EXCEPTION = 6,     /* INT3, INTO */
};

struct vcpu_event {
	bool valid;
	u8 type, vector;  /* enum event_type */
	bool has_error;
	u32 error;
	u8 insn_len;      /* software events: the instruction's length (VT-x re-delivery) */
	u32 dr6;          /* #DB: the DR6 bits its delivery sets */
};

/*
 * The vCPU's event queue (core/event_queue.c): what waits to go in, by
 * priority. An event cut short by the last exit is delivered again first;
 * then an exception pmuvisor raised while emulating; then one NMI (the CPU
 * latches one while another is in service); external interrupts wait in
 * the virtual LAPIC's IRR. Nothing is overwritten: each waits for its window.
 */
struct vcpu_event_queue {
	struct vcpu_event redeliver;  /* IDT-vectoring information / EXITINTINFO */
	struct vcpu_event exception;  /* a fault or trap of an emulated instruction */
	bool nmi;                     /* an NMI waits for the guest to unblock NMIs */
	bool pending;                 /* any of the above: one test on the exit path */
	u32 windows;                  /* the window exits asked of the backend (WINDOW_*) */
	u64 nmis_injected, nmis_merged; /* NMIs delivered; NMIs that found one already waiting */
};

/* What blocks events right now (vcpu_ops->blocking). */
#define BLOCK_IF BIT(0)      /* RFLAGS.IF = 0: external interrupts */
#define BLOCK_STI BIT(1)     /* the instruction after STI: interrupts and NMIs */
#define BLOCK_MOV_SS BIT(2)  /* the instruction after MOV SS / POP SS: interrupts and NMIs */
#define BLOCK_NMI BIT(3)     /* the guest is in its NMI handler, until its IRET */
/* Window exits core/ asks for (vcpu_ops->event_windows). */
#define WINDOW_IRQ BIT(0)    /* the guest can take an external interrupt */
#define WINDOW_NMI BIT(1)    /* the guest can take an NMI */

struct vm {
	const char *name;
	const struct guest_config *cfg;
	struct guest_mem mem;
	u64 mem_hpa;      /* host physical address of guest physical 0 */
	u64 gpt_root;     /* NPT / EPT root table */
	u64 gdt_gpa;      /* the entry state's GDT, placed beside the image (core/mb1_info.h) */
	struct vpmu_desc pmu; /* the PMU this guest is given */
	u32 id;           /* 1-based, also the ASID / VPID */
};

/*
 * Guest MSRs the guest reads and writes directly that a backend's world
 * switch may leave alone; pmuvisor then switches them itself, lazily
 * (core/msr_switch.h). AMD-V's VMLOAD/VMSAVE move all but TSC_AUX; VT-x moves
 * none of them (it moves SYSENTER_* through the VMCS), and has no use for CSTAR.
 */
enum lazy_msr {
	LAZY_STAR, LAZY_LSTAR, LAZY_CSTAR, LAZY_SFMASK, LAZY_KERNEL_GS_BASE, LAZY_TSC_AUX,
	LAZY_MSR_COUNT
};

/* The guest's values of those MSRs while its vCPU is not loaded (stored_msrs: always). */
struct vcpu_msrs {
	u64 lazy[LAZY_MSR_COUNT];
	u64 mtrr_def_type; /* the guest's IA32_MTRR_DEF_TYPE (core/msr_policy.c) */
};

/*
 * The guest's TSC is the host's plus offset, which the hardware adds for
 * RDTSC, RDTSCP and RDMSR(IA32_TSC) (core/guest_tsc.c); adjust is the
 * guest's IA32_TSC_ADJUST.
 */
struct vcpu_tsc {
	u64 offset, adjust;
};

/*
 * Entering a vCPU right after another guest's exit (a guest switch) is
 * accounted as if it were an exit of its own: the time from that exit to
 * this entry, in the one slot past the exit reasons (core/sched.h).
 */
#define EXIT_GUEST_SWITCH EXIT_REASON_COUNT

/* What a vCPU's exits cost, by normalized reason (readable by the guest). */
struct exit_stats {
	u64 count[EXIT_REASON_COUNT];
	u64 cycles[EXIT_REASON_COUNT + 1]; /* TSC from the exit to the next entry, by reason */
	u64 exited_at;                 /* TSC at the last exit (0: none yet) */
	enum exit_reason last_reason;
	u64 denied_io;                 /* port accesses the I/O policy refused */
	u64 unbacked;                  /* accesses to guest-physical addresses with nothing there */
};

/*
 * CPUID results that cannot change while the vCPU lives, kept as KVM keeps
 * its CPUID entries per vCPU: a CPUID exit for one of them copies four
 * registers instead of running the policy (core/cpuid_policy.c says which).
 */
#define CPUID_CACHE_SLOTS 16
struct cpuid_cache_entry {
	u32 leaf, subleaf;
	bool valid;
	struct cpuid_regs r;
};

struct vcpu {
	struct vm *vm;
	struct vcpu_regs regs;
	struct vcpu_msrs msrs;
	struct vcpu_tsc tsc;
	struct cr_features cr;   /* what its CPUID lets it load into CR4, EFER, XCR0 */
	struct vlapic lapic;
	struct vpmu pmu;
	void *backend;    /* struct svm_vcpu / struct vmx_vcpu */
	struct exit_stats exits;
	struct fw_cfg fw_cfg;
	struct vcpu_event_queue events;
	struct shared_state shared; /* FPU, XCR0, DR0-3, DR6, CR2 while another vCPU has the CPU */
	struct cpuid_cache_entry cpuid_cache[CPUID_CACHE_SLOTS];
	u64 watchdog_at;  /* TSC past which the watchdog stops it (timeout=) */
	u64 switched_in;  /* times the CPU came to it from another guest */
	bool halted; /* in HLT: not entered until an interrupt wakes it */
	/* set by exit handlers to end the guest */
	bool stopped;
	bool exited_itself; /* the guest asked to end (exit hypercall, debug-exit port) */
	int status;
	const char *stop_reason;
	/* COM1, and its line buffer, forwarded with the guest's name as prefix */
	struct uart com1;
	char line[256];
	u32 line_len;
};

/* The registers core/ may write (vcpu_set_reg); both backends implement exactly these. */
#define VREG_WRITABLE                                                                    \
	(BIT(VREG_RIP) | BIT(VREG_RSP) | BIT(VREG_RFLAGS) | BIT(VREG_EFER) | BIT(VREG_PAT) | \
	 BIT(VREG_FS_BASE) | BIT(VREG_GS_BASE) | BIT(VREG_TSC_OFFSET) | BIT(VREG_CR2) |    \
	 BIT(VREG_CR0) | BIT(VREG_CR3) | BIT(VREG_CR4))

/*
 * What a backend provides (svm/, vmx/), and what each entry promises. Every
 * function works on the current CPU; everything vendor-neutral (policies,
 * decoding of the guest's intent, accounting) stays in core/.
 */
struct vcpu_ops {
	const char *name;
	/* Checks the CPU can run guests; prints why not and returns -1. */
	int (*probe)(void);
	/* Turns virtualization on for this CPU (EFER.SVME / VMXON). */
	int (*enable)(void);
	/*
	 * Builds the guest-physical page tables for vm->mem (NPT / EPT): guest
	 * RAM at GPA 0, writable and executable; every other GPA is unmapped, so
	 * an access to it exits as EXIT_NPF (core/ emulates the LAPIC page).
	 */
	int (*map_guest)(struct vm *vm);
	/*
	 * Creates the VMCB/VMCS in the multiboot1 entry state (32-bit protected
	 * mode, flat segments, GDTR at vm->gdt_gpa, paging off, EAX/EBX as given), with the intercepts
	 * core/'s policies ask for (MSR and I/O bitmaps, CPUID, HLT, VM
	 * instructions, interrupts, NMIs, shutdown, XSETBV, the control-register
	 * loads core/cr_access.c checks), after cr_access_init() has derived what
	 * the guest may load; -1 on failure. With
	 * cfg->break_state == BREAK_ENTRY it leaves one guest-state field invalid
	 * on purpose, so the first entry fails (a test of the report).
	 */
	int (*vcpu_create)(struct vcpu *v, u64 entry_rip, u32 eax, u32 ebx);
	/*
	 * Makes v the vCPU the other entries work on, on this CPU (VT-x: VMPTRLD
	 * of its VMCS; AMD-V: its next VMRUN claims no VMCB clean bits). Called
	 * whenever the CPU moves to another vCPU, before anything else touches v.
	 */
	void (*vcpu_load)(struct vcpu *v);
	/* v has ended: nothing of it stays cached in the CPU (VT-x: VMCLEAR) before its pages go. */
	void (*vcpu_release)(struct vcpu *v);
	/*
	 * Enters the guest with v->regs and the event vcpu_ops->inject wrote,
	 * runs it until the next exit, saves v->regs back, hands an event the
	 * exit cut short (IDT-vectoring information / EXITINTINFO) to
	 * vcpu_event_redeliver, and decodes the exit into e: a normalized
	 * reason, the exit RIP, and next_rip when the CPU reports it (else 0).
	 * Nothing is injected on an entry unless inject was called before it.
	 * Calls vcpu_account_entry/exit around the world switch.
	 */
	void (*run)(struct vcpu *v, struct exit_info *e);
	/*
	 * Any register of enum vcpu_reg, as the guest sees it (EFER without SVME;
	 * CR0 and CR4 as the guest loaded them, whatever bits VT-x forces).
	 */
	u64 (*get_reg)(struct vcpu *v, enum vcpu_reg r);
	/*
	 * Only the registers in VREG_WRITABLE; core/ calls it through vcpu_set_reg.
	 * CR0, CR4 and EFER take the guest's view, already checked against
	 * core/cr_rules.h: the backend adds what the hardware needs (VT-x's fixed
	 * bits, SVME) and keeps the mode in step (EFER.LMA, "IA-32e mode guest").
	 */
	void (*set_reg)(struct vcpu *v, enum vcpu_reg r, u64 val);
	/*
	 * Moves RIP to next_rip as the end of an instruction does: the STI/MOV SS
	 * shadow and RFLAGS.RF end. Returns RFLAGS as the instruction found it
	 * (core/ raises the single-step trap when TF was set).
	 */
	u64 (*complete_instruction)(struct vcpu *v, u64 next_rip);
	/* What blocks events now (BLOCK_*), as the guest's state says. */
	u32 (*blocking)(struct vcpu *v);
	/*
	 * Writes ev for the next entry to deliver (one event per entry; core/
	 * chose it). A #DB sets ev->dr6 in the guest's DR6. An NMI blocks
	 * further NMIs until the guest's IRET, and the backend tracks that
	 * (BLOCK_NMI): VT-x with virtual NMIs, AMD-V with the IRET intercept.
	 */
	void (*inject)(struct vcpu *v, const struct vcpu_event *ev);
	/*
	 * Asks for an exit as soon as each window in want (WINDOW_*) opens, and
	 * stops asking for the others; an open window exits as EXIT_INTR_WINDOW
	 * or EXIT_NMI_WINDOW, and core/ delivers on the next entry.
	 */
	void (*event_windows)(struct vcpu *v, u32 want);
	/* A segment register's cached base, limit and access rights (VMX form on both). */
	void (*get_segment)(struct vcpu *v, enum seg_reg s, struct guest_segment *out);
	/*
	 * True when an NMI exit consumes the NMI (VT-x: "NMI exiting"), so the
	 * host must account for it; false when it stays pending and reaches the
	 * host's IDT as soon as GIF is set again (AMD-V).
	 */
	bool nmi_exit_consumes_nmi;
	/*
	 * The enum lazy_msr bits this backend's world switch does not move
	 * between guest and host: pmuvisor loads the guest's values before the
	 * vCPU enters and puts the host's back when it leaves (core/msr_switch.h).
	 */
	u32 lazy_msrs;
	/*
	 * The enum lazy_msr bits this backend's CPU has no use for (VT-x: CSTAR,
	 * as Intel's SYSCALL exists only in 64-bit mode and Intel documents no
	 * such MSR): the guest's value is kept in struct vcpu_msrs, emulated, and
	 * the hardware's is never touched.
	 */
	u32 stored_msrs;
	/* Prints the backend's view of the exit (raw codes, state) for a report. */
	void (*dump)(struct vcpu *v, const struct exit_info *e);
};

/*
 * The hypervisor's share of each exit's round trip, by reason: backends call
 * these right before VMRUN/VMLAUNCH and right after the exit returns. Under
 * QEMU -icount the TSC counts instructions, so these are exact counts.
 */
static inline void vcpu_account_entry(struct vcpu *v)
{
	if (v->exits.exited_at)
		v->exits.cycles[v->exits.last_reason] += rdtsc() - v->exits.exited_at;
}

static inline void vcpu_account_exit(struct vcpu *v) { v->exits.exited_at = rdtsc(); }

/* The backend chosen at boot from CPUID. */
extern const struct vcpu_ops *vcpu_ops;

/* Writes one of the VREG_WRITABLE registers; any other is a bug, reported and dropped. */
static inline void vcpu_set_reg(struct vcpu *v, enum vcpu_reg r, u64 val)
{
	if (!(VREG_WRITABLE & BIT(r))) {
		pr_err("%s: register %d is not writable through vcpu_set_reg", v->vm->name, r);
		return;
	}
	vcpu_ops->set_reg(v, r, val);
}
/* Ends the guest with a status and a reason ("npf", "shutdown", ...). */
void vcpu_stop(struct vcpu *v, int status, const char *reason);
/* The guest ends itself with its own status (not stopped by pmuvisor). */
void vcpu_exit_itself(struct vcpu *v, int status, const char *how);

#endif
