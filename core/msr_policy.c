#include "core/msr_policy.h"
#include "arch/string.h"

#define MSR_TSC 0x10
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_CSTAR 0xC0000083
#define MSR_SFMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_APIC_BASE_ADDR 0x1B
#define MSR_PAT_ADDR 0x277
#define MSR_EFER_ADDR 0xC0000080

#define GUEST_APIC_BASE (0xFEE00000ULL | BIT(11) | BIT(8)) /* enabled, BSP */
#define EFER_GUEST_WRITABLE (BIT(0) | BIT(8) | BIT(11))  /* SCE, LME, NXE */
#define EFER_LMA_BIT BIT(10)

typedef bool (*msr_read_fn)(struct vcpu *v, u32 msr, u64 *val);
typedef bool (*msr_write_fn)(struct vcpu *v, u32 msr, u64 val);

struct msr_rule {
	u32 first, last;
	enum msr_action read, write;
	msr_read_fn rd;
	msr_write_fn wr;
};

static bool is_canonical(u64 a) { return (u64)((s64)(a << 16) >> 16) == a; }

/* MSRs the hardware does not switch for us live in struct vcpu_msrs. */
static u64 *stored_msr(struct vcpu *v, u32 msr)
{
	switch (msr) {
	case MSR_STAR: return &v->msrs.star;
	case MSR_LSTAR: return &v->msrs.lstar;
	case MSR_CSTAR: return &v->msrs.cstar;
	case MSR_SFMASK: return &v->msrs.sfmask;
	case MSR_KERNEL_GS_BASE: return &v->msrs.kernel_gs_base;
	case MSR_SYSENTER_CS: return &v->msrs.sysenter_cs;
	case MSR_SYSENTER_ESP: return &v->msrs.sysenter_esp;
	case MSR_SYSENTER_EIP: return &v->msrs.sysenter_eip;
	default: return NULL;
	}
}

static bool read_stored(struct vcpu *v, u32 msr, u64 *val)
{
	*val = *stored_msr(v, msr);
	return true;
}

static bool write_stored(struct vcpu *v, u32 msr, u64 val)
{
	if (msr != MSR_STAR && msr != MSR_SFMASK && msr != MSR_SYSENTER_CS && !is_canonical(val))
		return false;
	*stored_msr(v, msr) = val;
	return true;
}

static enum vcpu_reg reg_of(u32 msr)
{
	switch (msr) {
	case MSR_FS_BASE: return VREG_FS_BASE;
	case MSR_GS_BASE: return VREG_GS_BASE;
	case MSR_PAT_ADDR: return VREG_PAT;
	default: return VREG_EFER;
	}
}

static bool read_reg(struct vcpu *v, u32 msr, u64 *val)
{
	*val = vcpu_ops->get_reg(v, reg_of(msr));
	return true;
}

static bool write_base(struct vcpu *v, u32 msr, u64 val)
{
	if (!is_canonical(val))
		return false;
	vcpu_ops->set_reg(v, reg_of(msr), val);
	return true;
}

static bool write_pat(struct vcpu *v, u32 msr, u64 val)
{
	for (int i = 0; i < 8; i++) {
		u8 type = (u8)(val >> (i * 8));
		if (type == 2 || type == 3 || type > 7) /* reserved memory types */
			return false;
	}
	vcpu_ops->set_reg(v, reg_of(msr), val);
	return true;
}

/* LMA follows LME and CR0.PG in hardware; a guest write may only change SCE, LME, NXE. */
static bool write_efer(struct vcpu *v, u32 msr, u64 val)
{
	u64 old = vcpu_ops->get_reg(v, VREG_EFER);
	if (val & ~(EFER_GUEST_WRITABLE | EFER_LMA_BIT))
		return false;
	vcpu_ops->set_reg(v, reg_of(msr), (val & EFER_GUEST_WRITABLE) | (old & EFER_LMA_BIT));
	return true;
}

static bool read_apic_base(struct vcpu *v, u32 msr, u64 *val)
{
	(void)v, (void)msr;
	*val = GUEST_APIC_BASE;
	return true;
}

static bool write_apic_base(struct vcpu *v, u32 msr, u64 val)
{
	(void)v, (void)msr;
	return val == GUEST_APIC_BASE; /* relocating or disabling the APIC is not offered */
}

static const struct msr_rule rules[] = {
	{ MSR_TSC, MSR_TSC, MSR_PASS, MSR_DENY, NULL, NULL },
	{ MSR_APIC_BASE_ADDR, MSR_APIC_BASE_ADDR, MSR_EMULATE, MSR_EMULATE, read_apic_base,
	  write_apic_base },
	{ MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_EMULATE, MSR_EMULATE, read_stored, write_stored },
	{ MSR_PAT_ADDR, MSR_PAT_ADDR, MSR_EMULATE, MSR_EMULATE, read_reg, write_pat },
	{ MSR_EFER_ADDR, MSR_EFER_ADDR, MSR_EMULATE, MSR_EMULATE, read_reg, write_efer },
	{ MSR_STAR, MSR_SFMASK, MSR_EMULATE, MSR_EMULATE, read_stored, write_stored },
	{ MSR_FS_BASE, MSR_GS_BASE, MSR_EMULATE, MSR_EMULATE, read_reg, write_base },
	{ MSR_KERNEL_GS_BASE, MSR_KERNEL_GS_BASE, MSR_EMULATE, MSR_EMULATE, read_stored,
	  write_stored },
};

static const struct msr_rule *find_rule(u32 msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (msr >= rules[i].first && msr <= rules[i].last)
			return &rules[i];
	return NULL;
}

enum msr_action msr_policy_action(const struct vcpu *v, u32 msr, enum msr_access a)
{
	(void)v;
	const struct msr_rule *r = find_rule(msr);
	if (!r)
		return MSR_DENY;
	return a == MSR_READ ? r->read : r->write;
}

void msr_policy_build_bitmap(const struct msr_bitmap_layout *l, u8 *bitmap,
			     const struct vcpu *v)
{
	memset(bitmap, 0xFF, l->size);
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		for (u32 msr = rules[i].first; msr <= rules[i].last; msr++) {
			if (msr_policy_action(v, msr, MSR_READ) == MSR_PASS)
				msr_intercept(l, bitmap, msr, MSR_READ, false);
			if (msr_policy_action(v, msr, MSR_WRITE) == MSR_PASS)
				msr_intercept(l, bitmap, msr, MSR_WRITE, false);
		}
}

bool msr_policy_read(struct vcpu *v, u32 msr, u64 *val)
{
	const struct msr_rule *r = find_rule(msr);
	return r && r->read == MSR_EMULATE && r->rd(v, msr, val);
}

bool msr_policy_write(struct vcpu *v, u32 msr, u64 val)
{
	const struct msr_rule *r = find_rule(msr);
	return r && r->write == MSR_EMULATE && r->wr(v, msr, val);
}
