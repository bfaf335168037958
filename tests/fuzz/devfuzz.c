// SPDX-License-Identifier: MIT
/*
 * The device harness driver: see devfuzz.h.
 *
 * Input format, after the first byte (which picks the options):
 * a list of steps, each an opcode byte and its operands.
 *   op & 7 = 0-2  access: range byte, offset (2 bytes), value (size
 *                 bytes); op bit 3 = write, bits 4-6 pick the size
 *   op & 7 = 3    string access (rep ins/outs): the same, then a count
 *                 byte: 1 + count accesses, writing value + i
 *   op & 7 = 4    clock: advance (2 bytes) << (byte % 28) nanoseconds
 *   op & 7 = 5    input: length byte k, then k bytes for the device's
 *                 input (k >= 0xc0: one byte, 128 * (k & 0x3f) times;
 *                 0xff: end of file instead), then its fd watchers run
 *                 if the input is readable
 *   op & 7 = 6    sync hook (flush)
 *   op & 7 = 7    interrupt controller step, if the device became one
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devfuzz.h"
#include "mock_host.h"
#include "../../core/bus.h"

#define MAX_FIRES	256	/* timer calls per clock step */
#define MAX_INPUT	64

static struct modvmm_dev dev;
static struct modvmm_host fuzz_host;
static struct bus buses[2];		/* by enum modvmm_space */
static struct mock_range bus_copy[MOCK_MAX_RANGES];
static int in_fd[2] = { -1, -1 };	/* pipe, or memfd in in_fd[1] */
static int out_fd[2] = { -1, -1 };
static unsigned int io_flags;

static const struct modvmm_irqchip_ops *chip_ops;
static void *chip_opaque;

/* The mock host has no interrupt controller hooks: add them. */
static int fuzz_irqchip_register(struct modvmm_dev *d,
				 const struct modvmm_irqchip_ops *ops,
				 void *opaque)
{
	(void)d;
	if (chip_ops || !ops || !ops->set_irq || !ops->pending || !ops->ack)
		return -1;
	chip_ops = ops;
	chip_opaque = opaque;
	return 0;
}

static void fuzz_irqchip_update(struct modvmm_dev *d)
{
	(void)d;
}

/* epoll refuses regular files, and so does the host: the device must
 * cope (serial8250 reads such inputs on demand). */
static int fuzz_fd_watch(struct modvmm_dev *d, int fd, modvmm_fd_fn fn,
			 void *opaque)
{
	struct stat st;

	if (fstat(fd, &st) || S_ISREG(st.st_mode))
		return -1;
	return mock_host.fd_watch(d, fd, fn, opaque);
}

/* Rebuild the buses when the device's ranges changed. */
static void devfuzz_sync_bus(void)
{
	char err[256];
	int i;

	if (!memcmp(bus_copy, dev.ranges, sizeof(bus_copy)))
		return;
	memcpy(bus_copy, dev.ranges, sizeof(bus_copy));
	for (i = 0; i < 2; i++)
		bus_free(&buses[i]);
	bus_init(&buses[MODVMM_SPACE_PIO], "io", MODVMM_SPACE_PIO, 0xffff);
	bus_init(&buses[MODVMM_SPACE_MMIO], "mmio", MODVMM_SPACE_MMIO,
		 UINT64_MAX);
	for (i = 0; i < MOCK_MAX_RANGES; i++) {
		const struct mock_range *r = &dev.ranges[i];

		if (!r->used)
			continue;
		/* the mock refuses what the bus refuses: this cannot fail */
		FUZZ_ASSERT(!bus_register(&buses[r->space], r->base, r->len,
					  r->ops, r->opaque, &dev, "dev", NULL,
					  err, sizeof(err)));
	}
}

static int devfuzz_nr_ranges(void)
{
	int i, n = 0;

	for (i = 0; i < MOCK_MAX_RANGES; i++)
		n += dev.ranges[i].used;
	return n;
}

static const struct mock_range *devfuzz_range(unsigned int k)
{
	int i, n = devfuzz_nr_ranges();

	if (!n)
		return NULL;
	k %= (unsigned int)n;
	for (i = 0; i < MOCK_MAX_RANGES; i++)
		if (dev.ranges[i].used && !k--)
			return &dev.ranges[i];
	return NULL;
}

static void devfuzz_access(struct fuzz_in *in, uint8_t op)
{
	static const uint32_t pio_sizes[8] = { 1, 1, 1, 2, 2, 4, 4, 1 };
	static const uint32_t mmio_sizes[8] = { 1, 2, 4, 8, 3, 5, 6, 7 };
	const struct mock_range *r = devfuzz_range(fuzz_u8(in));
	uint16_t off = fuzz_u16(in);
	int is_write = (op >> 3) & 1;
	uint8_t data[8];
	uint32_t size, count;
	uint64_t addr, val;

	if (!r)
		return;
	size = (r->space == MODVMM_SPACE_PIO ? pio_sizes : mmio_sizes)[(op >> 4) & 7];
	val = fuzz_bytes(in, size);
	/* mostly inside the range; now and then a little past either end */
	if (off & 0x8000)
		addr = r->base + (uint64_t)(int64_t)((int8_t)off % 8);
	else
		addr = r->base + off % r->len;
	memcpy(data, &val, sizeof(data));
	if ((op & 7) != 3) {
		bus_access(&buses[r->space], addr, size, is_write, data, 0);
		return;
	}
	/* KVM hands a rep ins/outs over as count accesses in one exit */
	for (count = 1u + fuzz_u8(in); count; count--, val++) {
		memcpy(data, &val, sizeof(data));
		bus_access(&buses[r->space], addr, size, is_write, data, 0);
	}
}

/*
 * Move the fake clock on by @ns, firing due timers in deadline order.
 * Past MAX_FIRES calls, a periodic timer gets one call for all the
 * periods it missed, and the rest wait for the next step.
 */
static void devfuzz_advance(uint64_t ns)
{
	uint64_t end = mock_now_ns + ns;
	int fires = 0;

	if (end < mock_now_ns)
		end = UINT64_MAX;
	for (;;) {
		struct modvmm_timer *t = NULL;
		uint64_t n = 1;
		int i;

		for (i = 0; i < MOCK_MAX_TIMERS; i++) {
			struct modvmm_timer *x = &dev.timers[i];

			if (x->used && x->deadline && x->deadline <= end &&
			    (!t || x->deadline < t->deadline))
				t = x;
		}
		if (!t || fires == 2 * MAX_FIRES)
			break;
		fires++;
		mock_now_ns = t->deadline > mock_now_ns ? t->deadline : mock_now_ns;
		if (t->period) {
			if (fires > MAX_FIRES) {
				n = (end - t->deadline) / t->period + 1;
				mock_now_ns = t->deadline + (n - 1) * t->period;
			}
			t->deadline += n * t->period;
			if (t->deadline < mock_now_ns)	/* wrapped */
				t->deadline = 0;
		} else {
			t->deadline = 0;
		}
		t->fn(t->opaque, n);
		devfuzz_sync_bus();
	}
	mock_now_ns = end;
}

/* Read and drop what the device wrote to its output pipe. */
static void devfuzz_drain(void)
{
	char buf[4096];

	if (out_fd[0] >= 0)
		while (read(out_fd[0], buf, sizeof(buf)) > 0)
			;
}

/* Feed the device's input, then run its watchers when it is readable. */
static void devfuzz_input(struct fuzz_in *in)
{
	uint8_t buf[128 * 0x3f];
	unsigned int k = fuzz_u8(in), n = k % (MAX_INPUT + 1), i;
	struct pollfd p = { .fd = in_fd[0], .events = POLLIN };
	ssize_t w;

	if (k == 0xff) {		/* end of file: the writer goes away */
		if (!(io_flags & DEVFUZZ_IN_FILE) && in_fd[1] >= 0) {
			close(in_fd[1]);
			in_fd[1] = -1;
		}
		n = 0;
	}
	if (k >= 0xc0 && k != 0xff) {	/* a flood: fill the backlog */
		n = 128 * (k & 0x3f);
		memset(buf, fuzz_u8(in), n);
	} else {
		for (i = 0; i < n; i++)
			buf[i] = fuzz_u8(in);
	}
	if (in_fd[1] >= 0 && n) {
		w = write(in_fd[1], buf, n);
		(void)w;	/* a full pipe drops input: fine */
	}
	/* like epoll: a pipe only when readable (or at EOF), a file never */
	if (in_fd[0] >= 0 && poll(&p, 1, 0) == 1) {
		mock_fd_fire(&dev);
		devfuzz_sync_bus();
	}
}

/*
 * What the core does with an interrupt controller: other devices drive
 * lines (any number: a plugin may pass one the chip does not have), and
 * before entering the guest the run loop acks what is pending.
 */
static void devfuzz_chip(struct fuzz_in *in)
{
	uint8_t k = fuzz_u8(in);
	unsigned int line = k >> 3;
	int v;

	if (!chip_ops)
		return;
	if (line == 31)
		line = ~0u;
	switch (k & 7) {
	case 0: case 1: case 2: case 3:
		chip_ops->set_irq(chip_opaque, line, k & 1);
		break;
	case 4:
		FUZZ_ASSERT(chip_ops->pending(chip_opaque) >= 0);
		break;
	case 5:
		v = chip_ops->ack(chip_opaque);
		FUZZ_ASSERT(v >= -1 && v <= 255);
		break;
	default:
		if (chip_ops->pending(chip_opaque)) {
			v = chip_ops->ack(chip_opaque);
			FUZZ_ASSERT(v >= -1 && v <= 255);
		}
		break;
	}
}

/* The in= and out= ends of @o's flags, as options appended to @opts. */
static int devfuzz_open_io(const struct devfuzz_opt *o, char *opts, size_t len)
{
	size_t n = strlen(opts);

	io_flags = o->flags;
	if (o->flags & (DEVFUZZ_IN_PIPE | DEVFUZZ_IN_STDIN)) {
		if (pipe2(in_fd, O_NONBLOCK | O_CLOEXEC))
			return -1;
	} else if (o->flags & DEVFUZZ_IN_FILE) {
		/* written through in_fd[1]; the device opens its own copy */
		in_fd[1] = memfd_create("devfuzz-in", MFD_CLOEXEC);
		if (in_fd[1] < 0)
			return -1;
	}
	if (o->flags & DEVFUZZ_IN_STDIN) {
		if (dup2(in_fd[0], STDIN_FILENO) < 0)
			return -1;
		close(in_fd[0]);
		in_fd[0] = STDIN_FILENO;
		n += (size_t)snprintf(opts + n, len - n, ",in=stdin");
	} else if (o->flags & DEVFUZZ_IN_PIPE) {
		n += (size_t)snprintf(opts + n, len - n, ",in=/proc/self/fd/%d",
				      in_fd[0]);
	} else if (o->flags & DEVFUZZ_IN_FILE) {
		n += (size_t)snprintf(opts + n, len - n, ",in=/proc/self/fd/%d",
				      in_fd[1]);
	}
	if (o->flags & DEVFUZZ_OUT_PIPE) {
		if (pipe2(out_fd, O_NONBLOCK | O_CLOEXEC) ||
		    fcntl(out_fd[1], F_SETPIPE_SZ, 1 << 20) < 0)
			return -1;
		snprintf(opts + n, len - n, ",out=/proc/self/fd/%d", out_fd[1]);
	}
	return 0;
}

static void devfuzz_close_io(void)
{
	int i, null;

	for (i = 0; i < 2; i++) {
		if (in_fd[i] >= 0 && in_fd[i] != STDIN_FILENO)
			close(in_fd[i]);
		if (out_fd[i] >= 0)
			close(out_fd[i]);
		in_fd[i] = out_fd[i] = -1;
	}
	if (io_flags & DEVFUZZ_IN_STDIN) {
		/* let go of the pipe: stdin is /dev/null from now on */
		null = open("/dev/null", O_RDONLY);
		if (null >= 0 && null != STDIN_FILENO) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
	}
}

/* Create the device with options @o; 0 or -1. */
static int devfuzz_init(const char *name, const struct devfuzz_opt *o)
{
	static char opts[256];

	memset(&dev, 0, sizeof(dev));
	memset(bus_copy, 0, sizeof(bus_copy));
	mock_now_ns = 1000000000ull;
	chip_ops = NULL;
	chip_opaque = NULL;
	snprintf(opts, sizeof(opts), "%s", o->opts);
	if (devfuzz_open_io(o, opts, sizeof(opts))) {
		devfuzz_close_io();
		return -1;
	}
	dev.desc = mock_find_desc(name);
	dev.opts = opts[0] == ',' ? opts + 1 : opts;
	FUZZ_ASSERT(dev.desc);
	if (!fuzz_host.struct_size) {
		fuzz_host = mock_host;
		fuzz_host.fd_watch = fuzz_fd_watch;
		fuzz_host.irqchip_register = fuzz_irqchip_register;
		fuzz_host.irqchip_update = fuzz_irqchip_update;
	}
	if (dev.desc->init(&dev, &fuzz_host, &dev.priv)) {
		fprintf(stderr, "devfuzz: %s,%s: init failed: %s\n", name,
			dev.opts, dev.error);
		abort();	/* the harness's options are all valid */
	}
	bus_init(&buses[0], "io", MODVMM_SPACE_PIO, 0xffff);
	bus_init(&buses[1], "mmio", MODVMM_SPACE_MMIO, UINT64_MAX);
	devfuzz_sync_bus();
	return 0;
}

static void devfuzz_exit(void)
{
	int i;

	mock_dev_exit(&dev);
	devfuzz_drain();
	for (i = 0; i < 2; i++)
		bus_free(&buses[i]);
	devfuzz_close_io();
}

int devfuzz_run(const char *name, const struct devfuzz_opt *opts, int nr_opts,
		const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	if (devfuzz_init(name, &opts[fuzz_u8(&in) % nr_opts]))
		return 0;
	while (fuzz_more(&in)) {
		uint8_t op = fuzz_u8(&in);

		switch (op & 7) {
		case 4:
			devfuzz_advance((uint64_t)fuzz_u16(&in) << (fuzz_u8(&in) % 28));
			break;
		case 5:
			devfuzz_input(&in);
			break;
		case 6:
			if (dev.desc->sync)
				dev.desc->sync(dev.priv);
			break;
		case 7:
			devfuzz_chip(&in);
			break;
		default:
			devfuzz_access(&in, op);
			devfuzz_sync_bus();
			break;
		}
		devfuzz_drain();
	}
	devfuzz_exit();
	return 0;
}
