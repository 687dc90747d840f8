#include "arch/host_caps.h"
#include "arch/cpu.h"
#include "arch/string.h"

#define VM_CR_SVMDIS BIT(4)
#define CPUID1_ECX_XSAVE BIT(26)

struct host_caps host_caps;

static void regs_to_string(char *out, const u32 *words, int n)
{
	memcpy(out, words, (size_t)n * 4);
	out[n * 4] = '\0';
}

static void probe_identity(struct host_caps *c)
{
	struct cpuid_regs r = cpuid(0, 0);
	u32 vendor[3] = { r.ebx, r.edx, r.ecx };
	c->max_leaf = r.eax;
	regs_to_string(c->vendor_string, vendor, 3);
	if (!strcmp(c->vendor_string, "GenuineIntel"))
		c->vendor = VENDOR_INTEL;
	else if (!strcmp(c->vendor_string, "AuthenticAMD"))
		c->vendor = VENDOR_AMD;

	r = cpuid(1, 0);
	u32 family = (r.eax >> 8) & 0xF, model = (r.eax >> 4) & 0xF;
	if (family == 0xF)
		family += (r.eax >> 20) & 0xFF;
	if (family >= 6)
		model |= ((r.eax >> 16) & 0xF) << 4;
	c->family = family;
	c->model = model;
	c->stepping = r.eax & 0xF;
	c->vmx = r.ecx & BIT(5);
	c->pdcm = r.ecx & BIT(15);
	c->x2apic = r.ecx & BIT(21);
	c->hypervisor = r.ecx & BIT(31);
	if (c->hypervisor) {
		struct cpuid_regs h = cpuid(0x40000000, 0);
		u32 words[3] = { h.ebx, h.ecx, h.edx };
		regs_to_string(c->hypervisor_vendor, words, 3);
	}

	if (c->max_leaf >= 6)
		c->aperfmperf = cpuid(6, 0).ecx & BIT(0);
	if (c->max_leaf >= 7)
		c->tsc_aux = cpuid(7, 0).ecx & BIT(22); /* RDPID */
	if ((r.ecx & CPUID1_ECX_XSAVE) && c->max_leaf >= 0xD)
		c->xcr0_managed = cpuid(0xD, 0).eax & (XSTATE_X87 | XSTATE_SSE | XSTATE_AVX);

	c->max_ext_leaf = cpuid(0x80000000, 0).eax;
	if (c->max_ext_leaf >= 0x80000001) {
		r = cpuid(0x80000001, 0);
		c->svm = r.ecx & BIT(2);
		c->nx = r.edx & BIT(20);
		c->gbpages = r.edx & BIT(26);
		c->tsc_aux |= (bool)(r.edx & BIT(27)); /* RDTSCP */
	}
	if (c->max_ext_leaf >= 0x80000004) {
		u32 words[12];
		for (u32 i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i, 0);
			words[i * 4] = r.eax;
			words[i * 4 + 1] = r.ebx;
			words[i * 4 + 2] = r.ecx;
			words[i * 4 + 3] = r.edx;
		}
		regs_to_string(c->brand, words, 12);
	}
}

static void probe_virtualization(struct host_caps *c)
{
	u64 v;
	if (c->svm && c->max_ext_leaf >= 0x8000000A) {
		struct cpuid_regs r = cpuid(0x8000000A, 0);
		c->svm_revision = r.eax & 0xFF;
		c->svm_nr_asid = r.ebx;
		c->svm_features = r.edx;
		c->svm_disabled_by_firmware = !rdmsr_safe(MSR_VM_CR, &v) && (v & VM_CR_SVMDIS);
	}
	if (c->vmx && !rdmsr_safe(MSR_FEATURE_CONTROL, &v))
		c->feature_control = v;
}

void host_caps_probe(void)
{
	struct host_caps c = { 0 };
	probe_identity(&c);
	probe_virtualization(&c);
	host_caps = c;
}
