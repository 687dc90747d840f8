/*
 * The hardware boundary of the vPMU. pmu/ reaches PMU MSRs and the LVTPC
 * only through these four functions. In the image they are real RDMSR/WRMSR
 * and LAPIC accesses (pmu/pmu_hw.c); in host tests they are the software
 * PMU model (tests/pmu_model/), so the same pmu/ code is checked against
 * the model's invariants. Every call is counted and can be traced by
 * pmu/pmu_access.c, which is what pmu/ actually calls.
 *
 * A failed access (#GP) returns false; the vPMU treats that as a bug in its
 * own bookkeeping, never as something to hide.
 */
#ifndef PMU_PMU_HW_H
#define PMU_PMU_HW_H

#include "arch/types.h"

bool pmu_hw_rdmsr(u32 msr, u64 *val);
bool pmu_hw_wrmsr(u32 msr, u64 val);
u32 pmu_hw_read_lvtpc(void);
void pmu_hw_write_lvtpc(u32 val);

/* Architectural PMU MSRs (Intel SDM vol. 4; AMD APM vol. 2, 13.2). */
#define MSR_IA32_PMC0 0xC1
#define MSR_IA32_PERFEVTSEL0 0x186
#define MSR_IA32_A_PMC0 0x4C1
#define MSR_IA32_FIXED_CTR0 0x309
#define MSR_IA32_PERF_CAPABILITIES 0x345
#define MSR_IA32_PERF_METRICS 0x329
#define MSR_IA32_FIXED_CTR_CTRL 0x38D
#define MSR_IA32_PERF_GLOBAL_STATUS 0x38E
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38F
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390 /* STATUS_RESET from v4 on */
#define MSR_IA32_PERF_GLOBAL_STATUS_SET 0x391
#define MSR_IA32_MPERF 0xE7
#define MSR_IA32_APERF 0xE8
#define MSR_K7_PERFCTL0 0xC0010000
#define MSR_K7_PERFCTR0 0xC0010004
#define MSR_F15H_PERFCTL0 0xC0010200 /* PerfCtrExtCore: CTL i at +2i, CTR i at +2i+1 */
#define MSR_AMD_PERF_GLOBAL_STATUS 0xC0000300
#define MSR_AMD_PERF_GLOBAL_CTL 0xC0000301
#define MSR_AMD_PERF_GLOBAL_STATUS_CLR 0xC0000302
#define MSR_AMD_PERF_GLOBAL_STATUS_SET 0xC0000303

/* Event-select bits shared by Intel and AMD. */
#define EVTSEL_EVENT 0xFFULL
#define EVTSEL_UMASK (0xFFULL << 8)
#define EVTSEL_USR BIT(16)
#define EVTSEL_OS BIT(17)
#define EVTSEL_EDGE BIT(18)
#define EVTSEL_INT BIT(20)
#define EVTSEL_ANY BIT(21)
#define EVTSEL_EN BIT(22)
#define EVTSEL_INV BIT(23)
#define EVTSEL_CMASK (0xFFULL << 24)
#define AMD_EVTSEL_EVENT_HI (0xFULL << 32) /* event select bits 11:8 */
#define AMD_EVTSEL_GUEST_ONLY BIT(40)
#define AMD_EVTSEL_HOST_ONLY BIT(41)

/* GLOBAL_CTRL / GLOBAL_STATUS bit layout (Intel): GP i at bit i, fixed i at 32+i. */
#define GLOBAL_FIXED_SHIFT 32
#define GLOBAL_PERF_METRICS BIT(48) /* enable (CTRL) and overflow (STATUS) */
#define GLOBAL_STATUS_OVF_BUFFER BIT(62) /* Intel: DS buffer full */
#define GLOBAL_STATUS_COND_CHGD BIT(63)  /* Intel: the PMU's state changed */
#define FIXED_CTRL_BITS_PER_COUNTER 4
#define FIXED_CTRL_OS 0x1
#define FIXED_CTRL_USR 0x2
#define FIXED_CTRL_PMI 0x8

#endif
