#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/vcpu.h"

/* The vPMU keeps the LVTPC; here it is just the field. */
u32 vpmu_lvtpc_read(const struct vpmu *vp) { return vp->lvtpc; }
void vpmu_lvtpc_write(struct vpmu *vp, u32 val) { vp->lvtpc = val; }

#define TSC_KHZ 1000000 /* a 1 GHz TSC: one TSC tick per APIC bus tick */
#define X2(reg) (0x800 + (reg) / 16)

static struct vcpu v;
static struct vlapic *l = &v.lapic;

static int setup(void **state)
{
	(void)state;
	memset(&v, 0, sizeof(v));
	vlapic_reset(l, TSC_KHZ);
	v.pmu.lvtpc = BIT(16);
	vlapic_mmio_write(&v, 0xF0, 0x1FF); /* software enable */
	return 0;
}

static void to_x2apic(void) { assert_true(vlapic_base_write(&v, 0x1B, VLAPIC_DEFAULT_BASE | BIT(10))); }

static void reset_state(void **state)
{
	(void)state;
	vlapic_reset(l, TSC_KHZ);
	assert_int_equal(vlapic_mmio_read(&v, 0x30), 0x50014);
	assert_int_equal(vlapic_mmio_read(&v, 0xF0), 0xFF);
	assert_int_equal(vlapic_mmio_read(&v, 0xE0), 0xFFFFFFFF);
	for (u32 reg = 0x320; reg <= 0x370; reg += 0x10)
		if (reg != 0x340)
			assert_int_equal(vlapic_mmio_read(&v, reg), BIT(16));
	assert_true(vlapic_xapic_active(l));
	assert_true(vlapic_irr_empty(l));
}

static void tpr_isr_priorities(void **state)
{
	(void)state;
	vlapic_set_irq(l, 0x50);
	vlapic_mmio_write(&v, 0x80, 0x60);
	assert_int_equal(vlapic_pending_vector(l), -1); /* class 5 <= TPR class 6 */
	vlapic_mmio_write(&v, 0x80, 0x50);
	assert_int_equal(vlapic_pending_vector(l), -1); /* equal class is held too */
	vlapic_mmio_write(&v, 0x80, 0);
	assert_int_equal(vlapic_pending_vector(l), 0x50);
	vlapic_ack(l, 0x50);
	assert_true(vlapic_irr_empty(l));
	assert_int_equal(vlapic_mmio_read(&v, 0x100 + 0x20), 1u << (0x50 % 32)); /* ISR word 2 */
	assert_int_equal(vlapic_mmio_read(&v, 0xA0), 0x50); /* PPR = in-service class */
	vlapic_set_irq(l, 0x45);
	assert_int_equal(vlapic_pending_vector(l), -1); /* lower class waits for the EOI */
	vlapic_set_irq(l, 0x61);
	assert_int_equal(vlapic_pending_vector(l), 0x61); /* a higher class nests */
	vlapic_mmio_write(&v, 0xB0, 0);                   /* EOI ends 0x50 */
	assert_int_equal(vlapic_mmio_read(&v, 0x120), 0);
	assert_int_equal(vlapic_pending_vector(l), 0x61);
}

static void illegal_vector_sets_esr(void **state)
{
	(void)state;
	vlapic_mmio_write(&v, 0x370, 0x70); /* error LVT, unmasked */
	vlapic_set_irq(l, 3);
	assert_int_equal(vlapic_mmio_read(&v, 0x280), 0); /* not latched before an ESR write */
	vlapic_mmio_write(&v, 0x280, 0);
	assert_int_equal(vlapic_mmio_read(&v, 0x280), BIT(6));
	assert_int_equal(vlapic_pending_vector(l), 0x70);
	vlapic_mmio_write(&v, 0x300, (1u << 18) | 5); /* self-IPI, vector 5 */
	vlapic_mmio_write(&v, 0x280, 0);
	assert_int_equal(vlapic_mmio_read(&v, 0x280), BIT(5));
}

static void oneshot_timer(void **state)
{
	(void)state;
	vlapic_mmio_write(&v, 0x3E0, 0xB); /* divide by 1 */
	vlapic_mmio_write(&v, 0x320, 0x40);
	vlapic_mmio_write(&v, 0x380, 1000000);
	u64 deadline = l->timer_deadline;
	assert_true(deadline != 0);
	u32 current = vlapic_mmio_read(&v, 0x390);
	assert_true(current > 0 && current <= 1000000);
	vlapic_tick(l, deadline - 1);
	assert_true(vlapic_irr_empty(l));
	vlapic_tick(l, deadline);
	assert_int_equal(vlapic_pending_vector(l), 0x40);
	assert_int_equal(l->timer_deadline, 0);
	vlapic_ack(l, 0x40);
	vlapic_tick(l, deadline + 5000000);
	assert_true(vlapic_irr_empty(l));
	assert_int_equal(vlapic_mmio_read(&v, 0x390), 0);
}

static void divide_configuration(void **state)
{
	(void)state;
	static const struct { u32 reg, divide; } cases[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 }, { 0x8, 32 }, { 0x9, 64 },
		{ 0xA, 128 }, { 0xB, 1 },
	};
	vlapic_mmio_write(&v, 0x320, 0x40);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		vlapic_mmio_write(&v, 0x3E0, cases[i].reg);
		vlapic_mmio_write(&v, 0x380, 1000);
		u64 armed = rdtsc();
		u64 period = l->timer_period;
		assert_int_equal(period, 1000 * cases[i].divide);
		assert_true(l->timer_deadline <= armed + period);
	}
}

static void periodic_timer_skips_missed_periods(void **state)
{
	(void)state;
	vlapic_mmio_write(&v, 0x3E0, 0xB);
	vlapic_mmio_write(&v, 0x320, 0x40 | (1u << 17));
	vlapic_mmio_write(&v, 0x380, 1000);
	u64 first = l->timer_deadline;
	vlapic_tick(l, first + 2500); /* 2.5 periods late: one interrupt, next on the grid */
	assert_int_equal(vlapic_pending_vector(l), 0x40);
	assert_int_equal(l->timer_deadline, first + 3000);
	assert_int_equal(l->timer_fired, 1);
	vlapic_mmio_write(&v, 0x320, 0x40 | (1u << 17) | BIT(16)); /* masked: counts, no vector */
	vlapic_ack(l, 0x40);
	vlapic_tick(l, first + 3000);
	assert_true(vlapic_irr_empty(l));
	assert_int_equal(l->timer_fired, 2);
}

static void tsc_deadline_timer(void **state)
{
	(void)state;
	assert_true(vlapic_tsc_deadline_write(&v, MSR_TSC_DEADLINE, 12345));
	assert_int_equal(l->timer_deadline, 0); /* ignored outside TSC-deadline mode */
	vlapic_mmio_write(&v, 0x320, 0x41 | (2u << 17));
	v.tsc.offset = 0; /* the guest's TSC is the host's */
	u64 deadline = rdtsc() + (1ULL << 40);
	assert_true(vlapic_tsc_deadline_write(&v, MSR_TSC_DEADLINE, deadline));
	u64 val;
	assert_true(vlapic_tsc_deadline_read(&v, MSR_TSC_DEADLINE, &val));
	assert_int_equal(val, deadline);
	assert_int_equal(l->timer_deadline, deadline);
	vlapic_mmio_write(&v, 0x380, 77); /* the initial count is ignored in this mode */
	assert_int_equal(vlapic_mmio_read(&v, 0x380), 0);
	vlapic_tick(l, deadline - 1);
	assert_true(vlapic_irr_empty(l));
	vlapic_tick(l, deadline);
	assert_int_equal(vlapic_pending_vector(l), 0x41);
	assert_true(vlapic_tsc_deadline_read(&v, MSR_TSC_DEADLINE, &val));
	assert_int_equal(val, 0);
	assert_true(vlapic_tsc_deadline_write(&v, MSR_TSC_DEADLINE, deadline));
	vlapic_mmio_write(&v, 0x320, 0x41); /* leaving the mode disarms */
	assert_int_equal(l->timer_deadline, 0);
}

/* The deadline is a guest TSC value: the host timer fires when the guest's TSC reaches it. */
static void tsc_deadline_in_guest_time(void **state)
{
	(void)state;
	vlapic_mmio_write(&v, 0x320, 0x41 | (2u << 17));
	v.tsc.offset = -rdtsc(); /* the guest's TSC started at 0 just now */
	assert_true(vlapic_tsc_deadline_write(&v, MSR_TSC_DEADLINE, 1ULL << 40));
	assert_int_equal(l->timer_deadline, (1ULL << 40) - v.tsc.offset);
	/* The guest moves its TSC forward by 2^39: the deadline comes 2^39 host ticks sooner. */
	u64 now = rdtsc();
	v.tsc.offset += 1ULL << 39;
	vlapic_tsc_moved(&v, now);
	assert_int_equal(l->timer_deadline, (1ULL << 40) - v.tsc.offset);
	/* Past the deadline: due at once, whatever the offset (no wrap-around to the far future). */
	v.tsc.offset = (1ULL << 41) - now;
	vlapic_tsc_moved(&v, now);
	assert_int_equal(l->timer_deadline, now);
	vlapic_tick(l, now);
	assert_int_equal(vlapic_pending_vector(l), 0x41);
	/* A deadline already passed when written fires at once too. */
	vlapic_ack(l, 0x41);
	assert_true(vlapic_tsc_deadline_write(&v, MSR_TSC_DEADLINE, 5));
	assert_true(l->timer_deadline != 0 && l->timer_deadline <= rdtsc());
}

static void software_disable_masks_lvts(void **state)
{
	(void)state;
	vlapic_mmio_write(&v, 0x340, 0x20);
	vlapic_mmio_write(&v, 0x350, 0x21);
	assert_int_equal(v.pmu.lvtpc, 0x20);
	vlapic_mmio_write(&v, 0xF0, 0xFF); /* software disable */
	assert_int_equal(v.pmu.lvtpc, 0x20 | BIT(16));
	assert_int_equal(vlapic_mmio_read(&v, 0x350), 0x21 | BIT(16));
	vlapic_mmio_write(&v, 0x350, 0x22);
	assert_int_equal(vlapic_mmio_read(&v, 0x350), 0x22 | BIT(16)); /* stays masked */
}

static void x2apic_access_rules(void **state)
{
	(void)state;
	u64 val;
	assert_false(vlapic_x2apic_read(&v, X2(0x30), &val)); /* xAPIC mode: no MSRs */
	to_x2apic();
	assert_false(vlapic_xapic_active(l));
	assert_true(vlapic_x2apic_read(&v, X2(0x30), &val));
	assert_int_equal(val, 0x50014);
	assert_true(vlapic_x2apic_read(&v, X2(0xD0), &val));
	assert_int_equal(val, 1); /* LDR: cluster 0, bit 0 */
	assert_false(vlapic_x2apic_read(&v, X2(0xB0), &val)); /* EOI is write-only */
	assert_false(vlapic_x2apic_read(&v, X2(0xE0), &val)); /* no DFR */
	assert_false(vlapic_x2apic_read(&v, 0x831, &val));    /* no ICR high half */
	assert_false(vlapic_x2apic_write(&v, X2(0x20), 1));   /* ID is read-only */
	assert_false(vlapic_x2apic_write(&v, X2(0xB0), 1));   /* EOI takes 0 only */
	assert_false(vlapic_x2apic_write(&v, X2(0x80), BIT(32))); /* reserved high half */
	assert_false(vlapic_x2apic_write(&v, X2(0x3F0), 0x100));
	assert_true(vlapic_x2apic_write(&v, X2(0x3F0), 0x33)); /* SELF_IPI */
	assert_int_equal(vlapic_pending_vector(l), 0x33);
	vlapic_ack(l, 0x33);
	assert_true(vlapic_x2apic_write(&v, X2(0xB0), 0));
	assert_true(vlapic_x2apic_write(&v, X2(0x300), 0x34)); /* ICR to APIC ID 0 */
	assert_int_equal(vlapic_pending_vector(l), 0x34);
	vlapic_ack(l, 0x34);
	assert_true(vlapic_x2apic_write(&v, X2(0x300), (5ULL << 32) | 0x35)); /* another CPU */
	assert_true(vlapic_irr_empty(l));
	assert_true(vlapic_x2apic_read(&v, X2(0x300), &val));
	assert_int_equal(val, (5ULL << 32) | 0x35);
}

static void apic_base_transitions(void **state)
{
	(void)state;
	const u64 xapic = VLAPIC_DEFAULT_BASE, x2 = xapic | BIT(10), off = xapic & ~BIT(11);
	assert_false(vlapic_base_write(&v, 0x1B, xapic + 0x1000)); /* the base does not move */
	assert_false(vlapic_base_write(&v, 0x1B, off | BIT(10)));  /* x2APIC while disabled */
	assert_true(vlapic_base_write(&v, 0x1B, x2));
	assert_false(vlapic_base_write(&v, 0x1B, xapic)); /* x2APIC -> xAPIC directly */
	vlapic_set_irq(l, 0x40);
	assert_int_equal(vlapic_pending_vector(l), 0x40);
	assert_true(vlapic_base_write(&v, 0x1B, off));
	assert_int_equal(vlapic_pending_vector(l), -1); /* a disabled APIC delivers nothing */
	assert_true(vlapic_base_write(&v, 0x1B, xapic));
}

/* Whether an ICR write reaches this, the only vCPU, and as what (SDM 10.6.1, 10.6.2). */
static void icr_destinations_and_delivery_modes(void **state)
{
	(void)state;
	static const struct { u32 dest, icr; bool vector, nmi; } cases[] = {
		{ 0x00, 0x41, true, false },                 /* physical, APIC ID 0, fixed */
		{ 0x01, 0x41, false, false },                /* physical, another APIC */
		{ 0xFF, 0x41, true, false },                 /* physical broadcast */
		{ 0x00, 0x41 | (1u << 18), true, false },    /* self */
		{ 0x07, 0x41 | (2u << 18), true, false },    /* all including self */
		{ 0x00, 0x41 | (3u << 18), false, false },   /* all excluding self: nobody */
		{ 0x00, 0x41 | (1u << 8), true, false },     /* lowest priority: the only one */
		{ 0x00, 0x41 | (4u << 8), false, true },     /* NMI, vector ignored */
		{ 0x01, 0x41 | (4u << 8), false, false },    /* NMI to another APIC */
		{ 0x00, 0x41 | (4u << 8) | (1u << 18), false, true }, /* self-NMI by shorthand */
		{ 0x00, 0x41 | (2u << 8), false, false },    /* SMI: no SMM */
		{ 0x00, 0x41 | (5u << 8), false, false },    /* INIT: not modelled */
		{ 0x00, 0x41 | (6u << 8), false, false },    /* start-up: only a waiting CPU */
		{ 0x01, 0x41 | BIT(11), true, false },       /* logical, flat: LDR bit 0 */
		{ 0x02, 0x41 | BIT(11), false, false },      /* logical, flat: another bit */
	};
	vlapic_mmio_write(&v, 0xD0, 0x01000000); /* LDR: logical ID bit 0 */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		vlapic_mmio_write(&v, 0x310, cases[i].dest << 24);
		vlapic_mmio_write(&v, 0x300, cases[i].icr);
		assert_int_equal(vlapic_pending_vector(l), cases[i].vector ? 0x41 : -1);
		assert_int_equal(l->nmi_pending, cases[i].nmi);
		if (cases[i].vector)
			vlapic_ack(l, 0x41), vlapic_mmio_write(&v, 0xB0, 0);
		l->nmi_pending = false;
	}
	vlapic_mmio_write(&v, 0xE0, 0x0FFFFFFF); /* cluster model */
	vlapic_mmio_write(&v, 0xD0, 0x21000000); /* cluster 2, member bit 0 */
	vlapic_mmio_write(&v, 0x310, 0x21000000);
	vlapic_mmio_write(&v, 0x300, 0x42 | BIT(11));
	assert_int_equal(vlapic_pending_vector(l), 0x42);
	vlapic_ack(l, 0x42);
	vlapic_mmio_write(&v, 0xB0, 0);
	vlapic_mmio_write(&v, 0x310, 0x11000000); /* another cluster */
	vlapic_mmio_write(&v, 0x300, 0x42 | BIT(11));
	assert_int_equal(vlapic_pending_vector(l), -1);
	to_x2apic(); /* logical: cluster 0, bit 0 */
	assert_true(vlapic_x2apic_write(&v, X2(0x300), (1ULL << 32) | BIT(11) | 0x43));
	assert_int_equal(vlapic_pending_vector(l), 0x43);
	vlapic_ack(l, 0x43);
	assert_true(vlapic_x2apic_write(&v, X2(0x300), (0x10001ULL << 32) | BIT(11) | 0x44));
	assert_int_equal(vlapic_pending_vector(l), -1);
	assert_true(vlapic_x2apic_write(&v, X2(0x300), (4u << 8)));
	assert_true(l->nmi_pending);
}

/* Global disable returns the APIC to its power-up state; it comes back so. */
static void global_disable_resets_the_apic(void **state)
{
	(void)state;
	const u64 xapic = VLAPIC_DEFAULT_BASE, off = xapic & ~BIT(11);
	vlapic_mmio_write(&v, 0x80, 0x20);              /* TPR */
	vlapic_mmio_write(&v, 0x340, 0x55);             /* LVTPC, unmasked */
	vlapic_mmio_write(&v, 0x320, 0x60);             /* timer, unmasked */
	vlapic_mmio_write(&v, 0x380, 1000);
	vlapic_set_irq(l, 0x70);
	vlapic_set_irq(l, 0x71);
	vlapic_ack(l, 0x71);
	assert_true(vlapic_base_write(&v, 0x1B, off));
	assert_false(vlapic_hw_enabled(l));
	assert_false(vlapic_xapic_active(l)); /* the MMIO page is no APIC now */
	assert_int_equal(v.pmu.lvtpc, BIT(16)); /* no PMI goes in while it is disabled */
	assert_true(vlapic_irr_empty(l));
	assert_int_equal(l->timer_deadline, 0);
	assert_false(vlapic_base_write(&v, 0x1B, xapic | BIT(10))); /* disabled -> x2APIC */
	assert_true(vlapic_base_write(&v, 0x1B, xapic));
	assert_int_equal(vlapic_mmio_read(&v, 0x80), 0);
	assert_int_equal(vlapic_mmio_read(&v, 0xF0), 0xFF);
	assert_int_equal(vlapic_mmio_read(&v, 0x340), BIT(16)); /* the LVTPC too */
	assert_int_equal(vlapic_mmio_read(&v, 0x320), BIT(16));
	assert_int_equal(l->timer_deadline, 0);
	assert_true(vlapic_irr_empty(l));
	assert_int_equal(vlapic_mmio_read(&v, 0x100 + 0x30), 0); /* ISR */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(reset_state, setup),
		cmocka_unit_test_setup(tpr_isr_priorities, setup),
		cmocka_unit_test_setup(illegal_vector_sets_esr, setup),
		cmocka_unit_test_setup(oneshot_timer, setup),
		cmocka_unit_test_setup(divide_configuration, setup),
		cmocka_unit_test_setup(periodic_timer_skips_missed_periods, setup),
		cmocka_unit_test_setup(tsc_deadline_timer, setup),
		cmocka_unit_test_setup(tsc_deadline_in_guest_time, setup),
		cmocka_unit_test_setup(software_disable_masks_lvts, setup),
		cmocka_unit_test_setup(x2apic_access_rules, setup),
		cmocka_unit_test_setup(apic_base_transitions, setup),
		cmocka_unit_test_setup(icr_destinations_and_delivery_modes, setup),
		cmocka_unit_test_setup(global_disable_resets_the_apic, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
