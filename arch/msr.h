/*
 * Every MSR pmuvisor, its guests and its tests name, each defined once here
 * (Intel SDM vol. 4, AMD APM vol. 2 appendix A). Bit fields stay with the
 * code that owns them; this file is only the address map.
 */
#ifndef ARCH_MSR_H
#define ARCH_MSR_H

/* Architectural (both vendors, or Intel's IA32_ names that AMD shares). */
#define MSR_TSC 0x10
#define MSR_APIC_BASE 0x1B
#define MSR_FEATURE_CONTROL 0x3A          /* Intel */
#define MSR_TSC_ADJUST 0x3B
#define MSR_BIOS_SIGN_ID 0x8B             /* Intel: the microcode revision */
#define MSR_MTRRCAP 0xFE
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1A0             /* Intel */
#define MSR_DEBUGCTL 0x1D9
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2FF
#define MSR_TSC_DEADLINE 0x6E0
#define MSR_X2APIC_FIRST 0x800            /* x2APIC registers: 0x800 + offset / 16 */
#define MSR_X2APIC_LVTPC 0x834
#define MSR_X2APIC_LAST 0x8FF

/* Long mode and system calls. */
#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_CSTAR 0xC0000083
#define MSR_SFMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_TSC_AUX 0xC0000103

/* Intel architectural PMU. */
#define MSR_IA32_PMC0 0xC1               /* PMC0-1 and PERFEVTSEL0-1 exist since the P6 */
#define MSR_IA32_MPERF 0xE7
#define MSR_IA32_APERF 0xE8
#define MSR_IA32_PERFEVTSEL0 0x186
#define MSR_IA32_FIXED_CTR0 0x309
#define MSR_IA32_PERF_METRICS 0x329
#define MSR_IA32_PERF_CAPABILITIES 0x345
#define MSR_IA32_FIXED_CTR_CTRL 0x38D
#define MSR_IA32_PERF_GLOBAL_STATUS 0x38E
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38F
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390 /* STATUS_RESET from v4 on */
#define MSR_IA32_PERF_GLOBAL_STATUS_SET 0x391
#define MSR_IA32_A_PMC0 0x4C1               /* full-width counter writes */

/* Intel VMX capabilities. */
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED_CTLS 0x481
#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_EXIT_CTLS 0x483
#define MSR_VMX_ENTRY_CTLS 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED_CTLS2 0x48B
#define MSR_VMX_EPT_VPID_CAP 0x48C
#define MSR_VMX_TRUE_PINBASED_CTLS 0x48D
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_VMX_TRUE_EXIT_CTLS 0x48F
#define MSR_VMX_TRUE_ENTRY_CTLS 0x490

/* AMD PMU: legacy K7 counters, PerfCtrExtCore, PerfMonV2. */
#define MSR_AMD_PERF_GLOBAL_STATUS 0xC0000300
#define MSR_AMD_PERF_GLOBAL_CTL 0xC0000301
#define MSR_AMD_PERF_GLOBAL_STATUS_CLR 0xC0000302
#define MSR_AMD_PERF_GLOBAL_STATUS_SET 0xC0000303
#define MSR_K7_PERFCTL0 0xC0010000
#define MSR_K7_PERFCTR0 0xC0010004
#define MSR_F15H_PERFCTL0 0xC0010200 /* PerfCtrExtCore: CTL i at +2i, CTR i at +2i+1 */

/* AMD system configuration and SVM. */
#define MSR_HWCR 0xC0010015
#define MSR_SMM_BASE 0xC0010111
#define MSR_VM_CR 0xC0010114
#define MSR_VM_HSAVE_PA 0xC0010117

#endif
