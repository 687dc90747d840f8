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

#include "arch/msr.h"
#include "arch/types.h"

bool pmu_hw_rdmsr(u32 msr, u64 *val);
bool pmu_hw_wrmsr(u32 msr, u64 val);
u32 pmu_hw_read_lvtpc(void);
void pmu_hw_write_lvtpc(u32 val);


/* Event-select bits shared by Intel and AMD. */
#define EVTSEL_EVENT 0xFFULL
#define EVTSEL_UMASK (0xFFULL << 8)
#define EVTSEL_USR BIT(16)
#define EVTSEL_OS BIT(17)
#define EVTSEL_EDGE BIT(18)
#define INTEL_EVTSEL_PC BIT(19)            /* pin control: architectural on Intel, reserved on AMD */
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
