#include "core/vlapic.h"
#include "core/vcpu.h"

#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN BIT(11)
/* QEMU's APIC: version 0x14, six LVT entries (max LVT 5): timer, thermal, PMC, LINT0/1, error. */
#define APIC_VERSION_VALUE (0x14u | (5u << 16))

/* Register offsets (xAPIC MMIO; x2APIC MSR = 0x800 + offset / 16). */
enum {
	REG_ID = 0x20, REG_VERSION = 0x30, REG_TPR = 0x80, REG_PPR = 0xA0,
	REG_EOI = 0xB0, REG_LDR = 0xD0, REG_DFR = 0xE0, REG_SVR = 0xF0, REG_ISR = 0x100,
	REG_TMR = 0x180, REG_IRR = 0x200, REG_ESR = 0x280, REG_ICR = 0x300, REG_ICR_HIGH = 0x310,
	REG_LVT_TIMER = 0x320, REG_LVT_ERROR = 0x370, REG_TIMER_INITIAL = 0x380,
	REG_TIMER_CURRENT = 0x390, REG_TIMER_DIVIDE = 0x3E0, REG_SELF_IPI = 0x3F0,
};

#define SVR_ENABLED BIT(8)
#define LVT_MASK BIT(16)
#define LVT_VECTOR 0xFFu
#define TIMER_MODE(lvt) (((lvt) >> 17) & 3)
enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_TSC_DEADLINE };
#define ESR_SEND_ILLEGAL BIT(5)
#define ESR_RECEIVE_ILLEGAL BIT(6)
#define ICR_DELIVERY_MODE(icr) (((icr) >> 8) & 7)
#define ICR_DEST_LOGICAL BIT(11)
#define ICR_SHORTHAND(icr) (((icr) >> 18) & 3)
enum { SHORTHAND_NONE, SHORTHAND_SELF, SHORTHAND_ALL, SHORTHAND_OTHERS };
enum { DELIVERY_FIXED = 0, DELIVERY_LOWEST = 1, DELIVERY_NMI = 4 };
#define DFR_FLAT 0xF /* DFR[31:28]: flat model (0xF) or cluster model (0x0) */

/* What the guest may write into each LVT entry (delivery status and remote IRR are read-only). */
static const u32 lvt_writable[LVT_COUNT] = {
	[LVT_TIMER] = 0x700FF,  /* vector, mask, timer mode */
	[LVT_THERMAL] = 0x107FF, /* vector, delivery mode, mask */
	[LVT_LINT0] = 0x1A7FF,  /* + polarity, trigger mode */
	[LVT_LINT1] = 0x1A7FF,
	[LVT_ERROR] = 0x100FF,
};

/* x2APIC registers by MSR - 0x800: what RDMSR and WRMSR may do; anything else is #GP. */
enum { X_NONE, X_RD = 1, X_WR = 2, X_RW = 3 };
static const u8 x2apic_access[0x40] = {
	[0x02] = X_RD, [0x03] = X_RD, [0x08] = X_RW, [0x0A] = X_RD, [0x0B] = X_WR, [0x0D] = X_RD,
	[0x0F] = X_RW, [0x10 ... 0x27] = X_RD, [0x28] = X_RW, [0x30] = X_RW,
	[0x32 ... 0x38] = X_RW, [0x39] = X_RD, [0x3E] = X_RW, [0x3F] = X_WR,
};

static struct vlapic *lapic_of(struct vcpu *v) { return &v->lapic; }

static bool x2apic_enabled(const struct vlapic *l)
{
	return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

bool vlapic_xapic_active(const struct vlapic *l)
{
	return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN;
}

void vlapic_reset(struct vlapic *l, u64 tsc_khz)
{
	*l = (struct vlapic){ .apic_base = VLAPIC_DEFAULT_BASE, .svr = 0xFF, .dfr = 0xFFFFFFFF,
			      .tsc_khz = tsc_khz };
	for (int i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LVT_MASK;
}

/* --- IRR, ISR and priorities --- */

static int highest(const u32 bits[8])
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static u32 ppr(const struct vlapic *l)
{
	int isrv = highest(l->isr);
	u32 in_service = isrv < 0 ? 0 : (u32)isrv & 0xF0;
	return (l->tpr & 0xF0) >= in_service ? l->tpr & 0xFF : in_service;
}

static void set_bit(u32 bits[8], u8 vector) { bits[vector / 32] |= 1u << (vector % 32); }
static void clear_bit(u32 bits[8], u8 vector) { bits[vector / 32] &= ~(1u << (vector % 32)); }

static void raise_irr(struct vlapic *l, u8 vector)
{
	set_bit(l->irr, vector);
	l->irr_summary |= (u8)(1u << (vector / 32));
}

static void error_interrupt(struct vlapic *l, u32 esr_bit)
{
	l->esr_pending |= esr_bit;
	u32 lvt = l->lvt[LVT_ERROR];
	if (!(lvt & LVT_MASK) && (lvt & LVT_VECTOR) >= 16)
		raise_irr(l, (u8)lvt);
}

void vlapic_set_irq(struct vlapic *l, u8 vector)
{
	if (vector < 16)
		error_interrupt(l, ESR_RECEIVE_ILLEGAL); /* vectors 0-15 are never delivered */
	else
		raise_irr(l, vector);
}

int vlapic_pending_vector(const struct vlapic *l)
{
	if (!(l->apic_base & APIC_BASE_EN))
		return -1;
	int v = highest(l->irr);
	return v >= 0 && ((u32)v & 0xF0) > (ppr(l) & 0xF0) ? v : -1;
}

void vlapic_ack(struct vlapic *l, u8 vector)
{
	clear_bit(l->irr, vector);
	if (!l->irr[vector / 32])
		l->irr_summary &= (u8)~(1u << (vector / 32));
	set_bit(l->isr, vector);
}

static void eoi(struct vlapic *l)
{
	int v = highest(l->isr);
	if (v >= 0)
		clear_bit(l->isr, (u8)v);
}

/* --- the timer: APIC bus ticks (1 GHz) to TSC ticks and back --- */

static u64 divide(const struct vlapic *l)
{
	u32 d = (l->timer_divide_reg & 3) | ((l->timer_divide_reg >> 1) & 4);
	return d == 7 ? 1 : 2u << d;
}

static u64 bus_to_tsc(const struct vlapic *l, u64 ticks) { return ticks * l->tsc_khz / VLAPIC_BUS_KHZ; }

static u64 tsc_to_bus(const struct vlapic *l, u64 tsc)
{
	return l->tsc_khz ? tsc * VLAPIC_BUS_KHZ / l->tsc_khz : 0;
}

static void timer_start(struct vlapic *l, u64 now)
{
	l->timer_period = bus_to_tsc(l, (u64)l->timer_initial * divide(l));
	if (l->timer_period == 0 && l->timer_initial)
		l->timer_period = 1;
	l->timer_deadline = l->timer_initial ? now + l->timer_period : 0;
}

static u32 timer_current(const struct vlapic *l, u64 now)
{
	u32 mode = TIMER_MODE(l->lvt[LVT_TIMER]);
	if (mode == TIMER_TSC_DEADLINE || !l->timer_deadline || now >= l->timer_deadline)
		return 0;
	u64 left = tsc_to_bus(l, l->timer_deadline - now) / divide(l);
	return left > l->timer_initial ? l->timer_initial : (u32)left;
}

void vlapic_tick(struct vlapic *l, u64 now)
{
	if (!l->timer_deadline || now < l->timer_deadline)
		return;
	u32 lvt = l->lvt[LVT_TIMER];
	l->timer_fired++;
	if (!(lvt & LVT_MASK))
		vlapic_set_irq(l, (u8)lvt);
	if (TIMER_MODE(lvt) == TIMER_PERIODIC) {
		/* the next period counts from the last deadline; missed ones are not queued */
		u64 late = now - l->timer_deadline;
		l->timer_deadline = now + l->timer_period - late % l->timer_period;
	} else {
		l->timer_deadline = 0;
		l->tsc_deadline = 0; /* the SDM: the deadline MSR reads 0 once it fired */
	}
}

static void write_lvt_timer(struct vlapic *l, u32 val)
{
	u32 old = TIMER_MODE(l->lvt[LVT_TIMER]);
	if (TIMER_MODE(val) == 3)
		val &= ~(3u << 17); /* reserved mode: treated as one-shot, as QEMU does */
	l->lvt[LVT_TIMER] = val;
	if (TIMER_MODE(val) != old) { /* a mode change disarms the timer */
		l->timer_deadline = 0;
		l->timer_initial = 0;
		l->tsc_deadline = 0;
	}
}

/* --- the register file --- */

/*
 * Whether an IPI reaches this vCPU, the only one (SDM 10.6.2): the
 * shorthands self and all-including-self do, all-excluding-self does not;
 * otherwise the destination must name it: physical APIC ID 0 or the
 * broadcast ID; logical, its LDR in the flat or cluster model (xAPIC) or
 * cluster 0 bit 0 (x2APIC, whose LDR derives from ID 0).
 */
static bool ipi_reaches_self(const struct vlapic *l, u32 icr, u32 dest, bool x2apic)
{
	switch (ICR_SHORTHAND(icr)) {
	case SHORTHAND_SELF:
	case SHORTHAND_ALL: return true;
	case SHORTHAND_OTHERS: return false;
	default: break;
	}
	if (dest == (x2apic ? 0xFFFFFFFFu : 0xFFu))
		return true;
	if (!(icr & ICR_DEST_LOGICAL))
		return dest == 0;
	if (x2apic)
		return (dest >> 16) == 0 && (dest & 1);
	u8 ldr = (u8)(l->ldr >> 24), mda = (u8)dest;
	if ((l->dfr >> 28) == DFR_FLAT)
		return ldr & mda;
	return (ldr >> 4) == (mda >> 4) && (ldr & mda & 0xF);
}

/*
 * Delivery modes on one vCPU: fixed and lowest priority raise the vector,
 * NMI raises an NMI (vector ignored). SMI (no SMM), INIT (a reset of the
 * vCPU is not modelled) and start-up (only a CPU waiting for one starts)
 * change nothing, nor do the reserved modes. The SDM calls NMI with the
 * self and all-including-self shorthands invalid; QEMU and KVM deliver it,
 * and so does pmuvisor.
 */
static void send_ipi(struct vlapic *l, u32 icr, u32 dest, bool x2apic)
{
	if (!ipi_reaches_self(l, icr, dest, x2apic))
		return;
	switch (ICR_DELIVERY_MODE(icr)) {
	case DELIVERY_FIXED:
	case DELIVERY_LOWEST:
		if ((icr & LVT_VECTOR) < 16)
			error_interrupt(l, ESR_SEND_ILLEGAL);
		else
			vlapic_set_irq(l, (u8)icr);
		break;
	case DELIVERY_NMI: l->nmi_pending = true; break;
	default: break;
	}
}

static u32 read_reg(struct vcpu *v, u32 off, u64 now)
{
	struct vlapic *l = lapic_of(v);
	if (off >= REG_ISR && off < REG_ESR) {
		const u32 *bank = off >= REG_IRR ? l->irr : off >= REG_TMR ? NULL : l->isr;
		return bank ? bank[(off & 0x7F) >> 4] : 0;
	}
	switch (off) {
	case REG_ID: return 0; /* one vCPU: APIC ID 0 in both modes */
	case REG_VERSION: return APIC_VERSION_VALUE;
	case REG_TPR: return l->tpr;
	case REG_PPR: return ppr(l);
	case REG_LDR: return x2apic_enabled(l) ? 1 : l->ldr; /* x2APIC: cluster 0, bit 0 */
	case REG_DFR: return l->dfr;
	case REG_SVR: return l->svr;
	case REG_ESR: return l->esr;
	case REG_ICR: return l->icr_low; /* delivery is instant: the status bit reads idle */
	case REG_ICR_HIGH: return l->icr_high;
	case REG_TIMER_INITIAL: return l->timer_initial;
	case REG_TIMER_CURRENT: return timer_current(l, now);
	case REG_TIMER_DIVIDE: return l->timer_divide_reg;
	default:
		if (off >= REG_LVT_TIMER && off <= REG_LVT_ERROR) {
			u32 i = (off - REG_LVT_TIMER) >> 4;
			return i == LVT_PMC ? vpmu_lvtpc_read(&v->pmu) : l->lvt[i];
		}
		return 0; /* APR, RRD, reserved: read as 0 */
	}
}

static void write_lvt(struct vcpu *v, u32 i, u32 val)
{
	struct vlapic *l = lapic_of(v);
	if (!(l->svr & SVR_ENABLED))
		val |= LVT_MASK; /* a software-disabled APIC keeps every LVT masked */
	if (i == LVT_PMC)
		vpmu_lvtpc_write(&v->pmu, val);
	else if (i == LVT_TIMER)
		write_lvt_timer(l, val & lvt_writable[i]);
	else
		l->lvt[i] = val & lvt_writable[i];
}

static void write_svr(struct vcpu *v, u32 val)
{
	struct vlapic *l = lapic_of(v);
	l->svr = val & 0x3FF;
	if (val & SVR_ENABLED)
		return;
	for (u32 i = 0; i < LVT_COUNT; i++) /* software disable masks every LVT */
		write_lvt(v, i, read_reg(v, REG_LVT_TIMER + (i << 4), 0));
}

static void write_reg(struct vcpu *v, u32 off, u32 val, u64 now)
{
	struct vlapic *l = lapic_of(v);
	switch (off) {
	case REG_TPR: l->tpr = val & 0xFF; break;
	case REG_EOI: eoi(l); break;
	case REG_LDR: l->ldr = val & 0xFF000000; break;
	case REG_DFR: l->dfr = val | 0x0FFFFFFF; break;
	case REG_SVR: write_svr(v, val); break;
	case REG_ESR:
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case REG_ICR:
		l->icr_low = val & ~BIT(12);
		send_ipi(l, val, l->icr_high >> 24, false);
		break;
	case REG_ICR_HIGH: l->icr_high = val & 0xFF000000; break;
	case REG_TIMER_INITIAL:
		if (TIMER_MODE(l->lvt[LVT_TIMER]) != TIMER_TSC_DEADLINE) {
			l->timer_initial = val;
			timer_start(l, now);
		}
		break;
	case REG_TIMER_DIVIDE: l->timer_divide_reg = val & 0xB; break;
	case REG_SELF_IPI: vlapic_set_irq(l, (u8)val); break;
	default:
		if (off >= REG_LVT_TIMER && off <= REG_LVT_ERROR)
			write_lvt(v, (off - REG_LVT_TIMER) >> 4, val);
		break; /* read-only and reserved registers ignore writes */
	}
}

/* --- the ways in: MSRs and MMIO --- */

bool vlapic_base_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = v->lapic.apic_base;
	return true;
}

/*
 * Global disable (EN=0) leaves a processor without an APIC: the register
 * file returns to its power-up state (SDM 10.4.3 allows it; the LVTPC
 * included, so no PMI goes in), nothing is delivered, the MMIO page is
 * unbacked memory and the x2APIC MSRs fault (their callers check the mode).
 */
static void global_disable(struct vcpu *v, u64 base)
{
	struct vlapic *l = &v->lapic;
	u64 fired = l->timer_fired;
	vlapic_reset(l, l->tsc_khz);
	l->apic_base = base;
	l->timer_fired = fired;
	vpmu_lvtpc_write(&v->pmu, LVT_MASK);
}

/*
 * Only the mode may change: the base stays put and the BSP bit is read-only.
 * The transitions are the SDM's (10.12.5): xAPIC <-> disabled, xAPIC ->
 * x2APIC, x2APIC -> disabled; EN=0 with EXTD=1, x2APIC -> xAPIC and
 * disabled -> x2APIC are refused (#GP).
 */
bool vlapic_base_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	u64 fixed = VLAPIC_DEFAULT_BASE & ~APIC_BASE_EN, old = v->lapic.apic_base;
	if ((val & ~(APIC_BASE_EN | APIC_BASE_EXTD)) != fixed)
		return false;
	if ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN))
		return false; /* x2APIC without the APIC enabled is an invalid state */
	if (x2apic_enabled(&v->lapic) && (val & APIC_BASE_EN) && !(val & APIC_BASE_EXTD))
		return false; /* x2APIC -> xAPIC directly */
	if (!(old & APIC_BASE_EN) && (val & APIC_BASE_EXTD))
		return false; /* disabled -> x2APIC directly */
	if ((old & APIC_BASE_EN) && !(val & APIC_BASE_EN))
		global_disable(v, val);
	v->lapic.apic_base = val;
	return true;
}

bool vlapic_x2apic_read(struct vcpu *v, u32 msr, u64 *val)
{
	u32 i = msr - 0x800;
	if (!x2apic_enabled(&v->lapic) || i >= ARRAY_SIZE(x2apic_access) ||
	    !(x2apic_access[i] & X_RD))
		return false;
	u64 now = rdtsc();
	*val = read_reg(v, i << 4, now);
	if (i << 4 == REG_ICR)
		*val |= (u64)v->lapic.icr_high << 32;
	return true;
}

bool vlapic_x2apic_write(struct vcpu *v, u32 msr, u64 val)
{
	u32 i = msr - 0x800, off = i << 4;
	if (!x2apic_enabled(&v->lapic) || i >= ARRAY_SIZE(x2apic_access) ||
	    !(x2apic_access[i] & X_WR))
		return false;
	if (off == REG_ICR) { /* one 64-bit register: destination in the high half */
		v->lapic.icr_high = (u32)(val >> 32);
		v->lapic.icr_low = (u32)val & ~BIT(12);
		send_ipi(&v->lapic, (u32)val, (u32)(val >> 32), true);
		return true;
	}
	if (val >> 32 || ((off == REG_EOI || off == REG_ESR) && val))
		return false; /* reserved bits, and EOI/ESR take only 0 in x2APIC mode */
	if (off == REG_SELF_IPI && val > 0xFF)
		return false;
	write_reg(v, off, (u32)val, rdtsc());
	return true;
}

bool vlapic_tsc_deadline_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = v->lapic.tsc_deadline;
	return true;
}

/*
 * The host TSC at which the guest's TSC reaches its deadline; one already
 * passed is due now. Compared in the guest's time, so no offset can wrap it.
 */
static void arm_tsc_deadline(struct vcpu *v, u64 host_now)
{
	struct vlapic *l = &v->lapic;
	u64 guest_now = host_now + v->tsc.offset;
	if (!l->tsc_deadline)
		l->timer_deadline = 0;
	else if (l->tsc_deadline <= guest_now)
		l->timer_deadline = host_now ? host_now : 1; /* 0 would mean "not armed" */
	else
		l->timer_deadline = host_now + (l->tsc_deadline - guest_now);
}

/* Ignored unless the timer is in TSC-deadline mode; 0 disarms. */
bool vlapic_tsc_deadline_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	struct vlapic *l = &v->lapic;
	if (TIMER_MODE(l->lvt[LVT_TIMER]) != TIMER_TSC_DEADLINE)
		return true;
	l->tsc_deadline = val;
	arm_tsc_deadline(v, rdtsc());
	return true;
}

void vlapic_tsc_moved(struct vcpu *v, u64 host_now)
{
	if (TIMER_MODE(v->lapic.lvt[LVT_TIMER]) == TIMER_TSC_DEADLINE)
		arm_tsc_deadline(v, host_now);
}

u32 vlapic_mmio_read(struct vcpu *v, u32 offset) { return read_reg(v, offset & 0xFF0, rdtsc()); }

void vlapic_mmio_write(struct vcpu *v, u32 offset, u32 val)
{
	write_reg(v, offset & 0xFF0, val, rdtsc());
}
