#include "core/vlapic.h"
#include "core/vcpu.h"

#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN BIT(11)
#define X2APIC_ID 0x802
#define X2APIC_VERSION 0x803
#define X2APIC_LVTPC 0x834
/* Version 0x14 with six LVT entries (max LVT 5): timer, thermal, PMC, LINT0/1, error. */
#define APIC_VERSION_VALUE (0x14u | (5u << 16))

static bool x2apic_enabled(const struct vcpu *v)
{
	return (v->lapic.apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

bool vlapic_base_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = v->lapic.apic_base;
	return true;
}

/* Only the mode may change: the base stays put and the BSP bit is read-only. */
bool vlapic_base_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	u64 fixed = VLAPIC_DEFAULT_BASE & ~APIC_BASE_EN;
	if ((val & ~(APIC_BASE_EN | APIC_BASE_EXTD)) != fixed)
		return false;
	if ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN))
		return false; /* x2APIC without the APIC enabled is an invalid state */
	v->lapic.apic_base = val;
	return true;
}

bool vlapic_x2apic_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (!x2apic_enabled(v))
		return false;
	switch (msr) {
	case X2APIC_ID:
		*val = 0;
		return true;
	case X2APIC_VERSION:
		*val = APIC_VERSION_VALUE;
		return true;
	case X2APIC_LVTPC:
		*val = vpmu_lvtpc_read(&v->pmu);
		return true;
	default:
		return false;
	}
}

bool vlapic_x2apic_write(struct vcpu *v, u32 msr, u64 val)
{
	if (!x2apic_enabled(v) || msr != X2APIC_LVTPC || val >> 32)
		return false;
	vpmu_lvtpc_write(&v->pmu, (u32)val);
	return true;
}
