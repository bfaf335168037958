// SPDX-License-Identifier: MIT
/*
 * Unit tests of devices/virtio_console.c on the device test harness,
 * driven as a guest driver drives it: through the virtio-mmio registers
 * of the transport module, with split virtqueues in harness_mem().
 * Transmit reaches the output file after sync; input (a file, a FIFO,
 * stdin with the console escape) lands in the receive buffers the guest
 * posted, with the used length and the interrupt line right, and waits,
 * bounded, while no buffer is posted.
 *
 * The transport ("virtio-mmio") is built in or found as virtio_mmio.so in
 * $MODULES (tests/run-tests sets it).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_util.h"

/* The transport's defaults: the first window, the first free line. */
#define WIN		0xd0000000ull
#define IRQ		5

/* virtio-mmio registers (Virtio 1.2, 4.2.2). */
#define R_MAGIC		0x000
#define R_VERSION	0x004
#define R_DEVICE_ID	0x008
#define R_DEV_FEAT	0x010
#define R_DEV_FEAT_SEL	0x014
#define R_DRV_FEAT	0x020
#define R_DRV_FEAT_SEL	0x024
#define R_QUEUE_SEL	0x030
#define R_QUEUE_NUM_MAX	0x034
#define R_QUEUE_NUM	0x038
#define R_QUEUE_READY	0x044
#define R_QUEUE_NOTIFY	0x050
#define R_INT_STATUS	0x060
#define R_INT_ACK	0x064
#define R_STATUS	0x070
#define R_QUEUE_DESC	0x080
#define R_QUEUE_DRIVER	0x090
#define R_QUEUE_DEVICE	0x0a0
#define R_CONFIG	0x100

#define S_ACK		0x01
#define S_DRIVER	0x02
#define S_DRIVER_OK	0x04
#define S_FEATURES_OK	0x08
#define S_NEEDS_RESET	0x40

#define D_NEXT		1
#define D_WRITE		2

#define RXQ		0
#define TXQ		1
#define QSZ		8
#define BUF_BASE	0x40000ull

struct vq {
	uint64_t desc, avail, used;
	uint16_t avail_idx;	/* next avail ring index the driver fills */
	uint16_t used_seen;	/* used entries the test has taken */
	uint16_t next_desc;
};

static struct modvmm_dev *dev;
static uint64_t win;
static struct vq vq[2];
static uint64_t buf_next;

/* ---- a minimal guest driver -------------------------------------------- */

static uint32_t r32(uint32_t off)
{
	return (uint32_t)harness_read(MODVMM_SPACE_MMIO, win + off, 4);
}

static void w32(uint32_t off, uint32_t v)
{
	harness_write(MODVMM_SPACE_MMIO, win + off, 4, v);
}

static void *mem(uint64_t gpa, size_t len)
{
	void *p = harness_mem(gpa, len);

	if (!p) {
		printf("# no RAM at %#llx\n", (unsigned long long)gpa);
		abort();
	}
	return p;
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(mem(gpa, 2), &v, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, mem(gpa, 2), 2);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, mem(gpa, 4), 4);
	return v;
}

/* A buffer of @len bytes in guest RAM, filled with @fill. */
static uint64_t buf_alloc(uint32_t len, int fill)
{
	uint64_t gpa = buf_next;

	buf_next += (len + 15) & ~15u;
	memset(mem(gpa, len), fill, len);
	return gpa;
}

static void w64(uint32_t off, uint64_t v)
{
	w32(off, (uint32_t)v);
	w32(off + 4, (uint32_t)(v >> 32));
}

/* Queue @q set up at its rings, ready. */
static void queue_setup(unsigned int q)
{
	struct vq *v = &vq[q];

	v->desc = 0x10000 + q * 0x4000;
	v->avail = v->desc + 0x1000;
	v->used = v->desc + 0x2000;
	v->avail_idx = v->used_seen = v->next_desc = 0;
	memset(mem(v->desc, 0x3000), 0, 0x3000);
	w32(R_QUEUE_SEL, q);
	CHECK(r32(R_QUEUE_NUM_MAX) >= QSZ);
	w32(R_QUEUE_NUM, QSZ);
	w64(R_QUEUE_DESC, v->desc);
	w64(R_QUEUE_DRIVER, v->avail);
	w64(R_QUEUE_DEVICE, v->used);
	w32(R_QUEUE_READY, 1);
	CHECK_EQ(r32(R_QUEUE_READY), 1);
}

/* Reset, negotiate VERSION_1 alone, set both queues up; DRIVER_OK if @ok. */
static void driver_init(int ok)
{
	uint32_t st = S_ACK | S_DRIVER | S_FEATURES_OK;

	CHECK_EQ(r32(R_MAGIC), 0x74726976);
	CHECK_EQ(r32(R_VERSION), 2);
	CHECK_EQ(r32(R_DEVICE_ID), 3);
	w32(R_STATUS, 0);
	w32(R_STATUS, S_ACK);
	w32(R_STATUS, S_ACK | S_DRIVER);
	w32(R_DEV_FEAT_SEL, 1);
	CHECK(r32(R_DEV_FEAT) & 1);		/* VIRTIO_F_VERSION_1 */
	w32(R_DRV_FEAT_SEL, 1);
	w32(R_DRV_FEAT, 1);
	w32(R_DRV_FEAT_SEL, 0);
	w32(R_DRV_FEAT, 0);
	w32(R_STATUS, st);
	CHECK(r32(R_STATUS) & S_FEATURES_OK);
	queue_setup(RXQ);
	queue_setup(TXQ);
	buf_next = BUF_BASE;
	if (ok)
		w32(R_STATUS, st | S_DRIVER_OK);
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	int writable;
};

/* Make a chain of @n buffers available on @q; returns its head. */
static uint16_t post(unsigned int q, const struct seg *s, int n)
{
	struct vq *v = &vq[q];
	uint16_t head = v->next_desc, d = head;
	int i;

	for (i = 0; i < n; i++) {
		uint64_t p = v->desc + 16ull * d;
		uint16_t next = (uint16_t)((d + 1) % QSZ);
		uint16_t flags = (uint16_t)((s[i].writable ? D_WRITE : 0) |
					    (i + 1 < n ? D_NEXT : 0));

		memcpy(mem(p, 8), &s[i].gpa, 8);
		memcpy(mem(p + 8, 4), &s[i].len, 4);
		put16(p + 12, flags);
		put16(p + 14, next);
		d = next;
	}
	v->next_desc = d;
	put16(v->avail + 4 + 2ull * (v->avail_idx % QSZ), head);
	v->avail_idx++;
	put16(v->avail + 2, v->avail_idx);
	return head;
}

/* One writable buffer of @len bytes on the receiveq; returns its address. */
static uint64_t post_rx(uint32_t len)
{
	struct seg s = { buf_alloc(len, 0xee), len, 1 };

	post(RXQ, &s, 1);
	return s.gpa;
}

/* One readable buffer holding @text on the transmitq. */
static void post_tx(const char *text)
{
	struct seg s;

	s.len = (uint32_t)strlen(text);
	s.gpa = buf_alloc(s.len, 0);
	s.writable = 0;
	memcpy(mem(s.gpa, s.len), text, s.len);
	post(TXQ, &s, 1);
}

static uint16_t used_idx(unsigned int q)
{
	return get16(vq[q].used + 2);
}

/* The next used entry of @q: 1 and its id and length, or 0 if none. */
static int used_next(unsigned int q, uint32_t *id, uint32_t *len)
{
	struct vq *v = &vq[q];
	uint64_t e;

	*id = *len = UINT32_MAX;
	if (used_idx(q) == v->used_seen)
		return 0;
	e = v->used + 4 + 8ull * (v->used_seen % QSZ);
	*id = get32(e);
	*len = get32(e + 4);
	v->used_seen++;
	return 1;
}

static void notify(unsigned int q)
{
	w32(R_QUEUE_NOTIFY, q);
}

/* Acknowledge what the interrupt status shows; returns it. */
static uint32_t irq_ack(void)
{
	uint32_t st = r32(R_INT_STATUS);

	w32(R_INT_ACK, st);
	return st;
}

/* ---- the machine ------------------------------------------------------- */

static const char *plugin_dir(void)
{
	const char *d = getenv("MODULES");

	return d && *d ? d : NULL;
}

/* A fresh machine with a virtio-console made with @opts; NULL if refused. */
static struct modvmm_dev *start(const char *opts)
{
	char spec[512];

	snprintf(spec, sizeof(spec), "virtio-console%s%s", *opts ? "," : "",
		 opts);
	CHECK_EQ(harness_init(0, plugin_dir()), 0);
	win = WIN;
	dev = harness_device(spec);
	if (!dev)
		printf("# %s: %s\n", spec, harness_last_error());
	CHECK(dev != NULL);
	return dev;
}

static void stop(void)
{
	harness_exit();
	dev = NULL;
}

static uint64_t counted(const char *name)
{
	return harness_stat(dev, name);
}

static const char *tmp_path(const char *name)
{
	static char buf[4][128];
	static int slot;
	char *p = buf[slot++ % 4];

	snprintf(p, sizeof(buf[0]), "/tmp/unit-virtio_console-%d-%s",
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

/* ---- tests ------------------------------------------------------------- */

extern const struct modvmm_device_desc *const __start_modvmm_devices[];
extern const struct modvmm_device_desc *const __stop_modvmm_devices[];

UNIT_TEST(vcon_descriptor)
{
	const struct modvmm_device_desc *const *dp;
	const struct modvmm_device_desc *d = NULL;
	const struct modvmm_option *o;
	int n = 0, has_addr = 0, has_irq = 0;

	for (dp = __start_modvmm_devices; dp < __stop_modvmm_devices; dp++)
		if (!strcmp((*dp)->name, "virtio-console"))
			d = *dp;
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK(!strcmp(d->license, "MIT"));
	CHECK(d->init && d->exit && d->sync && d->reset);
	CHECK(d->depends && d->depends[0] &&
	      !strcmp(d->depends[0], "virtio-mmio") && !d->depends[1]);
	for (o = d->options; o && o->name; o++, n++) {
		CHECK(o->help && *o->help);
		has_addr |= !strcmp(o->name, "addr");
		has_irq |= !strcmp(o->name, "irq");
	}
	CHECK_EQ(n, 7);	/* out, file, in; addr, irq, ioeventfd, irqfd */
	CHECK(has_addr && has_irq);
}

UNIT_TEST(vcon_probe)
{
	int i;

	if (!start("out=null,in=null"))
		return;
	CHECK_EQ(r32(R_MAGIC), 0x74726976);
	CHECK_EQ(r32(R_VERSION), 2);
	CHECK_EQ(r32(R_DEVICE_ID), 3);
	/* no SIZE, MULTIPORT or EMERG_WRITE; VERSION_1 */
	w32(R_DEV_FEAT_SEL, 0);
	CHECK_EQ(r32(R_DEV_FEAT) & 0x7, 0);
	w32(R_DEV_FEAT_SEL, 1);
	CHECK(r32(R_DEV_FEAT) & 1);
	/* two queues, no third */
	w32(R_QUEUE_SEL, 0);
	CHECK(r32(R_QUEUE_NUM_MAX) >= QSZ);
	w32(R_QUEUE_SEL, 1);
	CHECK(r32(R_QUEUE_NUM_MAX) >= QSZ);
	w32(R_QUEUE_SEL, 2);
	CHECK_EQ(r32(R_QUEUE_NUM_MAX), 0);
	/* the configuration space reads as zeros and ignores writes */
	for (i = 0; i < 12; i += 4)
		CHECK_EQ(r32(R_CONFIG + i), 0);
	w32(R_CONFIG + 8, 0x41);
	CHECK_EQ(r32(R_CONFIG + 8), 0);
	driver_init(1);
	CHECK_EQ(r32(R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	stop();
}

UNIT_TEST(vcon_transmit)
{
	const char *path = tmp_path("out");
	char opts[256], buf[8192];
	struct seg s[2];
	uint32_t id, len;
	uint16_t head;

	snprintf(opts, sizeof(opts), "out=%s,in=null", path);
	if (!start(opts))
		return;
	driver_init(1);

	/* one chain of two buffers: read in order, given back with 0 */
	s[0].gpa = buf_alloc(6, 0);
	s[0].len = 6;
	s[0].writable = 0;
	memcpy(mem(s[0].gpa, 6), "hello ", 6);
	s[1].gpa = buf_alloc(6, 0);
	s[1].len = 6;
	s[1].writable = 0;
	memcpy(mem(s[1].gpa, 6), "world\n", 6);
	head = post(TXQ, s, 2);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	notify(TXQ);
	CHECK(used_next(TXQ, &id, &len));
	CHECK_EQ(id, head);
	CHECK_EQ(len, 0);
	CHECK(!used_next(TXQ, &id, &len));
	CHECK_EQ(harness_irq_level(IRQ), 1);
	CHECK_EQ(irq_ack() & 1, 1);
	CHECK_EQ(harness_irq_level(IRQ), 0);

	/* buffered: not a terminal, so the newline does not flush */
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 0);
	harness_sync();
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 12);
	CHECK_STR_EQ(buf, "hello world\n");
	CHECK_EQ(counted("tx_bytes"), 12);

	/* several chains in one notification; the flush timer writes them */
	post_tx("a");
	post_tx("bc");
	post_tx("def");
	notify(TXQ);
	CHECK_EQ(used_idx(TXQ), 4);
	CHECK_EQ(irq_ack() & 1, 1);
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 12);
	harness_advance(10000000);
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 18);
	CHECK_STR_EQ(buf + 12, "abcdef");

	/* exit writes what is left */
	post_tx("bye");
	notify(TXQ);
	harness_device_remove(dev);
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 21);
	CHECK_STR_EQ(buf + 18, "bye");
	stop();
	unlink(path);
}

/* file= is out= for a path; file=NAME is ./NAME, not the stream. */
UNIT_TEST(vcon_output_file_synonym)
{
	const char *path = tmp_path("file");
	char opts[256], buf[64];

	snprintf(opts, sizeof(opts), "file=%s,in=null", path);
	if (!start(opts))
		return;
	driver_init(1);
	post_tx("via file=\n");
	notify(TXQ);
	harness_sync();
	file_read(path, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "via file=\n");
	stop();
	unlink(path);
}

/* out=null: chains are consumed and given back, nothing is written. */
UNIT_TEST(vcon_transmit_null)
{
	uint32_t id, len;

	if (!start("out=null,in=null"))
		return;
	driver_init(1);
	post_tx("into the void");
	notify(TXQ);
	CHECK(used_next(TXQ, &id, &len));
	CHECK_EQ(len, 0);
	harness_sync();
	CHECK_EQ(counted("tx_bytes"), 0);
	CHECK_EQ(counted("tx_writes"), 0);
	stop();
}

/* Input from a file: it waits for a receive buffer, then lands in it. */
UNIT_TEST(vcon_receive_file)
{
	const char *path = tmp_path("in");
	char opts[256];
	uint64_t gpa;
	uint32_t id, len;
	int i;

	file_write(path, "abc", 3);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	if (!start(opts))
		return;
	driver_init(1);
	CHECK_EQ(harness_fds_watched(dev), 1);

	/* no buffer posted: read, kept, nothing used, no interrupt */
	for (i = 0; i < 4; i++)
		harness_poll();
	CHECK_EQ(counted("rx_bytes"), 3);
	CHECK_EQ(used_idx(RXQ), 0);
	CHECK_EQ(harness_irq_level(IRQ), 0);

	/* a buffer: the bytes go in, its used length says how many */
	gpa = post_rx(16);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	notify(RXQ);
	CHECK(used_next(RXQ, &id, &len));
	CHECK_EQ(id, 0);
	CHECK_EQ(len, 3);
	CHECK(!memcmp(mem(gpa, 4), "abc\xee", 4));
	CHECK_EQ(harness_irq_level(IRQ), 1);
	CHECK_EQ(r32(R_INT_STATUS) & 1, 1);
	CHECK_EQ(irq_ack() & 1, 1);
	CHECK_EQ(harness_irq_level(IRQ), 0);

	/* EOF: nothing more, the next buffer stays posted, no noise */
	post_rx(16);
	notify(RXQ);
	for (i = 0; i < 4; i++)
		harness_poll();
	CHECK_EQ(used_idx(RXQ), 1);
	CHECK_EQ(harness_fds_watched(dev), 0);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	CHECK_EQ(harness_log()[0], '\0');
	stop();
	unlink(path);
}

/* Input from a FIFO: bytes fill the posted buffers in order, split
 * across them, and later input goes straight into the next buffer. */
UNIT_TEST(vcon_receive_fifo)
{
	const char *path = tmp_path("fifo");
	char opts[256];
	uint64_t b0, b1, b2;
	uint32_t id, len;
	int wfd, i;

	unlink(path);
	CHECK_EQ(mkfifo(path, 0600), 0);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	if (!start(opts))
		return;
	wfd = open(path, O_WRONLY | O_NONBLOCK);
	CHECK(wfd >= 0);
	driver_init(1);
	b0 = post_rx(4);
	b1 = post_rx(4);
	b2 = post_rx(8);
	notify(RXQ);
	CHECK_EQ(used_idx(RXQ), 0);	/* no input: buffers stay posted */
	CHECK_EQ(harness_poll(), 0);

	CHECK_EQ(write(wfd, "012345", 6), 6);
	for (i = 0; i < 100 && used_idx(RXQ) < 2; i++)
		harness_poll();
	CHECK(used_next(RXQ, &id, &len));
	CHECK_EQ(len, 4);
	CHECK(!memcmp(mem(b0, 4), "0123", 4));
	CHECK(used_next(RXQ, &id, &len));
	CHECK_EQ(len, 2);
	CHECK(!memcmp(mem(b1, 3), "45\xee", 3));
	CHECK_EQ(harness_irq_level(IRQ), 1);
	irq_ack();

	CHECK_EQ(write(wfd, "xyz", 3), 3);
	for (i = 0; i < 100 && used_idx(RXQ) < 3; i++)
		harness_poll();
	CHECK(used_next(RXQ, &id, &len));
	CHECK_EQ(len, 3);
	CHECK(!memcmp(mem(b2, 4), "xyz\xee", 4));
	CHECK_EQ(harness_irq_level(IRQ), 1);
	irq_ack();
	CHECK_EQ(counted("rx_bytes"), 9);
	close(wfd);
	stop();
	unlink(path);
}

/*
 * More input than the backlog holds while no buffer is posted: the fd is
 * left alone while the backlog is full, and every byte arrives, in
 * order, once the guest posts buffers.
 */
UNIT_TEST(vcon_receive_backlog)
{
	const char *path = tmp_path("in-big");
	static char data[10000];
	char opts[256];
	uint32_t id, len;
	uint64_t gpa;
	size_t got = 0;
	int i, bad = 0, rounds;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)(' ' + i % 90);
	file_write(path, data, sizeof(data));
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	if (!start(opts))
		return;
	driver_init(1);
	for (i = 0; i < 10 && harness_fds_watched(dev); i++)
		harness_poll();
	CHECK_EQ(harness_fds_watched(dev), 0);	/* backlog full: unwatched */
	CHECK(counted("rx_bytes") < sizeof(data));
	CHECK_EQ(used_idx(RXQ), 0);

	/* one buffer at a time, taken as soon as there are bytes for it */
	for (rounds = 0; rounds < 200 && got < sizeof(data); rounds++) {
		buf_next = BUF_BASE;
		gpa = post_rx(300);
		notify(RXQ);
		for (i = 0; i < 10 && used_idx(RXQ) == vq[RXQ].used_seen; i++)
			harness_poll();
		if (!used_next(RXQ, &id, &len)) {
			bad++;
			break;
		}
		if (!len || len > 300 || got + len > sizeof(data) ||
		    memcmp(mem(gpa, len), data + got, len))
			bad++;
		got += len;
		irq_ack();
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(got, sizeof(data));
	CHECK_EQ(counted("rx_bytes"), sizeof(data));
	stop();
	unlink(path);
}

/*
 * Input that is there before the driver, and buffers posted before
 * DRIVER_OK (whose notification the transport does not pass on): the
 * device looks at its queues once it is live.
 */
UNIT_TEST(vcon_receive_before_driver_ok)
{
	const char *path = tmp_path("in-early");
	char opts[256];
	uint64_t gpa;
	uint32_t id, len;
	int i;

	file_write(path, "early", 5);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	if (!start(opts))
		return;
	for (i = 0; i < 4; i++)
		harness_poll();
	CHECK_EQ(counted("rx_bytes"), 5);
	driver_init(0);
	gpa = post_rx(8);
	notify(RXQ);
	w32(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	for (i = 0; i < 100 && !used_idx(RXQ); i++)
		harness_advance(1000000);
	CHECK(used_next(RXQ, &id, &len));
	CHECK_EQ(len, 5);
	CHECK(!memcmp(mem(gpa, 5), "early", 5));
	CHECK_EQ(harness_irq_level(IRQ), 1);
	stop();
	unlink(path);
}

/* A driver reset and a machine reset keep the input not yet delivered. */
UNIT_TEST(vcon_reset_keeps_input)
{
	const char *path = tmp_path("in-reset");
	char opts[256];
	uint64_t gpa;
	uint32_t id, len;
	int i;

	file_write(path, "kept", 4);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	if (!start(opts))
		return;
	driver_init(1);
	for (i = 0; i < 4; i++)
		harness_poll();
	CHECK_EQ(counted("rx_bytes"), 4);
	w32(R_STATUS, 0);			/* driver reset */
	CHECK_EQ(r32(R_STATUS), 0);
	harness_reset();			/* machine reset */
	CHECK_EQ(r32(R_STATUS), 0);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	CHECK_EQ(harness_timers_armed(dev), 0);
	driver_init(1);
	gpa = post_rx(8);
	notify(RXQ);
	CHECK(used_next(RXQ, &id, &len));
	CHECK_EQ(len, 4);
	CHECK(!memcmp(mem(gpa, 4), "kept", 4));
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
	uint64_t gpa;
	uint32_t id, len;
	int st = -1;

	if (!start("out=null"))
		return;
	CHECK_EQ(harness_fds_watched(dev), 1);	/* it took the console */
	CHECK(!strstr(harness_log(), "belongs to another device"));
	driver_init(1);
	gpa = post_rx(16);
	notify(RXQ);
	CHECK_EQ(harness_poll(), 1);
	CHECK(used_next(RXQ, &id, &len));
	CHECK_EQ(len, 5);
	/* Ctrl-A Ctrl-A: one; Ctrl-A then another byte: both; Ctrl-A x: stop */
	CHECK(!memcmp(mem(gpa, 6), "a\x01" "b\x01q\xee", 6));
	CHECK(harness_stopped(&st));
	CHECK_EQ(st, 20);
	CHECK_EQ(harness_fds_watched(dev), 0);	/* nothing read after it */
	stop();
}

UNIT_TEST(vcon_console_escape)
{
	static const char in[] = "a\x01\x01" "b\x01q\x01xZ";

	with_stdin(in, sizeof(in) - 1, escape_stop);
}

/* Only the console has an escape: a file's Ctrl-A x is data. */
UNIT_TEST(vcon_no_escape_for_files)
{
	const char *path = tmp_path("in-esc");
	char opts[256];
	uint64_t gpa;
	uint32_t id, len;

	file_write(path, "\x01x", 2);
	snprintf(opts, sizeof(opts), "out=null,in=%s", path);
	if (!start(opts))
		return;
	driver_init(1);
	gpa = post_rx(4);
	notify(RXQ);
	harness_poll();
	CHECK(used_next(RXQ, &id, &len));
	CHECK_EQ(len, 2);
	CHECK(!memcmp(mem(gpa, 2), "\x01x", 2));
	CHECK(!harness_stopped(NULL));
	stop();
	unlink(path);
}

/* A failed init names the option and leaks no fd, watch or window. */
static void check_init_fails(const char *opts, const char *needle)
{
	struct harness_range r;
	char spec[256];
	int before, after;

	CHECK_EQ(harness_init(0, plugin_dir()), 0);
	before = dup(0);
	close(before);
	snprintf(spec, sizeof(spec), "virtio-console,%s", opts);
	CHECK(harness_device(spec) == NULL);
	CHECK_STR_CONTAINS(harness_last_error(), "virtio-console: init failed: ");
	CHECK_STR_CONTAINS(harness_last_error(), needle);
	CHECK_EQ(harness_poll(), 0);
	CHECK(!harness_range(MODVMM_SPACE_MMIO, WIN, &r));
	after = dup(0);
	close(after);
	CHECK_EQ(after, before);
	harness_exit();
}

UNIT_TEST(vcon_bad_options)
{
	check_init_fails("out=/nonexistent/dir/f,in=null", "out=/nonexistent/dir/f");
	check_init_fails("out=null,in=/nonexistent/file", "in=/nonexistent/file");
	check_init_fails("out=null,file=/tmp/x,in=null", "both");
	check_init_fails("out=,in=null", "out=");
	check_init_fails("out=null,in=", "in=");
}

/* Two consoles: each its own window, line, queues and output. */
UNIT_TEST(vcon_two_instances)
{
	const char *p1 = tmp_path("out1"), *p2 = tmp_path("out2");
	char opts[256], spec[300], buf[64];
	struct modvmm_dev *second;

	snprintf(opts, sizeof(opts), "out=%s,in=null", p1);
	if (!start(opts))
		return;
	snprintf(spec, sizeof(spec),
		 "virtio-console,addr=0xd0001000,irq=10,out=%s,in=null", p2);
	second = harness_device(spec);
	CHECK(second != NULL);
	if (!second) {
		stop();
		return;
	}
	driver_init(1);
	post_tx("one");
	notify(TXQ);
	CHECK_EQ(harness_irq_level(IRQ), 1);
	CHECK_EQ(harness_irq_level(10), 0);

	win = 0xd0001000;
	driver_init(1);
	post_tx("two");
	notify(TXQ);
	CHECK_EQ(harness_irq_level(10), 1);
	harness_sync();
	file_read(p1, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "one");
	file_read(p2, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "two");
	harness_device_remove(second);
	CHECK_EQ(harness_irq_level(10), 0);
	stop();
	unlink(p1);
	unlink(p2);
}

/* A chain with a buffer outside RAM: the device is marked
 * DEVICE_NEEDS_RESET, nothing is written, and a reset recovers it. */
UNIT_TEST(vcon_malformed_chain)
{
	const char *path = tmp_path("out-bad");
	char opts[256], buf[64];
	struct seg s = { 0xf0000000ull, 16, 0 };

	snprintf(opts, sizeof(opts), "out=%s,in=null", path);
	if (!start(opts))
		return;
	driver_init(1);
	post(TXQ, &s, 1);
	notify(TXQ);
	CHECK(r32(R_STATUS) & S_NEEDS_RESET);
	CHECK_EQ(used_idx(TXQ), 0);
	harness_sync();
	CHECK_EQ(file_read(path, buf, sizeof(buf)), 0);
	driver_init(1);
	post_tx("ok");
	notify(TXQ);
	harness_sync();
	file_read(path, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "ok");
	stop();
	unlink(path);
}

/*
 * Random ring contents and random register writes: the device survives,
 * whatever the guest puts in its queues.
 */
UNIT_TEST(vcon_random_fuzz)
{
	static const uint32_t regs[] = {
		R_STATUS, R_QUEUE_SEL, R_QUEUE_NUM, R_QUEUE_READY,
		R_QUEUE_NOTIFY, R_INT_ACK, R_DRV_FEAT, R_DRV_FEAT_SEL,
	};
	unsigned int seed = 12345;
	uint8_t *ring;
	int i, k;

	if (!start("out=null,in=/dev/zero"))
		return;
	for (i = 0; i < 200; i++) {
		driver_init(1);
		/* garbage descriptors and avail ring on both queues */
		for (k = 0; k < 2; k++) {
			int b;

			ring = mem(vq[k].desc, 0x1000 + 4 + 2 * QSZ);
			for (b = 0; b < 16 * QSZ; b++)
				ring[b] = (uint8_t)rand_r(&seed);
			for (b = 0; b < 2 * QSZ; b++)
				ring[0x1000 + 4 + b] = (uint8_t)rand_r(&seed);
			put16(vq[k].avail + 2, (uint16_t)rand_r(&seed));
			notify((unsigned int)k);
		}
		for (k = 0; k < 8; k++)
			w32(regs[rand_r(&seed) % 8], (uint32_t)rand_r(&seed));
		harness_poll();
		harness_advance(1000000);
	}
	harness_sync();
	CHECK_EQ(r32(R_MAGIC), 0x74726976);
	stop();
}
