/* AMD-V: detection, VMCB set-up, the run loop's entry and the register accessors. */
#include "svm/svm.h"
#include "arch/cpu.h"
#include "arch/host_caps.h"
#include "arch/log.h"
#include "core/cr_access.h"
#include "core/gpt.h"
#include "core/hv.h"
#include "core/msr_policy.h"
#include "core/pcpu.h"
#include "core/vcpu_events.h"
#include "svm/svm_exit.h"
#include "svm/svm_nmi.h"
#include "svm/vmcb.h"

#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_U BIT(2)
#define PTE_PS BIT(7)
#define GUEST_PAT 0x0007040600070406ULL

/* Segment attributes in the VMCB's compressed form. */
#define ATTR_CODE32 0xC9B /* execute/read, accessed, S, P, D, G */
#define ATTR_DATA32 0xC93 /* read/write, accessed, S, P, D, G */
#define ATTR_TSS32_BUSY 0x08B
#define ATTR_LDT 0x082

struct svm_vcpu {
	struct vmcb *vmcb;
	u8 *msrpm, *iopm;
	u32 dirty;        /* VMCB clean bits the next VMRUN must not claim */
	u32 clean_all;    /* the clean bits the CPU honours (0 without VMCB clean bits) */
	bool flush_tlb;   /* a new guest on this ASID, or an emulated CR load */
	bool nrips;       /* the CPU reports the next RIP */
	struct svm_nmi nmi; /* the guest's NMI blocking (svm/svm_nmi.h) */
};

void svm_vmrun(struct vcpu_regs *regs, u64 guest_vmcb_pa, u64 host_vmcb_pa);

_Static_assert(offsetof(struct vcpu_regs, rbx) == 8, "svm_run.asm offsets");
_Static_assert(offsetof(struct vcpu_regs, r15) == 112, "svm_run.asm offsets");

/* This CPU's: the VMRUN host save area, and the VMSAVE area for the host's VMLOAD-able state. */
struct svm_pcpu {
	void *hsave;
	struct vmcb *host_vmcb;
};

static bool has(u32 feature) { return host_caps.svm_features & feature; }
static u64 pa(const void *p) { return (u64)(uintptr_t)p; }

static int svm_probe(void)
{
	if (host_caps.svm_disabled_by_firmware) {
		pr_err("svm: AMD-V is disabled by firmware (VM_CR.SVMDIS): enable SVM in the BIOS setup");
		return -1;
	}
	if (!has(SVM_FEATURE_NPT)) {
		pr_err("svm: this CPU has no nested paging (NPT); pmuvisor requires it");
		return -1;
	}
	if (host_caps.svm_nr_asid < 2) {
		pr_err("svm: this CPU offers %u ASIDs; at least 2 are needed", host_caps.svm_nr_asid);
		return -1;
	}
	pr_info("svm: revision %u, %u ASIDs, nrips=%s, vmcb_clean=%s", host_caps.svm_revision,
		host_caps.svm_nr_asid, has(SVM_FEATURE_NRIPS) ? "yes" : "no (RIP advanced by pmuvisor)",
		has(SVM_FEATURE_VMCB_CLEAN) ? "yes" : "no");
	return 0;
}

/* Allocations that live as long as the hypervisor: made once, before any guest mark. */
static int svm_enable(void)
{
	struct svm_pcpu *p = hv_alloc(sizeof(*p), 64);
	if (p)
		*p = (struct svm_pcpu){ hv_alloc(PAGE_SIZE, PAGE_SIZE), hv_alloc(PAGE_SIZE, PAGE_SIZE) };
	if (!p || !p->hsave || !p->host_vmcb) {
		pr_err("svm: out of memory for the host save area");
		return -1;
	}
	this_pcpu()->backend = p;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, pa(p->hsave));
	return 0;
}

/* NPT entries are ordinary x86 page-table entries; guest accesses count as user. */
static const struct gpt_format npt_format = {
	.table = PTE_P | PTE_W | PTE_U,
	.leaf_4k = PTE_P | PTE_W | PTE_U,
	.leaf_2m = PTE_P | PTE_W | PTE_U | PTE_PS,
};

static int svm_map_guest(struct vm *vm) { return vm_map_memory(vm, &npt_format); }

static void set_seg(struct vmcb_seg *s, u16 sel, u16 attrib, u32 limit)
{
	*s = (struct vmcb_seg){ sel, attrib, limit, 0 };
}

/* Flat 32-bit protected mode, paging off: what a multiboot1 kernel expects. */
static void init_save_area(struct vmcb_save *s, u64 rip, u64 gdt)
{
	set_seg(&s->cs, 0x08, ATTR_CODE32, 0xFFFFFFFF);
	set_seg(&s->ds, 0x10, ATTR_DATA32, 0xFFFFFFFF);
	set_seg(&s->es, 0x10, ATTR_DATA32, 0xFFFFFFFF);
	set_seg(&s->ss, 0x10, ATTR_DATA32, 0xFFFFFFFF);
	set_seg(&s->fs, 0x10, ATTR_DATA32, 0xFFFFFFFF);
	set_seg(&s->gs, 0x10, ATTR_DATA32, 0xFFFFFFFF);
	set_seg(&s->tr, 0, ATTR_TSS32_BUSY, 0xFFFF);
	set_seg(&s->ldtr, 0, ATTR_LDT, 0xFFFF);
	s->gdtr.base = gdt;
	s->gdtr.limit = GUEST_GDT_LIMIT;
	s->idtr.limit = 0xFFFF;
	s->cr0 = CR0_PE | CR0_ET;
	s->efer = EFER_SVME; /* required by VMRUN; hidden from the guest */
	s->rflags = 0x2;
	s->rip = rip;
	s->dr6 = DR6_RESET;
	s->dr7 = 0x400;
	s->g_pat = GUEST_PAT;
}

static void init_control_area(struct vmcb_control *c, const struct svm_vcpu *sv,
			      const struct vm *vm)
{
	/*
	 * CR0 and CR4 writes go through core/cr_rules.h: an emulator may take a
	 * value VMRUN then refuses (QEMU 7.2 TCG loads CR0 with NW and not CD,
	 * or PG and not PE), and CR4 bits the guest's CPUID hides must be #GP.
	 */
	c->intercept_cr = INTERCEPT_CR0_WRITE | INTERCEPT_CR4_WRITE;
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_CPUID | INTERCEPT_HLT |
			     INTERCEPT_INVLPGA | INTERCEPT_IOIO | INTERCEPT_MSR | INTERCEPT_SHUTDOWN |
			     (vm->pmu.rdpmc_passthrough ? 0 : INTERCEPT_RDPMC);
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			     INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI |
			     INTERCEPT_SKINIT | INTERCEPT_MONITOR | INTERCEPT_MWAIT |
			     INTERCEPT_MWAIT_COND | INTERCEPT_XSETBV;
	c->iopm_base_pa = pa(sv->iopm);
	c->msrpm_base_pa = pa(sv->msrpm);
	c->guest_asid = (vm->id - 1) % (host_caps.svm_nr_asid - 1) + 1;
	c->vintr = VINTR_MASKING; /* the guest's RFLAGS.IF never masks host interrupts */
	c->np_enable = NP_ENABLE;
	c->n_cr3 = vm->gpt_root;
}

static int svm_vcpu_create(struct vcpu *v, u64 entry_rip, u32 eax, u32 ebx)
{
	struct svm_vcpu *sv = hv_alloc(sizeof(*sv), 64);
	if (!sv) {
		pr_err("svm: out of memory for the vCPU");
		return -1;
	}
	*sv = (struct svm_vcpu){
		.vmcb = hv_alloc(sizeof(struct vmcb), PAGE_SIZE),
		.msrpm = hv_alloc(svm_msrpm_layout.size, PAGE_SIZE),
		.iopm = hv_alloc(3 * PAGE_SIZE, PAGE_SIZE),
		.dirty = CLEAN_ALL,
		/* the CPU's features, looked up once rather than on every run */
		.clean_all = has(SVM_FEATURE_VMCB_CLEAN) ? CLEAN_ALL : 0,
		.flush_tlb = true,
		.nrips = has(SVM_FEATURE_NRIPS),
	};
	if (!sv->vmcb || !sv->msrpm || !sv->iopm) {
		pr_err("svm: out of memory for the VMCB and intercept bitmaps");
		return -1;
	}
	v->backend = sv;
	msr_policy_build_bitmap(&svm_msrpm_layout, sv->msrpm, v);
	for (u32 i = 0; i < 3 * PAGE_SIZE; i++) /* every port intercepted */
		sv->iopm[i] = 0xFF;
	init_control_area(&sv->vmcb->control, sv, v->vm);
	init_save_area(&sv->vmcb->save, entry_rip, v->vm->gdt_gpa);
	v->regs.rax = eax;
	if (v->vm->cfg->break_state == BREAK_ENTRY)
		sv->vmcb->save.efer &= ~EFER_SVME; /* illegal: VMRUN must refuse it */
	v->regs.rbx = ebx;
	cr_access_init(v);
	return 0;
}

/*
 * Another vCPU's VMCB ran last on this CPU: claim no clean bits, as the CPU
 * may have kept that one's state (KVM marks all dirty on a VMCB change too).
 */
static void svm_vcpu_load(struct vcpu *v)
{
	((struct svm_vcpu *)v->backend)->dirty = CLEAN_ALL;
}

/* VMRUN keeps nothing of a VMCB once the next one runs. */
static void svm_vcpu_release(struct vcpu *v) { (void)v; }

/*
 * No PMU register is switched here: guest selectors are Guest-Only, so they
 * count only between VMRUN and the exit (PerfMonV2's GLOBAL_CTL stays the
 * guest's while its vCPU is loaded). With V_INTR_MASKING, the host's
 * RFLAGS.IF saved by VMRUN decides whether a physical interrupt ends the
 * guest's run: so IF=1 across VMRUN (GIF=0 keeps the hypervisor itself
 * uninterrupted), or a guest that never exits would never see the watchdog's
 * tick.
 */
static void svm_world_switch(struct vcpu *v, struct svm_vcpu *sv)
{
	asm volatile("clgi; sti" ::: "memory");
	pmu_trace_world_switch(TRACE_SVMENTRY, 0);
	vcpu_account_entry(v);
	const struct svm_pcpu *p = this_pcpu()->backend;
	svm_vmrun(&v->regs, pa(sv->vmcb), pa(p->host_vmcb));
	vcpu_account_exit(v);
	pmu_trace_world_switch(TRACE_SVMEXIT, 0);
	asm volatile("cli; stgi" ::: "memory");
}

static void intercept(struct svm_vcpu *sv, u32 *word, u32 bit, bool on)
{
	u32 w = on ? *word | bit : *word & ~bit;
	if (w != *word) {
		*word = w;
		sv->dirty |= CLEAN_INTERCEPTS;
	}
}

static void svm_run(struct vcpu *v, struct exit_info *e)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb_control *c = &sv->vmcb->control;

	/*
	 * With V_INTR_MASKING a guest's CR8 is V_TPR: it is the virtual LAPIC's
	 * TPR bits 7:4 (a CR8 load clears bits 3:0, as the SDM says).
	 */
	if (VINTR_TPR(c->vintr) != v->lapic.tpr >> 4) {
		c->vintr = (c->vintr & ~(u64)VINTR_TPR_MASK) | (v->lapic.tpr >> 4);
		sv->dirty |= CLEAN_TPR;
	}
	c->clean = sv->clean_all & ~sv->dirty;
	c->tlb_control = sv->flush_tlb ? TLB_FLUSH_ALL : 0;
	sv->vmcb->save.rax = v->regs.rax; /* VMRUN takes the guest's RAX from the VMCB */
	svm_world_switch(v, sv);
	sv->dirty = 0;
	sv->flush_tlb = false;
	v->regs.rax = sv->vmcb->save.rax;
	if (VINTR_TPR(c->vintr) != v->lapic.tpr >> 4)
		v->lapic.tpr = VINTR_TPR(c->vintr) << 4;

	c->eventinj = 0; /* delivered, or handed back to core/ below */
	svm_decode_exit(sv->vmcb, sv->nrips, e);
	struct vcpu_event cut;
	if ((c->exitintinfo & EVENT_VALID) && svm_decode_exitintinfo(c->exitintinfo, &cut))
		vcpu_event_redeliver(v, &cut);
	enum svm_nmi_exit nmi = svm_nmi_exit(&sv->nmi, sv->vmcb, &sv->dirty);
	if (nmi != SVM_NMI_NOTHING)
		e->reason = EXIT_NMI_WINDOW;
	if (nmi == SVM_NMI_WINDOW_GUEST_DB) /* the guest single-stepped its IRET: its trap too */
		vcpu_raise_debug_trap(v, DR6_BS);
}

/* The VMCB's compressed attributes (type..P in 7:0, AVL..G in 11:8) in VMX form. */
static u32 vmx_form(u16 attrib) { return (attrib & 0xFFu) | ((u32)(attrib & 0xF00) << 4); }

static u64 svm_get_reg(struct vcpu *v, enum vcpu_reg r)
{
	const struct svm_vcpu *sv = v->backend;
	const struct vmcb_save *s = &sv->vmcb->save;
	switch (r) {
	case VREG_RIP: return s->rip;
	case VREG_RSP: return s->rsp;
	case VREG_RFLAGS: return svm_nmi_guest_rflags(&sv->nmi, sv->vmcb);
	case VREG_CR0: return s->cr0;
	case VREG_CR3: return s->cr3;
	case VREG_CR4: return s->cr4;
	case VREG_EFER: return svm_guest_efer(s);
	case VREG_PAT: return s->g_pat;
	case VREG_FS_BASE: return s->fs.base;
	case VREG_GS_BASE: return s->gs.base;
	case VREG_CS_BASE: return s->cs.base;
	case VREG_CS_ATTR: return vmx_form(s->cs.attrib);
	case VREG_CPL: return s->cpl;
	case VREG_TSC_OFFSET: return ((struct svm_vcpu *)v->backend)->vmcb->control.tsc_offset;
	case VREG_CR2: return s->cr2;
	default: return 0;
	}
}

static void svm_set_reg(struct vcpu *v, enum vcpu_reg r, u64 val)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb_save *s = &sv->vmcb->save;
	switch (r) {
	case VREG_RIP: s->rip = val; break;
	case VREG_RSP: s->rsp = val; break;
	case VREG_RFLAGS: svm_nmi_set_rflags(&sv->nmi, sv->vmcb, val); break;
	case VREG_EFER:
		s->efer = val | EFER_SVME;
		sv->dirty |= CLEAN_CRX;
		break;
	case VREG_CR0: /* an emulated load flushes the guest's TLB, as the MOV would */
	case VREG_CR3:
	case VREG_CR4:
		*(r == VREG_CR0 ? &s->cr0 : r == VREG_CR3 ? &s->cr3 : &s->cr4) = val;
		sv->dirty |= CLEAN_CRX;
		sv->flush_tlb = true;
		break;
	case VREG_PAT:
		s->g_pat = val;
		sv->dirty |= CLEAN_NP;
		break;
	case VREG_FS_BASE: s->fs.base = val; break;
	case VREG_GS_BASE: s->gs.base = val; break;
	case VREG_TSC_OFFSET:
		sv->vmcb->control.tsc_offset = val;
		sv->dirty |= CLEAN_INTERCEPTS; /* the clean bit that covers the TSC offset */
		break;
	case VREG_CR2:
		s->cr2 = val;
		sv->dirty |= CLEAN_CR2;
		/*
		 * VMRUN loads CR2 from the VMCB; Bochs 2.7's does not (the guest keeps
		 * the CPU's), so the CPU's gets it too: pmuvisor itself never uses CR2.
		 */
		write_cr2(val);
		break;
	default: /* not in VREG_WRITABLE: vcpu_set_reg never passes it */
		break;
	}
}

/* A segment with P=0 is the null one: SVM has no separate "unusable" bit. */
static void svm_get_segment(struct vcpu *v, enum seg_reg seg, struct guest_segment *out)
{
	struct vmcb_save *s = &((struct svm_vcpu *)v->backend)->vmcb->save;
	const struct vmcb_seg *all[SEG_COUNT] = { &s->es, &s->cs, &s->ss, &s->ds,
						  &s->fs, &s->gs, &s->tr, &s->ldtr };
	const struct vmcb_seg *vs = all[seg];
	*out = (struct guest_segment){ vs->base, vs->limit, vmx_form(vs->attrib) };
}

static u64 svm_complete_instruction(struct vcpu *v, u64 next_rip)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb *vmcb = sv->vmcb;
	u64 rflags = svm_get_reg(v, VREG_RFLAGS);
	vmcb->save.rip = next_rip;
	vmcb->save.rflags &= ~RFLAGS_RF;
	vmcb->control.interrupt_shadow = 0;
	return rflags;
}

static void svm_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb *vmcb = sv->vmcb;
	vmcb->control.eventinj = ev->vector | (u32)ev->type << 8 | EVENT_VALID |
				 (ev->has_error ? EVENT_ERROR_VALID | ((u64)ev->error << 32) : 0);
	if (ev->dr6) {
		vmcb->save.dr6 |= ev->dr6;
		sv->dirty |= CLEAN_DRX;
	}
	svm_nmi_injected(&sv->nmi, vmcb, ev->type == EVENT_NMI, &sv->dirty);
}

static u32 svm_blocking(struct vcpu *v)
{
	const struct svm_vcpu *sv = v->backend;
	const struct vmcb *vmcb = sv->vmcb;
	return (vmcb->save.rflags & RFLAGS_IF ? 0 : BLOCK_IF) |
	       (vmcb->control.interrupt_shadow & 1 ? BLOCK_STI : 0) |
	       (sv->nmi.masked ? BLOCK_NMI : 0);
}

/*
 * Interrupts: a virtual interrupt nobody takes (V_IRQ) exits with VINTR once
 * the guest can take it. An NMI held by a shadow waits for the same exit
 * (with IF=1; with IF=0, for the next exit); one held by the NMI handler
 * waits for its IRET (svm/svm_nmi.c).
 */
static void svm_event_windows(struct vcpu *v, u32 want)
{
	struct svm_vcpu *sv = v->backend;
	struct vmcb_control *c = &sv->vmcb->control;
	const u64 virq = VINTR_V_IRQ | VINTR_PRIO_HIGHEST | VINTR_IGN_TPR;
	bool vintr = (want & WINDOW_IRQ) || ((want & WINDOW_NMI) && !sv->nmi.masked);
	c->vintr = vintr ? c->vintr | virq : c->vintr & ~virq;
	sv->dirty |= CLEAN_TPR;
	intercept(sv, &c->intercept_misc1, INTERCEPT_VINTR, vintr);
	svm_nmi_window(&sv->nmi, sv->vmcb, want & WINDOW_NMI, &sv->dirty);
}

static void svm_dump(struct vcpu *v, const struct exit_info *e)
{
	const struct vmcb *vmcb = ((struct svm_vcpu *)v->backend)->vmcb;
	const struct vmcb_save *s = &vmcb->save;
	(void)e;
	pr_info("svm: exitcode=0x%lx exitinfo1=0x%lx exitinfo2=0x%lx exitintinfo=0x%lx",
		vmcb->control.exitcode, vmcb->control.exitinfo1, vmcb->control.exitinfo2,
		vmcb->control.exitintinfo);
	pr_info("svm: rip=0x%lx rsp=0x%lx rflags=0x%lx cr0=0x%lx cr3=0x%lx cr4=0x%lx efer=0x%lx "
		"cs=0x%x/0x%x", s->rip, s->rsp, s->rflags, s->cr0, s->cr3, s->cr4, s->efer,
		s->cs.selector, s->cs.attrib);
}

const struct vcpu_ops svm_ops = {
	.name = "svm (AMD-V)",
	.probe = svm_probe,
	.enable = svm_enable,
	.map_guest = svm_map_guest,
	.vcpu_create = svm_vcpu_create,
	.vcpu_load = svm_vcpu_load,
	.vcpu_release = svm_vcpu_release,
	.run = svm_run,
	.get_reg = svm_get_reg,
	.set_reg = svm_set_reg,
	.complete_instruction = svm_complete_instruction,
	.blocking = svm_blocking,
	.inject = svm_inject,
	.event_windows = svm_event_windows,
	.get_segment = svm_get_segment,
	.nmi_exit_consumes_nmi = false,
	/* VMLOAD/VMSAVE (svm_run.asm) move the rest */
	.lazy_msrs = BIT(LAZY_TSC_AUX),
	.dump = svm_dump,
};
