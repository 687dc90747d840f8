/*
 * The guest's loads of CR0, CR3, CR4, CR8, EFER and XCR0 that exit: each is
 * checked against core/cr_rules.h with the features the guest's CPUID offers,
 * then applied (or refused with #GP, as the hardware would).
 */
#ifndef CORE_CR_ACCESS_H
#define CORE_CR_ACCESS_H

#include "core/vcpu.h"

/* The guest's CR/EFER/XCR0 features from the CPUID it is shown, and XCR0's reset value. */
void cr_access_init(struct vcpu *v);
#define CS_AR_L BIT(13) /* in VREG_CS_ATTR: 64-bit code segment */

/* The registers the rules look at, as the guest sees them. */
static inline struct cr_state cr_state_of(struct vcpu *v)
{
	return (struct cr_state){
		.cr0 = vcpu_ops->get_reg(v, VREG_CR0),
		.cr3 = vcpu_ops->get_reg(v, VREG_CR3),
		.cr4 = vcpu_ops->get_reg(v, VREG_CR4),
		.efer = vcpu_ops->get_reg(v, VREG_EFER),
		.cs_l = vcpu_ops->get_reg(v, VREG_CS_ATTR) & CS_AR_L,
	};
}

void handle_cr_access(struct vcpu *v, const struct exit_info *e);
void handle_xsetbv(struct vcpu *v, const struct exit_info *e);

#endif
