/* The hypercall ABI of core/abi.h. */
#include "core/exit.h"
#include "arch/cpu.h"
#include "arch/interrupts.h"
#include "arch/log.h"
#include "core/pcpu.h"

#define LEN_HYPERCALL 3 /* VMMCALL and VMCALL are both 3 bytes */
#define PRINT_MAX 256

/*
 * Host MSRs a guest may ask about, to check its denied writes changed
 * nothing: configuration MSRs only (FEATURE_CONTROL, MISC_ENABLE, AMD's
 * HWCR), never one that holds an address of the host's memory.
 */
static const u32 audit_msrs[] = { MSR_FEATURE_CONTROL, MSR_MISC_ENABLE, MSR_HWCR };

static s64 hc_print(struct vcpu *v, u64 gpa, u64 len)
{
	char text[PRINT_MAX + 1];
	if (len > PRINT_MAX)
		return HC_EINVAL;
	if (gmem_read(&v->vm->mem, gpa, text, len))
		return HC_EFAULT;
	text[len] = '\0';
	log_raw("[%s] %s", v->vm->name, text);
	return (s64)len;
}

static s64 copy_per_reason(struct vcpu *v, u64 gpa, u64 bytes, const u64 *table)
{
	if (bytes < sizeof(u64) * EXIT_REASON_COUNT)
		return HC_EINVAL;
	if (gmem_write(&v->vm->mem, gpa, table, sizeof(u64) * EXIT_REASON_COUNT))
		return HC_EFAULT;
	return EXIT_REASON_COUNT;
}

static s64 hc_host_msr(u64 msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(audit_msrs); i++) {
		u64 val;
		if (audit_msrs[i] == msr)
			return rdmsr_safe((u32)msr, &val) ? HC_EINVAL : (s64)val;
	}
	return HC_EINVAL;
}

static s64 hc_pmu_stats(struct vcpu *v, u64 gpa, u64 bytes)
{
	const struct vpmu *vp = &v->pmu;
	struct hc_pmu_stats s = { .loads = vp->loads, .puts = vp->puts,
				  .pmis_injected = vp->pmis_injected,
				  .pmis_dropped = vp->pmis_dropped };
	for (int p = 0; p < HC_PHASE_COUNT; p++) {
		s.reads[p] = vp->stats.reads[p];
		s.writes[p] = vp->stats.writes[p];
	}
	if (bytes < sizeof(s))
		return HC_EINVAL;
	return gmem_write(&v->vm->mem, gpa, &s, sizeof(s)) ? HC_EFAULT : (s64)sizeof(s);
}

static s64 hc_sched_stats(struct vcpu *v, u64 gpa, u64 bytes)
{
	const struct sched *s = &this_pcpu()->sched;
	struct hc_sched_stats st = { .live = sched_live(s), .slice_tsc = s->slice_tsc,
				     .switched_in = v->switched_in, .switches = s->stats.switches };
	if (bytes < sizeof(st))
		return HC_EINVAL;
	return gmem_write(&v->vm->mem, gpa, &st, sizeof(st)) ? HC_EFAULT : (s64)sizeof(st);
}

void handle_hypercall(struct vcpu *v, const struct exit_info *e)
{
	struct vcpu_regs *r = &v->regs;
	s64 ret;
	/* The ABI is the guest kernel's: its user mode may only ask the version. */
	if (r->rax != HC_VERSION && vcpu_ops->get_reg(v, VREG_CPL) != 0) {
		r->rax = (u64)HC_EPERM;
		vcpu_skip_instruction(v, e, LEN_HYPERCALL);
		return;
	}
	switch (r->rax) {
	case HC_VERSION:
		ret = HC_ABI_VERSION;
		break;
	case HC_PRINT:
		ret = hc_print(v, r->rbx, r->rcx);
		break;
	case HC_EXIT:
		vcpu_exit_itself(v, (int)r->rbx, "exit hypercall");
		return;
	case HC_EXIT_COUNTS:
		ret = copy_per_reason(v, r->rbx, r->rcx, v->exits.count);
		break;
	case HC_EXIT_CYCLES:
		ret = copy_per_reason(v, r->rbx, r->rcx, v->exits.cycles);
		break;
	case HC_HOST_MSR:
		ret = hc_host_msr(r->rbx);
		break;
	case HC_HOST_NMIS:
		ret = (s64)host_nmi_count();
		break;
	case HC_PMU_STATS:
		ret = hc_pmu_stats(v, r->rbx, r->rcx);
		break;
	case HC_SCHED_STATS:
		ret = hc_sched_stats(v, r->rbx, r->rcx);
		break;
	default:
		ret = HC_ENOSYS;
		break;
	}
	r->rax = (u64)ret;
	vcpu_skip_instruction(v, e, LEN_HYPERCALL);
}
