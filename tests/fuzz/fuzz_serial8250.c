// SPDX-License-Identifier: MIT
/*
 * fuzz_serial8250 - the 16550A UART under fuzzed register accesses, with
 * input from a pipe, the console (stdin) or a file, and output to a pipe.
 *
 * A reference model follows LCR, MCR, IER, FCR and the divisor latch as
 * the guest writes them and checks, from the 16550A datasheet:
 *  - every THR byte sent outside loopback reaches the output pipe once,
 *    in order; none while in loopback or with DLAB set (a DLL write);
 *  - LCR, MCR (bits 0-4), IER (bits 0-3), DLL, DLM and SCR read back;
 *  - IIR: bits 4-5 are 0, bits 6-7 are both set exactly when the FIFOs
 *    are on, bits 0-3 one of the defined interrupt identifications;
 *  - LSR: THRE and TEMT set (the model transmits at once), no parity,
 *    framing, break or FIFO errors on a virtual line;
 *  - MSR in loopback mirrors MCR (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2),
 *    outside it shows a connected line (CTS, DSR, DCD);
 *  - the IRQ line is high only with OUT2 set and some IER bit enabled,
 *    and low right after IIR read "no interrupt pending";
 *  - and from serial8250.c's own contract: nothing is held back past a
 *    sync or the exit hook, more than 5 ms of virtual time, or beyond
 *    its 4 KiB buffer; only Ctrl-A x on the console stops, with 20.
 */
#include <string.h>

#include "devfuzz.h"

#define FLUSH_DELAY_NS	5000000ull	/* serial8250.c: FLUSH_DELAY_NS */
#define OUT_BUF_SIZE	4096		/* serial8250.c: OUT_BUF_SIZE */

#define LCR_DLAB	0x80
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10

static struct {
	uint8_t lcr, mcr, ier, dll, dlm, scr;
	int fifo;
	struct devfuzz_outq out;
} m;

static void serial_reset(const struct devfuzz_ctx *c)
{
	(void)c;
	memset(&m, 0, sizeof(m));
	m.dll = 12;		/* serial_reset(): 9600 baud, as a BIOS sets */
}

/* MSR bits 4-7 for the current MCR. */
static uint8_t msr_lines(void)
{
	if (!(m.mcr & MCR_LOOP))
		return 0xb0;	/* CTS, DSR, DCD: a connected line */
	return (uint8_t)((m.mcr & 0x02) << 3 | (m.mcr & 0x01) << 5 |
			 (m.mcr & 0x04) << 4 | (m.mcr & 0x08) << 4);
}

static void check_iir(const struct devfuzz_ctx *c, uint8_t v)
{
	uint8_t id = v & 0x0f;

	FUZZ_ASSERT(!(v & 0x30));
	FUZZ_ASSERT((v & 0xc0) == (m.fifo ? 0xc0 : 0));
	FUZZ_ASSERT(id == 0x01 || id == 0x00 || id == 0x02 || id == 0x04 ||
		    id == 0x06 || id == 0x0c);
	/* INTR follows IIR bit 0 (gated by OUT2 on a PC) */
	if (id == 0x01)
		FUZZ_ASSERT(!c->irq_level[c->opt->irq]);
}

static void serial_read(const struct devfuzz_ctx *c, uint64_t off, uint8_t v)
{
	int dlab = m.lcr & LCR_DLAB;

	switch (off) {
	case 0:
		if (dlab)
			FUZZ_ASSERT(v == m.dll);
		break;
	case 1:
		FUZZ_ASSERT(v == (dlab ? m.dlm : m.ier));
		break;
	case 2:
		check_iir(c, v);
		break;
	case 3:
		FUZZ_ASSERT(v == m.lcr);
		break;
	case 4:
		FUZZ_ASSERT(v == m.mcr);
		break;
	case 5:
		FUZZ_ASSERT((v & 0x60) == 0x60);
		FUZZ_ASSERT(!(v & 0x9c));
		break;
	case 6:
		FUZZ_ASSERT((v & 0xf0) == msr_lines());
		break;
	default:
		FUZZ_ASSERT(v == m.scr);
		break;
	}
}

static void serial_write(const struct devfuzz_ctx *c, uint64_t off, uint8_t v)
{
	int dlab = m.lcr & LCR_DLAB;

	switch (off) {
	case 0:
		if (dlab)
			m.dll = v;
		else if (!(m.mcr & MCR_LOOP) &&
			 (c->opt->flags & DEVFUZZ_OUT_PIPE))
			devfuzz_outq_push(&m.out, v, c->now_ns);
		break;
	case 1:
		if (dlab)
			m.dlm = v;
		else
			m.ier = v & 0x0f;
		break;
	case 2:
		m.fifo = v & 1;
		break;
	case 3:
		m.lcr = v;
		break;
	case 4:
		m.mcr = v & 0x1f;
		break;
	case 7:
		m.scr = v;
		break;
	default:
		break;		/* LSR, MSR: factory test, ignored */
	}
}

static void serial_access(const struct devfuzz_ctx *c,
			  const struct modvmm_access *a, uint64_t val)
{
	if (a->is_write)
		serial_write(c, a->offset, (uint8_t)val);
	else
		serial_read(c, a->offset, (uint8_t)val);
}

static void serial_output(const struct devfuzz_ctx *c, const uint8_t *buf,
			  size_t len)
{
	(void)c;
	devfuzz_outq_out(&m.out, buf, len);
}

static void serial_check_step(const struct devfuzz_ctx *c,
			      enum devfuzz_step s)
{
	uint64_t oldest = devfuzz_outq_oldest(&m.out);

	if (s == DEVFUZZ_STEP_SYNC)
		FUZZ_ASSERT(!devfuzz_outq_pending(&m.out));
	FUZZ_ASSERT(devfuzz_outq_pending(&m.out) < OUT_BUF_SIZE);
	if (oldest)
		FUZZ_ASSERT(c->now_ns - oldest < FLUSH_DELAY_NS);
	if (c->irq_level[c->opt->irq])
		FUZZ_ASSERT((m.mcr & MCR_OUT2) && m.ier);
	if (c->stops) {
		FUZZ_ASSERT(c->opt->flags & DEVFUZZ_IN_STDIN);
		FUZZ_ASSERT(c->stop_status == 20);
	}
}

static void serial_check_end(const struct devfuzz_ctx *c)
{
	(void)c;
	FUZZ_ASSERT(!devfuzz_outq_pending(&m.out));
}

static const struct devfuzz_ops serial_checks = {
	.reset = serial_reset,
	.access = serial_access,
	.output = serial_output,
	.check_step = serial_check_step,
	.check_end = serial_check_end,
};

#define COM(port)	{ { MODVMM_SPACE_PIO, port, 8 } }

static const struct devfuzz_opt opts[] = {
	{ "out=null,in=null", 0, CONFIG_SERIAL_IRQ, COM(CONFIG_SERIAL_PORT) },
	{ "out=null", DEVFUZZ_IN_PIPE, CONFIG_SERIAL_IRQ,
	  COM(CONFIG_SERIAL_PORT) },
	{ "in=null,port=0xfff8,irq=23", DEVFUZZ_OUT_PIPE, 23, COM(0xfff8) },
	/* console escape */
	{ "", DEVFUZZ_IN_STDIN | DEVFUZZ_OUT_PIPE, CONFIG_SERIAL_IRQ,
	  COM(CONFIG_SERIAL_PORT) },
	/* read on demand */
	{ "out=null", DEVFUZZ_IN_FILE, CONFIG_SERIAL_IRQ,
	  COM(CONFIG_SERIAL_PORT) },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("serial8250", &serial_checks, opts, 5, data, size);
}
