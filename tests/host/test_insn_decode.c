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
		if (!insn_decode_mov(bytes, n, (seed & 1) ? CODE_64 : CODE_32, &insn)) {
			assert_true(insn.len <= n && insn.len <= INSN_MAX_LEN);
			assert_true(insn.reg >= INSN_REG_NONE && insn.reg < 16);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_mov_forms),
		cmocka_unit_test(refuses_the_rest),
		cmocka_unit_test(length_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
