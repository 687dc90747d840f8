/*
 * Vendor-neutral vm and vcpu objects, the decoded exit, and the backend
 * ops table that svm/ and vmx/ fill. core/ never asks which vendor it runs on.
 */
#ifndef CORE_VCPU_H
#define CORE_VCPU_H

#include "arch/cpu.h"
#include "arch/log.h"
#include "arch/types.h"
#include "core/abi.h"
#include "core/config.h"
#include "core/fw_cfg.h"
#include "core/guest_mem.h"
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
	VREG_INTR_SHADOW, /* nonzero while STI or MOV SS blocks interrupts */
	VREG_TSC_OFFSET,  /* added to the host TSC for RDTSC, RDTSCP and RDMSR(IA32_TSC) */
	VREG_COUNT
};

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
	};
};

struct vm {
	const char *name;
	const struct guest_config *cfg;
	struct guest_mem mem;
	u64 mem_hpa;      /* host physical address of guest physical 0 */
	u64 gpt_root;     /* NPT / EPT root table */
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
};

/*
 * The guest's TSC is the host's plus offset, which the hardware adds for
 * RDTSC, RDTSCP and RDMSR(IA32_TSC) (core/guest_tsc.c); adjust is the
 * guest's IA32_TSC_ADJUST.
 */
struct vcpu_tsc {
	u64 offset, adjust;
};

/* What a vCPU's exits cost, by normalized reason (readable by the guest). */
struct exit_stats {
	u64 count[EXIT_REASON_COUNT];
	u64 cycles[EXIT_REASON_COUNT]; /* TSC from the exit to the next entry, by reason */
	u64 exited_at;                 /* TSC at the last exit (0: none yet) */
	enum exit_reason last_reason;
	u64 denied_io;                 /* port accesses the I/O policy refused */
	u64 unbacked;                  /* accesses to guest-physical addresses with nothing there */
};

struct vcpu {
	struct vm *vm;
	struct vcpu_regs regs;
	struct vcpu_msrs msrs;
	struct vcpu_tsc tsc;
	struct vlapic lapic;
	struct vpmu pmu;
	void *backend;    /* struct svm_vcpu / struct vmx_vcpu */
	struct exit_stats exits;
	struct fw_cfg fw_cfg;
	bool halted; /* in HLT: not entered until an interrupt wakes it */
	/* set by exit handlers to end the guest */
	bool stopped;
	bool exited_itself; /* the guest asked to end (exit hypercall, debug-exit port) */
	int status;
	const char *stop_reason;
	/* COM1 line buffer, forwarded with the guest's name as prefix */
	char line[256];
	u32 line_len;
};

/* The registers core/ may write (vcpu_set_reg); both backends implement exactly these. */
#define VREG_WRITABLE                                                                    \
	(BIT(VREG_RIP) | BIT(VREG_RSP) | BIT(VREG_RFLAGS) | BIT(VREG_EFER) | BIT(VREG_PAT) | \
	 BIT(VREG_FS_BASE) | BIT(VREG_GS_BASE) | BIT(VREG_INTR_SHADOW) | BIT(VREG_TSC_OFFSET))

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
	 * mode, flat segments, paging off, EAX/EBX as given), with the intercepts
	 * core/'s policies ask for (MSR and I/O bitmaps, CPUID, HLT, VM
	 * instructions, interrupts, NMIs, shutdown); -1 on failure. With
	 * cfg->break_state == BREAK_ENTRY it leaves one guest-state field invalid
	 * on purpose, so the first entry fails (a test of the report).
	 */
	int (*vcpu_create)(struct vcpu *v, u64 entry_rip, u32 eax, u32 ebx);
	/*
	 * Enters the guest with v->regs, runs it until the next exit, saves
	 * v->regs back, requeues an event the exit cut short (IDT-vectoring
	 * information / EXITINTINFO) and decodes the exit into e: a normalized
	 * reason, the exit RIP, and next_rip when the CPU reports it (else 0).
	 * Calls vcpu_account_entry/exit around the world switch.
	 */
	void (*run)(struct vcpu *v, struct exit_info *e);
	/* Any register of enum vcpu_reg, as the guest sees it (EFER without SVME). */
	u64 (*get_reg)(struct vcpu *v, enum vcpu_reg r);
	/* Only the registers in VREG_WRITABLE; core/ calls it through vcpu_set_reg. */
	void (*set_reg)(struct vcpu *v, enum vcpu_reg r, u64 val);
	/* Injects an NMI (vector ignored) or an external interrupt on the next entry. */
	void (*inject_event)(struct vcpu *v, bool nmi, u8 vector);
	/* True when an external interrupt can go in now: IF=1, no shadow, no event queued. */
	bool (*interruptible)(struct vcpu *v);
	/* Asks for an exit as soon as the guest can take an interrupt (or stops asking). */
	void (*interrupt_window)(struct vcpu *v, bool on);
	/* Injects an exception on the next entry. */
	void (*inject_exception)(struct vcpu *v, u8 vector, bool has_error, u32 error);
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
/* Advances RIP past the instruction that exited (next_rip or a known length). */
void vcpu_skip_instruction(struct vcpu *v, const struct exit_info *e, u32 fallback_len);
/* Ends the guest with a status and a reason ("npf", "shutdown", ...). */
void vcpu_stop(struct vcpu *v, int status, const char *reason);
/* The guest ends itself with its own status (not stopped by pmuvisor). */
void vcpu_exit_itself(struct vcpu *v, int status, const char *how);

#endif
