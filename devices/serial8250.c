// SPDX-License-Identifier: MIT
/*
 * serial8250.c - a 16550A UART, the PC's COM port.
 *
 * Register model (offsets from port=, default 0x3f8, COM1):
 *
 *   0  RBR (read) / THR (write); DLL when LCR.DLAB is set
 *   1  IER; DLM when LCR.DLAB is set
 *   2  IIR (read) / FCR (write)
 *   3  LCR   4  MCR   5  LSR   6  MSR   7  SCR
 *
 * Transmission is instant: THR is always empty again by the time the guest
 * can look, so LSR always shows THRE|TEMT and every THR write re-arms the
 * THRE interrupt.  Received bytes go through a 16-byte RX FIFO (a 1-byte
 * holding register with FIFOs off).  Line speed and framing (divisor, LCR)
 * are kept for read-back only.
 *
 * Output goes to a host output stream (&modvmm_host.stream_open), the
 * console backend every console device shares: buffered and written in
 * as few write() calls as the guest's pace allows (when the buffer is
 * full, on newline if the output is a terminal, a few ms after the first
 * unflushed byte), never blocking the machine.  The sync, reset and exit
 * hooks flush it.
 *
 * Reset (--reboot): the registers as after the chip's master reset, the
 * IRQ line low; the divisor latch, the scratch register, the options,
 * the files and the input not yet received are kept.
 *
 * Input is read from the fd only when the host says it is readable (fds
 * that cannot be watched, like regular files, are always readable), into a
 * software backlog of BACKLOG_SIZE bytes that feeds the RX FIFO as the
 * guest drains it, so pasted input is not lost to overruns.  The fd is
 * unwatched while the backlog is full.  Overrun (LSR.OE) happens only when
 * the guest loops THR bytes back faster than it reads them.
 *
 * Console escape, only when the input is the console (in=stdin): Ctrl-A
 * then 'x' stops the run with status 20; Ctrl-A Ctrl-A sends one Ctrl-A;
 * Ctrl-A then any other byte sends both bytes.
 *
 * Every instance keeps all its state in its own struct serial8250, so
 * COM1-COM4 can run at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <modvmm/device.h>

/* Register offsets. */
#define UART_RBR	0	/* also THR, DLL */
#define UART_IER	1	/* also DLM */
#define UART_IIR	2	/* also FCR */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7
#define UART_NR_REGS	8

#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* THR empty */
#define IER_ELSI	0x04	/* receiver line status */
#define IER_EDSSI	0x08	/* modem status */
#define IER_MASK	0x0f	/* the 16550A has no upper IER bits */

#define IIR_MSI		0x00
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFO	0xc0	/* both set: 16550A with working FIFOs */

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_KEPT	0xc9	/* enable, DMA mode, RX trigger level */

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08	/* gates the IRQ line on a PC */
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LSR_ERRORS	0x1e	/* OE, PE, FE, BI: cleared by reading LSR */

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_DELTAS	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
/* Outside loopback the line looks connected: a guest waiting for CTS/DCD
 * would otherwise never send. */
#define MSR_CONNECTED	(MSR_CTS | MSR_DSR | MSR_DCD)

/* Kconfig's console UART defaults; plain COM1 when built outside the tree. */
#ifndef CONFIG_SERIAL_PORT
#define CONFIG_SERIAL_PORT	0x3f8
#endif
#ifndef CONFIG_SERIAL_IRQ
#define CONFIG_SERIAL_IRQ	4
#endif
#define SERIAL_STR(x)	#x
#define SERIAL_XSTR(x)	SERIAL_STR(x)

#define RX_FIFO_SIZE	16
#define BACKLOG_SIZE	4096
#define ESCAPE_CHAR	0x01		/* Ctrl-A */
#define MAX_IRQ		23		/* the IOAPIC's last pin */
#define MAX_PORT	0xfff8		/* the 8 registers end at 0xffff */

struct serial8250 {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	uint64_t base;
	unsigned int irq;
	int irq_level;

	uint8_t ier, lcr, mcr, msr, scr, dll, dlm, fcr;
	uint8_t lsr_errors;	/* latched until the guest reads LSR */
	uint8_t last_rx;	/* what RBR reads when the FIFO is empty */
	int thri_pending;
	unsigned int rx_head, rx_count;
	uint8_t rx[RX_FIFO_SIZE];

	struct modvmm_stream *out;	/* NULL: output discarded */

	int in_fd;		/* -1: no input */
	int in_owned;
	int in_console;		/* stdin: the escape sequence applies */
	int in_watched;
	int in_always_ready;	/* cannot be watched: read on demand */
	int in_done;		/* EOF, error or stop requested */
	int esc_pending;
	unsigned int bl_head, bl_count;
	uint8_t backlog[BACKLOG_SIZE];
};

static const struct modvmm_range_ops serial_ops;

/* ---- interrupts ------------------------------------------------------ */

/* The highest-priority enabled condition, as IIR bits 0-3 report it. */
static uint8_t serial_iir_id(const struct serial8250 *u)
{
	if ((u->ier & IER_ELSI) && u->lsr_errors)
		return IIR_RLSI;
	if ((u->ier & IER_ERBFI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_ETBEI) && u->thri_pending)
		return IIR_THRI;
	if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NONE;
}

/* The line is level; tell the host only when it changes. */
static void serial_update_irq(struct serial8250 *u)
{
	int level = serial_iir_id(u) != IIR_NONE && (u->mcr & MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		u->host->irq_set(u->dev, u->irq, level);
	}
}

/* Recompute MSR's line bits from MCR and latch the delta bits. */
static void serial_update_msr(struct serial8250 *u)
{
	uint8_t lines = MSR_CONNECTED, changed, delta = 0;

	if (u->mcr & MCR_LOOP) {
		lines = 0;
		if (u->mcr & MCR_RTS)
			lines |= MSR_CTS;
		if (u->mcr & MCR_DTR)
			lines |= MSR_DSR;
		if (u->mcr & MCR_OUT1)
			lines |= MSR_RI;
		if (u->mcr & MCR_OUT2)
			lines |= MSR_DCD;
	}
	changed = (uint8_t)(u->msr ^ lines);
	if (changed & MSR_CTS)
		delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		delta |= MSR_DDSR;
	if (changed & MSR_DCD)
		delta |= MSR_DDCD;
	/* RI reports only its trailing edge. */
	if ((u->msr & MSR_RI) && !(lines & MSR_RI))
		delta |= MSR_TERI;
	u->msr = (uint8_t)(lines | (u->msr & MSR_DELTAS) | delta);
}

/* ---- receiver -------------------------------------------------------- */

static unsigned int serial_rx_capacity(const struct serial8250 *u)
{
	return (u->fcr & FCR_ENABLE) ? RX_FIFO_SIZE : 1;
}

static void serial_rx_clear(struct serial8250 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* A byte reaches the receiver, from the line or through loopback. */
static void serial_rx_push(struct serial8250 *u, uint8_t c)
{
	if (u->rx_count >= serial_rx_capacity(u)) {
		u->lsr_errors |= LSR_OE;
		/* A 16450 overwrites RBR; a 16550 FIFO keeps its bytes. */
		if (!(u->fcr & FCR_ENABLE))
			u->rx[u->rx_head] = c;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % RX_FIFO_SIZE] = c;
	u->rx_count++;
}

static uint8_t serial_rx_pop(struct serial8250 *u)
{
	if (u->rx_count) {
		u->last_rx = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % RX_FIFO_SIZE;
		u->rx_count--;
	}
	return u->last_rx;
}

static void serial_backlog_put(struct serial8250 *u, uint8_t c)
{
	if (u->bl_count >= BACKLOG_SIZE)
		return;		/* cannot happen: reads are sized to fit */
	u->backlog[(u->bl_head + u->bl_count) % BACKLOG_SIZE] = c;
	u->bl_count++;
}

/* One byte from the input fd; returns -1 when the escape stopped the run. */
static int serial_in_byte(struct serial8250 *u, uint8_t c)
{
	if (u->in_console) {
		if (u->esc_pending) {
			u->esc_pending = 0;
			if (c == 'x') {
				u->host->request_stop(u->dev, MODVMM_STATUS_STOPPED);
				return -1;
			}
			if (c != ESCAPE_CHAR)
				serial_backlog_put(u, ESCAPE_CHAR);
		} else if (c == ESCAPE_CHAR) {
			u->esc_pending = 1;
			return 0;
		}
	}
	serial_backlog_put(u, c);
	return 0;
}

static void serial_in_unwatch(struct serial8250 *u)
{
	if (u->in_watched)
		u->host->fd_unwatch(u->dev, u->in_fd);
	u->in_watched = 0;
}

static void serial_in_stop(struct serial8250 *u)
{
	serial_in_unwatch(u);
	u->in_done = 1;
}

/*
 * Read what the input has into the backlog.  Only called when the fd is
 * readable, so read() does not block; we never set O_NONBLOCK on a shared
 * stdin, as that would also affect whatever else uses the same open file
 * (often the terminal's stdout).
 */
static void serial_in_read(struct serial8250 *u)
{
	uint8_t buf[BACKLOG_SIZE];
	size_t room = BACKLOG_SIZE - u->bl_count;
	ssize_t n, i;

	/* One spare byte: a pending Ctrl-A may expand into two bytes. */
	if (room < 2) {
		serial_in_unwatch(u);
		return;
	}
	n = read(u->in_fd, buf, room - 1);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		u->host->log(u->dev, MODVMM_LOG_WARN, "input: read: %s",
			     strerror(errno));
		serial_in_stop(u);
		return;
	}
	if (n == 0) {
		serial_in_stop(u);
		return;
	}
	u->host->stat_add(u->dev, "rx_bytes", (uint64_t)n);
	for (i = 0; i < n; i++) {
		if (serial_in_byte(u, buf[i])) {
			serial_in_stop(u);
			return;
		}
	}
	if (BACKLOG_SIZE - u->bl_count < 2)
		serial_in_unwatch(u);
}

static void serial_in_fd_ready(void *opaque, int fd);

/*
 * Watch the input fd.  epoll refuses fds without poll support, such as
 * regular files and /dev/null; those are always readable, so they are
 * read on demand instead, when the guest looks at the receiver.
 */
static void serial_in_watch(struct serial8250 *u)
{
	if (u->in_watched || u->in_always_ready)
		return;
	if (u->host->fd_watch(u->dev, u->in_fd, serial_in_fd_ready, u))
		u->in_always_ready = 1;
	else
		u->in_watched = 1;
}

/* Ask for more input while the backlog is at most half full. */
static void serial_in_resume(struct serial8250 *u)
{
	if (u->in_done || u->in_fd < 0 || u->bl_count > BACKLOG_SIZE / 2)
		return;
	serial_in_watch(u);
	if (u->in_always_ready)
		serial_in_read(u);
}

/*
 * Move backlog bytes into the RX FIFO while it has room.  This happens
 * when the guest looks (LSR, RBR, IIR) or listens (IER.ERBFI), not as soon
 * as input arrives: input that is there before the guest sets the UART up
 * must not be lost to its FIFO reset.  In loopback the receiver is cut
 * off from the line, so the backlog waits.
 */
static void serial_rx_refill(struct serial8250 *u)
{
	serial_in_resume(u);
	while (u->bl_count && !(u->mcr & MCR_LOOP) &&
	       u->rx_count < serial_rx_capacity(u)) {
		serial_rx_push(u, u->backlog[u->bl_head]);
		u->bl_head = (u->bl_head + 1) % BACKLOG_SIZE;
		u->bl_count--;
	}
}

/* The host saw the input fd readable. */
static void serial_in_fd_ready(void *opaque, int fd)
{
	struct serial8250 *u = opaque;

	(void)fd;
	if (!u->in_watched)
		return;
	serial_in_read(u);
	/* An interrupt-driven guest hears of it now, a polling one when it
	 * next reads LSR. */
	if (u->ier & IER_ERBFI)
		serial_rx_refill(u);
	serial_update_irq(u);
}

/* ---- transmitter ----------------------------------------------------- */

static void serial_out_put(struct serial8250 *u, uint8_t c)
{
	if (u->out)
		u->host->stream_write(u->out, &c, 1);
}

static void serial_out_flush(struct serial8250 *u)
{
	if (u->out)
		u->host->stream_flush(u->out);
}

/* ---- registers ------------------------------------------------------- */

/*
 * What the chip's master reset does (the 16550A datasheet's reset table):
 * IER, FCR, LCR and MCR 0, so IIR 0x01, LSR 0x60 and MSR's delta bits 0
 * (its line bits follow the modem lines); the FIFO emptied.  The divisor
 * latch and the scratch register are not reset.
 */
static void serial_master_reset(struct serial8250 *u)
{
	u->ier = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->fcr = 0;
	u->lsr_errors = 0;
	u->thri_pending = 0;
	u->last_rx = 0;
	serial_rx_clear(u);
	u->msr = MSR_CONNECTED;
}

static void serial_power_on(struct serial8250 *u)
{
	serial_master_reset(u);
	u->scr = 0;
	/* Undefined at power-on; 12 is 9600 baud, as a BIOS sets. */
	u->dll = 12;
	u->dlm = 0;
}

static uint8_t serial_lsr(const struct serial8250 *u)
{
	return (uint8_t)((u->rx_count ? LSR_DR : 0) | u->lsr_errors |
			 LSR_THRE | LSR_TEMT);
}

static void serial_write_thr(struct serial8250 *u, uint8_t v)
{
	if (u->mcr & MCR_LOOP)
		serial_rx_push(u, v);
	else
		serial_out_put(u, v);
	/* Sent at once: THR is empty again, which re-raises THRE. */
	u->thri_pending = 1;
}

static void serial_write_ier(struct serial8250 *u, uint8_t v)
{
	v &= IER_MASK;
	/* Enabling ETBEI while THR is empty (it always is) interrupts. */
	if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
		u->thri_pending = 1;
	u->ier = v;
	if (v & IER_ERBFI)
		serial_rx_refill(u);
}

static void serial_write_fcr(struct serial8250 *u, uint8_t v)
{
	/* Switching the FIFOs on or off empties them. */
	if ((v ^ u->fcr) & FCR_ENABLE)
		serial_rx_clear(u);
	/* The other bits only take with FCR0 set.  FCR2 (TX reset) has
	 * nothing to clear: transmission is instant. */
	if (!(v & FCR_ENABLE)) {
		u->fcr = 0;
	} else {
		if (v & FCR_CLEAR_RX)
			serial_rx_clear(u);
		u->fcr = v & FCR_KEPT;
	}
}

static void serial_write_mcr(struct serial8250 *u, uint8_t v)
{
	u->mcr = v & MCR_MASK;
	serial_update_msr(u);
}

static uint64_t serial_read(void *opaque, const struct modvmm_access *a)
{
	struct serial8250 *u = opaque;
	uint8_t v, id;

	switch (a->offset) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB) {
			v = u->dll;
			break;
		}
		serial_rx_refill(u);
		v = serial_rx_pop(u);
		break;
	case UART_IER:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_IIR:
		serial_rx_refill(u);
		id = serial_iir_id(u);
		/* Reading IIR acknowledges THRE when it is what IIR shows. */
		if (id == IIR_THRI)
			u->thri_pending = 0;
		v = (uint8_t)(id | ((u->fcr & FCR_ENABLE) ? IIR_FIFO : 0));
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		serial_rx_refill(u);
		v = serial_lsr(u);
		u->lsr_errors = 0;
		break;
	case UART_MSR:
		v = u->msr;
		u->msr &= (uint8_t)~MSR_DELTAS;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	default:
		return 0xff;
	}
	serial_update_irq(u);
	return v;
}

static void serial_write(void *opaque, const struct modvmm_access *a,
			 uint64_t val)
{
	struct serial8250 *u = opaque;
	uint8_t v = (uint8_t)val;

	switch (a->offset) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			serial_write_thr(u, v);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else
			serial_write_ier(u, v);
		break;
	case UART_IIR:
		serial_write_fcr(u, v);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		serial_write_mcr(u, v);
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:
		/* LSR and MSR writes are factory test modes: ignored. */
		return;
	}
	serial_update_irq(u);
}

static const struct modvmm_range_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
	.sizes = MODVMM_SIZE_1,
};

/* ---- set-up ---------------------------------------------------------- */

/* Option @key as a number up to @max; @range says so in the error. */
static int serial_parse_u64(struct serial8250 *u, const char *key,
			    uint64_t def, uint64_t max, const char *range,
			    uint64_t *out)
{
	if (u->host->opt_u64(u->dev, key, def, out)) {
		u->host->set_error(u->dev, "option %s=%s: not a number", key,
				   u->host->opt_str(u->dev, key, ""));
		return -1;
	}
	if (*out > max) {
		u->host->set_error(u->dev, "option %s=%s: out of range (%s)",
				   key, u->host->opt_str(u->dev, key, ""), range);
		return -1;
	}
	return 0;
}

static int serial_open_out(struct serial8250 *u)
{
	const struct modvmm_host *h = u->host;
	const char *out = h->opt_str(u->dev, "out", NULL);
	const char *file = h->opt_str(u->dev, "file", NULL);
	char path[4096];

	if (out && file) {
		h->set_error(u->dev, "options out= and file= both given");
		return -1;
	}
	if (file)
		out = file;
	else if (!out)
		out = "stdout";
	if (!*out) {
		h->set_error(u->dev, "option %s=: empty", file ? "file" : "out");
		return -1;
	}
	if (!file && !strcmp(out, "null"))
		return 0;
	if (!MODVMM_HOST_HAS(h, stream_close)) {
		h->set_error(u->dev, "this modvmm is older than the plugin (no stream_open)");
		return -1;
	}
	/* file=stdout is a file called stdout, not the stream */
	snprintf(path, sizeof(path), "%s%s", file && !strchr(out, '/') ?
		 "./" : "", out);
	u->out = h->stream_open(u->dev, path);
	if (!u->out) {
		h->set_error(u->dev, "option %s=%s: %s",
			     file ? "file" : "out", out, strerror(errno));
		return -1;
	}
	return 0;
}

static int serial_open_in(struct serial8250 *u)
{
	const struct modvmm_host *h = u->host;
	const char *in = h->opt_str(u->dev, "in", "stdin");

	if (!*in) {
		h->set_error(u->dev, "option in=: empty");
		return -1;
	}
	if (!strcmp(in, "null"))
		return 0;
	if (!strcmp(in, "stdin")) {
		if (!h->console_acquire(u->dev)) {
			h->log(u->dev, MODVMM_LOG_INFO,
			       "console input belongs to another device; input is null");
			return 0;
		}
		u->in_fd = STDIN_FILENO;
		u->in_console = 1;
	} else {
		/* Our own open file: O_NONBLOCK touches nobody else. */
		u->in_fd = open(in, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (u->in_fd < 0) {
			h->set_error(u->dev, "option in=%s: %s", in,
				     strerror(errno));
			return -1;
		}
		u->in_owned = 1;
	}
	serial_in_watch(u);
	return 0;
}

static void serial_release(struct serial8250 *u)
{
	serial_in_unwatch(u);
	if (u->in_owned)
		close(u->in_fd);
	if (u->out)
		u->host->stream_close(u->out);	/* flushes what is left */
	free(u);
}

static int serial_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		       void **priv)
{
	struct serial8250 *u = calloc(1, sizeof(*u));
	uint64_t irq;

	if (!u) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	u->dev = dev;
	u->host = host;
	u->in_fd = -1;
	serial_power_on(u);
	if (serial_parse_u64(u, "port", CONFIG_SERIAL_PORT, MAX_PORT,
			     "0-" SERIAL_XSTR(MAX_PORT), &u->base) ||
	    serial_parse_u64(u, "irq", CONFIG_SERIAL_IRQ, MAX_IRQ,
			     "0-" SERIAL_XSTR(MAX_IRQ), &irq))
		goto fail;
	u->irq = (unsigned int)irq;
	/* Claim the ports before opening files, so a clash truncates none. */
	if (host->register_range(dev, MODVMM_SPACE_PIO, u->base, UART_NR_REGS,
				 &serial_ops, u)) {
		host->set_error(dev, "cannot claim ports %#llx-%#llx",
				(unsigned long long)u->base,
				(unsigned long long)u->base + UART_NR_REGS - 1);
		goto fail;
	}
	if (serial_open_out(u) || serial_open_in(u))
		goto fail;
	*priv = u;
	return 0;
fail:
	serial_release(u);
	return -1;
}

static void serial_exit(void *priv)
{
	serial_release(priv);
}

static void serial_sync(void *priv)
{
	serial_out_flush(priv);
}

/*
 * A platform reset: the master reset, the line low.  Output the guest
 * sent is written out now, not lost; the backlog of host input not yet
 * received stays for the next boot, as bytes still on the wire would.
 */
static void serial8250_reset(void *priv)
{
	struct serial8250 *u = priv;

	serial_out_flush(u);
	serial_master_reset(u);
	u->irq_level = 0;
	u->host->irq_set(u->dev, u->irq, 0);
}

static const struct modvmm_option serial_options[] = {
	{ "port", "I/O port base of the 8 registers",
	  SERIAL_XSTR(CONFIG_SERIAL_PORT) },
	{ "irq", "interrupt line (0-23)", SERIAL_XSTR(CONFIG_SERIAL_IRQ) },
	{ "out", "transmit to stdout, stderr, null or a file PATH", "stdout" },
	{ "file", "transmit to file PATH (same as out=PATH)", NULL },
	{ "in", "receive from stdin (the console; Ctrl-A x quits), null or a file PATH",
	  "stdin" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl serial_ranges[] = {
	{ MODVMM_SPACE_PIO, CONFIG_SERIAL_PORT, UART_NR_REGS },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(serial8250) = {
	MODVMM_DESC_HEADER,
	.name = "serial8250",
	.license = "MIT",
	.description = "16550A UART (PC COM port) with console and file I/O",
	.options = serial_options,
	.init = serial_init,
	.exit = serial_exit,
	.sync = serial_sync,
	.reset = serial8250_reset,
	.ranges = serial_ranges,
};
