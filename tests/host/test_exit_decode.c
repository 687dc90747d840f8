#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/guest_walk.h"
#include "core/insn_decode.h"
#include "svm/svm_exit.h"
#include "svm/vmcb.h"
#include "vmx/vmx_exit.h"

static struct vmcb vmcb;

static struct exit_info svm(u64 code, u64 info1, u64 info2, bool nrips)
{
	memset(&vmcb, 0, sizeof(vmcb));
	vmcb.control.exitcode = code;
	vmcb.control.exitinfo1 = info1;
	vmcb.control.exitinfo2 = info2;
	vmcb.control.next_rip = 0x1234;
	struct exit_info e;
	svm_decode_exit(&vmcb, nrips, &e);
	return e;
}

static void svm_ioio_gives_port_size_direction_and_next_rip(void **state)
{
	(void)state;
	/* OUT dx, al to 0x3f8: type 0, SZ8 (bit 4), port in 31:16 */
	struct exit_info e = svm(VMEXIT_IOIO, 0x03F80010, 0x100203, false);
	assert_int_equal(e.reason, EXIT_IO);
	assert_int_equal(e.io.port, 0x3F8);
	assert_int_equal(e.io.size, 1);
	assert_false(e.io.in);
	assert_int_equal(e.next_rip, 0x100203);
	/* IN eax, dx from 0xcfc, 32-bit, rep string */
	e = svm(VMEXIT_IOIO, 0x0CFC004D, 0, false);
	assert_true(e.io.in);
	assert_int_equal(e.io.size, 4);
	assert_true(e.io.string);
	assert_true(e.io.rep);
	e = svm(VMEXIT_IOIO, 0x00800021, 0, false);
	assert_int_equal(e.io.size, 2);
}

static void svm_msr_npf_and_invalid(void **state)
{
	(void)state;
	assert_int_equal(svm(VMEXIT_MSR, 0, 0, true).reason, EXIT_MSR_READ);
	assert_int_equal(svm(VMEXIT_MSR, 1, 0, true).reason, EXIT_MSR_WRITE);
	struct exit_info e = svm(VMEXIT_NPF, 0x6, 0xFEE00340, false); /* write, user */
	assert_int_equal(e.reason, EXIT_NPF);
	assert_int_equal(e.npf.gpa, 0xFEE00340);
	assert_true(e.npf.write);
	assert_false(e.npf.exec);
	e = svm(VMEXIT_NPF, 0x14, 0x2000000, false);
	assert_true(e.npf.exec);
	assert_int_equal(svm(~0ULL, 0, 0, false).reason, EXIT_INVALID_STATE);
	assert_int_equal(svm(0xFFFFFFFF, 0, 0, false).reason, EXIT_INVALID_STATE); /* QEMU */
}

static void svm_next_rip_only_with_nrips(void **state)
{
	(void)state;
	assert_int_equal(svm(VMEXIT_CPUID, 0, 0, true).next_rip, 0x1234);
	assert_int_equal(svm(VMEXIT_CPUID, 0, 0, false).next_rip, 0);
}

static void svm_reasons(void **state)
{
	(void)state;
	struct { u64 code; enum exit_reason r; } cases[] = {
		{ VMEXIT_CPUID, EXIT_CPUID }, { VMEXIT_HLT, EXIT_HLT },
		{ VMEXIT_VMMCALL, EXIT_HYPERCALL }, { VMEXIT_VMRUN, EXIT_VIRT_INSN },
		{ VMEXIT_CLGI, EXIT_VIRT_INSN }, { VMEXIT_XSETBV, EXIT_XSETBV },
		{ VMEXIT_SHUTDOWN, EXIT_SHUTDOWN }, { VMEXIT_INTR, EXIT_INTERRUPT },
		{ VMEXIT_NMI, EXIT_NMI }, { VMEXIT_RDPMC, EXIT_RDPMC },
		{ VMEXIT_EXCP_BASE + 14, EXIT_EXCEPTION }, { 0x7E, EXIT_OTHER },
		{ VMEXIT_VINTR, EXIT_INTR_WINDOW }, { VMEXIT_IRET, EXIT_NMI_WINDOW },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(svm(cases[i].code, 0, 0, false).reason, cases[i].r);
	assert_int_equal(svm(VMEXIT_EXCP_BASE + 14, 0, 0, false).exception.vector, 14);
}

/* CR writes: the GPR from decode assists (EXITINFO1 bit 63), else core/ decodes. */
static void svm_control_register_writes(void **state)
{
	(void)state;
	struct exit_info e = svm(VMEXIT_CR0_WRITE + 4, BIT(63) | 9, 0, true); /* MOV CR4, r9 */
	assert_int_equal(e.reason, EXIT_CR_ACCESS);
	assert_int_equal(e.cr.cr, 4);
	assert_int_equal(e.cr.access, CR_MOV_TO);
	assert_int_equal(e.cr.gpr, 9);
	assert_int_equal(e.next_rip, 0x1234);
	assert_int_equal(svm(VMEXIT_CR0_WRITE, 0, 0, true).cr.gpr, CR_GPR_DECODE); /* CLTS, LMSW */
	e = svm(VMEXIT_CR0_WRITE, BIT(63) | 3, 0, false); /* no next RIP to skip to */
	assert_int_equal(e.cr.cr, 0);
	assert_int_equal(e.cr.gpr, CR_GPR_DECODE);
}

static void put64(u8 *ram, u64 pa, u64 v) { memcpy(ram + pa, &v, 8); }

/*
 * The VMCB at the exit of a `mov %eax, %cr0` that clears PG in compatibility
 * mode (the realmode guest's way out of long mode): QEMU saves EFER.LMA set,
 * Bochs 2.7 already clear. The guest is still in long mode either way, so the
 * instruction is fetched through its 4-level tables; a walk taking the saved
 * LMA would read CR3 as a PAE PDPT and find nothing mapped.
 */
static void svm_efer_lma_follows_lme_and_pg(void **state)
{
	(void)state;
	static u8 ram[2u << 20] __attribute__((aligned(4096)));
	const struct guest_mem mem = { ram, sizeof(ram) };
	const u8 mov_cr0[] = { 0x0F, 0x22, 0xC0 };
	put64(ram, 0x107000, 0x108000 | 3); /* PML4E 0 */
	put64(ram, 0x108000, 0x109000 | 3); /* PDPTE 0 */
	put64(ram, 0x109000, 0x83);         /* PDE 0: a 2 MiB page at 0 */
	memcpy(ram + 0x100050, mov_cr0, sizeof(mov_cr0));
	struct vmcb_save *s = &vmcb.save;
	memset(&vmcb, 0, sizeof(vmcb));
	s->cr0 = CR0_PG | CR0_ET | CR0_PE;
	s->cr3 = 0x107000;
	s->cr4 = CR4_PAE;
	const u64 saved[] = { EFER_SVME | EFER_LMA | EFER_LME, EFER_SVME | EFER_LME };
	for (size_t i = 0; i < sizeof(saved) / sizeof(saved[0]); i++) {
		s->efer = saved[i];
		assert_int_equal(svm_guest_efer(s), EFER_LMA | EFER_LME);
		struct paging_state ps = { s->cr0, s->cr3, s->cr4, svm_guest_efer(s) };
		u8 insn[INSN_MAX_LEN];
		assert_int_equal(guest_read_linear(&mem, &ps, 0x100050, insn, sizeof(insn)),
				 sizeof(insn));
		assert_memory_equal(insn, mov_cr0, sizeof(mov_cr0));
	}
	/* The way in: a write setting PG still runs without paging (Bochs saved LMA set). */
	s->cr0 = CR0_ET | CR0_PE;
	s->efer = EFER_SVME | EFER_LMA | EFER_LME;
	assert_int_equal(svm_guest_efer(s), EFER_LME);
	s->efer = EFER_SVME | EFER_LME;
	assert_int_equal(svm_guest_efer(s), EFER_LME);
	/* Paging without LME is never long mode; the other bits read as saved. */
	s->cr0 = CR0_PG | CR0_PE;
	s->efer = EFER_SVME | EFER_NXE | EFER_SCE;
	assert_int_equal(svm_guest_efer(s), EFER_NXE | EFER_SCE);
}

static struct exit_info vmx(u32 reason, u64 qual, u64 gpa, u32 intr_info)
{
	struct vmx_exit_raw raw = { reason, qual, gpa, intr_info, 0, 0x100000, 3 };
	struct exit_info e;
	vmx_decode_exit(&raw, &e);
	return e;
}

static void vmx_io_qualification(void **state)
{
	(void)state;
	/* IN al, dx from 0x80: size-1 = 0, direction in (bit 3), port in 31:16 */
	struct exit_info e = vmx(30, 0x00800008, 0, 0);
	assert_int_equal(e.reason, EXIT_IO);
	assert_int_equal(e.io.port, 0x80);
	assert_int_equal(e.io.size, 1);
	assert_true(e.io.in);
	assert_int_equal(e.next_rip, 0x100003);
	e = vmx(30, 0x00F40003, 0, 0); /* OUT dx, eax */
	assert_int_equal(e.io.size, 4);
	assert_false(e.io.in);
	e = vmx(30, 0x03F80031, 0, 0); /* rep outsw */
	assert_int_equal(e.io.size, 2);
	assert_true(e.io.string);
	assert_true(e.io.rep);
}

static void vmx_ept_violation_entry_failure_and_nmi(void **state)
{
	(void)state;
	struct exit_info e = vmx(48, 0x2, 0x1000000, 0);
	assert_int_equal(e.reason, EXIT_NPF);
	assert_true(e.npf.write);
	assert_int_equal(e.npf.gpa, 0x1000000);
	assert_int_equal(vmx(0x80000021, 0, 0, 0).reason, EXIT_INVALID_STATE);
	assert_int_equal(vmx(0, 0, 0, 0x80000202).reason, EXIT_NMI);      /* type 2 */
	e = vmx(0, 0, 0, 0x80000B0D);                                       /* #GP + error */
	assert_int_equal(e.reason, EXIT_EXCEPTION);
	assert_int_equal(e.exception.vector, 13);
	assert_true(e.exception.has_error);
	assert_int_equal(vmx(18, 0, 0, 0).reason, EXIT_HYPERCALL);
	assert_int_equal(vmx(27, 0, 0, 0).reason, EXIT_VIRT_INSN); /* VMXON */
	assert_int_equal(vmx(2, 0, 0, 0).reason, EXIT_SHUTDOWN);
}

/* What an exit cut short, to deliver again: the event, its error code, its instruction length. */
static void vectoring_information(void **state)
{
	(void)state;
	struct vcpu_event ev;
	assert_false(svm_decode_exitintinfo(0x30, &ev)); /* not valid */
	assert_true(svm_decode_exitintinfo(0x80000030, &ev));
	assert_int_equal(ev.type, EVENT_EXTINT);
	assert_int_equal(ev.vector, 0x30);
	assert_true(svm_decode_exitintinfo(0x0000123480000B0EULL, &ev)); /* #PF, error 0x1234 */
	assert_int_equal(ev.type, EVENT_EXCEPTION);
	assert_true(ev.has_error);
	assert_int_equal(ev.error, 0x1234);
	assert_true(svm_decode_exitintinfo(0x80000202, &ev));
	assert_int_equal(ev.type, EVENT_NMI);
	/* INT n, INT3, INTO run again instead: RIP is still on the instruction */
	assert_false(svm_decode_exitintinfo(0x80000480, &ev));
	assert_false(svm_decode_exitintinfo(0x80000303, &ev));
	assert_false(svm_decode_exitintinfo(0x80000304, &ev));
	assert_false(svm_decode_exitintinfo(0x80000530, &ev)); /* reserved types */
	assert_false(svm_decode_exitintinfo(0x80000130, &ev));

	assert_false(vmx_decode_vectoring(0x30, 0, 0, &ev));
	assert_true(vmx_decode_vectoring(0x80000B0D, 0x18, 3, &ev)); /* #GP, error 0x18 */
	assert_int_equal(ev.type, EVENT_EXCEPTION);
	assert_int_equal(ev.vector, 13);
	assert_int_equal(ev.error, 0x18);
	assert_int_equal(ev.insn_len, 0); /* not a software event */
	assert_true(vmx_decode_vectoring(0x80000480, 0, 2, &ev)); /* INT 0x80: its length */
	assert_int_equal(ev.type, EVENT_SOFT_INT);
	assert_int_equal(ev.insn_len, 2);
	assert_true(vmx_decode_vectoring(0x80000603, 0, 1, &ev)); /* INT3 */
	assert_int_equal(ev.type, EVENT_SOFT_EXCEPTION);
	assert_int_equal(ev.insn_len, 1);
	assert_false(vmx_decode_vectoring(0x80000130, 0, 0, &ev)); /* reserved */
	assert_false(vmx_decode_vectoring(0x80000700, 0, 0, &ev)); /* other event */
	assert_int_equal(vmx(8, 0, 0, 0).reason, EXIT_NMI_WINDOW);
	assert_int_equal(vmx(7, 0, 0, 0).reason, EXIT_INTR_WINDOW);
}

/* SDM vol. 3, table 28-3: CR in 3:0, access type in 5:4, GPR in 11:8, LMSW data in 31:16. */
static void vmx_control_register_qualification(void **state)
{
	(void)state;
	struct exit_info e = vmx(28, 0x0000 | (0 << 4) | (12 << 8) | 4, 0, 0); /* MOV CR4, r12 */
	assert_int_equal(e.reason, EXIT_CR_ACCESS);
	assert_int_equal(e.cr.cr, 4);
	assert_int_equal(e.cr.access, CR_MOV_TO);
	assert_int_equal(e.cr.gpr, 12);
	assert_int_equal(e.next_rip, 0x100003);
	e = vmx(28, (1 << 4) | (3 << 8) | 8, 0, 0); /* MOV rbx, CR8 */
	assert_int_equal(e.cr.access, CR_MOV_FROM);
	assert_int_equal(e.cr.cr, 8);
	assert_int_equal(e.cr.gpr, 3);
	assert_int_equal(vmx(28, 2 << 4, 0, 0).cr.access, CR_CLTS);
	e = vmx(28, (0xBEEFull << 16) | (3 << 4), 0, 0); /* LMSW */
	assert_int_equal(e.cr.access, CR_LMSW);
	assert_int_equal(e.cr.lmsw, 0xBEEF);
	assert_int_equal(vmx(55, 0, 0, 0).reason, EXIT_XSETBV);
}

static void vmx_error_texts(void **state)
{
	(void)state;
	assert_string_equal(vmx_instruction_error_text(7), "VM entry with invalid control field(s)");
	assert_string_equal(vmx_instruction_error_text(8),
			    "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_instruction_error_text(99), "unknown VM-instruction error");
	assert_string_equal(vmx_exit_reason_text(33), "VM entry failure: invalid guest state");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(svm_ioio_gives_port_size_direction_and_next_rip),
		cmocka_unit_test(svm_msr_npf_and_invalid),
		cmocka_unit_test(svm_next_rip_only_with_nrips),
		cmocka_unit_test(svm_reasons),
		cmocka_unit_test(svm_control_register_writes),
		cmocka_unit_test(svm_efer_lma_follows_lme_and_pg),
		cmocka_unit_test(vmx_io_qualification),
		cmocka_unit_test(vmx_ept_violation_entry_failure_and_nmi),
		cmocka_unit_test(vmx_control_register_qualification),
		cmocka_unit_test(vmx_error_texts),
		cmocka_unit_test(vectoring_information),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
