/*
 * String I/O (INS, OUTS, with or without REP) on the ports pmuvisor emulates,
 * done element by element as the CPU does it: the memory operand's offset
 * (SI or DI, by address size) is checked against its segment, translated
 * through the guest's page tables with the guest's rights, the element moves
 * between the port and guest memory, SI/DI step by the element size (down
 * with RFLAGS.DF) and a REP's count register counts down. A bad address
 * raises what the CPU would (#GP, #SS, #PF) with the registers as they stand
 * at that element. A long REP runs a bounded number of elements per exit
 * and leaves RIP on the instruction, so the guest re-executes it to go on
 * (interrupts and the watchdog come in between), as the CPU may. The ports
 * are a callback. Host-testable.
 */
#ifndef CORE_STRING_IO_H
#define CORE_STRING_IO_H

#include "core/guest_walk.h"
#include "core/insn_decode.h"

struct string_io {
	struct string_io_insn insn; /* direction, element size, address size, segment, REP */
	u16 port;
	enum code_mode mode;
	bool protected_mode;        /* CR0.PE=1 and not virtual-8086: segment types count */
	bool df;                    /* RFLAGS.DF: SI/DI step down */
	bool user;                  /* CPL 3: a user access for the page tables */
	bool ac;                    /* RFLAGS.AC: lifts SMAP for a supervisor access */
	struct guest_segment seg;   /* the memory operand's segment */
	struct paging_state paging;
	const struct guest_mem *mem;
	bool unbacked_ones;         /* no RAM there: reads all ones, writes dropped (else stop) */
};

struct string_io_regs {
	u64 rsi, rdi, rcx;
};

enum string_io_end {
	STRING_IO_DONE,      /* the instruction completed: RIP moves on */
	STRING_IO_PAUSED,    /* a REP ran its budget: RIP stays, the guest re-executes it */
	STRING_IO_FAULT,     /* raise vector (error, and CR2 for #PF); RIP stays */
	STRING_IO_PORT_ENDED, /* the port callback ended the guest (the debug-exit port) */
	STRING_IO_STOP,      /* nothing the CPU would do: stop the guest, `why` says why */
};

struct string_io_result {
	enum string_io_end end;
	u32 elements;  /* moved by this call */
	u32 unbacked;  /* of them, to or from guest-physical addresses with no RAM */
	u8 vector;     /* STRING_IO_FAULT: #GP, #SS or #PF, all with an error code */
	u32 error;
	u64 cr2;       /* #PF: the linear address that faulted */
	const char *why;
};

/* One port access; returns false when it ended the guest. *val is in (IN) or out (OUT). */
typedef bool (*string_io_port_fn)(void *ctx, u16 port, u8 size, bool in, u32 *val);

struct string_io_result string_io_run(const struct string_io *op, struct string_io_regs *r,
				      u32 budget, string_io_port_fn port, void *ctx);

#endif
