/*
 * Just enough of an x86 decoder for the instructions pmuvisor emulates.
 * MMIO: the MOV forms compilers emit for a volatile 32- or 64-bit load or
 * store (8B, 89, C7 /0, A1, A3), with prefixes; the faulting address comes
 * from the exit, the decoder only finds the direction, the register or
 * immediate, the access size and the instruction's length. String I/O (INS,
 * OUTS): what the exit does not say on every CPU, the segment of the memory
 * operand and the address size. Host-testable and fuzzed.
 */
#ifndef CORE_INSN_DECODE_H
#define CORE_INSN_DECODE_H

#include "arch/cpu.h"

#define INSN_MAX_LEN 15
#define INSN_REG_NONE (-1) /* the stored value is insn.imm */

/* The default operand and address size of the code that runs (CS.D, CS.L, CR0.PE). */
enum code_mode { CODE_16, CODE_32, CODE_64 };


struct mmio_insn {
	u8 len;   /* bytes, prefixes included */
	u8 size;  /* bytes accessed: 2, 4 or 8 */
	bool write;
	s8 reg;   /* GPR in encoding order (0 rax, 1 rcx, ... 15 r15) or INSN_REG_NONE */
	u64 imm;
};

/* Decodes bytes[0..avail); NULL on success, else what it could not decode. */
const char *insn_decode_mov(const u8 *bytes, u32 avail, enum code_mode mode,
			    struct mmio_insn *out);

/* INS or OUTS (6C-6F), REP or not. */
struct string_io_insn {
	u8 len;       /* bytes, prefixes included */
	u8 addr_size; /* 2, 4 or 8: which of SI/ESI/RSI, DI/.., CX/.. count */
	u8 seg;       /* enum seg_reg of the memory operand: ES for INS, DS or the override for OUTS */
	bool in, rep;
	u8 size;      /* bytes per element: 1, 2 or 4 */
};

const char *insn_decode_string_io(const u8 *bytes, u32 avail, enum code_mode mode,
				  struct string_io_insn *out);
enum cr_insn_kind { CR_INSN_MOV_TO, CR_INSN_CLTS, CR_INSN_LMSW };

struct cr_insn {
	u8 len;
	enum cr_insn_kind kind;
	u8 cr;   /* MOV to CR: the register written */
	s8 gpr;  /* MOV's source, LMSW's operand: GPR in encoding order */
};

/* Decodes a CR0/CR4 write (MOV to CR, CLTS, LMSW); NULL on success, else why not. */
const char *insn_decode_cr_write(const u8 *bytes, u32 avail, enum code_mode mode,
				 struct cr_insn *out);

#endif
