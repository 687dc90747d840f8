/*
 * The scheduler of one CPU: the vCPUs that share it, round-robin in slices
 * of slice= microseconds on the host timer (docs/design.md, "Sharing a CPU").
 * A vCPU runs until its slice ends, it halts with nothing due, or it ends;
 * the next live vCPU after it in start order that wants the CPU comes next.
 * A halted vCPU wants the CPU again once an interrupt or an NMI is due for it.
 *
 * This file is the pure part (the run queue, the choice of the next vCPU,
 * when a guest's pages can go back), host-tested; core/guest_run.c drives it
 * on the hardware. One struct sched per CPU (struct pcpu), so more CPUs mean
 * one of these each and no change here.
 */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include "arch/types.h"
#include "core/page_alloc.h"

#define SCHED_MAX_VCPUS 8 /* vCPUs sharing one CPU at once */
#define SCHED_ALONE (~0ULL) /* slice_end while no other vCPU is live: no preemption */

struct vcpu;

struct sched_slot {
	struct vcpu *v;
	struct page_mark mark; /* the allocator before this guest's pages */
	bool ended;            /* reported; its pages go back once no later slot is live */
};

/* What moving the CPU from one guest to another costs (make bench). */
struct sched_switch_stats {
	u64 switches;     /* between two live guests, both with state on this CPU */
	u64 tsc;          /* from the leaving guest's VM exit to the arriving one's entry (of
			     the guests that ended: each vCPU's exits.cycles[EXIT_GUEST_SWITCH]) */
	u64 pmu_accesses; /* the PMU reads and writes of the put and the load */
};

struct sched {
	u32 nr;   /* slots in start order */
	u32 live; /* started and not yet ended */
	struct sched_slot slot[SCHED_MAX_VCPUS];
	struct vcpu *current; /* whose state the CPU holds (backend, FPU, PMU); NULL: no one's */
	u64 slice_tsc;        /* slice= in TSC ticks */
	u64 slice_end;        /* TSC at which current's slice ends, or SCHED_ALONE */
	struct sched_switch_stats stats;
};

void sched_init(struct sched *s, u64 slice_tsc);
/* Adds a started vCPU whose pages begin at mark; -1 when every slot is taken. */
int sched_add(struct sched *s, struct vcpu *v, struct page_mark mark);
/* vCPUs started and not yet ended. */
static inline u32 sched_live(const struct sched *s) { return s->live; }
/* Not stopped, and either not halted or with an interrupt due at TSC now. */
bool sched_wants_cpu(const struct vcpu *v, u64 now);
/* The next vCPU after current, round-robin, that wants the CPU (current last); NULL: none. */
struct vcpu *sched_pick(const struct sched *s, u64 now);
/* When current's slice ends if it starts at now: SCHED_ALONE while no other vCPU is live. */
u64 sched_slice_end(const struct sched *s, u64 now);
/* The live vCPU whose timer fires first (for the idle sleep), else any live one; NULL: none. */
struct vcpu *sched_next_wakeup(const struct sched *s);
/*
 * v has ended and been reported: its slot is free. Returns true and the mark
 * to release the allocator to when pages can go back now (every guest
 * started after it has ended too: the allocator hands pages out as a stack).
 */
bool sched_retire(struct sched *s, struct vcpu *v, struct page_mark *release);

#endif
