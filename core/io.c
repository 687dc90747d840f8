/*
 * Guest port I/O: COM1 (a 16550A, core/uart.c) is forwarded line by line with
 * the guest's name as prefix, a write to the debug-exit port ends the guest, one to the
 * bench mark port prints the vCPU's exit counts (core/abi.h), a reset request
 * (port 0xCF9, the 8042's pulse) stops it, fw_cfg answers
 * (core/fw_cfg.c), every other port is denied (reads all ones, writes
 * dropped) and counted. IN/OUT and the string forms INS/OUTS (core/string_io.c)
 * reach the same ports.
 */
#include "core/exit.h"
#include "arch/cpu.h"
#include "arch/log.h"
#include "core/guest_insn.h"
#include "core/string_io.h"
#include "core/vcpu_events.h"

/*
 * Elements a REP INS/OUTS moves per exit: then RIP stays on the instruction
 * and the guest re-executes it, so a huge count never keeps pmuvisor from its
 * watchdog and timers, and interrupts come in between, as on the CPU.
 */
#define STRING_IO_ELEMENTS_PER_EXIT 256

static void flush_line(struct vcpu *v)
{
	v->line[v->line_len] = '\0';
	log_raw("[%s] %s", v->vm->name, v->line);
	v->line_len = 0;
}

static void com1_send(struct vcpu *v, u8 byte)
{
	if (byte == '\r')
		return;
	if (byte == '\n' || v->line_len == sizeof(v->line) - 1) {
		flush_line(v);
		if (byte == '\n')
			return;
	}
	v->line[v->line_len++] = (char)byte;
}

static void bench_mark(struct vcpu *v, u32 id)
{
	char line[512]; /* a log line's room */
	bench_mark_format(line, sizeof(line), v->vm->name, id, rdtsc(), &v->exits,
			  pmu_access_total(&v->pmu.stats));
	log_raw("%s", line);
}

/*
 * What a PC resets on: the reset control register's RST_CPU bit (the FADT's
 * RESET_REG names it) and the 8042's reset pulse command. pmuvisor does not
 * restart a guest: the request stops it, on purpose, with status 0.
 */
static bool is_reset_request(u16 port, bool in, u32 val)
{
	return !in && ((port == GUEST_RESET_PORT && (val & BIT(2))) ||
		       (port == GUEST_8042_COMMAND_PORT && (u8)val == GUEST_8042_PULSE_RESET));
}

/* One access of `size` bytes to a port; false when it ended the guest. */
static bool port_access(void *ctx, u16 port, u8 size, bool in, u32 *val)
{
	struct vcpu *v = ctx;
	u32 mask = size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
	u32 in_value = mask; /* denied reads return all ones */
	if (port >= GUEST_COM1_PORT && port < GUEST_COM1_PORT + 8) {
		u16 reg = port - GUEST_COM1_PORT;
		if (in)
			in_value = uart_read(&v->com1, reg);
		else if (uart_write(&v->com1, reg, (u8)*val))
			com1_send(v, (u8)*val);
	} else if (port == FW_CFG_PORT_SEL && !in && size == 2) {
		fw_cfg_select(&v->fw_cfg, (u16)*val);
	} else if (port == FW_CFG_PORT_DATA && in && size == 1) {
		in_value = fw_cfg_read(&v->fw_cfg, v->vm->mem.size);
	} else if (port == GUEST_DEBUG_EXIT_PORT && !in) {
		if (v->line_len)
			flush_line(v);
		vcpu_exit_itself(v, (int)(*val & mask), "debug-exit port");
		return false;
	} else if (is_reset_request(port, in, *val)) {
		if (v->line_len)
			flush_line(v);
		vcpu_stop(v, 0, port == GUEST_RESET_PORT ? "reset (port 0xcf9)" : "reset (8042)");
		return false;
	} else if (port == GUEST_BENCH_MARK_PORT && !in && size == 4) {
		bench_mark(v, *val);
	} else {
		v->exits.denied_io++;
	}
	if (in)
		*val = in_value & mask;
	return true;
}

/* What the exit does not give on every CPU (segment, address size) comes from the instruction. */
static bool describe_string_io(struct vcpu *v, const struct exit_info *e, struct string_io *op)
{
	u8 bytes[INSN_MAX_LEN];
	enum code_mode mode;
	u32 n = vcpu_fetch_insn(v, bytes, &mode);
	const char *err = n ? insn_decode_string_io(bytes, n, mode, &op->insn)
			    : "its instruction could not be fetched";
	if (!err && (op->insn.in != e->io.in || op->insn.size != e->io.size))
		err = "the instruction at RIP is not the one that exited";
	if (err) {
		pr_err("%s: string I/O on port 0x%x at rip=0x%lx: %s", v->vm->name, e->io.port,
		       vcpu_ops->get_reg(v, VREG_RIP), err);
		vcpu_stop(v, 1, "string i/o");
		return false;
	}
	u64 cr0 = vcpu_ops->get_reg(v, VREG_CR0), rflags = vcpu_ops->get_reg(v, VREG_RFLAGS);
	op->port = e->io.port;
	op->insn.rep = e->io.rep;
	op->mode = mode;
	op->protected_mode = (cr0 & CR0_PE) && !(rflags & RFLAGS_VM);
	op->df = rflags & RFLAGS_DF;
	op->user = vcpu_ops->get_reg(v, VREG_CPL) == 3;
	op->ac = rflags & RFLAGS_AC;
	vcpu_ops->get_segment(v, (enum seg_reg)op->insn.seg, &op->seg);
	if (mode == CODE_64 && op->insn.seg != SEG_FS && op->insn.seg != SEG_GS)
		op->seg.base = 0; /* 64-bit mode ignores the other bases */
	op->paging = vcpu_paging(v);
	op->mem = &v->vm->mem;
	op->unbacked_ones = v->vm->cfg->unbacked == UNBACKED_ONES;
	return true;
}

static void handle_string_io(struct vcpu *v, const struct exit_info *e)
{
	struct string_io op;
	if (!describe_string_io(v, e, &op))
		return;
	/*
	 * With RFLAGS.TF the CPU traps after each iteration (SDM vol. 3,
	 * "Single-Step Exception Condition"): then one element per exit.
	 */
	bool stepping = vcpu_ops->get_reg(v, VREG_RFLAGS) & RFLAGS_TF;
	struct string_io_regs r = { v->regs.rsi, v->regs.rdi, v->regs.rcx };
	struct string_io_result res = string_io_run(
		&op, &r, stepping ? 1 : STRING_IO_ELEMENTS_PER_EXIT, port_access, v);
	v->regs.rsi = r.rsi;
	v->regs.rdi = r.rdi;
	v->regs.rcx = r.rcx;
	v->exits.unbacked += res.unbacked;
	switch (res.end) {
	case STRING_IO_DONE:
		vcpu_skip_instruction(v, e, op.insn.len);
		break;
	case STRING_IO_PAUSED:
		if (stepping) /* RIP stays on the REP; the last iteration's trap comes with its end */
			vcpu_raise_debug_trap(v, DR6_BS);
		break;
	case STRING_IO_PORT_ENDED:
		break;
	case STRING_IO_FAULT:
		pr_debug("%s: string I/O on port 0x%x: %s: exception %u", v->vm->name, op.port,
			 res.why, res.vector);
		if (res.vector == VEC_PF)
			vcpu_set_reg(v, VREG_CR2, res.cr2);
		vcpu_raise_exception(v, res.vector, true, res.error);
		break;
	case STRING_IO_STOP:
		pr_err("%s: string I/O on port 0x%x at rip=0x%lx: %s", v->vm->name, op.port,
		       vcpu_ops->get_reg(v, VREG_RIP), res.why);
		vcpu_stop(v, 1, "npf");
		break;
	}
}

void handle_io(struct vcpu *v, const struct exit_info *e)
{
	if (e->io.string) {
		handle_string_io(v, e);
		return;
	}
	u32 mask = e->io.size == 4 ? 0xFFFFFFFFu : (1u << (e->io.size * 8)) - 1;
	u32 val = (u32)v->regs.rax;
	if (!port_access(v, e->io.port, e->io.size, e->io.in, &val))
		return;
	if (e->io.in) /* AL and AX merge; EAX, as every 32-bit register write, zero-extends */
		v->regs.rax = e->io.size == 4 ? val : (v->regs.rax & ~(u64)mask) | val;
	vcpu_skip_instruction(v, e, 0);
}
