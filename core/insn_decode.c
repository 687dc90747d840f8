#include "core/insn_decode.h"

#define REX_W BIT(3)
#define REX_R BIT(2)

static bool is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65: /* segments */
	case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
		return true;
	default:
		return false;
	}
}

/* Bytes taken by ModRM, SIB and displacement (32/64-bit addressing). */
static u32 modrm_len(const u8 *p, u32 avail)
{
	u8 modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
	u32 len = 1;
	if (rm == 4) { /* SIB */
		if (avail < 2)
			return 0;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4; /* disp32, or RIP-relative in 64-bit code */
	}
	return len + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

static u64 read_le(const u8 *p, u32 n)
{
	u64 v = 0;
	for (u32 i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

const char *insn_decode_mov(const u8 *bytes, u32 avail, enum code_mode mode,
			    struct mmio_insn *out)
{
	u32 i = 0;
	bool opsize16 = false, addr_override = false;
	u8 rex = 0;
	if (avail > INSN_MAX_LEN)
		avail = INSN_MAX_LEN;
	while (i < avail && is_legacy_prefix(bytes[i])) {
		opsize16 |= bytes[i] == 0x66;
		addr_override |= bytes[i] == 0x67;
		i++;
	}
	if (mode == CODE_64 && i < avail && (bytes[i] & 0xF0) == 0x40)
		rex = bytes[i++];
	if (i >= avail)
		return "instruction truncated";
	if (mode == CODE_32 && addr_override)
		return "16-bit addressing is not emulated";
	*out = (struct mmio_insn){ .size = rex & REX_W ? 8 : opsize16 ? 2 : 4,
				   .reg = INSN_REG_NONE };
	u8 op = bytes[i++];
	switch (op) {
	case 0x89: /* mov r/m, reg */
	case 0x8B: /* mov reg, r/m */
	case 0xC7: { /* mov r/m, imm32 (sign-extended for 64-bit) */
		if (i >= avail)
			return "instruction truncated";
		u8 modrm = bytes[i];
		if (modrm >> 6 == 3)
			return "register operand where memory was accessed";
		if (op == 0xC7 && (modrm >> 3 & 7) != 0)
			return "unknown C7 instruction";
		u32 m = modrm_len(bytes + i, avail - i);
		if (!m || i + m > avail)
			return "instruction truncated";
		i += m;
		out->write = op != 0x8B;
		if (op == 0xC7) {
			u32 n = out->size == 2 ? 2 : 4;
			if (i + n > avail)
				return "instruction truncated";
			out->imm = read_le(bytes + i, n);
			if (out->size == 8)
				out->imm = (u64)(s64)(s32)out->imm;
			i += n;
		} else {
			out->reg = (s8)((modrm >> 3 & 7) | (rex & REX_R ? 8 : 0));
		}
		break;
	}
	case 0xA1: /* mov eax, [moffs] */
	case 0xA3: { /* mov [moffs], eax */
		u32 n = mode == CODE_64 && !addr_override ? 8 : 4;
		if (i + n > avail)
			return "instruction truncated";
		i += n;
		out->write = op == 0xA3;
		out->reg = 0;
		break;
	}
	default:
		return "not a MOV to or from memory";
	}
	out->len = (u8)i;
	return NULL;
}
