#include "core/caps_report.h"
#include "arch/cpu.h"
#include "arch/format.h"
#include "arch/host_caps.h"
#include "arch/lapic.h"
#include "arch/log.h"
#include "pmu/pmu_caps.h"
#include "pmu/pmu_platform.h"
#include "vmx/vmx_caps.h"

static const char *yes(bool b) { return b ? "yes" : "no"; }

static void report_cpu(const struct host_caps *h)
{
	log_raw("cap: cpu vendor=%s family=0x%x model=0x%x stepping=%u brand=\"%s\"",
		h->vendor_string, h->family, h->model, h->stepping, h->brand);
	log_raw("cap: cpuid max_leaf=0x%x max_ext_leaf=0x%x hypervisor=%s%s%s", h->max_leaf,
		h->max_ext_leaf, yes(h->hypervisor), h->hypervisor ? " hypervisor_vendor=" : "",
		h->hypervisor ? h->hypervisor_vendor : "");
	struct cpuid_regs l1 = cpuid(1, 0), l7 = h->max_leaf >= 7 ? cpuid(7, 0) : (struct cpuid_regs){ 0 };
	struct cpuid_regs xs = h->max_leaf >= 0xD ? cpuid(0xD, 0) : (struct cpuid_regs){ 0 };
	log_raw("cap: xsave=%s avx=%s avx2=%s avx512f=%s xcr0_supported=0x%lx xsave_max_size=%u "
		"offered_to_guests=0x%lx", yes(l1.ecx & BIT(26)), yes(l1.ecx & BIT(28)),
		yes(l7.ebx & BIT(5)), yes(l7.ebx & BIT(16)), ((u64)xs.edx << 32) | xs.eax, xs.ecx,
		h->xcr0_managed);
}

static void report_svm(const struct host_caps *h)
{
	if (!h->svm) {
		log_raw("cap: svm=no");
		return;
	}
	log_raw("cap: svm=yes revision=%u asids=%u npt=%s nrips=%s vmcb_clean=%s "
		"decode_assists=%s disabled_by_firmware=%s features=0x%x",
		h->svm_revision, h->svm_nr_asid, yes(h->svm_features & SVM_FEATURE_NPT),
		yes(h->svm_features & SVM_FEATURE_NRIPS),
		yes(h->svm_features & SVM_FEATURE_VMCB_CLEAN),
		yes(h->svm_features & SVM_FEATURE_DECODE_ASSISTS),
		yes(h->svm_disabled_by_firmware), h->svm_features);
}

static void report_vmx(const struct host_caps *h)
{
	if (!h->vmx) {
		log_raw("cap: vmx=no");
		return;
	}
	struct vmx_caps c;
	vmx_caps_read(&c);
	bool entry = vmx_allowed1(c.entry, ENTRY_LOAD_PERF_GLOBAL_CTRL);
	bool exit = vmx_allowed1(c.exit, EXIT_LOAD_PERF_GLOBAL_CTRL);
	log_raw("cap: vmx=yes feature_control=0x%lx revision=0x%lx true_ctls=%s msr_bitmaps=%s "
		"ept=%s vpid=%s unrestricted_guest=%s",
		h->feature_control, c.basic & 0x7FFFFFFF, yes(c.basic & VMX_BASIC_TRUE_CTLS),
		yes(vmx_allowed1(c.procbased, CPU_BASED_USE_MSR_BITMAPS)),
		yes(vmx_allowed1(c.procbased2, SECONDARY_ENABLE_EPT)),
		yes(vmx_allowed1(c.procbased2, SECONDARY_ENABLE_VPID)),
		yes(vmx_allowed1(c.procbased2, SECONDARY_UNRESTRICTED_GUEST)));
	log_raw("cap: vmx perf_global_ctrl_load=%s basic=0x%lx pinbased=0x%lx procbased=0x%lx "
		"procbased2=0x%lx exit=0x%lx entry=0x%lx ept_vpid=0x%lx",
		entry && exit ? "entry+exit-controls" : "msr-load-lists", c.basic, c.pinbased,
		c.procbased, c.procbased2, c.exit, c.entry, c.ept_vpid);
}

static void report_pmu(const struct pmu_caps *p)
{
	static const char *const kinds[] = { [PMU_NONE] = "none", [PMU_INTEL_ARCH] = "intel-arch",
					     [PMU_AMD] = "amd" };
	log_raw("cap: pmu kind=%s version=%u gp=%u gp_width=%u fixed=%u fixed_width=%u "
		"fixed_bitmap=0x%x events_unavailable=0x%x",
		kinds[p->kind], p->version, p->nr_gp, p->gp_width, p->nr_fixed, p->fixed_width,
		p->fixed_bitmap, p->events_unavailable);
	log_raw("cap: pmu perf_capabilities=%s%lx full_width_writes=%s perf_metrics=%s "
		"amd_perfctr_core=%s amd_perfmon_v2=%s",
		p->has_perf_capabilities ? "0x" : "absent/0x", p->perf_capabilities,
		yes(p->full_width_writes), yes(p->perf_metrics), yes(p->amd_perfctr_core),
		yes(p->amd_perfmon_v2));
}

/* What the platform does with PMU MSRs: fault, or read a value (emulators often read 0). */
static void report_pmu_msrs(void)
{
	static const u32 msrs[] = {
		MSR_IA32_PMC0, MSR_IA32_PERFEVTSEL0, MSR_IA32_FIXED_CTR0, MSR_IA32_PERF_METRICS,
		MSR_IA32_PERF_CAPABILITIES, MSR_IA32_FIXED_CTR_CTRL, MSR_IA32_PERF_GLOBAL_STATUS,
		MSR_IA32_PERF_GLOBAL_CTRL, MSR_IA32_MPERF, MSR_IA32_APERF, MSR_K7_PERFCTL0,
		MSR_K7_PERFCTR0, MSR_F15H_PERFCTL0, MSR_AMD_PERF_GLOBAL_STATUS,
		MSR_AMD_PERF_GLOBAL_CTL,
	};
	char line[512];
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
		u64 v;
		int vec = rdmsr_safe(msrs[i], &v);
		if (vec)
			n += (size_t)format(line + n, sizeof(line) - n, " 0x%x=fault(%d)", msrs[i], vec);
		else
			n += (size_t)format(line + n, sizeof(line) - n, " 0x%x=0x%lx", msrs[i], v);
	}
	log_raw("cap: pmu_msrs%s", line);
}

void caps_report(const struct tsc_info *tsc)
{
	static const char *const modes[] = { [LAPIC_DISABLED] = "disabled",
					     [LAPIC_XAPIC] = "xapic", [LAPIC_X2APIC] = "x2apic" };
	report_cpu(&host_caps);
	report_svm(&host_caps);
	report_vmx(&host_caps);
	report_pmu(&pmu_caps);
	report_pmu_msrs();
	log_raw("cap: pmu holds=%s counting=%s counted=%lu (10000-iteration loop) rdpmc=%s",
		yes(pmu_platform.holds), yes(pmu_platform.counts), pmu_platform.counted,
		pmu_platform.rdpmc_vector == 0 ? "ok" : pmu_platform.rdpmc_vector == VEC_UD ? "#UD" : "#GP");
	log_raw("cap: apic mode=%s x2apic_supported=%s nx=%s gbpages=%s", modes[lapic_mode()],
		yes(host_caps.x2apic), yes(host_caps.nx), yes(host_caps.gbpages));
	log_raw("cap: tsc hz=%lu source=%s", tsc->hz,
		tsc->source == TSC_FROM_CPUID15 ? "cpuid15" : "pit");
	log_raw("cap: end");
}
