/*
 * The guest's local APIC, as far as pmuvisor virtualizes it so far: the
 * APIC base MSR (xAPIC or x2APIC mode) and, in x2APIC mode, the ID, the
 * version and the LVTPC (MSR 0x834), which the vPMU delivers PMIs through.
 * Other x2APIC registers raise #GP; xAPIC MMIO is not mapped yet (a guest
 * touching 0xFEE00000 is stopped with a nested page fault report).
 */
#ifndef CORE_VLAPIC_H
#define CORE_VLAPIC_H

#include "arch/types.h"

struct vcpu;

struct vlapic {
	u64 apic_base;
};

#define VLAPIC_DEFAULT_BASE (0xFEE00000ULL | BIT(11) | BIT(8)) /* enabled, BSP */

bool vlapic_base_read(struct vcpu *v, u32 msr, u64 *val);
bool vlapic_base_write(struct vcpu *v, u32 msr, u64 val);
bool vlapic_x2apic_read(struct vcpu *v, u32 msr, u64 *val);
bool vlapic_x2apic_write(struct vcpu *v, u32 msr, u64 val);

#endif
