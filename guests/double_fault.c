/*
 * A #DF in the guest, on purpose: with the #GP gate marked not present, a #GP
 * (one pmuvisor injects for a denied MSR, and one the CPU raises itself) hits
 * a not-present gate, which raises #NP; two contributory exceptions make a
 * double fault. The guest's #DF handler must see it with error code 0; it
 * puts the gate back, the faulting instruction runs again and its #GP is
 * caught normally. pmuvisor must neither stop the guest nor be disturbed.
 * injected=no skips the injected case, for QEMU TCG: it delivers an injected
 * exception that meets a not-present gate as #NP, without the #DF rule.
 */
#include "guests/lib/guest.h"
#include "arch/interrupts.h"

static volatile u32 double_faults;
static volatile u64 df_error;

static void on_double_fault(struct trap_frame *f)
{
	double_faults++;
	df_error = f->error_code;
	guest_idt_present(VEC_GP, true); /* the retried instruction's #GP is delivered */
}

static void injected_gp(void)
{
	guest_idt_present(VEC_GP, false);
	int vec = wrmsr_safe(0xDEAD, 0);
	report(double_faults == 1 && df_error == 0,
	       "an injected #GP through a not-present gate is a #DF (error code %lu)", df_error);
	report(vec == VEC_GP, "with the gate back the same WRMSR raises #GP (vector %d)", vec);
}

int guest_main(const char *cmdline)
{
	(void)cmdline;
	char injected[4] = "yes";
	cmdline_value("injected", injected, sizeof(injected));
	guest_irq_register(VEC_DF, on_double_fault);
	if (injected[0] == 'y') {
		injected_gp();
	} else {
		report_skip("QEMU TCG gives #NP", "an injected #GP through a not-present gate");
		report_skip("QEMU TCG gives #NP", "the retried WRMSR");
		double_faults = 1;
	}

	guest_idt_present(VEC_GP, false);
	int vec = TRY("mov %1, %%ds", "r"(0x1234));
	report(double_faults == 2 && df_error == 0, "a #GP the CPU raises makes a #DF the same way");
	report(vec == VEC_GP, "and is caught once the gate is back (vector %d)", vec);

	guest_idt_present(VEC_UD, false); /* #NP after a benign #UD is no double fault */
	vec = TRY("ud2");
	report(double_faults == 2 && vec == VEC_NP, "#UD through a not-present gate is just #NP");
	guest_idt_present(VEC_UD, true);
	report(TRY("ud2") == VEC_UD, "and #UD works again");
	return tap_status();
}
