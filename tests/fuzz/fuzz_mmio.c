/*
 * What an MMIO exit reads from the guest: its page tables and instruction
 * bytes, all guest-controlled. The input is guest RAM plus the paging state;
 * the walk must stay inside RAM and the decoder inside the bytes it got.
 */
#include <stdlib.h>
#include <string.h>
#include "arch/cpu.h"
#include "core/guest_walk.h"
#include "core/insn_decode.h"

#define HEADER 40

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
	struct mmio_insn insn;
	for (int mode = CODE_16; mode <= CODE_64; mode++) {
		if (insn_decode_mov(bytes, got, (enum code_mode)mode, &insn))
			continue;
		if (insn.len == 0 || insn.len > got || insn.reg < INSN_REG_NONE || insn.reg > 15 ||
		    (insn.size != 2 && insn.size != 4 && insn.size != 8))
			abort();
	}
	return 0;
}
