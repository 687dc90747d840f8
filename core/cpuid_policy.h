/*
 * What a guest sees from CPUID: a declarative table of leaves that pass
 * through (with bits masked or set) or are synthesized; every leaf not in
 * the table reads as zero.
 */
#ifndef CORE_CPUID_POLICY_H
#define CORE_CPUID_POLICY_H

#include "arch/cpu.h"
#include "core/vcpu.h"

/* The guest's CPUID result for (leaf, subleaf), from the host's. */
struct cpuid_regs cpuid_policy(const struct vcpu *v, u32 leaf, u32 subleaf);

/* The same, from the CPUID of a host given as a function (host tests). */
typedef struct cpuid_regs (*cpuid_source)(u32 leaf, u32 subleaf);
struct cpuid_regs cpuid_policy_from(const struct vcpu *v, u32 leaf, u32 subleaf,
				    cpuid_source host);
/* What a CPUID exit gives the guest: the policy, kept per vCPU where it cannot change. */
struct cpuid_regs cpuid_exit_result_from(struct vcpu *v, u32 leaf, u32 subleaf,
					 cpuid_source host);

#endif
