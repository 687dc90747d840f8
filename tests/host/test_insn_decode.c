#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/insn_decode.h"

struct insn_case {
	const char *what;
	enum code_mode mode;
	u8 bytes[16];
	u32 n;
	u8 len, size;
	bool write;
	s8 reg;
	u64 imm;
};

/* Encodings as gcc and nasm emit them for volatile APIC accesses. */
static const struct insn_case good[] = {
	{ "mov eax, [rdx]", CODE_64, { 0x8B, 0x02 }, 2, 2, 4, false, 0, 0 },
	{ "mov [rdx], eax", CODE_64, { 0x89, 0x02 }, 2, 2, 4, true, 0, 0 },
	{ "mov r9d, [rax+0x380]", CODE_64, { 0x44, 0x8B, 0x88, 0x80, 0x03, 0, 0 }, 7, 7, 4, false, 9, 0 },
	{ "mov [rip+disp32], esi", CODE_64, { 0x89, 0x35, 1, 2, 3, 4 }, 6, 6, 4, true, 6, 0 },
	{ "mov [rax+rbx*4+8], ecx", CODE_64, { 0x89, 0x4C, 0x98, 0x08 }, 4, 4, 4, true, 1, 0 },
	{ "mov [disp32 via SIB], edx", CODE_64, { 0x89, 0x14, 0x25, 0xB0, 0, 0xE0, 0xFE }, 7, 7, 4, true, 2, 0 },
	{ "mov dword [rax+0xb0], 0", CODE_64, { 0xC7, 0x80, 0xB0, 0, 0, 0, 0, 0, 0, 0 }, 10, 10, 4, true, -1, 0 },
	{ "mov dword [rdx], 0x1ff", CODE_64, { 0xC7, 0x02, 0xFF, 0x01, 0, 0 }, 6, 6, 4, true, -1, 0x1FF },
	{ "mov rax, [rdx] (REX.W)", CODE_64, { 0x48, 0x8B, 0x02 }, 3, 3, 8, false, 0, 0 },
	{ "mov qword [rdx], -1", CODE_64, { 0x48, 0xC7, 0x02, 0xFF, 0xFF, 0xFF, 0xFF }, 7, 7, 8, true, -1, ~0ULL },
	{ "mov eax, [moffs64]", CODE_64, { 0xA1, 0x20, 0, 0xE0, 0xFE, 0, 0, 0, 0 }, 9, 9, 4, false, 0, 0 },
	{ "mov eax, [0xfee00030] (32-bit)", CODE_32, { 0xA1, 0x30, 0, 0xE0, 0xFE }, 5, 5, 4, false, 0, 0 },
	{ "mov [0xfee000b0], eax (32-bit)", CODE_32, { 0xA3, 0xB0, 0, 0xE0, 0xFE }, 5, 5, 4, true, 0, 0 },
	{ "mov dword [0xfee000f0], 0x1ff (32-bit)", CODE_32,
	  { 0xC7, 0x05, 0xF0, 0, 0xE0, 0xFE, 0xFF, 1, 0, 0 }, 10, 10, 4, true, -1, 0x1FF },
	{ "mov ebx, [esi+8] (32-bit)", CODE_32, { 0x8B, 0x5E, 0x08 }, 3, 3, 4, false, 3, 0 },
	{ "ds: mov [eax], ecx (prefix)", CODE_32, { 0x3E, 0x89, 0x08 }, 3, 3, 4, true, 1, 0 },
	{ "mov ax, [rdx] (16-bit operand)", CODE_64, { 0x66, 0x8B, 0x02 }, 3, 3, 2, false, 0, 0 },
	{ "REX is an opcode in 32-bit code", CODE_32, { 0x40, 0x8B, 0x02 }, 3, 0, 0, false, 0, 0 },
	{ "a32 mov ax, [edi] in 16-bit code", CODE_16, { 0x67, 0x8B, 0x07 }, 3, 3, 2, false, 0, 0 },
	{ "a32 o32 mov [edi], eax in 16-bit code", CODE_16, { 0x67, 0x66, 0x89, 0x07 }, 4, 4, 4, true, 0, 0 },
};

static const struct insn_case bad[] = {
	{ "register operand", CODE_64, { 0x8B, 0xC0 }, 2, 0, 0, false, 0, 0 },
	{ "C7 /1", CODE_64, { 0xC7, 0x0A, 0, 0, 0, 0 }, 6, 0, 0, false, 0, 0 },
	{ "movzx", CODE_64, { 0x0F, 0xB6, 0x02 }, 3, 0, 0, false, 0, 0 },
	{ "truncated displacement", CODE_64, { 0x8B, 0x80, 0x80 }, 3, 0, 0, false, 0, 0 },
	{ "truncated SIB", CODE_64, { 0x8B, 0x04 }, 2, 0, 0, false, 0, 0 },
	{ "truncated immediate", CODE_64, { 0xC7, 0x02, 0xFF }, 3, 0, 0, false, 0, 0 },
	{ "prefixes only", CODE_64, { 0x66, 0x66, 0x48 }, 3, 0, 0, false, 0, 0 },
	{ "16-bit addressing", CODE_32, { 0x67, 0x8B, 0x07 }, 3, 0, 0, false, 0, 0 },
	{ "16-bit addressing in 16-bit code", CODE_16, { 0x66, 0x8B, 0x07 }, 3, 0, 0, false, 0, 0 },
	{ "nothing", CODE_64, { 0 }, 0, 0, 0, false, 0, 0 },
};

static void decodes_mov_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct insn_case *c = &good[i];
		struct mmio_insn insn;
		const char *err = insn_decode_mov(c->bytes, c->n, c->mode, &insn);
		if (c->len == 0) { /* 0x40 is INC EAX outside 64-bit code: not a MOV */
			assert_non_null(err);
			continue;
		}
		if (err)
			fail_msg("%s: %s", c->what, err);
		assert_int_equal(insn.len, c->len);
		assert_int_equal(insn.size, c->size);
		assert_int_equal(insn.write, c->write);
		assert_int_equal(insn.reg, c->reg);
		if (c->reg == INSN_REG_NONE)
			assert_int_equal(insn.imm, c->imm);
	}
}

static void refuses_the_rest(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mmio_insn insn;
		if (!insn_decode_mov(bad[i].bytes, bad[i].n, bad[i].mode, &insn))
			fail_msg("%s: decoded, should be refused", bad[i].what);
	}
}

struct string_case {
	const char *what;
	enum code_mode mode;
	u8 bytes[16];
	u32 n;
	u8 len, addr_size, seg, size;
	bool in, rep;
};

static const struct string_case strings[] = {
	{ "rep outsb", CODE_32, { 0xF3, 0x6E }, 2, 2, 4, SEG_DS, 1, false, true },
	{ "insb", CODE_32, { 0x6C }, 1, 1, 4, SEG_ES, 1, true, false },
	{ "rep outsw", CODE_32, { 0x66, 0xF3, 0x6F }, 3, 3, 4, SEG_DS, 2, false, true },
	{ "rep insd", CODE_32, { 0xF3, 0x6D }, 2, 2, 4, SEG_ES, 4, true, true },
	{ "fs rep outsb", CODE_32, { 0x64, 0xF3, 0x6E }, 3, 3, 4, SEG_FS, 1, false, true },
	{ "fs a16 rep outsb", CODE_32, { 0x64, 0x67, 0xF3, 0x6E }, 4, 4, 2, SEG_FS, 1, false, true },
	{ "cs insb: INS ignores the override", CODE_32, { 0x2E, 0x6C }, 2, 2, 4, SEG_ES, 1, true, false },
	{ "ss outsb, the last override wins", CODE_32, { 0x26, 0x36, 0x6E }, 3, 3, 4, SEG_SS, 1, false, false },
	{ "rep outsw in 16-bit code", CODE_16, { 0xF3, 0x6F }, 2, 2, 2, SEG_DS, 2, false, true },
	{ "o32 a32 rep insd in 16-bit code", CODE_16, { 0x66, 0x67, 0xF3, 0x6D }, 4, 4, 4, SEG_ES, 4, true, true },
	{ "rep outsb in 64-bit code", CODE_64, { 0xF3, 0x6E }, 2, 2, 8, SEG_DS, 1, false, true },
	{ "a32 rep insb in 64-bit code", CODE_64, { 0x67, 0xF3, 0x6C }, 3, 3, 4, SEG_ES, 1, true, true },
	{ "REX.W outsd stays 4 bytes", CODE_64, { 0x48, 0x6F }, 2, 2, 8, SEG_DS, 4, false, false },
	{ "gs rep outsd in 64-bit code", CODE_64, { 0x65, 0xF3, 0x6F }, 3, 3, 8, SEG_GS, 4, false, true },
};

static void decodes_string_io(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		const struct string_case *c = &strings[i];
		struct string_io_insn insn;
		const char *err = insn_decode_string_io(c->bytes, c->n, c->mode, &insn);
		if (err)
			fail_msg("%s: %s", c->what, err);
		if (insn.len != c->len || insn.addr_size != c->addr_size || insn.seg != c->seg ||
		    insn.size != c->size || insn.in != c->in || insn.rep != c->rep)
			fail_msg("%s: len %u addr %u seg %u size %u in %d rep %d", c->what, insn.len,
				 insn.addr_size, insn.seg, insn.size, insn.in, insn.rep);
	}
	struct string_io_insn insn;
	assert_non_null(insn_decode_string_io((const u8[]){ 0xEE }, 1, CODE_32, &insn)); /* out dx, al */
	assert_non_null(insn_decode_string_io((const u8[]){ 0xF3, 0x66 }, 2, CODE_32, &insn));
	assert_non_null(insn_decode_string_io((const u8[]){ 0x6E }, 0, CODE_32, &insn));
}

/* No length ever exceeds the bytes there were, or 15. */
static void length_is_bounded(void **state)
{
	(void)state;
	u8 bytes[16];
	for (u32 seed = 1; seed < 200000; seed++) {
		u32 x = seed * 2654435761u;
		for (int i = 0; i < 16; i++, x = x * 1103515245u + 12345u)
			bytes[i] = (u8)(x >> 16);
		bytes[x % 4] = (u8)(0x89 + (x >> 8) % 3);
		u32 n = 1 + (x >> 4) % 16;
		struct mmio_insn insn;
		enum code_mode mode = (enum code_mode)(seed % 3);
		if (!insn_decode_mov(bytes, n, mode, &insn)) {
			assert_true(insn.len <= n && insn.len <= INSN_MAX_LEN);
			assert_true(insn.reg >= INSN_REG_NONE && insn.reg < 16);
		}
		struct string_io_insn sio;
		bytes[x % 4] = (u8)(0x6C + (x >> 8) % 4);
		if (!insn_decode_string_io(bytes, n, mode, &sio)) {
			assert_true(sio.len <= n && sio.len <= INSN_MAX_LEN);
			assert_true(sio.seg < SEG_TR && (sio.size == 1 || sio.size == 2 || sio.size == 4));
		}
	}
}

static struct cr_insn cr_write(const u8 *b, u32 n, enum code_mode mode)
{
	struct cr_insn insn = { .len = 0xFF };
	assert_null(insn_decode_cr_write(b, n, mode, &insn));
	return insn;
}

/* MOV to CR (0F 22 /r), CLTS (0F 06), LMSW r16 (0F 01 /6): what a CR0/CR4 intercept stops. */
static void decodes_control_register_writes(void **state)
{
	(void)state;
	static const u8 mov_cr0_eax[] = { 0x0F, 0x22, 0xC0 }, mov_cr4_r9[] = { 0x41, 0x0F, 0x22, 0xE1 },
			lock_mov_cr8[] = { 0xF0, 0x0F, 0x22, 0xC3 }, clts[] = { 0x0F, 0x06 },
			lmsw_dx[] = { 0x0F, 0x01, 0xF2 }, lmsw_mem[] = { 0x0F, 0x01, 0x30 },
			mov_from_cr0[] = { 0x0F, 0x20, 0xC0 };
	struct cr_insn i = cr_write(mov_cr0_eax, 3, CODE_32);
	assert_int_equal(i.kind, CR_INSN_MOV_TO);
	assert_int_equal(i.cr, 0);
	assert_int_equal(i.gpr, 0);
	assert_int_equal(i.len, 3);
	i = cr_write(mov_cr4_r9, 4, CODE_64);
	assert_int_equal(i.cr, 4);
	assert_int_equal(i.gpr, 9);
	assert_int_equal(i.len, 4);
	i = cr_write(lock_mov_cr8, 4, CODE_32); /* AMD's CR8 from 32-bit code */
	assert_int_equal(i.cr, 8);
	assert_int_equal(i.gpr, 3);
	i = cr_write(clts, 2, CODE_32);
	assert_int_equal(i.kind, CR_INSN_CLTS);
	assert_int_equal(i.len, 2);
	i = cr_write(lmsw_dx, 3, CODE_64);
	assert_int_equal(i.kind, CR_INSN_LMSW);
	assert_int_equal(i.gpr, 2);
	struct cr_insn out;
	assert_non_null(insn_decode_cr_write(lmsw_mem, 3, CODE_32, &out));
	assert_non_null(insn_decode_cr_write(mov_from_cr0, 3, CODE_32, &out));
	assert_non_null(insn_decode_cr_write(mov_cr0_eax, 2, CODE_32, &out)); /* truncated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_mov_forms),
		cmocka_unit_test(refuses_the_rest),
		cmocka_unit_test(decodes_string_io),
		cmocka_unit_test(length_is_bounded),
		cmocka_unit_test(decodes_control_register_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
