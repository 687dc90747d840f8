#include "vmx/vmx_caps.h"
#include "arch/cpu.h"

void vmx_caps_read(struct vmx_caps *c)
{
	c->basic = rdmsr(MSR_VMX_BASIC);
	bool true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	c->pinbased = rdmsr(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS);
	c->procbased = rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS);
	c->entry = rdmsr(true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS);
	c->procbased2 = vmx_allowed1(c->procbased, CPU_BASED_ACTIVATE_SECONDARY)
				? rdmsr(MSR_VMX_PROCBASED_CTLS2)
				: 0;
	c->misc = rdmsr(MSR_VMX_MISC);
	c->ept_vpid = (c->procbased2 >> 32) & (SECONDARY_ENABLE_EPT | SECONDARY_ENABLE_VPID)
			      ? rdmsr(MSR_VMX_EPT_VPID_CAP)
			      : 0;
	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
}
