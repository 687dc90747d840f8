/*
 * Just enough of an x86 decoder for MMIO: the MOV forms compilers emit for
 * a volatile 32- or 64-bit load or store (8B, 89, C7 /0, A1, A3), in 32-bit
 * and 64-bit code, with prefixes. The faulting address comes from the exit;
 * the decoder only finds the direction, the register or immediate, the
 * access size and the instruction's length. Host-testable and fuzzed.
 */
#ifndef CORE_INSN_DECODE_H
#define CORE_INSN_DECODE_H

#include "arch/types.h"

#define INSN_MAX_LEN 15
#define INSN_REG_NONE (-1) /* the stored value is insn.imm */

enum code_mode { CODE_32, CODE_64 };

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

#endif
