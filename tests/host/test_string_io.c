#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/string_io.h"

#define RAM (4u << 20)
static u8 ram[RAM] __attribute__((aligned(4096)));
static const struct guest_mem mem = { ram, RAM };

/* A port that records what goes out and answers 'a', 'b', 'c' ... to reads. */
static struct {
	u8 out[4096];
	u32 n_out, n_in, last_size;
	int end_after; /* the access that ends the guest (1-based), 0: never */
} port;

static bool fake_port(void *ctx, u16 p, u8 size, bool in, u32 *val)
{
	(void)ctx, (void)p;
	port.last_size = size;
	if (in) {
		*val = 0;
		for (u32 i = 0; i < size; i++)
			*val |= (u32)('a' + port.n_in++ % 26) << (8 * i);
		return true;
	}
	for (u32 i = 0; i < size; i++)
		port.out[port.n_out++] = (u8)(*val >> (8 * i));
	return !(port.end_after && (int)(port.n_out / size) == port.end_after);
}

static const struct guest_segment flat = { 0, 0xFFFFFFFF, 0xC093 };

/* A 32-bit protected-mode OUTSB/INSB of size 1 through a flat segment, paging off. */
static struct string_io op32(bool in, u8 size, bool rep)
{
	memset(&port, 0, sizeof(port));
	return (struct string_io){
		.insn = { .len = (u8)(rep ? 2 : 1), .addr_size = 4, .seg = in ? SEG_ES : SEG_DS,
			  .in = in, .rep = rep, .size = size },
		.port = 0x3F8, .mode = CODE_32, .protected_mode = true, .seg = flat,
		.paging = { .cr0 = CR0_PE }, .mem = &mem, .unbacked_ones = true,
	};
}

static struct string_io_result run(const struct string_io *op, struct string_io_regs *r, u32 budget)
{
	return string_io_run(op, r, budget, fake_port, NULL);
}

static void rep_outsb_forwards_and_backwards(void **state)
{
	(void)state;
	memcpy(ram + 0x1000, "hello", 5);
	struct string_io op = op32(false, 1, true);
	struct string_io_regs r = { .rsi = 0x1000, .rcx = 5 };
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.end, STRING_IO_DONE);
	assert_int_equal(res.elements, 5);
	assert_memory_equal(port.out, "hello", 5);
	assert_int_equal(r.rsi, 0x1005);
	assert_int_equal(r.rcx, 0);

	op = op32(false, 1, true);
	op.df = true;
	r = (struct string_io_regs){ .rsi = 0x1004, .rcx = 5 };
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);
	assert_memory_equal(port.out, "olleh", 5);
	assert_int_equal(r.rsi, 0xFFF);
}

static void rep_with_count_zero_moves_nothing(void **state)
{
	(void)state;
	struct string_io op = op32(true, 4, true);
	struct string_io_regs r = { .rdi = 0x2000, .rcx = 0xFFFFFFFF00000000ULL }; /* ECX 0 */
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.end, STRING_IO_DONE);
	assert_int_equal(res.elements, 0);
	assert_int_equal(r.rdi, 0x2000);
}

static void insw_and_insd_store_little_endian(void **state)
{
	(void)state;
	struct string_io op = op32(true, 2, false);
	struct string_io_regs r = { .rdi = 0x3000, .rcx = 77 };
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);
	assert_memory_equal(ram + 0x3000, "ab", 2);
	assert_int_equal(r.rdi, 0x3002);
	assert_int_equal(r.rcx, 77); /* no REP: the count is not touched */
	op = op32(true, 4, true);
	r = (struct string_io_regs){ .rdi = 0x3010, .rcx = 2 };
	run(&op, &r, 256);
	assert_memory_equal(ram + 0x3010, "abcdefgh", 8);
	assert_int_equal(port.last_size, 4);
}

/* A REP runs its budget and leaves the rest for the re-executed instruction. */
static void long_rep_pauses_after_its_budget(void **state)
{
	(void)state;
	struct string_io op = op32(false, 1, true);
	struct string_io_regs r = { .rsi = 0x10000, .rcx = 1000 };
	u32 runs = 0;
	struct string_io_result res;
	do {
		res = run(&op, &r, 256);
		runs++;
	} while (res.end == STRING_IO_PAUSED);
	assert_int_equal(res.end, STRING_IO_DONE);
	assert_int_equal(runs, 4); /* 256 + 256 + 256 + 232 */
	assert_int_equal(port.n_out, 1000);
	assert_int_equal(r.rsi, 0x10000 + 1000);
	assert_int_equal(r.rcx, 0);
}

static void address_sizes_step_their_registers(void **state)
{
	(void)state;
	/* 16-bit: SI and CX only, the upper bits stay; SI wraps inside the segment */
	struct string_io op = op32(false, 1, true);
	op.insn.addr_size = 2;
	op.seg = (struct guest_segment){ 0x20000, 0xFFFF, 0x93 };
	struct string_io_regs r = { .rsi = 0xABCDFFFE, .rcx = 0x55550003 };
	ram[0x2FFFE] = 'x', ram[0x2FFFF] = 'y', ram[0x20000] = 'z';
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);
	assert_memory_equal(port.out, "xyz", 3);
	assert_int_equal(r.rsi, 0xABCD0001);
	assert_int_equal(r.rcx, 0x55550000);

	/* 64-bit code with 32-bit addressing: ESI and ECX, written zero-extended */
	op = op32(false, 1, true);
	op.mode = CODE_64;
	r = (struct string_io_regs){ .rsi = 0xFFFFFFFF00001000ULL, .rcx = 0xFFFFFFFF00000002ULL };
	memcpy(ram + 0x1000, "hi", 2);
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);
	assert_int_equal(r.rsi, 0x1002);
	assert_int_equal(r.rcx, 0);

	/* 64-bit addressing: all of RSI and RCX */
	op.insn.addr_size = 8;
	r = (struct string_io_regs){ .rsi = 0x1000, .rcx = 0x100000000ULL };
	assert_int_equal(run(&op, &r, 3).end, STRING_IO_PAUSED);
	assert_int_equal(r.rcx, 0xFFFFFFFDULL);
}

static void segment_override_base_applies(void **state)
{
	(void)state;
	memcpy(ram + 0x5100, "seg", 3);
	struct string_io op = op32(false, 1, true);
	op.insn.seg = SEG_FS;
	op.seg.base = 0x5000;
	struct string_io_regs r = { .rsi = 0x100, .rcx = 3 };
	run(&op, &r, 256);
	assert_memory_equal(port.out, "seg", 3);
}

static void segment_limits_fault_where_the_cpu_would(void **state)
{
	(void)state;
	struct string_io op = op32(false, 1, true);
	op.seg = (struct guest_segment){ 0x6000, 15, 0x4093 };
	struct string_io_regs r = { .rsi = 14, .rcx = 4 };
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.end, STRING_IO_FAULT);
	assert_int_equal(res.vector, VEC_GP);
	assert_int_equal(res.error, 0);
	assert_int_equal(res.elements, 2); /* the ones inside the limit went out */
	assert_int_equal(r.rsi, 16);
	assert_int_equal(r.rcx, 2);

	/* a word whose second byte is past the limit */
	op = op32(false, 2, false);
	op.seg = (struct guest_segment){ 0x6000, 15, 0x4093 };
	r = (struct string_io_regs){ .rsi = 15 };
	assert_int_equal(run(&op, &r, 256).vector, VEC_GP);

	/* through SS it is #SS(0) */
	op = op32(false, 1, false);
	op.insn.seg = SEG_SS;
	op.seg = (struct guest_segment){ 0, 0xFFF, 0x4093 };
	r = (struct string_io_regs){ .rsi = 0x1000 };
	assert_int_equal(run(&op, &r, 256).vector, VEC_SS);

	/* expand-down: offsets above the limit are the valid ones */
	op = op32(false, 1, false);
	op.seg = (struct guest_segment){ 0, 0x0FFF, 0x4097 };
	r = (struct string_io_regs){ .rsi = 0x0FFF };
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_FAULT);
	r = (struct string_io_regs){ .rsi = 0x1000 };
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);

	/* real mode checks the cached limit too, but not the type */
	op = op32(true, 1, false);
	op.protected_mode = false;
	op.mode = CODE_16;
	op.insn.addr_size = 2;
	op.seg = (struct guest_segment){ 0x7000, 0xFFFF, 0x9B }; /* even a code type */
	r = (struct string_io_regs){ .rdi = 0x10 };
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);
	assert_int_equal(ram[0x7010], 'a');
}

static void segment_types_fault_in_protected_mode(void **state)
{
	(void)state;
	struct string_io_regs r = { .rdi = 0x100 };
	struct string_io op = op32(true, 1, false);
	op.seg.ar = 0xC091; /* read-only data */
	assert_int_equal(run(&op, &r, 256).vector, VEC_GP);
	op.seg.ar = 0xC09B; /* code */
	assert_int_equal(run(&op, &r, 256).vector, VEC_GP);
	op.seg.ar = SEG_AR_UNUSABLE | 0xC093; /* null selector */
	assert_int_equal(run(&op, &r, 256).vector, VEC_GP);
	assert_int_equal(port.n_in, 0); /* nothing was read from the port */

	op = op32(false, 1, false);
	r = (struct string_io_regs){ .rsi = 0x100 };
	op.seg.ar = 0xC09B; /* readable code: OUTS may read it */
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);
	op.seg.ar = 0xC099; /* execute-only */
	assert_int_equal(run(&op, &r, 256).vector, VEC_GP);
}

static void non_canonical_address_faults_in_64_bit_mode(void **state)
{
	(void)state;
	struct string_io op = op32(false, 1, true);
	op.mode = CODE_64;
	op.insn.addr_size = 8;
	struct string_io_regs r = { .rsi = 0x0000800000000000ULL, .rcx = 2 };
	op.paging = (struct paging_state){ 0 };
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.end, STRING_IO_FAULT);
	assert_int_equal(res.vector, VEC_GP);
	assert_int_equal(res.elements, 0);
	assert_int_equal(r.rsi, 0x0000800000000000ULL);
	op.insn.seg = SEG_SS;
	assert_int_equal(run(&op, &r, 256).vector, VEC_SS);
}

/* 32-bit paging: page 0x10000 present RW, 0x11000 absent, 0x12000 read-only. */
static struct paging_state paged(void)
{
	memset(ram, 0, 0x20000);
	u32 pde = 0x2000 | 0x7, rw = 0x10000 | 0x3, ro = 0x12000 | 0x1;
	memcpy(ram + 0x1000, &pde, 4);
	memcpy(ram + 0x2000 + 0x10 * 4, &rw, 4);
	memcpy(ram + 0x2000 + 0x12 * 4, &ro, 4);
	return (struct paging_state){ .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = 0x1000 };
}

static u32 pte_of(u32 page)
{
	u32 e;
	memcpy(&e, ram + 0x2000 + (page >> 12) * 4, 4);
	return e;
}

static void page_faults_stop_at_the_element(void **state)
{
	(void)state;
	struct string_io op = op32(true, 1, true);
	op.paging = paged();
	struct string_io_regs r = { .rdi = 0x10FFE, .rcx = 4 };
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.end, STRING_IO_FAULT);
	assert_int_equal(res.vector, VEC_PF);
	assert_int_equal(res.error, PF_ERR_WRITE);
	assert_int_equal(res.cr2, 0x11000);
	assert_int_equal(res.elements, 2);
	assert_int_equal(r.rdi, 0x11000);
	assert_int_equal(r.rcx, 2);
	assert_memory_equal(ram + 0x10FFE, "ab", 2);
	assert_int_equal(port.n_in, 2); /* the port is not read for the element that faults */
	assert_int_equal(pte_of(0x10000) & 0x60, 0x60); /* accessed and dirty */

	/* a user write to a read-only page: a protection fault */
	op = op32(true, 1, false);
	op.paging = paged();
	op.user = true;
	r = (struct string_io_regs){ .rdi = 0x12000 };
	res = run(&op, &r, 256);
	assert_int_equal(res.error, PF_ERR_PRESENT | PF_ERR_WRITE | PF_ERR_USER);

	/* reading it is fine */
	op = op32(false, 1, false);
	op.paging = paged();
	r = (struct string_io_regs){ .rsi = 0x12000 };
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);
	assert_int_equal(pte_of(0x12000) & 0x60, 0x20); /* accessed, not dirty */
}

/* With CR4.SMAP a kernel's INS into a user page faults, unless it set RFLAGS.AC. */
static void smap_applies_to_supervisor_string_io(void **state)
{
	(void)state;
	struct string_io op = op32(true, 1, false);
	op.paging = paged();
	u32 user_pte = 0x10000 | 0x7;
	memcpy(ram + 0x2000 + 0x10 * 4, &user_pte, 4);
	op.paging.cr4 = CR4_SMAP;
	struct string_io_regs r = { .rdi = 0x10000 };
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.vector, VEC_PF);
	assert_int_equal(res.error, PF_ERR_PRESENT | PF_ERR_WRITE);
	op.ac = true;
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_DONE);
}

/* An element that crosses into a page that is not there faults before anything moves. */
static void element_across_pages_translates_both(void **state)
{
	(void)state;
	struct string_io op = op32(false, 4, false);
	op.paging = paged();
	struct string_io_regs r = { .rsi = 0x10FFE };
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.vector, VEC_PF);
	assert_int_equal(res.cr2, 0x11000);
	assert_int_equal(port.n_out, 0);
}

static void page_table_outside_ram_stops_the_guest(void **state)
{
	(void)state;
	struct string_io op = op32(false, 1, false);
	op.paging = (struct paging_state){ .cr0 = CR0_PE | CR0_PG, .cr3 = RAM + 0x1000 };
	struct string_io_regs r = { .rsi = 0x100 };
	assert_int_equal(run(&op, &r, 256).end, STRING_IO_STOP);
}

static void memory_outside_ram_follows_the_unbacked_rule(void **state)
{
	(void)state;
	struct string_io op = op32(false, 2, false);
	struct string_io_regs r = { .rsi = RAM + 0x100 };
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.end, STRING_IO_DONE);
	assert_int_equal(res.unbacked, 1);
	assert_memory_equal(port.out, "\xFF\xFF", 2);

	op.unbacked_ones = false;
	r = (struct string_io_regs){ .rsi = RAM + 0x100 };
	res = run(&op, &r, 256);
	assert_int_equal(res.end, STRING_IO_STOP);
	assert_non_null(res.why);
}

static void a_port_that_ends_the_guest_ends_the_run(void **state)
{
	(void)state;
	struct string_io op = op32(false, 1, true);
	port.end_after = 1;
	struct string_io_regs r = { .rsi = 0x1000, .rcx = 10 };
	struct string_io_result res = run(&op, &r, 256);
	assert_int_equal(res.end, STRING_IO_PORT_ENDED);
	assert_int_equal(port.n_out, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rep_outsb_forwards_and_backwards),
		cmocka_unit_test(rep_with_count_zero_moves_nothing),
		cmocka_unit_test(insw_and_insd_store_little_endian),
		cmocka_unit_test(long_rep_pauses_after_its_budget),
		cmocka_unit_test(address_sizes_step_their_registers),
		cmocka_unit_test(segment_override_base_applies),
		cmocka_unit_test(segment_limits_fault_where_the_cpu_would),
		cmocka_unit_test(segment_types_fault_in_protected_mode),
		cmocka_unit_test(non_canonical_address_faults_in_64_bit_mode),
		cmocka_unit_test(page_faults_stop_at_the_element),
		cmocka_unit_test(element_across_pages_translates_both),
		cmocka_unit_test(smap_applies_to_supervisor_string_io),
		cmocka_unit_test(page_table_outside_ram_stops_the_guest),
		cmocka_unit_test(memory_outside_ram_follows_the_unbacked_rule),
		cmocka_unit_test(a_port_that_ends_the_guest_ends_the_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
