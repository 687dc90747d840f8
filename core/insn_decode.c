#include "core/insn_decode.h"

#define REX_W BIT(3)
#define REX_R BIT(2)

/* The legacy prefixes (and REX in 64-bit code) in front of an opcode. */
struct prefixes {
	u32 len;
	bool opsize, addrsize, rep;
	s8 seg; /* enum seg_reg of the last segment override, or -1 */
	u8 rex;
};

static s8 segment_override(u8 b)
{
	switch (b) {
	case 0x26: return SEG_ES;
	case 0x2E: return SEG_CS;
	case 0x36: return SEG_SS;
	case 0x3E: return SEG_DS;
	case 0x64: return SEG_FS;
	case 0x65: return SEG_GS;
	default: return -1;
	}
}

/* Also bounds *avail by the longest instruction there is. */
static struct prefixes read_prefixes(const u8 *bytes, u32 *avail_io, enum code_mode mode)
{
	struct prefixes p = { .seg = -1 };
	if (*avail_io > INSN_MAX_LEN)
		*avail_io = INSN_MAX_LEN;
	u32 avail = *avail_io;
	for (; p.len < avail; p.len++) {
		u8 b = bytes[p.len];
		if (segment_override(b) >= 0)
			p.seg = segment_override(b);
		else if (b == 0x66)
			p.opsize = true;
		else if (b == 0x67)
			p.addrsize = true;
		else if (b == 0xF2 || b == 0xF3)
			p.rep = true;
		else if (b != 0xF0)
			break;
	}
	/* REX counts only right before the opcode; in other modes 40-4F are opcodes */
	if (mode == CODE_64 && p.len < avail && (bytes[p.len] & 0xF0) == 0x40)
		p.rex = bytes[p.len++];
	return p;
}

/* Address size in bytes: the mode's default, switched by 67. */
static u8 address_size(enum code_mode mode, bool override)
{
	if (mode == CODE_64)
		return override ? 4 : 8;
	return (mode == CODE_16) != override ? 2 : 4;
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
	struct prefixes p = read_prefixes(bytes, &avail, mode);
	u32 i = p.len;
	if (i >= avail)
		return "instruction truncated";
	if (address_size(mode, p.addrsize) == 2)
		return "16-bit addressing is not emulated";
	*out = (struct mmio_insn){ .size = p.rex & REX_W ? 8 : (mode == CODE_16) != p.opsize ? 2 : 4,
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
			out->reg = (s8)((modrm >> 3 & 7) | (p.rex & REX_R ? 8 : 0));
		}
		break;
	}
	case 0xA1: /* mov eax, [moffs] */
	case 0xA3: { /* mov [moffs], eax */
		u32 n = address_size(mode, p.addrsize);
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

const char *insn_decode_string_io(const u8 *bytes, u32 avail, enum code_mode mode,
				  struct string_io_insn *out)
{
	struct prefixes p = read_prefixes(bytes, &avail, mode);
	if (p.len >= avail)
		return "instruction truncated";
	u8 op = bytes[p.len];
	if (op < 0x6C || op > 0x6F)
		return "not INS or OUTS";
	bool in = op <= 0x6D;
	*out = (struct string_io_insn){
		.len = (u8)(p.len + 1),
		.addr_size = address_size(mode, p.addrsize),
		/* INS always writes through ES; only OUTS takes a segment override */
		.seg = (u8)(in || p.seg < 0 ? (in ? SEG_ES : SEG_DS) : p.seg),
		.in = in,
		.rep = p.rep,
		/* REX.W does not widen INS/OUTS: the port takes at most 4 bytes */
		.size = !(op & 1) ? 1 : (mode == CODE_16) != p.opsize ? 2 : 4,
	};
	return NULL;
}

#define REX_B BIT(0)

/*
 * The instructions a CR0/CR4 write intercept stops (AMD-V without decode
 * assists): MOV to CR (0F 22, always a register operand; LOCK selects CR8
 * on AMD), CLTS (0F 06) and LMSW with a register (0F 01 /6, mod 3).
 */
const char *insn_decode_cr_write(const u8 *bytes, u32 avail, enum code_mode mode,
				 struct cr_insn *out)
{
	struct prefixes p = read_prefixes(bytes, &avail, mode);
	bool lock = false;
	for (u32 k = 0; k < p.len; k++)
		lock |= bytes[k] == 0xF0;
	u32 i = p.len;
	if (i + 2 > avail)
		return "instruction truncated";
	if (bytes[i] != 0x0F)
		return "not a control-register write";
	u8 op = bytes[i + 1];
	i += 2;
	if (op == 0x06) {
		*out = (struct cr_insn){ .len = (u8)i, .kind = CR_INSN_CLTS };
		return NULL;
	}
	if (op != 0x22 && op != 0x01)
		return "not a control-register write";
	if (i >= avail)
		return "instruction truncated";
	u8 modrm = bytes[i++], reg = modrm >> 3 & 7, rm = modrm & 7;
	if (op == 0x01) {
		if (reg != 6)
			return "not a control-register write";
		if (modrm >> 6 != 3)
			return "LMSW with a memory operand is not emulated";
		*out = (struct cr_insn){ .len = (u8)i, .kind = CR_INSN_LMSW,
					 .gpr = (s8)(rm | (p.rex & REX_B ? 8 : 0)) };
		return NULL;
	}
	*out = (struct cr_insn){ .len = (u8)i, .kind = CR_INSN_MOV_TO,
				 .cr = (u8)(reg | (p.rex & REX_R ? 8 : 0) | (lock ? 8 : 0)),
				 .gpr = (s8)(rm | (p.rex & REX_B ? 8 : 0)) };
	return NULL;
}
