// SPDX-License-Identifier: MIT
/*
 * Unit tests of the 16550A model in devices/serial8250.c, run on the
 * device test harness (the real core, virtual time): register reset values and read-back, DLAB, FIFO control,
 * loopback, interrupt priorities and the IRQ line, buffered output, input
 * from a file and from stdin (escape sequence), options, and a brute force
 * pass over every value at every register in every mode.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_util.h"

/* The defaults (Kconfig's, or COM1 without a configuration). */
#ifdef CONFIG_SERIAL_PORT
#define BASE	CONFIG_SERIAL_PORT
#else
#define BASE	0x3f8
#endif
#ifdef CONFIG_SERIAL_IRQ
#define IRQ	CONFIG_SERIAL_IRQ
#else
#define IRQ	4
#endif

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define DLL	RBR
#define DLM	IER
#define FCR	IIR
#define THR	RBR

static struct modvmm_dev *dev;

/* A fresh machine with one UART made with @opts; NULL if refused. */
static struct modvmm_dev *start(const char *opts)
{
	char spec[512];

	snprintf(spec, sizeof(spec), "serial8250,%s", opts);
	dev = unit_start(spec);
	return dev;
}

static void stop(void)
{
	harness_exit();
	dev = NULL;
}

static uint8_t rd(int off)
{
	return harness_inb((uint16_t)(BASE + off));
}

static void wr(int off, uint8_t v)
{
	harness_outb((uint16_t)(BASE + off), v);
}

static void wr_str(const char *s)
{
	while (*s)
		wr(THR, (uint8_t)*s++);
}

/* A file name private to this process. */
static const char *tmp_path(const char *name)
{
	static char buf[4][128];
	static int slot;
	char *p = buf[slot++ % 4];

	snprintf(p, sizeof(buf[0]), "/tmp/unit-serial8250-%d-%s",
		 (int)getpid(), name);
	return p;
}

static size_t file_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return (size_t)n;
}

static void file_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, data, len), len);
	close(fd);
}

/* What the device counted with stat_add (modvmm --stats). */
static uint64_t counted(const char *name)
{
	return harness_stat(dev, name);
}

static int init_null(void)
{
	return start("out=null,in=null") ? 0 : -1;
}

/* The built-in descriptors, as the core finds them (MODVMM_DEVICE()). */
extern const struct modvmm_device_desc *const __start_modvmm_devices[];
extern const struct modvmm_device_desc *const __stop_modvmm_devices[];

static const struct modvmm_device_desc *find_desc(const char *name)
{
	const struct modvmm_device_desc *const *d;

	for (d = __start_modvmm_devices; d < __stop_modvmm_devices; d++)
		if (!strcmp((*d)->name, name))
			return *d;
	return NULL;
}

UNIT_TEST(serial_descriptor)
{
	const struct modvmm_device_desc *d = find_desc("serial8250");
	const struct modvmm_option *o;
	int n = 0;

	CHECK(d != NULL);
	if (!d)
		return;
	CHECK(!strcmp(d->license, "MIT"));
	CHECK(d->description && !strchr(d->description, '\n'));
	CHECK(d->sync && d->exit);
	for (o = d->options; o && o->name; o++, n++)
		CHECK(o->help && *o->help);
	CHECK_EQ(n, 5);
}

UNIT_TEST(serial_reset_values)
{
	struct harness_range r;

	CHECK_EQ(init_null(), 0);
	CHECK_EQ(rd(IER), 0x00);
	CHECK_EQ(rd(IIR), 0x01);
	CHECK_EQ(rd(LCR), 0x00);
	CHECK_EQ(rd(MCR), 0x00);
	CHECK_EQ(rd(LSR), 0x60);
	CHECK_EQ(rd(MSR), 0xb0);
	CHECK_EQ(rd(MSR), 0xb0);	/* no delta bits to clear */
	CHECK_EQ(rd(SCR), 0x00);
	wr(LCR, 0x80);
	CHECK_EQ(rd(DLL), 12);		/* 9600 baud */
	CHECK_EQ(rd(DLM), 0);
	CHECK(harness_range(MODVMM_SPACE_PIO, BASE, &r));
	CHECK(r.dev == dev);
	CHECK_EQ(r.base, BASE);
	CHECK_EQ(r.len, 8);
	CHECK_EQ(r.sizes, MODVMM_SIZE_1);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	stop();
}

UNIT_TEST(serial_dlab_switching)
{
	CHECK_EQ(init_null(), 0);
	wr(IER, 0x05);
	wr(LCR, 0x83);
	CHECK_EQ(rd(LCR), 0x83);
	wr(DLL, 0x34);
	wr(DLM, 0x12);
	CHECK_EQ(rd(DLL), 0x34);
	CHECK_EQ(rd(DLM), 0x12);
	CHECK_EQ(rd(LSR) & 0x01, 0);	/* the DLL write sent nothing */
	wr(LCR, 0x03);
	CHECK_EQ(rd(IER), 0x05);	/* IER untouched by the DLM write */
	CHECK_EQ(rd(RBR), 0x00);	/* RBR, not DLL */
	wr(IER, 0x00);
	wr(LCR, 0x80);
	CHECK_EQ(rd(DLL), 0x34);
	CHECK_EQ(rd(DLM), 0x12);
	stop();
}

UNIT_TEST(serial_scratch_and_ier_mask)
{
	int v;

	CHECK_EQ(init_null(), 0);
	for (v = 0; v < 256; v++) {
		wr(SCR, (uint8_t)v);
		CHECK_EQ(rd(SCR), v);
	}
	wr(IER, 0xff);
	CHECK_EQ(rd(IER), 0x0f);
	wr(MCR, 0xff);
	CHECK_EQ(rd(MCR), 0x1f);
	stop();
}

UNIT_TEST(serial_fcr_fifo_bits)
{
	CHECK_EQ(init_null(), 0);
	wr(FCR, 0x01);
	CHECK_EQ(rd(IIR), 0xc1);
	wr(FCR, 0xc7);
	CHECK_EQ(rd(IIR), 0xc1);
	wr(FCR, 0x00);
	CHECK_EQ(rd(IIR), 0x01);
	wr(FCR, 0xfe);			/* no FCR0: nothing takes */
	CHECK_EQ(rd(IIR), 0x01);
	stop();
}

UNIT_TEST(serial_fifo_reset_clears_rx)
{
	CHECK_EQ(init_null(), 0);
	wr(FCR, 0x01);
	wr(MCR, 0x10);
	wr_str("abc");
	CHECK_EQ(rd(LSR), 0x61);
	wr(FCR, 0x03);			/* RX reset */
	CHECK_EQ(rd(LSR), 0x60);
	wr_str("d");
	CHECK_EQ(rd(LSR), 0x61);
	wr(FCR, 0x00);			/* switching FIFOs off empties them */
	CHECK_EQ(rd(LSR), 0x60);
	wr_str("e");
	wr(FCR, 0x01);			/* and switching them on */
	CHECK_EQ(rd(LSR), 0x60);
	stop();
}

UNIT_TEST(serial_loopback_data)
{
	const char *path = tmp_path("loop-out");
	char opts[256], buf[64];

	snprintf(opts, sizeof(opts), "out=%s,in=null", path);
	CHECK(start(opts) != NULL);
	wr(MCR, 0x10);
	wr(THR, 'A');
	CHECK_EQ(rd(LSR), 0x61);
	CHECK_EQ(rd(RBR), 'A');
	CHECK_EQ(rd(LSR), 0x60);
	CHECK_EQ(rd(RBR), 'A');		/* an empty RBR keeps the last byte */
	wr(MCR, 0x00);
	wr(THR, 'B');
	CHECK_EQ(rd(LSR), 0x60);	/* not looped back any more */
	harness_sync();
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 1);
	CHECK(!strcmp(buf, "B"));	/* the looped byte never went out */
	stop();
	unlink(path);
}

UNIT_TEST(serial_loopback_msr)
{
	CHECK_EQ(init_null(), 0);
	/* Entering loopback with MCR 0 drops CTS, DSR and DCD. */
	wr(MCR, 0x10);
	CHECK_EQ(rd(MSR), 0x0b);
	CHECK_EQ(rd(MSR), 0x00);	/* reading clears the deltas */
	wr(MCR, 0x11);			/* DTR -> DSR */
	CHECK_EQ(rd(MSR), 0x22);
	wr(MCR, 0x12);			/* RTS -> CTS, DSR drops */
	CHECK_EQ(rd(MSR), 0x13);
	wr(MCR, 0x14);			/* OUT1 -> RI, CTS drops */
	CHECK_EQ(rd(MSR), 0x41);
	wr(MCR, 0x10);			/* RI trailing edge */
	CHECK_EQ(rd(MSR), 0x04);
	wr(MCR, 0x14);
	CHECK_EQ(rd(MSR), 0x40);	/* RI leading edge: no TERI */
	wr(MCR, 0x18);			/* OUT2 -> DCD */
	CHECK_EQ(rd(MSR), 0x8c);
	wr(MCR, 0x1a);			/* the Linux loopback probe */
	CHECK_EQ(rd(MSR) & 0xf0, 0x90);
	wr(MCR, 0x1f);
	CHECK_EQ(rd(MSR) & 0xf0, 0xf0);
	wr(MCR, 0x00);			/* back on the line: connected */
	CHECK_EQ(rd(MSR), 0xb4);	/* RI fell: TERI */
	CHECK_EQ(rd(MSR), 0xb0);
	stop();
}

UNIT_TEST(serial_lsr_thre_temt)
{
	int i;

	CHECK_EQ(init_null(), 0);
	for (i = 0; i < 100; i++) {
		wr(THR, (uint8_t)i);
		CHECK_EQ(rd(LSR), 0x60);
	}
	wr(LSR, 0x00);			/* writes are ignored */
	CHECK_EQ(rd(LSR), 0x60);
	wr(MSR, 0x00);
	CHECK_EQ(rd(MSR), 0xb0);
	stop();
}

UNIT_TEST(serial_rx_overrun)
{
	int i;

	CHECK_EQ(init_null(), 0);
	wr(FCR, 0x07);
	wr(MCR, 0x10);
	for (i = 0; i < 16; i++)
		wr(THR, (uint8_t)('a' + i));
	CHECK_EQ(rd(LSR), 0x61);	/* 16 fit */
	wr(THR, 'X');
	CHECK_EQ(rd(LSR), 0x63);	/* the 17th overruns */
	CHECK_EQ(rd(LSR), 0x61);	/* OE clears on read */
	for (i = 0; i < 16; i++)
		CHECK_EQ(rd(RBR), 'a' + i);	/* the FIFO kept its bytes */
	CHECK_EQ(rd(LSR), 0x60);

	/* FIFOs off: one holding register, overwritten on overrun. */
	wr(FCR, 0x00);
	wr(THR, '1');
	CHECK_EQ(rd(LSR), 0x61);
	wr(THR, '2');
	CHECK_EQ(rd(LSR), 0x63);
	CHECK_EQ(rd(RBR), '2');
	CHECK_EQ(rd(LSR), 0x60);
	stop();
}

UNIT_TEST(serial_iir_priorities)
{
	CHECK_EQ(init_null(), 0);
	wr(MCR, 0x18);			/* loopback, OUT2 */
	wr(IER, 0x0f);
	wr(THR, 'a');
	wr(THR, 'b');			/* overrun */
	CHECK_EQ(harness_irq_level(IRQ), 1);
	CHECK_EQ(rd(IIR), 0x06);	/* line status first */
	CHECK_EQ(rd(IIR), 0x06);	/* IIR does not clear it */
	CHECK_EQ(rd(LSR), 0x63);
	CHECK_EQ(rd(IIR), 0x04);	/* then received data */
	CHECK_EQ(rd(RBR), 'b');
	CHECK_EQ(harness_irq_level(IRQ), 1);
	CHECK_EQ(rd(IIR), 0x02);	/* then THRE; this read acks it */
	CHECK_EQ(rd(IIR), 0x00);	/* then modem status */
	CHECK_EQ(harness_irq_level(IRQ), 1);
	rd(MSR);
	CHECK_EQ(rd(IIR), 0x01);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	/* With FIFOs the top bits come along. */
	wr(FCR, 0x01);
	wr(THR, 'c');
	CHECK_EQ(rd(IIR), 0xc4);
	stop();
}

UNIT_TEST(serial_thre_semantics)
{
	CHECK_EQ(init_null(), 0);
	CHECK_EQ(rd(IIR), 0x01);
	wr(IER, 0x02);			/* enabling ETBEI with THR empty */
	CHECK_EQ(rd(IIR), 0x02);
	CHECK_EQ(rd(IIR), 0x01);	/* acknowledged by that read */
	wr(IER, 0x02);			/* no new enable edge */
	CHECK_EQ(rd(IIR), 0x01);
	wr(THR, 'x');			/* THR empties again at once */
	CHECK_EQ(rd(IIR), 0x02);
	wr(THR, 'y');
	wr(IER, 0x00);
	CHECK_EQ(rd(IIR), 0x01);
	wr(IER, 0x02);
	CHECK_EQ(rd(IIR), 0x02);
	/* Reading IIR acks THRE only when IIR shows THRE. */
	wr(MCR, 0x10);
	wr(IER, 0x03);
	wr(THR, 'z');			/* RDA outranks THRE */
	CHECK_EQ(rd(IIR), 0x04);
	rd(RBR);
	CHECK_EQ(rd(IIR), 0x02);
	CHECK_EQ(rd(IIR), 0x01);
	stop();
}

UNIT_TEST(serial_irq_gated_by_out2)
{
	CHECK_EQ(init_null(), 0);
	wr(IER, 0x02);
	CHECK_EQ(harness_irq_level(IRQ), 0);	/* pending, but OUT2 is off */
	wr(MCR, 0x08);
	CHECK_EQ(harness_irq_level(IRQ), 1);
	CHECK_EQ(harness_irq_edges(IRQ), 1);
	wr(MCR, 0x00);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	wr(MCR, 0x08);
	CHECK_EQ(harness_irq_level(IRQ), 1);
	rd(IIR);			/* acks THRE */
	CHECK_EQ(harness_irq_level(IRQ), 0);
	wr(THR, '.');
	CHECK_EQ(harness_irq_level(IRQ), 1);
	wr(IER, 0x00);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	CHECK_EQ(harness_irq_edges(IRQ), 3);
	stop();

	/* irq= picks the line. */
	CHECK(start("irq=11,out=null,in=null") != NULL);
	wr(MCR, 0x08);
	wr(IER, 0x02);
	CHECK_EQ(harness_irq_level(11), 1);
	CHECK_EQ(harness_irq_level(IRQ), IRQ == 11);
	stop();
}

UNIT_TEST(serial_output_buffered)
{
	const char *path = tmp_path("out");
	char opts[256], buf[8192];
	int i;

	snprintf(opts, sizeof(opts), "out=%s,in=null", path);
	CHECK(start(opts) != NULL);
	wr_str("hello\nworld");
	/* Not a terminal: the newline does not flush. */
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 0);
	CHECK_EQ(counted("tx_writes"), 0);
	harness_sync();
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 11);
	CHECK(!strcmp(buf, "hello\nworld"));
	CHECK_EQ(counted("tx_writes"), 1);
	CHECK_EQ(counted("tx_bytes"), 11);

	/* The timer flushes a few ms after the first unflushed byte. */
	wr_str("!!");
	harness_advance(1000000);
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 11);
	wr_str("?");
	harness_advance(10000000);
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 14);
	CHECK(!strcmp(buf + 11, "!!?"));
	CHECK_EQ(counted("tx_writes"), 2);
	harness_sync();			/* nothing left: no write */
	CHECK_EQ(counted("tx_writes"), 2);

	/* A full buffer goes out at once. */
	for (i = 0; i < 5000; i++)
		wr(THR, (uint8_t)('0' + i % 10));
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 14 + 4096);
	CHECK_EQ(counted("tx_writes"), 3);
	CHECK_EQ(counted("tx_bytes"), 14 + 4096);
	/* exit flushes the rest (its counters go with the instance) */
	harness_device_remove(dev);
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 5014);
	CHECK_EQ(buf[5013], '9');
	stop();
	unlink(path);
}

UNIT_TEST(serial_output_file_synonym)
{
	const char *path = tmp_path("file");
	char opts[256], buf[64];

	snprintf(opts, sizeof(opts), "file=%s,in=null", path);
	CHECK(start(opts) != NULL);
	wr_str("via file=\n");
	harness_sync();
	file_read(path, buf, sizeof(buf));
	CHECK(!strcmp(buf, "via file=\n"));
	stop();
	unlink(path);
}

static int master_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

UNIT_TEST(serial_output_tty_newline)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	char opts[256], buf[64];
	ssize_t n;

	if (master < 0 || grantpt(master) || unlockpt(master)) {
		printf("# no pty: skipped\n");
		if (master >= 0)
			close(master);
		return;
	}
	snprintf(opts, sizeof(opts), "out=%s,in=null", ptsname(master));
	CHECK(start(opts) != NULL);
	fcntl(master, F_SETFL, O_NONBLOCK);
	wr_str("ab");
	CHECK(!master_readable(master, 50));	/* still buffered */
	wr_str("\n");
	CHECK(master_readable(master, 2000));
	n = read(master, buf, sizeof(buf));
	CHECK(n >= 3);
	CHECK(n >= 2 && buf[0] == 'a' && buf[1] == 'b');
	stop();
	close(master);
}

static int occurrences(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/*
 * A non-blocking stdout that is full: the timer keeps the rest and
 * retries; sync waits a bounded time and then drops it.
 */
UNIT_TEST(serial_output_eagain)
{
	static char buf[16384];
	int p[2], saved, i;
	ssize_t n;

	fflush(stdout);
	saved = dup(1);
	CHECK(saved >= 0 && pipe2(p, O_NONBLOCK) == 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	dup2(p[1], 1);
	CHECK(start("in=null") != NULL);
	for (i = 0; i < 6000; i++)		/* 4096 go out when full */
		wr(THR, 'x');
	CHECK_EQ(counted("tx_bytes"), 4096);
	harness_advance(10000000);		/* pipe full: kept */
	CHECK_EQ(counted("tx_bytes"), 4096);
	n = read(p[0], buf, sizeof(buf));
	CHECK_EQ(n, 4096);
	harness_advance(10000000);		/* room now: retried */
	CHECK_EQ(counted("tx_bytes"), 6000);
	n = read(p[0], buf, sizeof(buf));
	CHECK_EQ(n, 6000 - 4096);
	for (i = 0; i < 4200; i++)		/* more than the pipe holds */
		wr(THR, 'y');
	harness_sync();				/* ~1 s wait, then drop */
	CHECK_STR_CONTAINS(harness_log(), "serial8250: output blocked: nobody reads it; dropping output until it drains");
	CHECK_EQ(counted("tx_dropped"), 104);
	/* stalled: more output is dropped at once, said once */
	for (i = 0; i < 300; i++)
		wr(THR, 'z');
	harness_sync();
	CHECK_EQ(counted("tx_dropped"), 404);
	CHECK_EQ(occurrences(harness_log(), "dropping output until it drains"), 1);
	/* drained: output flows again */
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 4096);
	wr(THR, 'w');
	harness_sync();
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'w');
	stop();
	CHECK_STR_CONTAINS(harness_log(), "serial8250: 404 bytes of output dropped: its reader did not keep up");
	dup2(saved, 1);
	close(saved);
	close(p[0]);
	close(p[1]);
}

/*
 * A BLOCKING stdout that nobody reads (a pipe to a stalled reader, a
 * stopped terminal) must not block the vCPU thread: the UART writes
 * through a non-blocking description of its own (out_open), waits a
 * bounded time once, then drops.  Before, this test hung in write().
 * The shared stdout keeps its blocking flag.
 */
UNIT_TEST(serial_blocking_stdout_never_blocks)
{
	int p[2], saved, i;

	fflush(stdout);
	saved = dup(1);
	CHECK(saved >= 0 && pipe(p) == 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	dup2(p[1], 1);
	CHECK(start("in=null") != NULL);
	for (i = 0; i < 10000; i++)
		wr(THR, 'x');
	harness_sync();
	CHECK(counted("tx_dropped") > 0);
	CHECK_EQ(counted("tx_bytes") + counted("tx_dropped"), 10000);
	CHECK_EQ(fcntl(1, F_GETFL) & O_NONBLOCK, 0);
	stop();
	dup2(saved, 1);
	close(saved);
	close(p[0]);
	close(p[1]);
}

UNIT_TEST(serial_input_file)
{
	const char *path = tmp_path("in");
	char opts[256];

	file_write(path, "hi!", 3);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	CHECK(start(opts) != NULL);
	CHECK_EQ(harness_fds_watched(dev), 1);
	CHECK_EQ(rd(LSR), 0x60);	/* nothing before the watcher runs */
	wr(IER, 0x01);
	wr(MCR, 0x08);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	CHECK_EQ(harness_poll(), 1);
	CHECK_EQ(harness_irq_level(IRQ), 1);	/* raised from the watcher itself */
	CHECK_EQ(counted("rx_bytes"), 3);
	CHECK_EQ(rd(LSR), 0x61);
	CHECK_EQ(rd(IIR), 0x04);
	CHECK_EQ(rd(RBR), 'h');		/* FIFOs off: one at a time */
	CHECK_EQ(rd(RBR), 'i');
	CHECK_EQ(rd(RBR), '!');
	CHECK_EQ(rd(LSR), 0x60);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	harness_poll();			/* EOF: unwatched */
	CHECK_EQ(harness_fds_watched(dev), 0);
	CHECK_EQ(harness_poll(), 0);
	CHECK_EQ(rd(LSR), 0x60);
	stop();
	unlink(path);
}

UNIT_TEST(serial_input_backlog)
{
	const char *path = tmp_path("in-big");
	static char data[10000];
	char opts[256];
	int i, bad = 0, watch_dropped = 0;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)(' ' + i % 90);
	file_write(path, data, sizeof(data));
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	CHECK(start(opts) != NULL);
	wr(FCR, 0x01);
	/*
	 * Bytes not read yet wait in the backlog, never overrun, and the fd
	 * is left alone while the backlog is full.
	 */
	for (i = 0; i < (int)sizeof(data); i++) {
		if (!(rd(LSR) & 0x01))
			harness_poll();
		if (!harness_fds_watched(dev))
			watch_dropped = 1;
		if (i == 0) {
			harness_poll();
			harness_poll();
		}
		if ((rd(LSR) & 0x03) != 0x01 || rd(RBR) != (uint8_t)data[i])
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(watch_dropped);
	harness_poll();
	CHECK_EQ(rd(LSR), 0x60);
	stop();
	unlink(path);
}

UNIT_TEST(serial_loopback_holds_input)
{
	const char *path = tmp_path("in-loop");
	char opts[256];

	file_write(path, "L", 1);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	CHECK(start(opts) != NULL);
	wr(MCR, 0x10);
	harness_poll();
	CHECK_EQ(rd(LSR), 0x60);	/* the line is cut off in loopback */
	wr(MCR, 0x00);
	CHECK_EQ(rd(LSR), 0x61);
	CHECK_EQ(rd(RBR), 'L');
	stop();
	unlink(path);
}

/* Input that is there before the guest sets the UART up survives the
 * guest's FIFO reset: it enters the FIFO only when the guest looks. */
UNIT_TEST(serial_input_survives_fifo_reset)
{
	const char *path = tmp_path("in-early");
	char opts[256];

	file_write(path, "early", 5);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	CHECK(start(opts) != NULL);
	harness_poll();
	wr(FCR, 0x07);
	CHECK_EQ(rd(LSR), 0x61);
	CHECK_EQ(rd(RBR), 'e');
	wr(FCR, 0x07);			/* once in the FIFO, a reset drops it */
	CHECK_EQ(rd(LSR), 0x60);
	stop();
	unlink(path);
}

/*
 * fds epoll refuses (regular files, /dev/null): the core watches them
 * anyway and runs their watcher at every dispatch (harness_poll() here),
 * so every byte comes in, in order, and EOF ends the input quietly.
 */
UNIT_TEST(serial_input_unwatchable)
{
	const char *path = tmp_path("in-unwatchable");
	static char data[6000];
	char opts[256];
	int i, bad = 0;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	file_write(path, data, sizeof(data));
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	CHECK(start(opts) != NULL);
	CHECK_EQ(harness_fds_watched(dev), 1);
	wr(FCR, 0x01);
	for (i = 0; i < (int)sizeof(data); i++) {
		if (rd(LSR) != 0x61)
			harness_poll();
		if (rd(LSR) != 0x61 || rd(RBR) != (uint8_t)data[i])
			bad++;
	}
	CHECK_EQ(bad, 0);
	harness_poll();
	CHECK_EQ(rd(LSR), 0x60);
	CHECK_EQ(harness_fds_watched(dev), 0);	/* EOF: nothing more, no noise */
	CHECK_EQ(harness_poll(), 0);
	CHECK_EQ(rd(LSR), 0x60);
	CHECK_EQ(harness_log()[0], '\0');
	stop();

	CHECK(start("out=null,in=/dev/null") != NULL);
	harness_poll();
	CHECK_EQ(rd(LSR), 0x60);
	CHECK_EQ(harness_fds_watched(dev), 0);
	CHECK_EQ(harness_log()[0], '\0');
	stop();
	unlink(path);
}

/* Run @fn with fd 0 reading @data from a pipe. */
static void with_stdin(const char *data, size_t len, void (*fn)(void))
{
	int saved = dup(0), p[2];

	CHECK(saved >= 0 && pipe(p) == 0);
	CHECK_EQ(write(p[1], data, len), len);
	close(p[1]);
	dup2(p[0], 0);
	close(p[0]);
	fn();
	dup2(saved, 0);
	close(saved);
}

static void escape_stop(void)
{
	int st = -1;

	CHECK(start("out=null") != NULL);
	/* it took the console: it watches stdin */
	CHECK_EQ(harness_fds_watched(dev), 1);
	CHECK(!strstr(harness_log(), "belongs to another device"));
	wr(FCR, 0x01);
	CHECK_EQ(harness_poll(), 1);
	CHECK_EQ(rd(RBR), 'a');
	CHECK_EQ(rd(RBR), 0x01);	/* Ctrl-A Ctrl-A */
	CHECK_EQ(rd(RBR), 'b');
	CHECK_EQ(rd(RBR), 0x01);	/* Ctrl-A then another byte: both */
	CHECK_EQ(rd(RBR), 'q');
	CHECK_EQ(rd(LSR), 0x60);	/* Ctrl-A x is not passed on */
	CHECK(harness_stopped(&st));
	CHECK_EQ(st, 20);
	CHECK_EQ(harness_fds_watched(dev), 0);	/* nothing is read after it */
	stop();
}

UNIT_TEST(serial_console_escape)
{
	static const char in[] = "a\x01\x01" "b\x01q\x01xZ";

	with_stdin(in, sizeof(in) - 1, escape_stop);
}

/* Only the console has an escape: a file's Ctrl-A x is data. */
UNIT_TEST(serial_no_escape_for_files)
{
	const char *path = tmp_path("in-esc");
	char opts[256];

	file_write(path, "\x01x", 2);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	CHECK(start(opts) != NULL);
	wr(FCR, 0x01);
	harness_poll();
	CHECK_EQ(rd(RBR), 0x01);
	CHECK_EQ(rd(RBR), 'x');
	CHECK(!harness_stopped(NULL));
	stop();
	unlink(path);
}

/* A failed init names the option and leaks no fd or watch. */
static void check_init_fails(const char *opts, const char *needle)
{
	char spec[256];
	int before, after;

	CHECK_EQ(harness_init(0, NULL), 0);
	before = dup(0);
	close(before);
	snprintf(spec, sizeof(spec), "serial8250,%s", opts);
	CHECK(harness_device(spec) == NULL);
	CHECK_STR_CONTAINS(harness_last_error(), "serial8250: init failed: ");
	CHECK_STR_CONTAINS(harness_last_error(), needle);
	CHECK_EQ(harness_poll(), 0);	/* no watcher left behind */
	after = dup(0);
	close(after);
	CHECK_EQ(after, before);
	harness_exit();
}

UNIT_TEST(serial_bad_options)
{
	check_init_fails("port=xyz,out=null,in=null", "port=xyz");
	check_init_fails("port=0xfff9,out=null,in=null", "port=0xfff9");
	check_init_fails("irq=four,out=null,in=null", "irq=four");
	check_init_fails("irq=24,out=null,in=null", "irq=24");
	check_init_fails("out=/nonexistent/dir/f,in=null", "out=/nonexistent/dir/f");
	check_init_fails("out=null,in=/nonexistent/file", "in=/nonexistent/file");
	check_init_fails("out=null,file=/tmp/x,in=null", "both");
	check_init_fails("out=,in=null", "out=");
	/* The highest base that fits. */
	CHECK(start("port=0xfff8,out=null,in=null") != NULL);
	CHECK_EQ(harness_inb(0xffff), 0x00);
	CHECK_EQ(harness_inb(0xfffd), 0x60);
	stop();
}

UNIT_TEST(serial_two_instances)
{
	struct modvmm_dev *com2;

	CHECK_EQ(init_null(), 0);
	com2 = harness_device("serial8250,port=0x2f8,irq=3,out=null,in=null");
	CHECK(com2 != NULL && com2 != dev);
	wr(SCR, 0x11);
	harness_outb(0x2ff, 0x22);
	CHECK_EQ(rd(SCR), 0x11);
	CHECK_EQ(harness_inb(0x2ff), 0x22);
	harness_outb(0x2fc, 0x08);
	harness_outb(0x2f9, 0x02);
	CHECK_EQ(harness_irq_level(3), 1);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	CHECK_EQ(rd(IIR), 0x01);
	harness_device_remove(com2);
	CHECK_EQ(harness_irq_level(3), 0);	/* let go with the instance */
	stop();
}

static int iir_valid(uint8_t v)
{
	uint8_t id = v & 0x0f;

	return (v & 0x30) == 0 && (v & 0xc0) != 0x40 && (v & 0xc0) != 0x80 &&
	       (id == 0x01 || id == 0x00 || id == 0x02 || id == 0x04 ||
		id == 0x06);
}

/* Every value at every offset in every DLAB / loopback / FIFO state. */
UNIT_TEST(serial_brute_force)
{
	int mode, off, val, r, bad = 0;

	CHECK_EQ(init_null(), 0);
	for (mode = 0; mode < 8; mode++) {
		for (off = 0; off < 8; off++) {
			for (val = 0; val < 256; val++) {
				wr(LCR, 0x03);
				wr(FCR, (mode & 4) ? 0x01 : 0x00);
				wr(MCR, (mode & 2) ? 0x1b : 0x0b);
				wr(IER, 0x0f);
				wr(LCR, (mode & 1) ? 0x83 : 0x03);
				wr(off, (uint8_t)val);
				for (r = 0; r < 16; r++) {
					uint8_t v;

					wr(LCR, (uint8_t)((r & 8) ? 0x80 : 0));
					v = rd(r & 7);
					if ((r & 7) == LSR && (v & 0x60) != 0x60)
						bad++;
					if ((r & 7) == IIR && !iir_valid(v))
						bad++;
				}
			}
		}
	}
	CHECK_EQ(bad, 0);
	stop();
}

/* A long pseudo-random stream of accesses, with input arriving. */
UNIT_TEST(serial_random_fuzz)
{
	const char *path = tmp_path("fuzz-in");
	static char data[3000];
	char opts[256];
	uint32_t x = 12345;
	int i, bad = 0;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)i;
	file_write(path, data, sizeof(data));
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	CHECK(start(opts) != NULL);
	for (i = 0; i < 200000; i++) {
		uint8_t off, v;

		x = (uint32_t)(((uint64_t)x * 1103515245u + 12345u) & 0xffffffffu);
		off = (uint8_t)((x >> 16) & 7);
		v = (uint8_t)(x >> 24);
		if (x & 0x100)
			wr(off, v);
		else
			v = rd(off);
		if (!(x & 0x3f000))
			harness_poll();
		if (x & 0x600)
			continue;
		/* Now and then, check the invariants. */
		if ((rd(LSR) & 0x60) != 0x60 || !iir_valid(rd(IIR)))
			bad++;
		/* That IIR read acked THRE; this one has no side effect. */
		v = rd(IIR);
		/* The line follows IIR and OUT2. */
		if (harness_irq_level(IRQ) != (!(v & 0x01) && (rd(MCR) & 0x08)))
			bad++;
	}
	CHECK_EQ(bad, 0);
	stop();
	unlink(path);
}
