/*
 * The one accessor for every PMU access of the hypervisor: it counts reads
 * and writes per phase of the world switch and, when tracing, records each
 * access (the trace is replayed against the PMU model by the test runner).
 * Host-testable: it sits on pmu/pmu_hw.h.
 */
#ifndef PMU_PMU_ACCESS_H
#define PMU_PMU_ACCESS_H

#include "arch/types.h"

/* Where an access happens: boot, vCPU load/put, PMI, exit emulation, world switch. */
enum pmu_phase { PHASE_INIT, PHASE_LOAD, PHASE_PUT, PHASE_PMI, PHASE_EXIT, PHASE_ENTRY,
		 PHASE_COUNT };

struct pmu_access_stats {
	u64 reads[PHASE_COUNT], writes[PHASE_COUNT];
};

/* Reads and writes of every phase. */
static inline u64 pmu_access_total(const struct pmu_access_stats *s)
{
	u64 n = 0;
	for (int p = 0; p < PHASE_COUNT; p++)
		n += s->reads[p] + s->writes[p];
	return n;
}

enum pmu_trace_op { TRACE_READ, TRACE_WRITE, TRACE_LVTPC_READ, TRACE_LVTPC_WRITE,
		    TRACE_VMENTRY, TRACE_VMEXIT, TRACE_SVMENTRY, TRACE_SVMEXIT };

struct pmu_trace_record {
	u8 phase, op;
	u32 msr;
	u64 value;
};

#define PMU_TRACE_MAX 4096 /* records of one guest's own trace */

struct pmu_trace {
	bool enabled;
	u32 len, cap;  /* records held, and room for (rec[cap]) */
	u64 dropped;   /* records past cap */
	/* the last world switch recorded, so that repeats of it are skipped */
	bool switched;
	bool entry_skipped;
	u32 len_after_switch;
	u64 switch_global_ctrl;
	struct pmu_trace_record *rec; /* a group's trace has room for all its guests */
};

/* Where counts and trace records go (the current vCPU's); NULL = nowhere. */
void pmu_access_attach(struct pmu_access_stats *stats, struct pmu_trace *trace);

u64 pmu_read(u32 msr, enum pmu_phase phase);
void pmu_write(u32 msr, u64 val, enum pmu_phase phase);
u32 pmu_read_lvtpc(enum pmu_phase phase);
void pmu_write_lvtpc(u32 val, enum pmu_phase phase);
/*
 * World switches the hardware performs (traced, not counted as accesses).
 * An entry records the GLOBAL_CTRL it loads; an exit records what the
 * hardware's global control holds right after it, read back (0 where the
 * host PMU has none): the replay checks it, nothing is assumed.
 */
void pmu_trace_record_switch(enum pmu_trace_op op, u64 global_ctrl);
extern bool pmu_tracing; /* a trace is attached and enabled: checked on every world switch */

static inline void pmu_trace_world_switch(enum pmu_trace_op op, u64 global_ctrl)
{
	if (pmu_tracing)
		pmu_trace_record_switch(op, global_ctrl);
}

/* Set when a PMU MSR access faulted: a bug in the vPMU's bookkeeping. */
extern u32 pmu_access_faults;

const char *pmu_phase_name(enum pmu_phase p);
const char *pmu_trace_op_name(enum pmu_trace_op op);

#endif
