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
 *
 * The host table the device gets wraps the mock's, and the bus hands it
 * wrapped range ops: that is where the checks every device must pass
 * sit, and where the harness's devfuzz_ops hear what happened.
 */
#include <dirent.h>
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
#define MAX_IN_BYTES	64

static struct modvmm_dev dev;
static struct modvmm_host fuzz_host;
static struct bus buses[2];		/* by enum modvmm_space */
static struct mock_range bus_copy[MOCK_MAX_RANGES];
static int in_fd[2] = { -1, -1 };	/* pipe, or memfd in in_fd[1] */
static int out_fd[2] = { -1, -1 };
static unsigned int io_flags;

static const struct modvmm_irqchip_ops *chip_ops;
static void *chip_opaque;

static const struct devfuzz_ops *checks;
static struct devfuzz_ctx ctx;
static int nr_fds_before;

/* The device's ranges as the bus sees them: wrapped, so checks see every
 * access the device handles. */
struct devfuzz_wrap {
	const struct modvmm_range_ops *ops;
	void *opaque;
	uint64_t len;
};
static struct devfuzz_wrap wraps[MOCK_MAX_RANGES];
static struct modvmm_range_ops wrap_ops[MOCK_MAX_RANGES];

/* ---- what every device promises the host ------------------------------ */

/* Only the line the options name, and only as 0 or 1. */
static void devfuzz_check_line(unsigned int irq)
{
	FUZZ_ASSERT(ctx.opt->irq != DEVFUZZ_NO_IRQ);
	FUZZ_ASSERT(irq == (unsigned int)ctx.opt->irq);
}

static void fuzz_irq_set(struct modvmm_dev *d, unsigned int irq, int level)
{
	devfuzz_check_line(irq);
	FUZZ_ASSERT(level == 0 || level == 1);
	ctx.irq_level[irq] = (uint8_t)level;
	mock_host.irq_set(d, irq, level);
}

static void fuzz_irq_pulse(struct modvmm_dev *d, unsigned int irq)
{
	devfuzz_check_line(irq);
	ctx.irq_pulses[irq]++;
	mock_host.irq_pulse(d, irq);
}

/* Inside a window the options allow, and no wider. */
static int fuzz_register_range(struct modvmm_dev *d, enum modvmm_space space,
			       uint64_t base, uint64_t len,
			       const struct modvmm_range_ops *rops,
			       void *opaque)
{
	const struct devfuzz_window *w;
	int ok = 0;

	for (w = ctx.opt->win; w < ctx.opt->win + DEVFUZZ_MAX_WINDOWS &&
	     w->len; w++)
		if (w->space == space && base >= w->base && len &&
		    len - 1 <= w->len - 1 - (base - w->base) &&
		    base - w->base <= w->len - 1)
			ok = 1;
	FUZZ_ASSERT(ok);
	return mock_host.register_range(d, space, base, len, rops, opaque);
}

static void fuzz_request_stop(struct modvmm_dev *d, int status)
{
	ctx.stops++;
	ctx.stop_status = status;
	mock_host.request_stop(d, status);
}

static void fuzz_stat_add(struct modvmm_dev *d, const char *name, uint64_t n)
{
	int i;

	for (i = 0; i < DEVFUZZ_MAX_STATS; i++) {
		if (!ctx.stats[i].name)
			ctx.stats[i].name = name;
		if (ctx.stats[i].name == name) {
			ctx.stats[i].sum += n;
			break;
		}
	}
	mock_host.stat_add(d, name, n);
}

uint64_t devfuzz_stat(const struct devfuzz_ctx *c, const char *name)
{
	int i;

	for (i = 0; i < DEVFUZZ_MAX_STATS && c->stats[i].name; i++)
		if (!strcmp(c->stats[i].name, name))
			return c->stats[i].sum;
	return 0;
}

static int fuzz_mem_read(struct modvmm_dev *d, uint64_t gpa, void *buf,
			 size_t len)
{
	int rc = mock_host.mem_read(d, gpa, buf, len);

	if (checks->mem)
		checks->mem(&ctx, 0, gpa, buf, len, rc);
	return rc;
}

static int fuzz_mem_write(struct modvmm_dev *d, uint64_t gpa,
			  const void *buf, size_t len)
{
	int rc = mock_host.mem_write(d, gpa, buf, len);

	if (checks->mem)
		checks->mem(&ctx, 1, gpa, buf, len, rc);
	return rc;
}

/*
 * The bus hands the device only what fits its range and sizes; the
 * device answers with no more bits than the access has.  The ABI would
 * let the bus drop wider junk, but every register here is defined to its
 * width, so a wider value is a missed mask in the model.
 */
static uint64_t devfuzz_wrap_read(void *opaque, const struct modvmm_access *a)
{
	const struct devfuzz_wrap *w = opaque;
	uint64_t v;

	FUZZ_ASSERT(a->offset < w->len && a->size <= w->len - a->offset);
	v = w->ops->read(w->opaque, a);
	FUZZ_ASSERT(a->size == 8 || v >> (8 * a->size) == 0);
	ctx.now_ns = mock_now_ns;
	if (checks->access)
		checks->access(&ctx, a, v);
	return v;
}

static void devfuzz_wrap_write(void *opaque, const struct modvmm_access *a,
			       uint64_t val)
{
	const struct devfuzz_wrap *w = opaque;

	FUZZ_ASSERT(a->offset < w->len && a->size <= w->len - a->offset);
	w->ops->write(w->opaque, a, val);
	ctx.now_ns = mock_now_ns;
	if (checks->access)
		checks->access(&ctx, a, val);
}

void devfuzz_outq_push(struct devfuzz_outq *q, uint8_t c, uint64_t now)
{
	/* a device that holds back 64 KiB has no flush at all */
	FUZZ_ASSERT(devfuzz_outq_pending(q) < DEVFUZZ_OUTQ_SIZE);
	q->byte[q->tail % DEVFUZZ_OUTQ_SIZE] = c;
	q->when[q->tail % DEVFUZZ_OUTQ_SIZE] = now;
	q->tail++;
}

/* Nothing lost, duplicated, reordered or made up. */
void devfuzz_outq_out(struct devfuzz_outq *q, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++, q->head++) {
		FUZZ_ASSERT(q->head < q->tail);
		FUZZ_ASSERT(buf[i] == q->byte[q->head % DEVFUZZ_OUTQ_SIZE]);
	}
}

/* Open descriptors: a device closes what it opened by the end of exit. */
static int devfuzz_nr_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

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
		wraps[i] = (struct devfuzz_wrap){ r->ops, r->opaque, r->len };
		wrap_ops[i] = (struct modvmm_range_ops){
			.read = r->ops->read ? devfuzz_wrap_read : NULL,
			.write = r->ops->write ? devfuzz_wrap_write : NULL,
			.sizes = r->ops->sizes,
		};
		/* the mock refuses what the bus refuses: this cannot fail */
		FUZZ_ASSERT(!bus_register(&buses[r->space], r->base, r->len,
					  &wrap_ops[i], &wraps[i], &dev, "dev",
					  NULL, err, sizeof(err)));
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

/* Read what the device wrote to its output pipe, for the checks. */
static void devfuzz_drain(void)
{
	uint8_t buf[4096];
	ssize_t n;

	if (out_fd[0] < 0)
		return;
	while ((n = read(out_fd[0], buf, sizeof(buf))) > 0)
		if (checks->output)
			checks->output(&ctx, buf, (size_t)n);
}

/* Feed the device's input, then run its watchers when it is readable. */
static void devfuzz_input(struct fuzz_in *in)
{
	uint8_t buf[128 * 0x3f];
	unsigned int k = fuzz_u8(in), n = k % (MAX_IN_BYTES + 1), i;
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
	int v, pending;

	if (!chip_ops)
		return;
	if (line == 31)
		line = ~0u;
	if ((k & 7) < 4) {
		chip_ops->set_irq(chip_opaque, line, k & 1);
		if (checks->chip_set)
			checks->chip_set(&ctx, line, k & 1);
		return;
	}
	/* pending() only looks: INTR is up (1) or not (0) */
	pending = chip_ops->pending(chip_opaque);
	FUZZ_ASSERT(pending == 0 || pending == 1);
	if ((k & 7) == 4 || ((k & 7) > 5 && !pending))
		return;
	v = chip_ops->ack(chip_opaque);
	FUZZ_ASSERT(v >= -1 && v <= 255);
	if (checks->chip_ack)
		checks->chip_ack(&ctx, pending, v);
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

/* Create the device with options @o, entry @index of the table; 0 or -1. */
static int devfuzz_init(const char *name, const struct devfuzz_opt *o,
			unsigned int index)
{
	static char opts[256];

	memset(&dev, 0, sizeof(dev));
	memset(bus_copy, 0, sizeof(bus_copy));
	mock_now_ns = 1000000000ull;
	chip_ops = NULL;
	chip_opaque = NULL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.opt = o;
	ctx.opt_index = index;
	ctx.now_ns = mock_now_ns;
	nr_fds_before = devfuzz_nr_fds();
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
		fuzz_host.irq_set = fuzz_irq_set;
		fuzz_host.irq_pulse = fuzz_irq_pulse;
		fuzz_host.register_range = fuzz_register_range;
		fuzz_host.request_stop = fuzz_request_stop;
		fuzz_host.stat_add = fuzz_stat_add;
		fuzz_host.mem_read = fuzz_mem_read;
		fuzz_host.mem_write = fuzz_mem_write;
	}
	if (dev.desc->init(&dev, &fuzz_host, &dev.priv)) {
		fprintf(stderr, "devfuzz: %s,%s: init failed: %s\n", name,
			dev.opts, dev.error);
		abort();	/* the harness's options are all valid */
	}
	bus_init(&buses[0], "io", MODVMM_SPACE_PIO, 0xffff);
	bus_init(&buses[1], "mmio", MODVMM_SPACE_MMIO, UINT64_MAX);
	devfuzz_sync_bus();
	if (checks->reset)
		checks->reset(&ctx);
	return 0;
}

static void devfuzz_exit(void)
{
	int i;

	mock_dev_exit(&dev);
	devfuzz_drain();
	ctx.now_ns = mock_now_ns;
	if (checks->check_end)
		checks->check_end(&ctx);
	for (i = 0; i < 2; i++)
		bus_free(&buses[i]);
	devfuzz_close_io();
	FUZZ_ASSERT(devfuzz_nr_fds() == nr_fds_before);
}

/* One step of the input; returns what it was. */
static enum devfuzz_step devfuzz_step(struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);

	switch (op & 7) {
	case 4:
		devfuzz_advance((uint64_t)fuzz_u16(in) << (fuzz_u8(in) % 28));
		return DEVFUZZ_STEP_CLOCK;
	case 5:
		devfuzz_input(in);
		return DEVFUZZ_STEP_INPUT;
	case 6:
		if (dev.desc->sync)
			dev.desc->sync(dev.priv);
		return DEVFUZZ_STEP_SYNC;
	case 7:
		devfuzz_chip(in);
		return DEVFUZZ_STEP_CHIP;
	default:
		devfuzz_access(in, op);
		devfuzz_sync_bus();
		return DEVFUZZ_STEP_ACCESS;
	}
}

int devfuzz_run(const char *name, const struct devfuzz_ops *check,
		const struct devfuzz_opt *opts, int nr_opts,
		const uint8_t *data, size_t size)
{
	static const struct devfuzz_ops none;
	struct fuzz_in in = { data, size };
	unsigned int index = fuzz_u8(&in) % (unsigned int)nr_opts;

	checks = check ? check : &none;
	if (devfuzz_init(name, &opts[index], index))
		return 0;
	while (fuzz_more(&in)) {
		enum devfuzz_step step = devfuzz_step(&in);

		devfuzz_drain();
		ctx.now_ns = mock_now_ns;
		if (checks->check_step)
			checks->check_step(&ctx, step);
	}
	devfuzz_exit();
	return 0;
}
