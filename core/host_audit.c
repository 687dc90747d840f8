#include "core/host_audit.h"
#include "arch/cpu.h"
#include "arch/log.h"

static const u32 audited[] = {
	0x10,       /* TSC: compared for going backwards only, see below */
	0x1B,       /* APIC_BASE */
	0x3A,       /* FEATURE_CONTROL */
	0x174, 0x175, 0x176, /* SYSENTER_CS/ESP/EIP */
	0x1A0,      /* MISC_ENABLE */
	0x1D9,      /* DEBUGCTL */
	0x277,      /* PAT */
	0xC0000080, /* EFER */
	0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR, LSTAR, CSTAR, SFMASK */
	0xC0000100, 0xC0000101, 0xC0000102, /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
	0xC0000103, /* TSC_AUX */
	0xC0010117, /* VM_HSAVE_PA (AMD) */
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
		bool moved = before->msr[i] == 0x10 ? now < before->value[i] : now != before->value[i];
		if (moved) {
			pr_err("%s: the host's MSR 0x%x changed: 0x%lx -> 0x%lx", guest, before->msr[i],
			       before->value[i], now);
			changed++;
		}
	}
	return changed;
}
