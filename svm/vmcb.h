/* The VMCB (AMD APM vol. 2, appendix B), with its offsets checked at compile time. */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include "arch/types.h"

struct vmcb_seg {
	u16 selector, attrib;
	u32 limit;
	u64 base;
};

struct vmcb_control {
	u32 intercept_cr, intercept_dr, intercept_exceptions;
	u32 intercept_misc1, intercept_misc2, intercept_misc3;
	u8 reserved1[0x3C - 0x18];
	u16 pause_filter_threshold, pause_filter_count;
	u64 iopm_base_pa, msrpm_base_pa, tsc_offset;
	u32 guest_asid;
	u8 tlb_control, reserved2[3];
	u64 vintr, interrupt_shadow, exitcode, exitinfo1, exitinfo2, exitintinfo;
	u64 np_enable, avic_apic_bar, ghcb_pa, eventinj, n_cr3, lbr_virt_enable;
	u32 clean, reserved3;
	u64 next_rip;
	u8 insn_len, insn_bytes[15];
	u8 reserved4[0x400 - 0xE0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	u8 reserved1[0xCB - 0xA0];
	u8 cpl;
	u32 reserved2;
	u64 efer;
	u8 reserved3[0x148 - 0xD8];
	u64 cr4, cr3, cr0, dr7, dr6, rflags, rip;
	u8 reserved4[0x1D8 - 0x180];
	u64 rsp, s_cet, ssp, isst_addr, rax;
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip, cr2;
	u8 reserved5[0x268 - 0x248];
	u64 g_pat, dbgctl, br_from, br_to, last_excp_from, last_excp_to;
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
	u8 reserved[4096 - 0x400 - sizeof(struct vmcb_save)];
};

_Static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x40, "vmcb layout");
_Static_assert(offsetof(struct vmcb_control, guest_asid) == 0x58, "vmcb layout");
_Static_assert(offsetof(struct vmcb_control, exitcode) == 0x70, "vmcb layout");
_Static_assert(offsetof(struct vmcb_control, eventinj) == 0xA8, "vmcb layout");
_Static_assert(offsetof(struct vmcb_control, clean) == 0xC0, "vmcb layout");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0xC8, "vmcb layout");
_Static_assert(sizeof(struct vmcb_control) == 0x400, "vmcb layout");
_Static_assert(offsetof(struct vmcb_save, efer) == 0xD0, "vmcb layout");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "vmcb layout");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "vmcb layout");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1D8, "vmcb layout");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1F8, "vmcb layout");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "vmcb layout");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "vmcb layout");
_Static_assert(sizeof(struct vmcb) == 4096, "vmcb layout");

/* intercept_cr: reads in bits 15:0, writes in 31:16 */
#define INTERCEPT_CR0_WRITE BIT(16)
#define INTERCEPT_CR4_WRITE BIT(20)
/* intercept_misc1 */
#define INTERCEPT_INTR BIT(0)
#define INTERCEPT_NMI BIT(1)
#define INTERCEPT_VINTR BIT(4)
#define INTERCEPT_RDPMC BIT(15)
#define INTERCEPT_CPUID BIT(18)
#define INTERCEPT_IRET BIT(20)
#define INTERCEPT_HLT BIT(24)
#define INTERCEPT_INVLPGA BIT(26)
#define INTERCEPT_IOIO BIT(27)
#define INTERCEPT_MSR BIT(28)
#define INTERCEPT_SHUTDOWN BIT(31)
/* intercept_misc2 */
#define INTERCEPT_VMRUN BIT(0)
#define INTERCEPT_VMMCALL BIT(1)
#define INTERCEPT_VMLOAD BIT(2)
#define INTERCEPT_VMSAVE BIT(3)
#define INTERCEPT_STGI BIT(4)
#define INTERCEPT_CLGI BIT(5)
#define INTERCEPT_SKINIT BIT(6)
#define INTERCEPT_MONITOR BIT(10)
#define INTERCEPT_MWAIT BIT(11)
#define INTERCEPT_MWAIT_COND BIT(12)
#define INTERCEPT_XSETBV BIT(13)

#define VINTR_TPR_MASK 0xFu
#define VINTR_TPR(vintr) ((u32)(vintr) & VINTR_TPR_MASK)
#define VINTR_V_IRQ BIT(8)
#define VINTR_PRIO_HIGHEST (0xFull << 16)
#define VINTR_IGN_TPR BIT(20)
#define VINTR_MASKING BIT(24)
#define NP_ENABLE BIT(0)
#define TLB_FLUSH_ALL 1

/* EVENTINJ / EXITINTINFO */
#define EVENT_VALID BIT(31)
#define EVENT_ERROR_VALID BIT(11)
#define EVENT_TYPE_EXCEPTION (3u << 8)
#define EVENT_TYPE(x) (((x) >> 8) & 7)

/* VMCB clean bits (APM 15.15.3): which cached fields the hypervisor left alone. */
#define CLEAN_INTERCEPTS BIT(0)
#define CLEAN_IOPM BIT(1)
#define CLEAN_ASID BIT(2)
#define CLEAN_TPR BIT(3)
#define CLEAN_NP BIT(4)
#define CLEAN_CRX BIT(5)
#define CLEAN_DRX BIT(6)
#define CLEAN_DT BIT(7)
#define CLEAN_SEG BIT(8)
#define CLEAN_CR2 BIT(9)
#define CLEAN_LBR BIT(10)
#define CLEAN_AVIC BIT(11)
#define CLEAN_ALL 0xFFFu

/* Exit codes (APM appendix C). */
#define VMEXIT_CR0_WRITE 0x10
#define VMEXIT_EXCP_BASE 0x40
#define VMEXIT_INTR 0x60
#define VMEXIT_VINTR 0x64
#define VMEXIT_NMI 0x61
#define VMEXIT_RDPMC 0x6F
#define VMEXIT_CPUID 0x72
#define VMEXIT_IRET 0x74
#define VMEXIT_HLT 0x78
#define VMEXIT_INVLPGA 0x7A
#define VMEXIT_IOIO 0x7B
#define VMEXIT_MSR 0x7C
#define VMEXIT_SHUTDOWN 0x7F
#define VMEXIT_VMRUN 0x80
#define VMEXIT_VMMCALL 0x81
#define VMEXIT_VMLOAD 0x82
#define VMEXIT_VMSAVE 0x83
#define VMEXIT_STGI 0x84
#define VMEXIT_CLGI 0x85
#define VMEXIT_SKINIT 0x86
#define VMEXIT_MONITOR 0x8A
#define VMEXIT_MWAIT 0x8B
#define VMEXIT_MWAIT_COND 0x8C
#define VMEXIT_XSETBV 0x8D
#define VMEXIT_NPF 0x400
#define VMEXIT_INVALID ((u64)-1)

#endif
