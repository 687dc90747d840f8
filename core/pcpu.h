/*
 * Per-CPU state: everything that belongs to one physical CPU rather than to
 * a guest or to the whole hypervisor lives in its struct pcpu, and code
 * reaches it through this_pcpu(). vCPUs and the backends' per-vCPU state are
 * allocated per guest, never file statics.
 *
 * The single-CPU limit, stated once: pmuvisor runs on the boot CPU only
 * (PCPU_MAX 1), so this_pcpu() is the first entry. Bringing up more CPUs
 * means starting them, giving each its entry (looked up by LAPIC ID), and a
 * run loop per CPU over its own scheduler (core/sched.h) with the vCPUs it
 * runs; nothing else assumes one CPU. arch/, which sits below
 * core/, keeps its own per-CPU pieces (the GDT/TSS, the host NMI count).
 */
#ifndef CORE_PCPU_H
#define CORE_PCPU_H

#include "arch/types.h"
#include "core/sched.h"
#include "pmu/pmu_cpu.h"

#define PCPU_MAX 1

struct vcpu;

/* The lazily switched MSRs of this CPU (core/msr_switch.h): whose values they hold. */
struct msr_switch_state {
	struct vcpu *owner;    /* whose values are loaded, or NULL: the host's */
	u64 host[8];           /* the host's values, by enum lazy_msr, while a vCPU's are loaded */
};

struct pcpu {
	u64 host_timer_fires;  /* TSC at which the armed one-shot host timer fires */
	struct msr_switch_state msrs;
	void *backend;         /* the backend's per-CPU area (VMXON region, host save area) */
	struct pmu_cpu_state pmu; /* what this CPU's PMU holds, and for whom */
	struct sched sched;       /* the vCPUs that share this CPU */
};

extern struct pcpu pcpus[PCPU_MAX];

static inline struct pcpu *this_pcpu(void) { return &pcpus[0]; }

#endif
