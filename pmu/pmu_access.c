#include "pmu/pmu_access.h"
#include "core/abi.h"
#include "pmu/pmu_hw.h"

#define LVTPC_TRACE_MSR 0x834 /* the x2APIC number of the LVTPC, for the trace */

_Static_assert((int)PHASE_COUNT == (int)HC_PHASE_COUNT, "abi.h phases");

static struct pmu_access_stats *stats;
static struct pmu_trace *trace;
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
	stats = s;
	trace = t;
	pmu_tracing = t && t->enabled;
}

static void record(enum pmu_phase phase, enum pmu_trace_op op, u32 msr, u64 value)
{
	if (!trace || !trace->enabled)
		return;
	if (trace->len == PMU_TRACE_MAX) {
		trace->dropped++;
		return;
	}
	trace->rec[trace->len++] = (struct pmu_trace_record){ (u8)phase, (u8)op, msr, value };
}

static void count(enum pmu_phase phase, bool write)
{
	if (stats)
		(write ? stats->writes : stats->reads)[phase]++;
}

u64 pmu_read(u32 msr, enum pmu_phase phase)
{
	u64 val = 0;
	if (!pmu_hw_rdmsr(msr, &val))
		pmu_access_faults++;
	count(phase, false);
	record(phase, TRACE_READ, msr, val);
	return val;
}

void pmu_write(u32 msr, u64 val, enum pmu_phase phase)
{
	if (!pmu_hw_wrmsr(msr, val))
		pmu_access_faults++;
	count(phase, true);
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
static bool switch_is_news(enum pmu_trace_op op, u64 global_ctrl)
{
	static u32 len_after_last;
	static u64 last_entry_value = ~0ULL;
	static bool entry_skipped;
	bool entry = op == TRACE_VMENTRY || op == TRACE_SVMENTRY;
	if (!entry)
		return !entry_skipped;
	entry_skipped = trace->len == len_after_last && global_ctrl == last_entry_value;
	if (!entry_skipped) {
		last_entry_value = global_ctrl;
		len_after_last = trace->len + 2; /* this entry and its exit */
	}
	return !entry_skipped;
}

void pmu_trace_record_switch(enum pmu_trace_op op, u64 global_ctrl)
{
	if (!trace || !trace->enabled || !switch_is_news(op, global_ctrl))
		return;
	record(PHASE_ENTRY, op, op == TRACE_VMENTRY || op == TRACE_VMEXIT
				       ? MSR_IA32_PERF_GLOBAL_CTRL : 0, global_ctrl);
}
