/*
 * Which guest MSR accesses go straight to hardware (PASS), are emulated by
 * the hypervisor (EMULATE) or raise #GP in the guest (DENY). Default deny:
 * an MSR not in the table is denied. The table is declarative; the
 * backends' MSR bitmaps are built from it.
 */
#ifndef CORE_MSR_POLICY_H
#define CORE_MSR_POLICY_H

#include "core/intercept_bitmap.h"
#include "core/vcpu.h"

enum msr_action { MSR_DENY, MSR_PASS, MSR_EMULATE };

/* Fills a backend's MSR bitmap: everything intercepted but what the policy passes. */
void msr_policy_build_bitmap(const struct msr_bitmap_layout *l, u8 *bitmap,
			     const struct vcpu *v);

/* The emulated MSRs' values as firmware leaves them, for a new vCPU. */
void msr_policy_vcpu_reset(struct vcpu *v);

/* Handles an intercepted RDMSR/WRMSR: false means the guest gets #GP. */
bool msr_policy_read(struct vcpu *v, u32 msr, u64 *val);
bool msr_policy_write(struct vcpu *v, u32 msr, u64 val);

/* The policy's action for an access (for tests and the audit hypercall). */
enum msr_action msr_policy_action(const struct vcpu *v, u32 msr, enum msr_access a);

#endif
