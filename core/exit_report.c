/* A vCPU's exits as text (core/exit_report.h). */
#include "core/exit_report.h"
#include "arch/format.h"

const char *const exit_reason_names[EXIT_REASON_COUNT] = {
	[EXIT_CPUID] = "cpuid",
	[EXIT_MSR_READ] = "msr_read",
	[EXIT_MSR_WRITE] = "msr_write",
	[EXIT_IO] = "io",
	[EXIT_HLT] = "hlt",
	[EXIT_HYPERCALL] = "hypercall",
	[EXIT_NPF] = "npf",
	[EXIT_EXCEPTION] = "exception",
	[EXIT_INTERRUPT] = "interrupt",
	[EXIT_NMI] = "nmi",
	[EXIT_PMI] = "pmi",
	[EXIT_RDPMC] = "rdpmc",
	[EXIT_SHUTDOWN] = "shutdown",
	[EXIT_VIRT_INSN] = "virt_insn",
	[EXIT_INTR_WINDOW] = "intr_window",
	[EXIT_NMI_WINDOW] = "nmi_window",
	[EXIT_INVALID_STATE] = "invalid_state",
	[EXIT_CR_ACCESS] = "cr_access",
	[EXIT_XSETBV] = "xsetbv",
	[EXIT_OTHER] = "other",
};

/* format() may return more than it wrote: the length it would have needed. */
static size_t append(size_t size, size_t len, size_t added)
{
	return len + added < size ? len + added : size - 1;
}

size_t exit_report_format(char *buf, size_t size, const struct exit_stats *s,
			  enum exit_report_value what)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int r = 0; r < EXIT_REASON_COUNT; r++) {
		if (!s->count[r])
			continue;
		u64 val = what == EXIT_REPORT_COUNTS ? s->count[r] : s->cycles[r] / s->count[r];
		n = append(size, n,
			   (size_t)format(buf + n, size - n, " %s=%lu", exit_reason_names[r], val));
	}
	if (!n)
		n = append(size, n, (size_t)format(buf, size, " none"));
	return n;
}

u64 exit_stats_total(const struct exit_stats *s)
{
	u64 sum = 0;
	for (int r = 0; r < EXIT_REASON_COUNT; r++)
		sum += s->count[r];
	return sum;
}

u64 exit_stats_hv_tsc(const struct exit_stats *s)
{
	u64 sum = 0;
	for (int r = 0; r <= EXIT_REASON_COUNT; r++)
		sum += r == EXIT_HLT ? 0 : s->cycles[r];
	return sum;
}

size_t bench_mark_format(char *buf, size_t size, const char *guest, u32 id, u64 tsc,
			 const struct exit_stats *s, u64 pmu_accesses)
{
	size_t n = append(size, 0, (size_t)format(
		buf, size, "hv: guest %s mark %u tsc=%lu hv_tsc=%lu hlt_tsc=%lu pmu_accesses=%lu exits=%lu",
		guest, id, tsc, exit_stats_hv_tsc(s), s->cycles[EXIT_HLT], pmu_accesses,
		exit_stats_total(s)));
	return n + exit_report_format(buf + n, size - n, s, EXIT_REPORT_COUNTS);
}
