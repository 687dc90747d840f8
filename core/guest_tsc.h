/*
 * The guest's time-stamp counter: the host's TSC plus a per-vCPU offset that
 * the hardware adds (VT-x "use TSC offsetting", the VMCB's TSC offset), so
 * RDTSC, RDTSCP and RDMSR(IA32_TSC) run without an exit. A guest starts at
 * 0, as a CPU out of reset does. WRMSR to IA32_TSC and IA32_TSC_ADJUST move
 * the offset, coupled as the SDM says (a write that moves one by X moves the
 * other by X), and the virtual LAPIC's TSC deadline follows.
 */
#ifndef CORE_GUEST_TSC_H
#define CORE_GUEST_TSC_H

#include "core/vcpu.h"

/* The guest's TSC when the host's reads host_tsc. */
static inline u64 guest_tsc(const struct vcpu *v, u64 host_tsc) { return host_tsc + v->tsc.offset; }

/* A new vCPU: TSC 0 at host_now, IA32_TSC_ADJUST 0 (after vcpu_create). */
void guest_tsc_reset(struct vcpu *v, u64 host_now);

/* MSR policy handlers: IA32_TSC writes, IA32_TSC_ADJUST reads and writes. */
bool guest_tsc_write(struct vcpu *v, u32 msr, u64 val);
bool guest_tsc_adjust_read(struct vcpu *v, u32 msr, u64 *val);
bool guest_tsc_adjust_write(struct vcpu *v, u32 msr, u64 val);

#endif
