/* CPU capabilities, probed once at boot and read-only afterwards. */
#ifndef ARCH_HOST_CAPS_H
#define ARCH_HOST_CAPS_H

#include "arch/types.h"

enum cpu_vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD };

struct host_caps {
	enum cpu_vendor vendor;
	char vendor_string[13];
	char brand[49];
	u32 family, model, stepping;
	u32 max_leaf, max_ext_leaf;
	bool hypervisor;          /* running under another hypervisor */
	char hypervisor_vendor[13];
	bool x2apic, pdcm, nx, gbpages;
	bool aperfmperf;          /* CPUID.6:ECX[0]: APERF and MPERF exist */
	bool tsc_aux;             /* IA32_TSC_AUX exists: RDTSCP or RDPID is offered */
	/*
	 * XSAVE: the extended-state components pmuvisor offers guests and resets
	 * between them, those of x87, SSE and AVX the CPU has (CPUID leaf 0xD);
	 * 0 without XSAVE.
	 */
	u64 xcr0_managed;
	bool vmx, svm;
	/* SVM: CPUID 0x8000000A and VM_CR */
	u32 svm_revision, svm_nr_asid, svm_features;
	bool svm_disabled_by_firmware;
	/* VMX: IA32_FEATURE_CONTROL */
	u64 feature_control;
};

#define SVM_FEATURE_NPT BIT(0)
#define SVM_FEATURE_NRIPS BIT(3)
#define SVM_FEATURE_VMCB_CLEAN BIT(5)
#define SVM_FEATURE_DECODE_ASSISTS BIT(7)

extern struct host_caps host_caps;

void host_caps_probe(void);

#endif
