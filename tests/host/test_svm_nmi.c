/*
 * AMD-V's NMI blocking as pmuvisor tracks it on the VMCB (svm/svm_nmi.c):
 * an injected NMI masks NMIs and arms the IRET intercept; they unmask once
 * RIP has left the intercepted IRET; a waiting NMI has the IRET
 * single-stepped, with the guest's own TF kept and reported; an event that
 * goes in before the IRET runs arms the intercept again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "svm/svm_nmi.h"

#define IRET_RIP 0x1000
#define AFTER_IRET 0x2000 /* where the IRET returns to */

static struct vmcb vmcb;
static struct svm_nmi n;
static u32 dirty;

static int setup(void **state)
{
	(void)state;
	memset(&vmcb, 0, sizeof(vmcb));
	memset(&n, 0, sizeof(n));
	dirty = 0;
	vmcb.save.rflags = 0x2;
	return 0;
}

static bool iret_intercepted(void) { return vmcb.control.intercept_misc1 & INTERCEPT_IRET; }
static bool db_intercepted(void) { return vmcb.control.intercept_exceptions & BIT(VEC_DB); }

/* An exit with this code, the guest at rip. */
static enum svm_nmi_exit exit_at(u64 code, u64 rip)
{
	vmcb.control.exitcode = code;
	vmcb.save.rip = rip;
	return svm_nmi_exit(&n, &vmcb, &dirty);
}

static void nmi_masks_until_the_iret_ran(void **state)
{
	(void)state;
	svm_nmi_injected(&n, &vmcb, true, &dirty);
	assert_true(n.masked);
	assert_true(iret_intercepted());
	assert_true(dirty & CLEAN_INTERCEPTS);
	assert_int_equal(exit_at(VMEXIT_CPUID, 0x800), SVM_NMI_NOTHING); /* in the handler */
	assert_true(n.masked);
	assert_int_equal(exit_at(VMEXIT_IRET, IRET_RIP), SVM_NMI_WINDOW);
	assert_false(iret_intercepted());
	assert_true(n.masked); /* the IRET has not run yet */
	assert_false(db_intercepted()); /* no NMI waits: no single-step */
	assert_int_equal(exit_at(VMEXIT_INTR, IRET_RIP), SVM_NMI_NOTHING);
	assert_true(n.masked);
	assert_int_equal(exit_at(VMEXIT_CPUID, AFTER_IRET + 8), SVM_NMI_NOTHING);
	assert_false(n.masked);
}

static void waiting_nmi_steps_over_the_iret(void **state)
{
	(void)state;
	svm_nmi_injected(&n, &vmcb, true, &dirty);
	svm_nmi_window(&n, &vmcb, true, &dirty); /* a second NMI waits */
	assert_false(db_intercepted());
	exit_at(VMEXIT_IRET, IRET_RIP);
	assert_true(db_intercepted());
	assert_true(vmcb.save.rflags & RFLAGS_TF);
	assert_false(svm_nmi_guest_rflags(&n, &vmcb) & RFLAGS_TF); /* the guest sees its own */
	vmcb.save.rflags = 0x202; /* what the IRET popped */
	assert_int_equal(exit_at(VMEXIT_EXCP_BASE + VEC_DB, AFTER_IRET), SVM_NMI_WINDOW);
	assert_false(n.masked);
	assert_false(db_intercepted());
	assert_int_equal(svm_nmi_guest_rflags(&n, &vmcb), 0x202);
}

static void guest_single_step_through_the_iret_is_kept(void **state)
{
	(void)state;
	svm_nmi_injected(&n, &vmcb, true, &dirty);
	vmcb.save.rflags = 0x2 | RFLAGS_TF; /* the guest steps through its handler */
	svm_nmi_window(&n, &vmcb, true, &dirty);
	exit_at(VMEXIT_IRET, IRET_RIP);
	assert_true(svm_nmi_guest_rflags(&n, &vmcb) & RFLAGS_TF);
	svm_nmi_set_rflags(&n, &vmcb, 0x2); /* the guest's TF goes, pmuvisor's stays */
	assert_true(vmcb.save.rflags & RFLAGS_TF);
	assert_false(svm_nmi_guest_rflags(&n, &vmcb) & RFLAGS_TF);
	svm_nmi_set_rflags(&n, &vmcb, 0x2 | RFLAGS_TF);
	assert_int_equal(exit_at(VMEXIT_EXCP_BASE + VEC_DB, AFTER_IRET), SVM_NMI_WINDOW_GUEST_DB);
}

static void window_asked_at_the_iret_steps_too(void **state)
{
	(void)state;
	svm_nmi_injected(&n, &vmcb, true, &dirty);
	exit_at(VMEXIT_IRET, IRET_RIP);
	assert_false(db_intercepted());
	svm_nmi_window(&n, &vmcb, true, &dirty); /* an NMI arrived at the IRET's boundary */
	assert_true(db_intercepted());
	assert_true(vmcb.save.rflags & RFLAGS_TF);
}

static void event_before_the_iret_rearms_it(void **state)
{
	(void)state;
	svm_nmi_injected(&n, &vmcb, true, &dirty);
	svm_nmi_window(&n, &vmcb, true, &dirty);
	exit_at(VMEXIT_IRET, IRET_RIP);
	assert_true(vmcb.save.rflags & RFLAGS_TF);
	svm_nmi_injected(&n, &vmcb, false, &dirty); /* an interrupt goes in at the IRET */
	assert_false(vmcb.save.rflags & RFLAGS_TF); /* not pushed with it */
	assert_false(db_intercepted());
	assert_true(iret_intercepted());
	assert_int_equal(exit_at(VMEXIT_CPUID, 0x3000), SVM_NMI_NOTHING); /* its handler runs */
	assert_true(n.masked); /* RIP moved, but the IRET did not run */
	assert_int_equal(exit_at(VMEXIT_IRET, IRET_RIP), SVM_NMI_WINDOW);
	assert_true(db_intercepted());
}

static void other_events_leave_nmis_alone(void **state)
{
	(void)state;
	svm_nmi_injected(&n, &vmcb, false, &dirty);
	assert_false(n.masked);
	assert_false(iret_intercepted());
	assert_int_equal(dirty, 0);
	assert_int_equal(exit_at(VMEXIT_CPUID, 0x10), SVM_NMI_NOTHING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(nmi_masks_until_the_iret_ran, setup),
		cmocka_unit_test_setup(waiting_nmi_steps_over_the_iret, setup),
		cmocka_unit_test_setup(guest_single_step_through_the_iret_is_kept, setup),
		cmocka_unit_test_setup(window_asked_at_the_iret_steps_too, setup),
		cmocka_unit_test_setup(event_before_the_iret_rearms_it, setup),
		cmocka_unit_test_setup(other_events_leave_nmis_alone, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
