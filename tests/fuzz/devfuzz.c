// SPDX-License-Identifier: MIT
/*
 * The device harness driver: see devfuzz.h.
 *
 * Input format, after the first byte (which picks the options):
 * a list of steps, each an opcode byte and its operands.
 *   op & 7 = 0-3  access: range byte, offset (2 bytes), value (size
 *                 bytes); op bit 3 = write, bits 4-6 pick the size
 *   op & 7 = 4    clock: advance (2 bytes) << (byte % 28) nanoseconds
 *   op & 7 = 5    input: length byte, then that many bytes into the pipe,
 *                 then the device's fd watchers run
 *   op & 7 = 6    sync hook (flush)
 *   op & 7 = 7    interrupt controller step, if the device became one
 */
#include <fcntl.h>
#include <string.h>
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
static int pipe_fd[2] = { -1, -1 };

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
	uint32_t size;
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
	bus_access(&buses[r->space], addr, size, is_write, data, 0);
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

static void devfuzz_input(struct fuzz_in *in)
{
	uint8_t buf[MAX_INPUT];
	unsigned int n = fuzz_u8(in) % (MAX_INPUT + 1), i;
	ssize_t w;

	for (i = 0; i < n; i++)
		buf[i] = fuzz_u8(in);
	if (pipe_fd[1] >= 0 && n) {
		w = write(pipe_fd[1], buf, n);
		(void)w;	/* a full pipe drops input: fine */
	}
	mock_fd_fire(&dev);
	devfuzz_sync_bus();
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

/* Create the device with options @o; 0 or -1. */
static int devfuzz_init(const char *name, const struct devfuzz_opt *o)
{
	static char opts[256];

	memset(&dev, 0, sizeof(dev));
	memset(bus_copy, 0, sizeof(bus_copy));
	mock_now_ns = 1000000000ull;
	chip_ops = NULL;
	chip_opaque = NULL;
	if (o->pipe) {
		if (pipe2(pipe_fd, O_NONBLOCK | O_CLOEXEC))
			return -1;
		snprintf(opts, sizeof(opts), "%s%sin=/proc/self/fd/%d", o->opts,
			 o->opts[0] ? "," : "", pipe_fd[0]);
	} else {
		snprintf(opts, sizeof(opts), "%s", o->opts);
	}
	dev.desc = mock_find_desc(name);
	dev.opts = opts;
	FUZZ_ASSERT(dev.desc);
	if (!fuzz_host.struct_size) {
		fuzz_host = mock_host;
		fuzz_host.irqchip_register = fuzz_irqchip_register;
		fuzz_host.irqchip_update = fuzz_irqchip_update;
	}
	if (dev.desc->init(&dev, &fuzz_host, &dev.priv)) {
		fprintf(stderr, "devfuzz: %s,%s: init failed: %s\n", name, opts,
			dev.error);
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
	for (i = 0; i < 2; i++) {
		bus_free(&buses[i]);
		if (pipe_fd[i] >= 0)
			close(pipe_fd[i]);
		pipe_fd[i] = -1;
	}
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
	}
	devfuzz_exit();
	return 0;
}
