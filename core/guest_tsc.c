#include "core/guest_tsc.h"
#include "arch/cpu.h"

static void set_offset(struct vcpu *v, u64 offset, u64 host_now)
{
	v->tsc.offset = offset;
	vcpu_set_reg(v, VREG_TSC_OFFSET, offset);
	vlapic_tsc_moved(v, host_now); /* an armed TSC deadline is a guest TSC value */
}

void guest_tsc_reset(struct vcpu *v, u64 host_now)
{
	v->tsc.adjust = 0;
	set_offset(v, -host_now, host_now);
}

/* SDM: a WRMSR that moves the TSC by X also moves IA32_TSC_ADJUST by X. */
bool guest_tsc_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	u64 now = rdtsc(), delta = val - guest_tsc(v, now);
	v->tsc.adjust += delta;
	set_offset(v, v->tsc.offset + delta, now);
	return true;
}

bool guest_tsc_adjust_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = v->tsc.adjust;
	return true;
}

/* SDM: a WRMSR that moves IA32_TSC_ADJUST by X also moves the TSC by X. */
bool guest_tsc_adjust_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	u64 delta = val - v->tsc.adjust;
	v->tsc.adjust = val;
	set_offset(v, v->tsc.offset + delta, rdtsc());
	return true;
}
