#include "pmu/pmu_access.h"
#include "core/abi.h"
#include "pmu/pmu_hw.h"
#include "pmu/vpmu.h"

#define LVTPC_TRACE_MSR MSR_X2APIC_LVTPC /* the x2APIC number of the LVTPC, for the trace */

_Static_assert((int)PHASE_COUNT == (int)HC_PHASE_COUNT, "abi.h phases");

u32 pmu_access_faults;
bool pmu_tracing;

static const char *const phase_names[PHASE_COUNT] = {
	[PHASE_INIT] = "init", [PHASE_LOAD] = "load", [PHASE_PUT] = "put",
	[PHASE_PMI] = "pmi", [PHASE_EXIT] = "exit", [PHASE_ENTRY] = "entry",
};

static const char *const op_names[] = {
	[TRACE_READ] = "r", [TRACE_WRITE] = "w", [TRACE_LVTPC_READ] = "lvtpc-r",
	[TRACE_LVTPC_WRITE] = "lvtpc-w", [TRACE_VMENTRY] = "vmentry", [TRACE_VMEXIT] = "vmexit",
	[TRACE_SVMENTRY] = "svmentry", [TRACE_SVMEXIT] = "svmexit",
};

const char *pmu_phase_name(enum pmu_phase p) { return phase_names[p]; }
const char *pmu_trace_op_name(enum pmu_trace_op op) { return op_names[op]; }

void pmu_access_attach(struct pmu_access_stats *s, struct pmu_trace *t)
{
	pmu_cpu.stats = s;
	pmu_cpu.trace = t;
	pmu_tracing = t && t->enabled;
}

static void record(enum pmu_phase phase, enum pmu_trace_op op, u32 msr, u64 value)
{
	struct pmu_trace *trace = pmu_cpu.trace;
	if (!trace || !trace->enabled)
		return;
	if (trace->len == trace->cap) {
		trace->dropped++;
		return;
	}
	trace->rec[trace->len++] = (struct pmu_trace_record){ (u8)phase, (u8)op, msr, value };
}

static void count(enum pmu_phase phase, bool write)
{
	struct pmu_access_stats *stats = pmu_cpu.stats;
	if (stats)
		(write ? stats->writes : stats->reads)[phase]++;
}

/* Counted always; recorded only while tracing (pmu_tracing), off the hot path otherwise. */
u64 pmu_read(u32 msr, enum pmu_phase phase)
{
	u64 val = 0;
	if (!pmu_hw_rdmsr(msr, &val))
		pmu_access_faults++;
	count(phase, false);
	if (pmu_tracing)
		record(phase, TRACE_READ, msr, val);
	return val;
}

void pmu_write(u32 msr, u64 val, enum pmu_phase phase)
{
	if (!pmu_hw_wrmsr(msr, val))
		pmu_access_faults++;
	count(phase, true);
	if (pmu_tracing)
		record(phase, TRACE_WRITE, msr, val);
}

u32 pmu_read_lvtpc(enum pmu_phase phase)
{
	u32 val = pmu_hw_read_lvtpc();
	count(phase, false);
	record(phase, TRACE_LVTPC_READ, LVTPC_TRACE_MSR, val);
	return val;
}

void pmu_write_lvtpc(u32 val, enum pmu_phase phase)
{
	pmu_hw_write_lvtpc(val);
	count(phase, true);
	record(phase, TRACE_LVTPC_WRITE, LVTPC_TRACE_MSR, val);
}

/*
 * An entry/exit pair tells the replay something only if GLOBAL_CTRL changed
 * or PMU accesses happened since the last pair recorded: skip the rest, or
 * a guest's thousands of exits would fill the trace.
 */
static bool switch_is_news(struct pmu_trace *t, enum pmu_trace_op op, u64 global_ctrl)
{
	bool entry = op == TRACE_VMENTRY || op == TRACE_SVMENTRY;
	if (!entry)
		return !t->entry_skipped;
	t->entry_skipped = t->switched && t->len == t->len_after_switch &&
			   global_ctrl == t->switch_global_ctrl;
	if (!t->entry_skipped) {
		t->switched = true;
		t->switch_global_ctrl = global_ctrl;
		t->len_after_switch = t->len + 2; /* this entry and its exit */
	}
	return !t->entry_skipped;
}

/* What the hardware holds after an exit: read back for the trace alone, so not counted. */
static u64 global_ctrl_now(void)
{
	u64 val = 0;
	if (pmu_cpu.global_ctrl_msr && !pmu_hw_rdmsr(pmu_cpu.global_ctrl_msr, &val))
		pmu_access_faults++;
	return val;
}

void pmu_trace_record_switch(enum pmu_trace_op op, u64 global_ctrl)
{
	struct pmu_trace *trace = pmu_cpu.trace;
	if (!trace || !trace->enabled || !switch_is_news(trace, op, global_ctrl))
		return;
	if (op == TRACE_VMEXIT || op == TRACE_SVMEXIT)
		global_ctrl = global_ctrl_now();
	record(PHASE_ENTRY, op, pmu_cpu.global_ctrl_msr, global_ctrl);
}
