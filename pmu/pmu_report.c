#include "pmu/pmu_report.h"
#include "arch/format.h"
#include "arch/log.h"
#include "pmu/pmu_platform.h"
#include "pmu/pmu_vendor.h"

static const char *const mode_names[] = { [VPMU_OFF] = "off", [VPMU_EMULATED] = "emulated",
					  [VPMU_MEDIATED] = "mediated" };

void pmu_report(const char *guest, const struct vpmu *vp)
{
	const struct vpmu_desc *d = vp->desc;
	log_raw("hv: guest %s pmu mode=%s vendor=%s gp=%u fixed=0x%x metrics=%s rdpmc=%s "
		"filter=%s", guest, mode_names[d->mode], d->vendor ? d->vendor->name : "none",
		d->nr_gp, d->fixed_bitmap, vpmu_has(d, FEAT_PERF_METRICS) ? "yes" : "no",
		d->rdpmc_passthrough ? "passthrough" : "intercepted",
		!d->filter.active ? "none" : d->filter.allow ? "allow" : "deny");
	if (d->mode == VPMU_OFF)
		return;
	char line[256];
	size_t n = 0;
	for (int p = 0; p < PHASE_COUNT; p++)
		n += (size_t)format(line + n, sizeof(line) - n, " %s=%lu/%lu", pmu_phase_name(p),
				    vp->stats.reads[p], vp->stats.writes[p]);
	log_raw("hv: guest %s pmu loads=%lu puts=%lu pmis_injected=%lu pmis_dropped=%lu "
		"msr_reads/writes:%s", guest, vp->loads, vp->puts, vp->pmis_injected,
		vp->pmis_dropped, line);
}

/* World switches are the hardware's, not accesses: their phase reads "entry". */
void pmu_trace_dump(const char *guest, const struct pmu_trace *t, const struct pmu_caps *h)
{
	log_raw("hv: pmutrace begin %s kind=%s version=%u gp=%u width=%u fixed=0x%x fixed_width=%u "
		"perf_caps=0x%lx amd_core=%u amd_v2=%u holds=%u counts=%u", guest,
		h->kind == PMU_AMD ? "amd" : h->kind == PMU_INTEL_ARCH ? "intel" : "none", h->version,
		h->nr_gp, h->gp_width, h->fixed_bitmap, h->fixed_width,
		h->has_perf_capabilities ? h->perf_capabilities : 0, h->amd_perfctr_core,
		h->amd_perfmon_v2, pmu_platform.holds, pmu_platform.counts);
	for (u32 i = 0; i < t->len; i++) {
		const struct pmu_trace_record *r = &t->rec[i];
		log_raw("hv: pmutrace %u %s %s 0x%x 0x%lx", i, pmu_phase_name(r->phase),
			pmu_trace_op_name(r->op), r->msr, r->value);
	}
	if (t->dropped)
		log_raw("hv: warn: pmutrace %s: %lu records dropped (buffer full)", guest,
			t->dropped);
	log_raw("hv: pmutrace end %s %u", guest, t->len);
}
