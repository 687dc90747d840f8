/*
 * Guest port I/O: COM1 is forwarded line by line with the guest's name as
 * prefix, a write to the debug-exit port ends the guest, fw_cfg answers
 * (core/fw_cfg.c), every other port is denied (reads all ones, writes
 * dropped) and counted.
 */
#include "core/exit.h"
#include "arch/log.h"

#define COM1_LSR_OFFSET 5
#define LSR_THR_EMPTY (BIT(5) | BIT(6))

static void flush_line(struct vcpu *v)
{
	v->line[v->line_len] = '\0';
	log_raw("[%s] %s", v->vm->name, v->line);
	v->line_len = 0;
}

static void com1_write(struct vcpu *v, u16 offset, u8 byte)
{
	if (offset != 0) /* divisor, line control ...: accepted, nothing to model */
		return;
	if (byte == '\r')
		return;
	if (byte == '\n' || v->line_len == sizeof(v->line) - 1) {
		flush_line(v);
		if (byte == '\n')
			return;
	}
	v->line[v->line_len++] = (char)byte;
}

static u32 com1_read(u16 offset)
{
	return offset == COM1_LSR_OFFSET ? LSR_THR_EMPTY : 0;
}

void handle_io(struct vcpu *v, const struct exit_info *e)
{
	u16 port = e->io.port;
	u32 mask = e->io.size == 4 ? 0xFFFFFFFFu : (1u << (e->io.size * 8)) - 1;

	if (e->io.string) {
		pr_err("%s: string I/O (ins/outs) on port 0x%x is not emulated", v->vm->name, port);
		vcpu_stop(v, 1, "string i/o");
		return;
	}
	u32 in_value = mask; /* denied reads return all ones */
	if (port >= GUEST_COM1_PORT && port < GUEST_COM1_PORT + 8) {
		if (e->io.in)
			in_value = com1_read(port - GUEST_COM1_PORT);
		else
			com1_write(v, port - GUEST_COM1_PORT, (u8)v->regs.rax);
	} else if (port == FW_CFG_PORT_SEL && !e->io.in && e->io.size == 2) {
		fw_cfg_select(&v->fw_cfg, (u16)v->regs.rax);
	} else if (port == FW_CFG_PORT_DATA && e->io.in && e->io.size == 1) {
		in_value = fw_cfg_read(&v->fw_cfg, v->vm->mem.size);
	} else if (port == GUEST_DEBUG_EXIT_PORT && !e->io.in) {
		if (v->line_len)
			flush_line(v);
		vcpu_exit_itself(v, (int)((u32)v->regs.rax & mask), "debug-exit port");
		return;
	} else {
		v->exits.denied_io++;
	}
	if (e->io.in)
		v->regs.rax = (v->regs.rax & ~(u64)mask) | (in_value & mask);
	vcpu_skip_instruction(v, e, 0);
}
