/* fakes: tests/host/fake_pmu_hw.c tests/host/fake_log.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/sched.h"
#include "core/vcpu.h"

#define SLICE 1000
static struct sched s;
static struct vcpu v[4];

static struct page_mark mark(u64 at) { return (struct page_mark){ 0, at }; }

/* n running vCPUs, started in order, the first one on the CPU. */
static void start(u32 n)
{
	sched_init(&s, SLICE);
	for (u32 i = 0; i < n; i++) {
		v[i] = (struct vcpu){ 0 };
		vlapic_reset(&v[i].lapic, 1000);
		assert_int_equal(sched_add(&s, &v[i], mark(0x1000 * (i + 1))), 0);
	}
	s.current = &v[0];
}

static void round_robin_after_the_current_one(void **state)
{
	(void)state;
	start(3);
	assert_ptr_equal(sched_pick(&s, 0), &v[1]);
	s.current = &v[1];
	assert_ptr_equal(sched_pick(&s, 0), &v[2]);
	s.current = &v[2];
	assert_ptr_equal(sched_pick(&s, 0), &v[0]);
	s.current = NULL; /* the last one ended: the first in start order */
	assert_ptr_equal(sched_pick(&s, 0), &v[0]);
}

static void the_current_one_keeps_the_cpu_when_no_other_wants_it(void **state)
{
	(void)state;
	start(3);
	v[1].halted = true;
	v[2].stopped = true;
	assert_ptr_equal(sched_pick(&s, 0), &v[0]);
	v[0].halted = true;
	assert_null(sched_pick(&s, 0));
}

static void a_halted_vcpu_wants_the_cpu_once_its_interrupt_is_due(void **state)
{
	(void)state;
	start(2);
	v[1].halted = true;
	v[1].lapic.timer_deadline = 500;
	assert_false(sched_wants_cpu(&v[1], 499));
	assert_true(sched_wants_cpu(&v[1], 500));
	v[1].lapic.timer_deadline = 0;
	assert_false(sched_wants_cpu(&v[1], 1000));
	v[1].pmu.pmi_pending = true; /* a PMI kept for it while another guest ran */
	assert_true(sched_wants_cpu(&v[1], 1000));
	v[1].pmu.pmi_pending = false;
	v[1].lapic.nmi_pending = true; /* an NMI through the LAPIC (ICR, LINT) */
	assert_true(sched_wants_cpu(&v[1], 1000));
	v[1].lapic.nmi_pending = false;
	v[1].events.pending = true; /* an NMI or exception queued for the next entry */
	assert_true(sched_wants_cpu(&v[1], 1000));
	v[1].events.pending = false;
	vlapic_set_irq(&v[1].lapic, 0x40);
	assert_true(sched_wants_cpu(&v[1], 1000));
	assert_ptr_equal(sched_pick(&s, 1000), &v[1]);
}

static void a_slice_ends_only_while_another_vcpu_is_live(void **state)
{
	(void)state;
	start(2);
	assert_int_equal(sched_slice_end(&s, 100), 100 + SLICE);
	struct page_mark m;
	assert_true(sched_retire(&s, &v[1], &m));
	assert_int_equal(sched_slice_end(&s, 100), SCHED_ALONE);
}

static void the_idle_sleep_waits_for_the_first_timer(void **state)
{
	(void)state;
	start(3);
	v[0].lapic.timer_deadline = 900;
	v[1].lapic.timer_deadline = 300;
	v[2].lapic.timer_deadline = 0;
	assert_ptr_equal(sched_next_wakeup(&s), &v[1]);
	struct page_mark m;
	sched_retire(&s, &v[1], &m);
	assert_ptr_equal(sched_next_wakeup(&s), &v[0]);
}

/* The allocator is a stack: a guest's pages go back once every later guest has ended too. */
static void pages_go_back_when_no_later_guest_lives(void **state)
{
	(void)state;
	start(3);
	struct page_mark m = mark(0);
	assert_false(sched_retire(&s, &v[1], &m));
	assert_int_equal(sched_live(&s), 2);
	assert_ptr_equal(sched_pick(&s, 0), &v[2]); /* an ended slot is never picked */
	assert_true(sched_retire(&s, &v[2], &m));
	assert_int_equal(m.next, 0x2000); /* v[1]'s and v[2]'s pages, at once */
	assert_int_equal(s.nr, 1);
	assert_true(sched_retire(&s, &v[0], &m));
	assert_int_equal(m.next, 0x1000);
	assert_int_equal(sched_live(&s), 0);
	assert_null(s.current);
	assert_false(sched_retire(&s, &v[0], &m)); /* twice is a no-op */
}

static void a_cpu_takes_at_most_its_slots(void **state)
{
	(void)state;
	sched_init(&s, SLICE);
	static struct vcpu many[SCHED_MAX_VCPUS + 1];
	for (u32 i = 0; i < SCHED_MAX_VCPUS; i++)
		assert_int_equal(sched_add(&s, &many[i], mark(i)), 0);
	assert_int_equal(sched_add(&s, &many[SCHED_MAX_VCPUS], mark(0)), -1);
	assert_int_equal(sched_live(&s), SCHED_MAX_VCPUS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_robin_after_the_current_one),
		cmocka_unit_test(the_current_one_keeps_the_cpu_when_no_other_wants_it),
		cmocka_unit_test(a_halted_vcpu_wants_the_cpu_once_its_interrupt_is_due),
		cmocka_unit_test(a_slice_ends_only_while_another_vcpu_is_live),
		cmocka_unit_test(the_idle_sleep_waits_for_the_first_timer),
		cmocka_unit_test(pages_go_back_when_no_later_guest_lives),
		cmocka_unit_test(a_cpu_takes_at_most_its_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
