#include "core/uart.h"

enum { THR_RBR_DLL, IER_DLM, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define LCR_DLAB BIT(7)
#define IER_THRI BIT(1)
#define IER_MASK 0x0F
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_FIFOS 0xC0
#define FCR_ENABLE_FIFO BIT(0)
#define MCR_LOOP BIT(4)
#define MCR_MASK 0x1F
#define LSR_TX_EMPTY (BIT(5) | BIT(6)) /* THRE and TEMT */
#define MSR_CONNECTED (BIT(4) | BIT(5) | BIT(7)) /* CTS, DSR, DCD: a line is attached */

/* In loopback the modem inputs follow the outputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
static u8 loopback_msr(u8 mcr)
{
	return (u8)((mcr & BIT(1) ? BIT(4) : 0) | (mcr & BIT(0) ? BIT(5) : 0) |
		    (mcr & BIT(2) ? BIT(6) : 0) | (mcr & BIT(3) ? BIT(7) : 0));
}

u8 uart_read(const struct uart *u, u16 offset)
{
	bool dlab = u->lcr & LCR_DLAB;
	switch (offset) {
	case THR_RBR_DLL: return dlab ? u->dll : 0;
	case IER_DLM: return dlab ? u->dlm : u->ier;
	case IIR_FCR:
		return (u8)((u->fifo ? IIR_FIFOS : 0) | (u->ier & IER_THRI ? IIR_THRI : IIR_NO_INT));
	case LCR: return u->lcr;
	case MCR: return u->mcr;
	case LSR: return LSR_TX_EMPTY;
	case MSR: return u->mcr & MCR_LOOP ? loopback_msr(u->mcr) : MSR_CONNECTED;
	case SCR: return u->scr;
	}
	return 0xFF;
}

bool uart_write(struct uart *u, u16 offset, u8 val)
{
	bool dlab = u->lcr & LCR_DLAB;
	switch (offset) {
	case THR_RBR_DLL:
		if (dlab)
			u->dll = val;
		return !dlab && !(u->mcr & MCR_LOOP);
	case IER_DLM:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & IER_MASK;
		return false;
	case IIR_FCR: u->fifo = val & FCR_ENABLE_FIFO; return false;
	case LCR: u->lcr = val; return false;
	case MCR: u->mcr = val & MCR_MASK; return false;
	case SCR: u->scr = val; return false;
	}
	return false; /* LSR and MSR are read-only */
}
