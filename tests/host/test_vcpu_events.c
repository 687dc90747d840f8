/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c tests/pmu_model/model_cpus.c tests/pmu_model/model_host.c tests/host/fake_log.c */
/*
 * The vCPU's event queue (core/event_queue.c) on a fake backend: one event
 * per entry, in the architecture's priorities (an event the exit cut short,
 * then an emulated instruction's exception, then an NMI, then an external
 * interrupt), each blocked one waiting for its window and none lost; NMIs
 * held while the guest is in its NMI handler or an STI/MOV SS shadow; the
 * single-step #DB after an emulated instruction; NMIs from the ICR and from
 * an NMI-mode LVTPC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/vcpu_events.h"
#include "pmu/pmu_hw.h"
#include "pmu/pmu_profiles.h"
#include "tests/pmu_model/model_host.h"
#include "tests/pmu_model/pmu_model.h"

#define MAX_INJECTED 16

/* The fake backend: what blocks events, and what was written for the next entries. */
static struct {
	u32 blocking, windows, blocking_calls;
	u64 rip, rflags, cr0;
	struct vcpu_event injected[MAX_INJECTED];
	int n;
} fake;

static u32 fake_blocking(struct vcpu *v) { (void)v; fake.blocking_calls++; return fake.blocking; }
static void fake_inject(struct vcpu *v, const struct vcpu_event *ev)
{
	(void)v;
	assert_true(fake.n < MAX_INJECTED);
	fake.injected[fake.n++] = *ev;
}
static void fake_windows(struct vcpu *v, u32 want) { (void)v; fake.windows = want; }
static u64 fake_get_reg(struct vcpu *v, enum vcpu_reg r)
{
	(void)v;
	switch (r) {
	case VREG_RIP: return fake.rip;
	case VREG_RFLAGS: return fake.rflags;
	case VREG_CR0: return fake.cr0;
	default: return 0;
	}
}
static u64 fake_complete_instruction(struct vcpu *v, u64 next_rip)
{
	(void)v;
	fake.rip = next_rip;
	return fake.rflags;
}

static const struct vcpu_ops fake_ops = {
	.name = "fake", .get_reg = fake_get_reg, .complete_instruction = fake_complete_instruction,
	.blocking = fake_blocking, .inject = fake_inject, .event_windows = fake_windows,
};
const struct vcpu_ops *vcpu_ops = &fake_ops;

static struct vm vm = { .name = "test" };
static struct vcpu v;
static struct vpmu_desc desc;

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.rflags = RFLAGS_IF;
	fake.cr0 = CR0_PE;
	memset(&v, 0, sizeof(v));
	v.vm = &vm;
	vlapic_reset(&v.lapic, 1000000);
	vlapic_mmio_write(&v, 0xF0, 0x1FF); /* software enable */
	return 0;
}

/* One pass before an entry (what run_guest does), at time 1. */
static void entry(void) { vcpu_deliver_events(&v, 1); }

static void assert_injected(int i, u8 type, u8 vector)
{
	assert_true(i < fake.n);
	assert_int_equal(fake.injected[i].type, type);
	assert_int_equal(fake.injected[i].vector, vector);
}

static void nothing_pending_costs_one_test(void **state)
{
	(void)state;
	entry();
	assert_int_equal(fake.blocking_calls, 0); /* the slow path never ran */
	assert_int_equal(fake.n, 0);
	assert_false(v.events.pending);
}

/*
 * The exit hot path re-enters only while nothing needs a look: each event
 * source, halted, stopped, the host timer due or fired (0), and a guest
 * timer moved before the armed host timer each break out.
 */
static void hot_path_leaves_for_each_thing_that_needs_a_look(void **state)
{
	(void)state;
	const u64 now = 1000, fires = 2000;
	this_pcpu()->host_timer_fires = fires;
	assert_false(vcpu_needs_attention(&v, now));
	v.lapic.timer_deadline = fires; /* armed for it: due when the host timer is */
	assert_false(vcpu_needs_attention(&v, now));
	assert_true(vcpu_needs_attention(&v, fires));
	v.lapic.timer_deadline = fires - 1; /* moved before it: re-arm */
	assert_true(vcpu_needs_attention(&v, now));
	v.lapic.timer_deadline = 0;
	this_pcpu()->host_timer_fires = 0; /* it fired */
	assert_true(vcpu_needs_attention(&v, now));
	this_pcpu()->host_timer_fires = fires;

	bool *flags[] = { &v.stopped, &v.halted, &v.events.pending, &v.pmu.pmi_pending };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		*flags[i] = true;
		assert_true(vcpu_needs_attention(&v, now));
		*flags[i] = false;
	}
	vlapic_set_irq(&v.lapic, 0x40);
	assert_true(vcpu_needs_attention(&v, now));
	vlapic_ack(&v.lapic, 0x40);
	v.lapic.nmi_pending = true;
	assert_true(vcpu_needs_attention(&v, now));
	v.lapic.nmi_pending = false;
	assert_false(vcpu_needs_attention(&v, now));
}

static void redelivered_event_goes_first_and_the_nmi_waits(void **state)
{
	(void)state;
	vlapic_set_irq(&v.lapic, 0x40);
	vlapic_ack(&v.lapic, 0x40); /* it was being delivered when the exit came */
	vcpu_event_redeliver(&v, &(struct vcpu_event){ .type = EVENT_EXTINT, .vector = 0x40 });
	vcpu_raise_nmi(&v);
	entry();
	assert_int_equal(fake.n, 1);
	assert_injected(0, EVENT_EXTINT, 0x40); /* not overwritten by the NMI */
	assert_int_equal(fake.windows, WINDOW_NMI);
	entry(); /* the NMI window exit */
	assert_int_equal(fake.n, 2);
	assert_injected(1, EVENT_NMI, VEC_NMI);
	assert_int_equal(fake.windows, 0);
	assert_false(v.events.pending);
}

static void redelivery_ignores_blocking(void **state)
{
	(void)state;
	fake.blocking = BLOCK_NMI | BLOCK_IF;
	vcpu_event_redeliver(&v, &(struct vcpu_event){ .type = EVENT_NMI, .vector = VEC_NMI });
	entry(); /* the NMI the exit cut short still goes in: the CPU had started it */
	assert_int_equal(fake.n, 1);
	assert_injected(0, EVENT_NMI, VEC_NMI);
}

static void nmi_held_in_the_nmi_handler_until_iret(void **state)
{
	(void)state;
	vcpu_raise_nmi(&v);
	entry();
	assert_injected(0, EVENT_NMI, VEC_NMI);
	fake.blocking = BLOCK_NMI; /* the guest runs its NMI handler */
	vcpu_raise_nmi(&v);        /* a second one arrives there */
	entry();
	assert_int_equal(fake.n, 1); /* held, */
	assert_int_equal(fake.windows, WINDOW_NMI);
	vcpu_raise_nmi(&v); /* a third merges with it: the CPU latches one */
	assert_int_equal(v.events.nmis_merged, 1);
	entry();
	assert_int_equal(fake.n, 1);
	fake.blocking = 0; /* the handler's IRET */
	entry();
	assert_int_equal(fake.n, 2); /* not lost */
	assert_injected(1, EVENT_NMI, VEC_NMI);
	entry();
	assert_int_equal(fake.n, 2);
	assert_int_equal(v.events.nmis_injected, 2);
}

static void shadows_hold_nmis_and_interrupts(void **state)
{
	(void)state;
	static const u32 shadows[] = { BLOCK_STI, BLOCK_MOV_SS };
	for (size_t i = 0; i < ARRAY_SIZE(shadows); i++) {
		setup(NULL);
		fake.blocking = shadows[i];
		vcpu_raise_nmi(&v);
		vlapic_set_irq(&v.lapic, 0x50);
		entry();
		assert_int_equal(fake.n, 0); /* an injection now would fail the VM entry on VT-x */
		assert_int_equal(fake.windows, WINDOW_NMI | WINDOW_IRQ);
		fake.blocking = 0;
		entry();
		assert_injected(0, EVENT_NMI, VEC_NMI);
		assert_int_equal(fake.windows, WINDOW_IRQ);
		entry();
		assert_injected(1, EVENT_EXTINT, 0x50);
		assert_int_equal(fake.windows, 0);
	}
}

static void exception_then_nmi_then_interrupt(void **state)
{
	(void)state;
	vlapic_set_irq(&v.lapic, 0x60);
	vcpu_raise_nmi(&v);
	vcpu_raise_exception(&v, VEC_GP, true, 0);
	entry();
	assert_int_equal(fake.n, 1);
	assert_injected(0, EVENT_EXCEPTION, VEC_GP);
	assert_true(fake.injected[0].has_error);
	assert_int_equal(fake.windows, WINDOW_NMI | WINDOW_IRQ);
	entry();
	assert_injected(1, EVENT_NMI, VEC_NMI);
	entry();
	assert_injected(2, EVENT_EXTINT, 0x60);
	assert_int_equal(fake.n, 3);
}

static void interrupt_waits_for_rflags_if(void **state)
{
	(void)state;
	fake.blocking = BLOCK_IF;
	vlapic_set_irq(&v.lapic, 0x70);
	entry();
	assert_int_equal(fake.n, 0);
	assert_int_equal(fake.windows, WINDOW_IRQ);
	assert_int_equal(vlapic_pending_vector(&v.lapic), 0x70); /* still in the IRR */
	fake.blocking = 0;
	entry();
	assert_injected(0, EVENT_EXTINT, 0x70);
	assert_int_equal(vlapic_mmio_read(&v, 0x100 + 0x30), 1u << (0x70 % 32)); /* in service */
}

static void single_step_after_an_emulated_instruction(void **state)
{
	(void)state;
	fake.rflags = RFLAGS_IF | RFLAGS_TF;
	vcpu_complete_instruction(&v, 0x1002);
	vlapic_set_irq(&v.lapic, 0x80);
	vcpu_raise_nmi(&v);
	entry();
	assert_injected(0, EVENT_EXCEPTION, VEC_DB); /* a trap on the instruction before NMIs */
	assert_int_equal(fake.injected[0].dr6, DR6_BS);
	assert_false(fake.injected[0].has_error);
	entry();
	assert_injected(1, EVENT_NMI, VEC_NMI);
}

static void no_trap_without_tf(void **state)
{
	(void)state;
	vcpu_complete_instruction(&v, 0x2000);
	assert_false(v.events.pending);
	entry();
	assert_int_equal(fake.n, 0);
}

static void a_fault_keeps_the_first_exception(void **state)
{
	(void)state;
	vcpu_raise_exception(&v, VEC_GP, true, 0);
	vcpu_raise_exception(&v, VEC_UD, false, 0);
	entry();
	entry();
	assert_int_equal(fake.n, 1);
	assert_injected(0, EVENT_EXCEPTION, VEC_GP);
}

/* Real mode pushes no error code: a #GP raised there goes in without one (VT-x insists). */
static void real_mode_exceptions_carry_no_error_code(void **state)
{
	(void)state;
	fake.cr0 = 0;
	vcpu_raise_exception(&v, VEC_GP, true, 0);
	entry();
	assert_injected(0, EVENT_EXCEPTION, VEC_GP);
	assert_false(fake.injected[0].has_error);
}

static void self_nmi_through_the_icr(void **state)
{
	(void)state;
	vlapic_mmio_write(&v, 0x310, 0);          /* destination: APIC ID 0 */
	vlapic_mmio_write(&v, 0x300, 4u << 8);    /* NMI delivery, no shorthand */
	assert_true(vlapic_has_events(&v.lapic));
	entry();
	assert_int_equal(fake.n, 1);
	assert_injected(0, EVENT_NMI, VEC_NMI);
	assert_true(vlapic_irr_empty(&v.lapic)); /* an NMI is no vector in the IRR */
}

static void nmi_ends_hlt_whatever_if_says(void **state)
{
	(void)state;
	fake.blocking = BLOCK_IF;
	v.halted = true;
	vcpu_raise_nmi(&v);
	entry();
	assert_false(v.halted);
	assert_injected(0, EVENT_NMI, VEC_NMI);
}

static void nmi_mode_pmi_goes_through_the_queue(void **state)
{
	(void)state;
	struct guest_config cfg = { .vpmu = VPMU_MEDIATED, .pmu_gp = PMU_ALL_COUNTERS,
				    .pmu_fixed = PMU_ALL_COUNTERS };
	char err[128];
	const struct pmu_caps *host = pmu_profile_caps(PROFILE_INTEL_V4, NULL);
	pmu_model_init(&hw_model, model_cpu_of_profile(PROFILE_INTEL_V4));
	pmu_cpu_init(host);
	assert_int_equal(vpmu_desc_derive(host, &cfg, &desc, err, sizeof(err)), 0);
	vpmu_init(&v.pmu, &desc, NULL);
	vpmu_load(&v.pmu);
	vpmu_lvtpc_write(&v.pmu, 4u << 8); /* NMI delivery, unmasked */
	fake.blocking = BLOCK_NMI;         /* inside the guest's NMI handler */
	vpmu_pmi(&v.pmu);
	entry();
	assert_int_equal(fake.n, 0); /* held, not nested */
	assert_true(v.events.nmi);
	fake.blocking = 0;
	entry();
	assert_injected(0, EVENT_NMI, VEC_NMI);
	vpmu_put(&v.pmu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(nothing_pending_costs_one_test, setup),
		cmocka_unit_test_setup(hot_path_leaves_for_each_thing_that_needs_a_look, setup),
		cmocka_unit_test_setup(real_mode_exceptions_carry_no_error_code, setup),
		cmocka_unit_test_setup(redelivered_event_goes_first_and_the_nmi_waits, setup),
		cmocka_unit_test_setup(redelivery_ignores_blocking, setup),
		cmocka_unit_test_setup(nmi_held_in_the_nmi_handler_until_iret, setup),
		cmocka_unit_test_setup(shadows_hold_nmis_and_interrupts, setup),
		cmocka_unit_test_setup(exception_then_nmi_then_interrupt, setup),
		cmocka_unit_test_setup(interrupt_waits_for_rflags_if, setup),
		cmocka_unit_test_setup(single_step_after_an_emulated_instruction, setup),
		cmocka_unit_test_setup(no_trap_without_tf, setup),
		cmocka_unit_test_setup(a_fault_keeps_the_first_exception, setup),
		cmocka_unit_test_setup(self_nmi_through_the_icr, setup),
		cmocka_unit_test_setup(nmi_ends_hlt_whatever_if_says, setup),
		cmocka_unit_test_setup(nmi_mode_pmi_goes_through_the_queue, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
