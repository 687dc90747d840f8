#include "core/msr_switch.h"
#include "arch/cpu.h"
#include "arch/host_caps.h"

static const u32 lazy_msr_index[LAZY_MSR_COUNT] = {
	[LAZY_STAR] = MSR_STAR, [LAZY_LSTAR] = MSR_LSTAR, [LAZY_CSTAR] = MSR_CSTAR,
	[LAZY_SFMASK] = MSR_SFMASK, [LAZY_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[LAZY_TSC_AUX] = MSR_TSC_AUX,
};

/* The MSRs this CPU has that the backend leaves to us. */
static u32 switched(void)
{
	return vcpu_ops->lazy_msrs & (host_caps.tsc_aux ? ~0u : ~BIT(LAZY_TSC_AUX));
}

void msr_switch_put(void)
{
	struct msr_switch_state *s = &this_pcpu()->msrs;
	struct vcpu *v = s->owner;
	if (!v)
		return;
	u32 set = switched();
	for (u32 i = 0; i < LAZY_MSR_COUNT; i++) {
		if (!(set & BIT(i)))
			continue;
		v->msrs.lazy[i] = rdmsr(lazy_msr_index[i]);
		wrmsr(lazy_msr_index[i], s->host[i]);
	}
	s->owner = NULL;
}

void msr_switch_in(struct vcpu *v)
{
	struct msr_switch_state *s = &this_pcpu()->msrs;
	msr_switch_put(); /* the last owner's values saved, the host's back */
	u32 set = switched();
	for (u32 i = 0; i < LAZY_MSR_COUNT; i++) {
		if (!(set & BIT(i)))
			continue;
		s->host[i] = rdmsr(lazy_msr_index[i]);
		wrmsr(lazy_msr_index[i], v->msrs.lazy[i]);
	}
	s->owner = v;
}
