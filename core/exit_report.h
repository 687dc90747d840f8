/*
 * A vCPU's exits as text: the per-reason lists of the lines that end a guest,
 * and the bench mark line a guest asks for through GUEST_BENCH_MARK_PORT
 * (core/abi.h), from which make bench takes per-workload deltas.
 */
#ifndef CORE_EXIT_REPORT_H
#define CORE_EXIT_REPORT_H

#include "core/vcpu.h"

extern const char *const exit_reason_names[EXIT_REASON_COUNT];

enum exit_report_value { EXIT_REPORT_COUNTS, EXIT_REPORT_MEAN_CYCLES };

/*
 * " reason=N" for each reason the vCPU exited for (N: the count, or the
 * hypervisor's mean TSC ticks per exit), " none" without exits; returns the
 * length written (truncated to size, NUL-terminated).
 */
size_t exit_report_format(char *buf, size_t size, const struct exit_stats *s,
			  enum exit_report_value what);

/* All exits so far. */
u64 exit_stats_total(const struct exit_stats *s);

/*
 * TSC ticks the hypervisor spent on the vCPU's exits so far (guest switches
 * included), but for HLT exits: theirs are mostly the halted guest's idle time.
 */
u64 exit_stats_hv_tsc(const struct exit_stats *s);

/*
 * "hv: guest NAME mark ID tsc=T hv_tsc=H hlt_tsc=L pmu_accesses=P exits=E
 * reason=N...": the TSC now, the hypervisor's ticks (exit_stats_hv_tsc) and
 * those of HLT exits, its PMU MSR accesses so far, all exits and the counts by
 * reason. The exit that asks is counted, its ticks are not (they accrue at
 * the next entry): a delta between two marks holds one mark exit, whole.
 */
size_t bench_mark_format(char *buf, size_t size, const char *guest, u32 id, u64 tsc,
			 const struct exit_stats *s, u64 pmu_accesses);

#endif
