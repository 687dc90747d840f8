/* Intel VT-x: detection, VMXON, VMCS set-up, entry and register accessors. */
#include "vmx/vmx.h"
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/host_caps.h"
#include "arch/log.h"
#include "core/cr_access.h"
#include "core/gpt.h"
#include "core/hv.h"
#include "core/msr_policy.h"
#include "core/pcpu.h"
#include "core/vcpu_events.h"
#include "arch/tsc.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmx_exit.h"
#include "vmx/vmx_guest_check.h"
#include "pmu/pmu_hw.h"

#define FEATURE_CONTROL_LOCKED BIT(0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)

#define PIN_EXTERNAL_INTERRUPT BIT(0)
#define PIN_NMI BIT(3)
#define PIN_VIRTUAL_NMI BIT(5) /* the CPU tracks the guest's NMI blocking, and NMI windows */
#define PIN_PREEMPTION_TIMER BIT(6)
#define MISC_PREEMPTION_TIMER_RATE(misc) ((misc) & 0x1F) /* counts at TSC >> rate */
#define CPU_INTR_WINDOW BIT(2)
#define CPU_TSC_OFFSETTING BIT(3)
#define CPU_HLT BIT(7)
#define CPU_NMI_WINDOW BIT(22)
#define CPU_MWAIT BIT(10)
#define CPU_RDPMC BIT(11)
#define CPU_CR8_LOAD BIT(19)
#define CPU_CR8_STORE BIT(20)
#define CPU_IO_BITMAPS BIT(25)
#define CPU_MONITOR BIT(29)
#define EXIT_HOST_64BIT BIT(9)
#define EXIT_SAVE_PAT BIT(18)
#define EXIT_LOAD_PAT BIT(19)
#define EXIT_SAVE_EFER BIT(20)
#define EXIT_LOAD_EFER BIT(21)
#define ENTRY_IA32E_GUEST BIT(9)
#define ENTRY_LOAD_PAT BIT(14)
#define ENTRY_LOAD_EFER BIT(15)

#define AR_CODE32 0xC09B /* execute/read accessed, S, P, D/B, G */
#define AR_DATA32 0xC093
#define AR_TSS32_BUSY 0x008B
#define AR_UNUSABLE BIT(16)
#define AR_RESERVED_BIT BIT(8) /* must be zero: the break=entry test sets it */

#define EPT_RWX 0x7
#define EPT_MEMTYPE_WB (6u << 3)
#define EPT_LARGE BIT(7)
#define EPTP_WB_4LEVEL (6u | (3u << 3))
#define GUEST_PAT_VALUE 0x0007040600070406ULL
#define EVENT_VALID BIT(31)
#define BLOCKING_BY_STI BIT(0)
#define BLOCKING_BY_MOV_SS BIT(1)
#define BLOCKING_BY_NMI BIT(3)
#define INTERRUPTIBILITY_SHADOW (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)
#define EPT_QUAL_NMI_UNBLOCKED BIT(12) /* the EPT violation hit an IRET that unblocked NMIs */
#define PENDING_DBG_B0_B3 0xFu
#define EVENT_HAS_ERROR BIT(11)
#define INVEPT_ALL_CONTEXT 2
#define INVVPID_ALL_CONTEXT 2
#define EPT_CAP_INVEPT BIT(20)
#define EPT_CAP_INVEPT_ALL BIT(26)
#define VPID_CAP_INVVPID BIT(32)
#define VPID_CAP_INVVPID_ALL BIT(42)

/* An entry of the VM-entry/VM-exit MSR-load and MSR-store lists (SDM 25.7.2). */
struct vmx_msr_entry {
	u32 index, reserved;
	u64 value;
};

/* The lists' page: the entry-load, exit-load and exit-store entries (fallbacks only). */
enum { LIST_ENTRY_LOAD, LIST_EXIT_LOAD, LIST_EXIT_STORE };

struct vmx_vcpu {
	void *vmcs;
	u8 *msr_bitmap, *io_bitmaps;
	bool launched;
	u32 cpu_ctls;                    /* the processor-based controls now in the VMCS */
	u64 guest_global_ctrl;           /* what the next VM entry loads */
	struct vmx_msr_entry *msr_lists; /* NULL when the controls do it all */
	/*
	 * GLOBAL_CTRL passes through: the exit saves the guest's value, in the
	 * VMCS or in *global_ctrl_store (an MSR-store list entry), and when
	 * saved_where_entry_loads, in the very place the next entry loads from.
	 */
	bool global_ctrl_saved, saved_where_entry_loads;
	const u64 *global_ctrl_store;
};

int vmx_enter(struct vcpu_regs *regs, int launched);
void vmx_exit_entry(void);

_Static_assert(offsetof(struct vcpu_regs, rax) == 0, "vmx_run.asm offsets");
_Static_assert(offsetof(struct vcpu_regs, r15) == 112, "vmx_run.asm offsets");

static struct vmx_caps caps;
static u32 pin_ctls, cpu_ctls, cpu2_ctls, exit_ctls, entry_ctls;
static struct vmx_global_ctrl_switch global_ctrl_switch;

static u64 pa(const void *p) { return (u64)(uintptr_t)p; }

/* Why pmuvisor cannot do without a control, for the refusal. */
struct control_need {
	u32 bit;
	const char *why;
};

static const struct control_need secondary_needs[] = {
	{ SECONDARY_ENABLE_EPT, "EPT (guest memory is mapped only through it)" },
	{ SECONDARY_ENABLE_VPID, "VPID" },
	{ SECONDARY_UNRESTRICTED_GUEST, "unrestricted guest (guests start in protected mode "
					"with paging off and may switch to real mode; VT-x allows "
					"either only with it)" },
	{ 0, NULL },
};

/* Fits wanted controls to the CPU; an essential control it cannot set is an error. */
static int fit(const char *what, u64 cap, u32 want, u32 essential, u32 *out,
	       const struct control_need *needs)
{
	u32 missing;
	*out = vmx_fit_controls(cap, want, &missing);
	if (missing & essential) {
		pr_err("vmx: this CPU cannot set %s controls 0x%x that pmuvisor requires", what,
		       missing & essential);
		for (; needs && needs->why; needs++)
			if (missing & essential & needs->bit)
				pr_err("vmx: no %s", needs->why);
		return -1;
	}
	if (missing)
		pr_info("vmx: optional %s controls 0x%x not available", what, missing);
	return 0;
}

static int compute_controls(void)
{
	/*
	 * RDTSCP and INVPCID raise #UD in the guest unless enabled (Linux flushes
	 * its TLB with INVPCID when CPUID offers it); optional, as CPUs without
	 * these controls lack the instructions. Without INVLPG exiting INVPCID
	 * runs without an exit, on the guest's VPID.
	 */
	u32 cpu2_essential = SECONDARY_ENABLE_EPT | SECONDARY_ENABLE_VPID | SECONDARY_UNRESTRICTED_GUEST;
	u32 cpu2_want = cpu2_essential | SECONDARY_ENABLE_RDTSCP | SECONDARY_ENABLE_INVPCID;
	struct vmx_global_ctrl_switch g = global_ctrl_switch = vmx_global_ctrl_switch(
		caps.exit, caps.entry, hv.config.pmu_switch == PMU_SWITCH_MSR_LISTS);
	u32 exit_want = EXIT_HOST_64BIT | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER |
			EXIT_LOAD_EFER | (g.load_by_controls ? EXIT_LOAD_PERF_GLOBAL_CTRL : 0);
	u32 entry_want = ENTRY_LOAD_PAT | ENTRY_LOAD_EFER |
			 (g.load_by_controls ? ENTRY_LOAD_PERF_GLOBAL_CTRL : 0);
	/*
	 * The window exits are checked here and turned on only while needed. CR8
	 * exits: without them a 64-bit guest's MOV to CR8 would write the host's TPR.
	 */
	u32 cpu_want = CPU_HLT | CPU_MWAIT | CPU_RDPMC | CPU_IO_BITMAPS | CPU_MONITOR |
		       CPU_TSC_OFFSETTING | CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_ACTIVATE_SECONDARY |
		       CPU_INTR_WINDOW | CPU_NMI_WINDOW | CPU_CR8_LOAD | CPU_CR8_STORE;
	u32 pin_need = PIN_EXTERNAL_INTERRUPT | PIN_NMI | PIN_VIRTUAL_NMI;
	if (fit("pin-based", caps.pinbased, pin_need | PIN_PREEMPTION_TIMER, pin_need, &pin_ctls,
		NULL) ||
	    fit("processor-based", caps.procbased, cpu_want, cpu_want, &cpu_ctls, NULL) ||
	    fit("secondary", caps.procbased2, cpu2_want, cpu2_essential, &cpu2_ctls,
		secondary_needs) ||
	    fit("VM-exit", caps.exit, exit_want, exit_want & ~EXIT_LOAD_PERF_GLOBAL_CTRL,
		&exit_ctls, NULL) ||
	    fit("VM-entry", caps.entry, entry_want, entry_want & ~ENTRY_LOAD_PERF_GLOBAL_CTRL,
		&entry_ctls, NULL))
		return -1;
	cpu_ctls &= ~(CPU_INTR_WINDOW | CPU_NMI_WINDOW);
	return 0;
}

static int vmx_probe(void)
{
	u64 fc = host_caps.feature_control;
	if ((fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		pr_err("vmx: VT-x is locked off by firmware (IA32_FEATURE_CONTROL=0x%lx): enable "
		       "virtualization in the BIOS setup", fc);
		return -1;
	}
	vmx_caps_read(&caps);
	if (compute_controls())
		return -1;
	pr_info("vmx: revision 0x%lx, controls pin=0x%x cpu=0x%x cpu2=0x%x exit=0x%x entry=0x%x",
		caps.basic & 0x7FFFFFFF, pin_ctls, cpu_ctls, cpu2_ctls, exit_ctls, entry_ctls);
	pr_info("vmx: PERF_GLOBAL_CTRL switch: %s; saved at exit (passthrough) by the %s",
		global_ctrl_switch.load_by_controls ? "VM-entry/VM-exit load controls"
						    : "VM-entry/VM-exit MSR-load lists",
		global_ctrl_switch.save_by_control ? "VM-exit save control" : "VM-exit MSR-store list");
	return 0;
}

static int vmx_enable(void)
{
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	write_cr0((read_cr0() | caps.cr0_fixed0) & caps.cr0_fixed1);
	write_cr4((read_cr4() | caps.cr4_fixed0 | CR4_VMXE) & caps.cr4_fixed1);

	u32 *vmxon = hv_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!vmxon) {
		pr_err("vmx: out of memory for the VMXON region");
		return -1;
	}
	*vmxon = (u32)caps.basic;
	this_pcpu()->backend = vmxon; /* this CPU's VMXON region */
	u64 region = pa(vmxon);
	bool ok;
	asm volatile("vmxon %1" : "=@cca"(ok) : "m"(region) : "cc", "memory");
	if (!ok) {
		pr_err("vmx: VMXON failed (CR0=0x%lx CR4=0x%lx)", read_cr0(), read_cr4());
		return -1;
	}
	return 0;
}

static const struct gpt_format ept_format = {
	.table = EPT_RWX,
	.leaf_4k = EPT_RWX | EPT_MEMTYPE_WB,
	.leaf_2m = EPT_RWX | EPT_MEMTYPE_WB | EPT_LARGE,
};

static int vmx_map_guest(struct vm *vm) { return vm_map_memory(vm, &ept_format); }

/* A new guest may reuse the EPT root and VPID of the last one: drop cached translations. */
static void flush_translations(void)
{
	struct { u64 a, b; } desc = { 0, 0 };
	if ((caps.ept_vpid & EPT_CAP_INVEPT) && (caps.ept_vpid & EPT_CAP_INVEPT_ALL))
		asm volatile("invept %0, %1" : : "m"(desc), "r"((u64)INVEPT_ALL_CONTEXT) : "cc", "memory");
	if ((caps.ept_vpid & VPID_CAP_INVVPID) && (caps.ept_vpid & VPID_CAP_INVVPID_ALL))
		asm volatile("invvpid %0, %1" : : "m"(desc), "r"((u64)INVVPID_ALL_CONTEXT) : "cc", "memory");
}

struct field_value {
	enum vmcs_field field;
	u64 value;
};

static int write_fields(const struct field_value *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!vmwrite(f[i].field, f[i].value)) {
			pr_err("vmx: VMWRITE of field 0x%x failed: %s", f[i].field,
			       vmx_instruction_error_text((u32)vmread(VM_INSTRUCTION_ERROR)));
			return -1;
		}
	return 0;
}

struct __attribute__((packed)) descriptor_pointer {
	u16 limit;
	u64 base;
};

static int write_host_state(void)
{
	struct descriptor_pointer gdtr, idtr;
	asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	const u64 *gdt = (const u64 *)(uintptr_t)gdtr.base;
	u64 tss = ((gdt[GDT_TSS / 8] >> 16) & 0xFFFFFF) | ((gdt[GDT_TSS / 8] >> 32) & 0xFF000000) |
		  (gdt[GDT_TSS / 8 + 1] << 32);
	const struct field_value host[] = {
		{ HOST_CR0, read_cr0() }, { HOST_CR3, read_cr3() }, { HOST_CR4, read_cr4() },
		{ HOST_CS_SEL, GDT_CODE64 }, { HOST_SS_SEL, GDT_DATA }, { HOST_DS_SEL, GDT_DATA },
		{ HOST_ES_SEL, GDT_DATA }, { HOST_FS_SEL, 0 }, { HOST_GS_SEL, 0 },
		{ HOST_TR_SEL, GDT_TSS }, { HOST_FS_BASE, 0 }, { HOST_GS_BASE, 0 },
		{ HOST_TR_BASE, tss }, { HOST_GDTR_BASE, gdtr.base }, { HOST_IDTR_BASE, idtr.base },
		/* the guest's SYSENTER_* pass through: every exit loads the host's back */
		{ HOST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS) },
		{ HOST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP) },
		{ HOST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP) },
		{ HOST_PAT, rdmsr(MSR_PAT) }, { HOST_EFER, rdmsr(MSR_EFER) },
		{ HOST_RIP, pa(vmx_exit_entry) },
	};
	return write_fields(host, ARRAY_SIZE(host));
}

/*
 * CR bits VMX fixes (NE, VMXE) are pmuvisor's: the guest reads the read
 * shadow, what it loaded, and a MOV that changes one exits to
 * core/cr_access.c. So are CD and NW, whose combination Bochs does not check
 * (measured: it loads NW without CD), and the CR4 bits the guest's CPUID does
 * not offer, so their load is a #GP. PE and PG are the guest's (unrestricted
 * guest); every other bit is the guest's own, checked by the CPU.
 */
static u64 cr0_owned(void)
{
	return (caps.cr0_fixed0 & ~(CR0_PE | CR0_PG)) | ~caps.cr0_fixed1 | CR0_CD | CR0_NW;
}
static u64 cr4_owned(const struct vcpu *v)
{
	return caps.cr4_fixed0 | ~caps.cr4_fixed1 | ~v->cr.cr4_allowed;
}

/* The value the CPU holds for a guest-visible CR0 (the fixed bits added). */
static u64 cr0_hw(u64 cr0)
{
	return (cr0 | (caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & (caps.cr0_fixed1 | CR0_PE | CR0_PG);
}

static u64 cr4_hw(u64 cr4) { return (cr4 | caps.cr4_fixed0) & caps.cr4_fixed1; }

static int write_guest_state(const struct vcpu *v, u64 rip, u32 eax)
{
	u32 cs_ar = AR_CODE32 | (v->vm->cfg->break_state == BREAK_ENTRY ? AR_RESERVED_BIT : 0);
	const struct field_value guest[] = {
		{ GUEST_CS_SEL, 0x08 }, { GUEST_CS_BASE, 0 }, { GUEST_CS_LIMIT, 0xFFFFFFFF },
		{ GUEST_CS_AR, cs_ar },
		{ GUEST_SS_SEL, 0x10 }, { GUEST_SS_BASE, 0 }, { GUEST_SS_LIMIT, 0xFFFFFFFF },
		{ GUEST_SS_AR, AR_DATA32 },
		{ GUEST_DS_SEL, 0x10 }, { GUEST_DS_BASE, 0 }, { GUEST_DS_LIMIT, 0xFFFFFFFF },
		{ GUEST_DS_AR, AR_DATA32 },
		{ GUEST_ES_SEL, 0x10 }, { GUEST_ES_BASE, 0 }, { GUEST_ES_LIMIT, 0xFFFFFFFF },
		{ GUEST_ES_AR, AR_DATA32 },
		{ GUEST_FS_SEL, 0x10 }, { GUEST_FS_BASE, 0 }, { GUEST_FS_LIMIT, 0xFFFFFFFF },
		{ GUEST_FS_AR, AR_DATA32 },
		{ GUEST_GS_SEL, 0x10 }, { GUEST_GS_BASE, 0 }, { GUEST_GS_LIMIT, 0xFFFFFFFF },
		{ GUEST_GS_AR, AR_DATA32 },
		{ GUEST_TR_SEL, 0 }, { GUEST_TR_BASE, 0 }, { GUEST_TR_LIMIT, 0xFFFF },
		{ GUEST_TR_AR, AR_TSS32_BUSY },
		{ GUEST_LDTR_SEL, 0 }, { GUEST_LDTR_BASE, 0 }, { GUEST_LDTR_LIMIT, 0 },
		{ GUEST_LDTR_AR, AR_UNUSABLE },
		{ GUEST_GDTR_BASE, v->vm->gdt_gpa }, { GUEST_GDTR_LIMIT, GUEST_GDT_LIMIT },
		{ GUEST_IDTR_BASE, 0 }, { GUEST_IDTR_LIMIT, 0xFFFF },
		{ GUEST_CR0, cr0_hw(CR0_PE | CR0_ET) }, { GUEST_CR3, 0 }, { GUEST_CR4, cr4_hw(0) },
		{ CR0_GUEST_HOST_MASK, cr0_owned() }, { CR0_READ_SHADOW, CR0_PE | CR0_ET },
		{ CR4_GUEST_HOST_MASK, cr4_owned(v) }, { CR4_READ_SHADOW, 0 },
		{ GUEST_DR7, 0x400 }, { GUEST_RSP, 0 }, { GUEST_RIP, rip }, { GUEST_RFLAGS, 0x2 },
		{ GUEST_SYSENTER_CS, 0 }, { GUEST_SYSENTER_ESP, 0 }, { GUEST_SYSENTER_EIP, 0 },
		{ GUEST_PAT, GUEST_PAT_VALUE }, { GUEST_EFER, 0 },
		{ GUEST_INTERRUPTIBILITY, 0 }, { GUEST_ACTIVITY_STATE, 0 },
		{ VMCS_LINK_POINTER, ~0ULL },
	};
	(void)eax;
	return write_fields(guest, ARRAY_SIZE(guest));
}

/*
 * Without the "load IA32_PERF_GLOBAL_CTRL" controls, the VM-entry and
 * VM-exit MSR-load lists do the same job: guest value in, 0 out. Without
 * the "save" control, a guest that writes GLOBAL_CTRL directly has it saved
 * by the VM-exit MSR-store list (stored before the exit loads 0): into the
 * entry-load entry itself when the lists load it, so the next entry loads
 * what the guest left without a write of ours.
 */
static int write_msr_lists(struct vmx_vcpu *xv, const struct vm *vm)
{
	const struct vmx_global_ctrl_switch *g = &global_ctrl_switch;
	bool load = !g->load_by_controls && vpmu_has(&vm->pmu, FEAT_GLOBAL);
	bool store = xv->global_ctrl_saved && !g->save_by_control;
	if (!load && !store)
		return 0;
	xv->msr_lists = hv_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!xv->msr_lists) {
		pr_err("vmx: out of memory for the MSR-load/store lists");
		return -1;
	}
	for (int i = LIST_ENTRY_LOAD; i <= LIST_EXIT_STORE; i++)
		xv->msr_lists[i] = (struct vmx_msr_entry){ MSR_IA32_PERF_GLOBAL_CTRL, 0, 0 };
	int stored_in = load ? LIST_ENTRY_LOAD : LIST_EXIT_STORE;
	if (store) {
		xv->global_ctrl_store = &xv->msr_lists[stored_in].value;
		xv->saved_where_entry_loads = load;
	}
	const struct field_value lists[] = {
		{ ENTRY_MSR_LOAD_ADDR, pa(&xv->msr_lists[LIST_ENTRY_LOAD]) },
		{ ENTRY_MSR_LOAD_COUNT, load },
		{ EXIT_MSR_LOAD_ADDR, pa(&xv->msr_lists[LIST_EXIT_LOAD]) },
		{ EXIT_MSR_LOAD_COUNT, load },
		{ EXIT_MSR_STORE_ADDR, pa(&xv->msr_lists[stored_in]) },
		{ EXIT_MSR_STORE_COUNT, store },
	};
	return write_fields(lists, ARRAY_SIZE(lists));
}

static int write_controls(struct vmx_vcpu *xv, const struct vm *vm)
{
	u32 cpu = xv->cpu_ctls = cpu_ctls & ~(vm->pmu.rdpmc_passthrough ? CPU_RDPMC : 0);
	xv->global_ctrl_saved = vm->pmu.global_ctrl_passthrough;
	bool save = xv->global_ctrl_saved && global_ctrl_switch.save_by_control;
	xv->saved_where_entry_loads = save && global_ctrl_switch.load_by_controls;
	const struct field_value ctl[] = {
		{ PIN_BASED_CONTROLS, pin_ctls }, { CPU_BASED_CONTROLS, cpu },
		{ SECONDARY_CONTROLS, cpu2_ctls },
		{ EXIT_CONTROLS, exit_ctls | (save ? EXIT_SAVE_PERF_GLOBAL_CTRL : 0) },
		{ ENTRY_CONTROLS, entry_ctls }, { EXCEPTION_BITMAP, 0 },
		{ IO_BITMAP_A, pa(xv->io_bitmaps) }, { IO_BITMAP_B, pa(xv->io_bitmaps) + PAGE_SIZE },
		{ MSR_BITMAP, pa(xv->msr_bitmap) }, { EPT_POINTER, vm->gpt_root | EPTP_WB_4LEVEL },
		{ VPID, vm->id }, { ENTRY_INTR_INFO, 0 },
		{ EXIT_MSR_STORE_COUNT, 0 }, { EXIT_MSR_LOAD_COUNT, 0 }, { ENTRY_MSR_LOAD_COUNT, 0 },
	};
	if (write_fields(ctl, ARRAY_SIZE(ctl)))
		return -1;
	/*
	 * The preemption timer, reloaded at every entry, gives each run at most one
	 * watchdog tick: the host timer's interrupt should already end it, but
	 * Bochs never lets an external interrupt exit a guest entered with IF=0
	 * (its VM entry evaluates interrupt masking before it counts as a guest).
	 */
	u64 tick = tsc_hz / 1000 * WATCHDOG_TICK_MS >> MISC_PREEMPTION_TIMER_RATE(caps.misc);
	if ((pin_ctls & PIN_PREEMPTION_TIMER) &&
	    !vmwrite(GUEST_PREEMPTION_TIMER, tick > 0xFFFFFFFF ? 0xFFFFFFFF : tick))
		return -1;
	/* Counting stays off on both sides until the vPMU says otherwise. */
	if ((entry_ctls & ENTRY_LOAD_PERF_GLOBAL_CTRL) && !vmwrite(GUEST_PERF_GLOBAL_CTRL, 0))
		return -1;
	if ((exit_ctls & EXIT_LOAD_PERF_GLOBAL_CTRL) && !vmwrite(HOST_PERF_GLOBAL_CTRL, 0))
		return -1;
	return write_msr_lists(xv, vm);
}

static bool vmclear(struct vmx_vcpu *xv)
{
	u64 vmcs_pa = pa(xv->vmcs);
	bool ok;
	asm volatile("vmclear %1" : "=@cca"(ok) : "m"(vmcs_pa) : "cc", "memory");
	return ok;
}

static bool vmptrld(struct vmx_vcpu *xv)
{
	u64 vmcs_pa = pa(xv->vmcs);
	bool ok;
	asm volatile("vmptrld %1" : "=@cca"(ok) : "m"(vmcs_pa) : "cc", "memory");
	return ok;
}

/*
 * VMREAD, VMWRITE and VMRESUME work on the current VMCS: the vCPU that gets
 * the CPU makes its own current. On the same CPU it stays launched (SDM
 * 24.11.3: VMCLEAR, not VMPTRLD, returns a VMCS to the clear state).
 */
static void vmx_vcpu_load(struct vcpu *v)
{
	if (!vmptrld(v->backend))
		pr_err("vmx: VMPTRLD of %s's VMCS failed", v->vm->name);
}

/* Writes what the CPU keeps of the VMCS back to its page, which is then free. */
static void vmx_vcpu_release(struct vcpu *v)
{
	struct vmx_vcpu *xv = v->backend;
	if (xv && !vmclear(xv))
		pr_err("vmx: VMCLEAR of %s's VMCS failed", v->vm->name);
}

static int vmx_vcpu_create(struct vcpu *v, u64 entry_rip, u32 eax, u32 ebx)
{
	struct vmx_vcpu *xv = hv_alloc(sizeof(*xv), 64);
	if (!xv) {
		pr_err("vmx: out of memory for the vCPU");
		return -1;
	}
	*xv = (struct vmx_vcpu){
		.vmcs = hv_alloc(PAGE_SIZE, PAGE_SIZE),
		.msr_bitmap = hv_alloc(vmx_msr_bitmap_layout.size, PAGE_SIZE),
		.io_bitmaps = hv_alloc(IO_BITMAP_BYTES, PAGE_SIZE),
	};
	if (!xv->vmcs || !xv->msr_bitmap || !xv->io_bitmaps) {
		pr_err("vmx: out of memory for the VMCS and bitmaps");
		return -1;
	}
	v->backend = xv;
	*(u32 *)xv->vmcs = (u32)caps.basic;
	if (!vmclear(xv) || !vmptrld(xv)) {
		pr_err("vmx: VMCLEAR/VMPTRLD of the new VMCS failed");
		return -1;
	}
	msr_policy_build_bitmap(&vmx_msr_bitmap_layout, xv->msr_bitmap, v);
	for (u64 i = 0; i < IO_BITMAP_BYTES; i++) /* every port intercepted */
		xv->io_bitmaps[i] = 0xFF;
	flush_translations();
	v->regs.rax = eax;
	v->regs.rbx = ebx;
	cr_access_init(v); /* before the CR4 mask, which follows what the guest is offered */
	v->cr.cr4_allowed &= caps.cr4_fixed1; /* a bit VMX cannot hold would read back a lie */
	return write_controls(xv, v->vm) || write_host_state() ||
			       write_guest_state(v, entry_rip, eax)
		       ? -1
		       : 0;
}

static void report_entry_failure(void)
{
	u32 err = (u32)vmread(VM_INSTRUCTION_ERROR);
	pr_err("vmx: VM entry instruction failed: VM-instruction error %u (%s)", err,
	       vmx_instruction_error_text(err));
}

/* The guest's PERF_GLOBAL_CTRL goes in at entry and 0 comes back at exit, atomically. */
static void set_guest_global_ctrl(struct vmx_vcpu *xv, u64 val)
{
	if (xv->guest_global_ctrl == val)
		return;
	xv->guest_global_ctrl = val;
	if (!global_ctrl_switch.load_by_controls)
		xv->msr_lists[LIST_ENTRY_LOAD].value = val;
	else
		vmwrite(GUEST_PERF_GLOBAL_CTRL, val);
}

/*
 * A guest that writes GLOBAL_CTRL directly: the value the exit saved is its
 * own now. When the save went where the next entry loads from (the VMCS
 * field, or the entry-load list entry), that copy needs no write.
 */
static void take_saved_global_ctrl(struct vcpu *v, struct vmx_vcpu *xv)
{
	u64 val = xv->global_ctrl_store ? *xv->global_ctrl_store : vmread(GUEST_PERF_GLOBAL_CTRL);
	vpmu_global_ctrl_saved(&v->pmu, val);
	if (xv->saved_where_entry_loads)
		xv->guest_global_ctrl = val;
}

static void vmx_run(struct vcpu *v, struct exit_info *e)
{
	struct vmx_vcpu *xv = v->backend;
	set_guest_global_ctrl(xv, v->pmu.global_ctrl_hw);
	pmu_trace_world_switch(TRACE_VMENTRY, xv->guest_global_ctrl);
	vcpu_account_entry(v);
	int failed = vmx_enter(&v->regs, xv->launched);
	vcpu_account_exit(v);
	pmu_trace_world_switch(TRACE_VMEXIT, 0);
	if (failed) {
		report_entry_failure();
		*e = (struct exit_info){ .reason = EXIT_INVALID_STATE,
					 .raw_reason = vmread(VM_INSTRUCTION_ERROR) };
		return;
	}
	xv->launched = true;
	if (xv->global_ctrl_saved)
		take_saved_global_ctrl(v, xv);
	struct vmx_exit_raw raw = {
		.reason = (u32)vmread(EXIT_REASON),
		.qualification = vmread(EXIT_QUALIFICATION),
		.rip = vmread(GUEST_RIP),
		.insn_len = (u32)vmread(EXIT_INSTRUCTION_LEN),
	};
	if (vmx_exit_has_guest_physical(raw.reason))
		raw.guest_physical = vmread(GUEST_PHYSICAL_ADDRESS);
	if (vmx_exit_has_intr_info(raw.reason)) {
		raw.intr_info = (u32)vmread(EXIT_INTR_INFO);
		if (raw.intr_info & INTR_INFO_HAS_ERROR)
			raw.intr_error = (u32)vmread(EXIT_INTR_ERROR);
	}
	vmx_decode_exit(&raw, e);
	struct vcpu_event cut;
	u32 idt = (u32)vmread(IDT_VECTORING_INFO);
	if (vmx_decode_vectoring(idt, idt & EVENT_HAS_ERROR ? (u32)vmread(IDT_VECTORING_ERROR) : 0,
				 raw.insn_len, &cut)) {
		/* an NMI cut short left virtual-NMI blocking on: it must be off to inject it again */
		if (cut.type == EVENT_NMI)
			vmwrite(GUEST_INTERRUPTIBILITY,
				vmread(GUEST_INTERRUPTIBILITY) & ~BLOCKING_BY_NMI);
		vcpu_event_redeliver(v, &cut);
	} else if (e->reason == EXIT_NPF && (raw.qualification & EPT_QUAL_NMI_UNBLOCKED)) {
		/* the IRET will run again: the NMI blocking it lifted comes back (SDM 27.2.3) */
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) | BLOCKING_BY_NMI);
	}
}

static const enum vmcs_field reg_fields[VREG_COUNT] = {
	[VREG_RIP] = GUEST_RIP, [VREG_RSP] = GUEST_RSP, [VREG_RFLAGS] = GUEST_RFLAGS,
	[VREG_CR0] = GUEST_CR0, [VREG_CR3] = GUEST_CR3, [VREG_CR4] = GUEST_CR4,
	[VREG_EFER] = GUEST_EFER, [VREG_PAT] = GUEST_PAT, [VREG_FS_BASE] = GUEST_FS_BASE,
	[VREG_GS_BASE] = GUEST_GS_BASE, [VREG_CS_BASE] = GUEST_CS_BASE,
	[VREG_CS_ATTR] = GUEST_CS_AR, [VREG_CPL] = GUEST_SS_AR,
	[VREG_TSC_OFFSET] = TSC_OFFSET,
};

#define AR_DPL(ar) (((ar) >> 5) & 3)

static const enum vmcs_field seg_ar_fields[SEG_COUNT] = { GUEST_ES_AR, GUEST_CS_AR, GUEST_SS_AR,
	GUEST_DS_AR, GUEST_FS_AR, GUEST_GS_AR, GUEST_TR_AR, GUEST_LDTR_AR };
static const enum vmcs_field seg_limit_fields[SEG_COUNT] = { GUEST_ES_LIMIT, GUEST_CS_LIMIT,
	GUEST_SS_LIMIT, GUEST_DS_LIMIT, GUEST_FS_LIMIT, GUEST_GS_LIMIT, GUEST_TR_LIMIT,
	GUEST_LDTR_LIMIT };

/* Owned bits come from the read shadow, the rest from the CPU. */
static u64 guest_view(enum vmcs_field cr, enum vmcs_field mask, enum vmcs_field shadow)
{
	u64 m = vmread(mask);
	return (vmread(cr) & ~m) | (vmread(shadow) & m);
}

/* VT-x does not switch CR2: the guest's is in the CPU while pmuvisor runs too. */
static u64 vmx_get_reg(struct vcpu *v, enum vcpu_reg r)
{
	(void)v;
	if (r == VREG_CR2)
		return read_cr2();
	if (r == VREG_CR0)
		return guest_view(GUEST_CR0, CR0_GUEST_HOST_MASK, CR0_READ_SHADOW);
	if (r == VREG_CR4)
		return guest_view(GUEST_CR4, CR4_GUEST_HOST_MASK, CR4_READ_SHADOW);
	u64 val = vmread(reg_fields[r]);
	return r == VREG_CPL ? AR_DPL(val) : val; /* the CPL is SS.DPL */
}

static void vmx_set_reg(struct vcpu *v, enum vcpu_reg r, u64 val)
{
	(void)v;
	switch (r) {
	case VREG_CR2:
		write_cr2(val);
		return;
	/*
	 * An emulated CR load flushes the guest's TLB as the MOV would have: the
	 * VPID-tagged entries outlive VM entries (Linux toggles CR4.PGE to flush).
	 */
	case VREG_CR0:
		vmwrite(CR0_READ_SHADOW, val);
		val = cr0_hw(val);
		flush_translations();
		break;
	case VREG_CR3:
		flush_translations();
		break;
	case VREG_CR4:
		vmwrite(CR4_READ_SHADOW, val);
		val = cr4_hw(val);
		flush_translations();
		break;
	case VREG_EFER: /* the entry loads IA-32e mode from this control, not from EFER.LMA */
		vmwrite(ENTRY_CONTROLS, (vmread(ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_GUEST) |
						(val & EFER_LMA ? ENTRY_IA32E_GUEST : 0));
		break;
	default:
		break;
	}
	vmwrite(reg_fields[r], val);
}

static void vmx_get_segment(struct vcpu *v, enum seg_reg s, struct guest_segment *out)
{
	static const enum vmcs_field base[SEG_COUNT] = { GUEST_ES_BASE, GUEST_CS_BASE,
		GUEST_SS_BASE, GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE, GUEST_TR_BASE,
		GUEST_LDTR_BASE };
	(void)v;
	*out = (struct guest_segment){ vmread(base[s]), (u32)vmread(seg_limit_fields[s]),
				       (u32)vmread(seg_ar_fields[s]) };
}

static u64 vmx_complete_instruction(struct vcpu *v, u64 next_rip)
{
	(void)v;
	u64 rflags = vmread(GUEST_RFLAGS);
	u32 state = (u32)vmread(GUEST_INTERRUPTIBILITY);
	vmwrite(GUEST_RIP, next_rip);
	if (rflags & RFLAGS_RF)
		vmwrite(GUEST_RFLAGS, rflags & ~RFLAGS_RF);
	if (state & INTERRUPTIBILITY_SHADOW) /* the NMI-blocking bit stays as it is */
		vmwrite(GUEST_INTERRUPTIBILITY, state & ~INTERRUPTIBILITY_SHADOW);
	return rflags;
}

static u32 vmx_blocking(struct vcpu *v)
{
	(void)v;
	u32 state = (u32)vmread(GUEST_INTERRUPTIBILITY);
	return (vmread(GUEST_RFLAGS) & RFLAGS_IF ? 0 : BLOCK_IF) |
	       (state & BLOCKING_BY_STI ? BLOCK_STI : 0) |
	       (state & BLOCKING_BY_MOV_SS ? BLOCK_MOV_SS : 0) |
	       (state & BLOCKING_BY_NMI ? BLOCK_NMI : 0);
}

static void vmx_event_windows(struct vcpu *v, u32 want)
{
	struct vmx_vcpu *xv = v->backend;
	u32 cpu = (xv->cpu_ctls & ~(CPU_INTR_WINDOW | CPU_NMI_WINDOW)) |
		  (want & WINDOW_IRQ ? CPU_INTR_WINDOW : 0) | (want & WINDOW_NMI ? CPU_NMI_WINDOW : 0);
	if (cpu != xv->cpu_ctls)
		vmwrite(CPU_BASED_CONTROLS, xv->cpu_ctls = cpu);
}

/*
 * A #DB pmuvisor raises sets its bits in DR6, which VMX leaves to the guest
 * (no MOV-DR exiting): the hardware register, written before the entry.
 * Debug conditions the CPU left pending (a MOV SS shadow held them) are
 * reported in the same #DB, and the pending field is cleared so they are
 * not delivered twice.
 */
static void set_guest_dr6(u32 bits)
{
	u64 pending = vmread(GUEST_PENDING_DBG_EXCEPTIONS), dr6;
	asm volatile("mov %%db6, %0" : "=r"(dr6));
	dr6 |= bits | (pending & PENDING_DBG_B0_B3);
	asm volatile("mov %0, %%db6" : : "r"(dr6));
	if (pending)
		vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

static void vmx_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	(void)v;
	vmwrite(ENTRY_INTR_INFO, ev->vector | (u32)ev->type << 8 | EVENT_VALID |
					 (ev->has_error ? EVENT_HAS_ERROR : 0));
	if (ev->has_error)
		vmwrite(ENTRY_EXCEPTION_ERROR, ev->error);
	if (ev->type >= EVENT_SOFT_INT)
		vmwrite(ENTRY_INSTRUCTION_LEN, ev->insn_len);
	if (ev->dr6)
		set_guest_dr6(ev->dr6);
}

static void emit_error(const char *line) { pr_err("%s", line); }

/* The CPU does not say which field is invalid: check the rules ourselves. */
static void explain_invalid_guest_state(void)
{
	struct vmx_guest_state s = {
		.cr0 = vmread(GUEST_CR0), .cr4 = vmread(GUEST_CR4), .rflags = vmread(GUEST_RFLAGS),
		.link_pointer = vmread(VMCS_LINK_POINTER),
		.cr0_fixed0 = caps.cr0_fixed0, .cr0_fixed1 = caps.cr0_fixed1,
		.cr4_fixed0 = caps.cr4_fixed0, .cr4_fixed1 = caps.cr4_fixed1,
		.unrestricted = cpu2_ctls & SECONDARY_UNRESTRICTED_GUEST,
	};
	for (int i = 0; i < SEG_COUNT; i++) {
		s.seg[i].ar = (u32)vmread(seg_ar_fields[i]);
		s.seg[i].limit = (u32)vmread(seg_limit_fields[i]);
	}
	if (!vmx_check_guest_state(&s, emit_error))
		pr_err("vmx: invalid guest state: no rule pmuvisor checks is broken");
}

static void vmx_dump(struct vcpu *v, const struct exit_info *e)
{
	(void)v;
	u32 basic = (u32)e->raw_reason & 0xFFFF;
	pr_info("vmx: exit reason %u (%s)%s qualification=0x%lx", basic, vmx_exit_reason_text(basic),
		e->raw_reason & VMX_EXIT_ENTRY_FAILURE ? " [VM-entry failure]" : "", e->qual[0]);
	pr_info("vmx: guest rip=0x%lx rsp=0x%lx rflags=0x%lx cr0=0x%lx cr3=0x%lx cr4=0x%lx "
		"efer=0x%lx", vmread(GUEST_RIP), vmread(GUEST_RSP), vmread(GUEST_RFLAGS),
		vmread(GUEST_CR0), vmread(GUEST_CR3), vmread(GUEST_CR4), vmread(GUEST_EFER));
	pr_info("vmx: guest cs=0x%lx/ar=0x%lx ss ar=0x%lx ds ar=0x%lx tr ar=0x%lx ldtr ar=0x%lx "
		"entry ctls=0x%lx", vmread(GUEST_CS_SEL), vmread(GUEST_CS_AR), vmread(GUEST_SS_AR),
		vmread(GUEST_DS_AR), vmread(GUEST_TR_AR), vmread(GUEST_LDTR_AR),
		vmread(ENTRY_CONTROLS));
	if (e->reason == EXIT_INVALID_STATE && (e->raw_reason & VMX_EXIT_ENTRY_FAILURE))
		explain_invalid_guest_state();
}

const struct vcpu_ops vmx_ops = {
	.name = "vmx (VT-x)",
	.probe = vmx_probe,
	.enable = vmx_enable,
	.map_guest = vmx_map_guest,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_release = vmx_vcpu_release,
	.run = vmx_run,
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.complete_instruction = vmx_complete_instruction,
	.blocking = vmx_blocking,
	.inject = vmx_inject,
	.event_windows = vmx_event_windows,
	.get_segment = vmx_get_segment,
	.nmi_exit_consumes_nmi = true,
	/* the VMCS moves only SYSENTER_*; CSTAR is emulated, never read from the hardware */
	.lazy_msrs = (BIT(LAZY_MSR_COUNT) - 1) & ~BIT(LAZY_CSTAR),
	.stored_msrs = BIT(LAZY_CSTAR),
	.dump = vmx_dump,
};
