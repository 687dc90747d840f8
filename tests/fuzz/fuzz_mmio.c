/*
 * What an MMIO, string I/O or control-register exit reads from the guest:
 * its page tables, instruction bytes, registers and segments, all
 * guest-controlled. The input is guest RAM plus the paging state; the walk
 * must stay inside RAM, the decoders inside the bytes they got, and string
 * I/O (registers and segment derived from the same input) inside RAM and
 * its budget.
 */
#include <stdlib.h>
#include <string.h>
#include "arch/cpu.h"
#include "core/guest_walk.h"
#include "core/insn_decode.h"
#include "core/string_io.h"

#define HEADER 40
#define BUDGET 64

static bool any_port(void *ctx, u16 port, u8 size, bool in, u32 *val)
{
	(void)ctx, (void)size;
	if (in)
		*val = port * 0x01010101u;
	return port != 0xF4;
}

/* One INS/OUTS run with what the input gives: it may fault or stop, never stray. */
static void string_io(const struct guest_mem *mem, const struct paging_state *ps, u64 rip,
		      const struct string_io_insn *insn, enum code_mode mode)
{
	struct string_io op = {
		.insn = *insn, .port = (u16)(ps->efer >> 16), .mode = mode,
		.protected_mode = ps->cr0 & CR0_PE, .df = rip & 1, .user = rip & 2,
		.seg = { ps->cr3 >> 12, (u32)rip, (u32)(ps->cr0 >> 32) },
		.paging = *ps, .mem = mem, .unbacked_ones = rip & 4,
	};
	struct string_io_regs r = { rip ^ ps->cr3, rip + ps->cr4, ps->efer & 0x3FF };
	struct string_io_result res = string_io_run(&op, &r, BUDGET, any_port, NULL);
	if (res.elements > BUDGET || (res.end == STRING_IO_PAUSED && res.elements != BUDGET))
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static u8 ram[64 * 1024];
	if (size < HEADER)
		return 0;
	struct paging_state ps;
	u64 rip;
	memcpy(&ps, data, sizeof(ps));
	memcpy(&rip, data + sizeof(ps), 8);
	size_t n = size - HEADER < sizeof(ram) ? size - HEADER : sizeof(ram);
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + HEADER, n);
	const struct guest_mem mem = { ram, sizeof(ram) };

	u8 bytes[INSN_MAX_LEN];
	u32 got = guest_read_linear(&mem, &ps, rip, bytes, sizeof(bytes));
	if (got > sizeof(bytes))
		abort();
	for (int mode = CODE_16; mode <= CODE_64; mode++) {
		struct string_io_insn sio;
		if (!insn_decode_string_io(bytes, got, (enum code_mode)mode, &sio)) {
			if (sio.len == 0 || sio.len > got)
				abort();
			string_io(&mem, &ps, rip, &sio, (enum code_mode)mode);
		}
		struct mmio_insn insn;
		struct cr_insn cr;
		if (!insn_decode_cr_write(bytes, got, (enum code_mode)mode, &cr) &&
		    (cr.len == 0 || cr.len > got || cr.gpr < 0 || cr.gpr > 15 || cr.cr > 15))
			abort();
		if (insn_decode_mov(bytes, got, (enum code_mode)mode, &insn))
			continue;
		if (insn.len == 0 || insn.len > got || insn.reg < INSN_REG_NONE || insn.reg > 15 ||
		    (insn.size != 2 && insn.size != 4 && insn.size != 8))
			abort();
	}
	return 0;
}
