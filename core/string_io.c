#include "core/string_io.h"
#include "arch/cpu.h"

static u64 address_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : addr_size == 4 ? 0xFFFFFFFFULL : 0xFFFF;
}

/* SI, DI or CX changed by the instruction, by address size: 32-bit writes zero-extend. */
static u64 step(u64 reg, s64 delta, u8 addr_size)
{
	u64 sum = reg + (u64)delta;
	if (addr_size == 2)
		return (reg & ~0xFFFFULL) | (sum & 0xFFFF);
	return addr_size == 4 ? (u32)sum : sum;
}

static bool canonical(u64 la) { return (u64)((s64)(la << 16) >> 16) == la; }

/* Ends the run with a fault (or a stop), keeping the count of what already moved. */
static bool end_run(struct string_io_result *res, enum string_io_end end, u8 vector, u32 error,
		    u64 cr2, const char *why)
{
	res->end = end;
	res->vector = vector;
	res->error = error;
	res->cr2 = cr2;
	res->why = why;
	return false;
}

/* SDM vol. 1, 3.4.2 and vol. 3, 5.3-5.4: the segment checks of one element's access. */
static const char *segment_check(const struct string_io *op, u64 offset)
{
	const struct guest_segment *s = &op->seg;
	u64 last = offset + op->insn.size - 1;
	if (op->mode == CODE_64)
		return canonical(s->base + offset) && canonical(s->base + last)
			       ? NULL : "non-canonical address";
	if (op->protected_mode) {
		if ((s->ar & SEG_AR_UNUSABLE) || !(s->ar & SEG_AR_P))
			return "null or not-present segment";
		bool code = s->ar & SEG_AR_TYPE_CODE, rw = s->ar & SEG_AR_TYPE_WRITABLE;
		if (op->insn.in && (code || !rw))
			return "INS into a segment that is not writable data";
		if (!op->insn.in && code && !rw)
			return "OUTS from an execute-only code segment";
	}
	bool down = !(s->ar & SEG_AR_TYPE_CODE) && (s->ar & SEG_AR_TYPE_DATA_DOWN);
	u64 top = down ? (s->ar & SEG_AR_DB ? 0xFFFFFFFFULL : 0xFFFF) : s->limit;
	u64 bottom = down ? (u64)s->limit + 1 : 0;
	return offset < bottom || last > top ? "beyond the segment limit" : NULL;
}

/* One element's guest-physical pieces (two when it crosses a page), or the #PF. */
struct pieces {
	u64 gpa[2];
	u32 len[2];
};

static bool translate(const struct string_io *op, u64 la, struct pieces *p,
		      struct string_io_result *res)
{
	u32 size = op->insn.size, first = (u32)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
	p->len[0] = first < size ? first : size;
	p->len[1] = size - p->len[0];
	u32 access = (op->insn.in ? PF_ERR_WRITE : 0) | (op->user ? PF_ERR_USER : 0) |
		     (op->ac ? 0 : WALK_SMAP);
	for (int i = 0; i < 2 && p->len[i]; i++) {
		u64 at = i ? la + p->len[0] : la;
		if (op->mode != CODE_64)
			at &= 0xFFFFFFFF;
		u32 pf_error;
		const char *err = guest_translate(op->mem, &op->paging, at, access, &p->gpa[i], &pf_error);
		if (err)
			return pf_error == PF_ERR_NONE ? end_run(res, STRING_IO_STOP, 0, 0, 0, err)
				: end_run(res, STRING_IO_FAULT, VEC_PF, pf_error, at, err);
	}
	return true;
}

/* Moves one element between memory and the port; false when the run ends here. */
static bool move(const struct string_io *op, const struct pieces *p, string_io_port_fn port,
		 void *ctx, struct string_io_result *res)
{
	u8 data[4] = { 0xFF, 0xFF, 0xFF, 0xFF }; /* what reads of no RAM return */
	bool outside = false;
	for (int i = 0; i < 2; i++)
		outside |= p->len[i] && !gmem_contains(op->mem, p->gpa[i], p->len[i]);
	if (outside && !op->unbacked_ones)
		return end_run(res, STRING_IO_STOP, 0, 0, 0, "its memory operand is outside guest RAM");
	res->unbacked += outside;
	u32 val = 0;
	if (!op->insn.in) {
		gmem_read(op->mem, p->gpa[0], data, p->len[0]);
		if (p->len[1])
			gmem_read(op->mem, p->gpa[1], data + p->len[0], p->len[1]);
		for (u32 i = 0; i < op->insn.size; i++)
			val |= (u32)data[i] << (8 * i);
	}
	if (!port(ctx, op->port, op->insn.size, op->insn.in, &val))
		return end_run(res, STRING_IO_PORT_ENDED, 0, 0, 0, "the port ended the guest");
	if (op->insn.in) {
		for (u32 i = 0; i < op->insn.size; i++)
			data[i] = (u8)(val >> (8 * i));
		gmem_write(op->mem, p->gpa[0], data, p->len[0]); /* outside RAM: dropped */
		if (p->len[1])
			gmem_write(op->mem, p->gpa[1], data + p->len[0], p->len[1]);
	}
	res->elements++;
	return true;
}

struct string_io_result string_io_run(const struct string_io *op, struct string_io_regs *r,
				      u32 budget, string_io_port_fn port, void *ctx)
{
	struct string_io_result res = { .end = STRING_IO_DONE };
	u8 as = op->insn.addr_size;
	u64 mask = address_mask(as), *index = op->insn.in ? &r->rdi : &r->rsi;
	s64 delta = op->df ? -(s64)op->insn.size : (s64)op->insn.size;
	while (!op->insn.rep || (r->rcx & mask)) {
		if (res.elements == budget) {
			res.end = STRING_IO_PAUSED;
			return res;
		}
		u64 offset = *index & mask;
		const char *bad = segment_check(op, offset);
		if (bad) {
			end_run(&res, STRING_IO_FAULT, op->insn.seg == SEG_SS ? VEC_SS : VEC_GP, 0, 0, bad);
			return res;
		}
		u64 la = op->seg.base + offset;
		struct pieces p;
		if (!translate(op, op->mode == CODE_64 ? la : la & 0xFFFFFFFF, &p, &res) ||
		    !move(op, &p, port, ctx, &res))
			return res;
		*index = step(*index, delta, as);
		if (!op->insn.rep)
			break;
		r->rcx = step(r->rcx, -1, as);
	}
	return res;
}
