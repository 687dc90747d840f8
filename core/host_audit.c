#include "core/host_audit.h"
#include "arch/cpu.h"
#include "arch/log.h"

static const u32 audited[] = {
	MSR_TSC, /* compared for going backwards only, see below */
	MSR_APIC_BASE, MSR_FEATURE_CONTROL,
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
	MSR_MISC_ENABLE, MSR_DEBUGCTL, MSR_PAT, MSR_EFER,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
	MSR_VM_HSAVE_PA, /* AMD */
};

void host_audit_take(struct host_audit *a)
{
	a->count = 0;
	for (u32 i = 0; i < ARRAY_SIZE(audited) && a->count < HOST_AUDIT_MAX; i++) {
		u64 v;
		if (rdmsr_safe(audited[i], &v))
			continue; /* not on this CPU */
		a->msr[a->count] = audited[i];
		a->value[a->count++] = v;
	}
}

u32 host_audit_check(const struct host_audit *before, const char *guest)
{
	u32 changed = 0;
	for (u32 i = 0; i < before->count; i++) {
		u64 now = 0;
		rdmsr_safe(before->msr[i], &now);
		bool moved = before->msr[i] == MSR_TSC ? now < before->value[i] : now != before->value[i];
		if (moved) {
			pr_err("%s: the host's MSR 0x%x changed: 0x%lx -> 0x%lx", guest, before->msr[i],
			       before->value[i], now);
			changed++;
		}
	}
	return changed;
}
