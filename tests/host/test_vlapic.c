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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
