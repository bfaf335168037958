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
 *                 0xff: end of file instead), then the fds ready run
 *   op & 7 = 6    sync hook (flush); with &devfuzz_ops.ext_steps,
 *                 op >> 3 picks sync, a RAM write, a wait or the
 *                 harness's own step (devfuzz.h)
 *   op & 7 = 7    interrupt controller step, if the device became one:
 *                 byte k; k & 7 < 4 drives line k >> 3 to k & 1; else
 *                 the CPU's pending/acknowledge of an INTR controller,
 *                 or for one that sends MSIs (no acknowledge) an end of
 *                 interrupt of the next byte's vector
 *
 * The device is created on a fresh harness machine for every input,
 * through the "devfuzz" shim: its host table is the core's with the
 * entries below wrapped, and its ranges are registered with wrapped ops.
 * That is where the checks every device must pass sit, and where the
 * harness's devfuzz_ops hear what happened.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <modvmm/harness.h>

#include "devfuzz.h"

#define MAX_RANGES	8
#define MAX_IN_BYTES	64
#define HARNESS_LINES	24	/* the lines the core has */

static struct modvmm_dev *dev;
static const struct modvmm_device_desc *real_desc;
static const struct modvmm_host *core_host;
static struct modvmm_host fuzz_host;
static int in_fd[2] = { -1, -1 };	/* pipe, or memfd in in_fd[1] */
static int out_fd[2] = { -1, -1 };
static unsigned int io_flags;

static const struct modvmm_irqchip_ops *chip_ops;
static void *chip_opaque;
static uint32_t lines_driven;		/* by the controller steps, not the device */
static int first_stop_status;

static const struct devfuzz_ops *checks;
static struct devfuzz_ctx ctx;
static int nr_fds_before;

/*
 * The device's ranges as the bus sees them: wrapped, so checks see every
 * access the device handles.  The bus holds &wraps[i].ops and &wraps[i]
 * until the range goes.
 */
struct devfuzz_wrap {
	int used;
	enum modvmm_space space;
	uint64_t base, len;
	const struct modvmm_range_ops *dev_ops;
	void *dev_opaque;
	struct modvmm_range_ops ops;
};
static struct devfuzz_wrap wraps[MAX_RANGES];

/* ---- what every device promises the host ------------------------------ */

/* Only the line the options name. */
static void devfuzz_check_line(unsigned int irq)
{
	FUZZ_ASSERT(ctx.opt->irq != DEVFUZZ_NO_IRQ);
	FUZZ_ASSERT(irq == (unsigned int)ctx.opt->irq);
}

/*
 * Bring the context up to date with the machine: the clock, the pulses
 * the core counted, and whether the core did what the device asked of
 * it.  Lines the controller steps drove are the harness's, not the
 * device's.
 */
static void devfuzz_observe(void)
{
	unsigned int i;
	int st;

	ctx.now_ns = harness_now();
	for (i = 0; i < HARNESS_LINES; i++) {
		ctx.irq_pulses[i] = harness_irq_pulses(i);
		if (lines_driven & (1u << i))
			continue;
		if (ctx.opt->irq != DEVFUZZ_NO_IRQ &&
		    i == (unsigned int)ctx.opt->irq) {
			FUZZ_ASSERT(harness_irq_level(i) == ctx.irq_level[i]);
			continue;
		}
		FUZZ_ASSERT(!harness_irq_level(i) && !harness_irq_edges(i) &&
			    !ctx.irq_pulses[i]);
	}
	/* the first stop wins, with the 8 bits a process exit keeps */
	FUZZ_ASSERT(harness_stopped(&st) == !!ctx.stops);
	if (ctx.stops)
		FUZZ_ASSERT(st == (first_stop_status & 0xff));
}

static void fuzz_irq_set(struct modvmm_dev *d, unsigned int irq, int level)
{
	devfuzz_check_line(irq);
	FUZZ_ASSERT(level == 0 || level == 1);
	ctx.irq_level[irq] = (uint8_t)level;
	core_host->irq_set(d, irq, level);
}

static void fuzz_irq_pulse(struct modvmm_dev *d, unsigned int irq)
{
	devfuzz_check_line(irq);
	core_host->irq_pulse(d, irq);
}

/* A timer that pulses a line: the core pulses it, so only that line. */
static struct modvmm_timer *fuzz_irq_timer_new(struct modvmm_dev *d,
					       unsigned int irq)
{
	devfuzz_check_line(irq);
	return core_host->irq_timer_new(d, irq);
}

static void fuzz_request_stop(struct modvmm_dev *d, int status)
{
	if (!ctx.stops++)
		first_stop_status = status;
	ctx.stop_status = status;
	core_host->request_stop(d, status);
}

uint64_t devfuzz_stat(const struct devfuzz_ctx *c, const char *name)
{
	(void)c;
	return harness_stat(dev, name);
}

static int fuzz_mem_read(struct modvmm_dev *d, uint64_t gpa, void *buf,
			 size_t len)
{
	int rc = core_host->mem_read(d, gpa, buf, len);

	if (checks->mem)
		checks->mem(&ctx, 0, gpa, buf, len, rc);
	return rc;
}

static int fuzz_mem_write(struct modvmm_dev *d, uint64_t gpa,
			  const void *buf, size_t len)
{
	int rc = core_host->mem_write(d, gpa, buf, len);

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
	v = w->dev_ops->read(w->dev_opaque, a);
	FUZZ_ASSERT(a->size == 8 || v >> (8 * a->size) == 0);
	devfuzz_observe();
	if (checks->access)
		checks->access(&ctx, a, v);
	return v;
}

static void devfuzz_wrap_write(void *opaque, const struct modvmm_access *a,
			       uint64_t val)
{
	const struct devfuzz_wrap *w = opaque;

	FUZZ_ASSERT(a->offset < w->len && a->size <= w->len - a->offset);
	w->dev_ops->write(w->dev_opaque, a, val);
	devfuzz_observe();
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

/* Inside a window the options allow, and no wider. */
static void devfuzz_check_window(enum modvmm_space space, uint64_t base,
				 uint64_t len)
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
}

static int fuzz_register_range(struct modvmm_dev *d, enum modvmm_space space,
			       uint64_t base, uint64_t len,
			       const struct modvmm_range_ops *rops,
			       void *opaque)
{
	struct devfuzz_wrap *w;

	devfuzz_check_window(space, base, len);
	for (w = wraps; w < wraps + MAX_RANGES && w->used; w++)
		;
	FUZZ_ASSERT(w < wraps + MAX_RANGES);
	*w = (struct devfuzz_wrap){ 1, space, base, len, rops, opaque, {
		.read = rops && rops->read ? devfuzz_wrap_read : NULL,
		.write = rops && rops->write ? devfuzz_wrap_write : NULL,
		.sizes = rops ? rops->sizes : 0,
	} };
	if (core_host->register_range(d, space, base, len, rops ? &w->ops : NULL,
				      w)) {
		w->used = 0;
		return -1;
	}
	return 0;
}

static int fuzz_unregister_range(struct modvmm_dev *d, enum modvmm_space space,
				 uint64_t base)
{
	struct devfuzz_wrap *w;

	if (core_host->unregister_range(d, space, base))
		return -1;
	for (w = wraps; w < wraps + MAX_RANGES; w++)
		if (w->used && w->space == space && w->base == base)
			w->used = 0;
	return 0;
}

/* The core drives the controller's inputs through here. */
static void fuzz_chip_set_irq(void *opaque, unsigned int line, int level)
{
	(void)opaque;
	chip_ops->set_irq(chip_opaque, line, level);
	if (checks->chip_set)
		checks->chip_set(&ctx, line, level);
}

static int fuzz_chip_pending(void *opaque)
{
	(void)opaque;
	return chip_ops->pending(chip_opaque);
}

static int fuzz_chip_ack(void *opaque)
{
	(void)opaque;
	return chip_ops->ack(chip_opaque);
}

static const struct modvmm_irqchip_ops fuzz_chip_ops = {
	.set_irq = fuzz_chip_set_irq,
	.pending = fuzz_chip_pending,
	.ack = fuzz_chip_ack,
};

/* A controller that sends MSIs (an I/O APIC) has no INTR to ask about. */
static const struct modvmm_irqchip_ops fuzz_msi_chip_ops = {
	.set_irq = fuzz_chip_set_irq,
};

static int fuzz_irqchip_register(struct modvmm_dev *d,
				 const struct modvmm_irqchip_ops *ops,
				 void *opaque)
{
	int intr = ops && ops->pending && ops->ack;

	/*
	 * The core checks @ops; ours are complete (both or neither of
	 * pending and ack), so let it refuse the others first.
	 */
	if (!ops || !ops->set_irq || (!intr && (ops->pending || ops->ack)) ||
	    chip_ops)
		return core_host->irqchip_register(d, ops, opaque);
	chip_ops = ops;
	chip_opaque = opaque;
	if (core_host->irqchip_register(d, intr ? &fuzz_chip_ops :
					&fuzz_msi_chip_ops, NULL)) {
		chip_ops = NULL;
		chip_opaque = NULL;
		return -1;
	}
	return 0;
}

/*
 * A message the device sent through a route: the one the route held,
 * and only when the core counted it as sent (the route was set).
 */
static int fuzz_msi_route_fire(struct modvmm_dev *d, unsigned int route)
{
	uint64_t before = harness_msi_fired(route);
	struct modvmm_msi msi;
	int rc = core_host->msi_route_fire(d, route);

	if (harness_msi_fired(route) != before &&
	    !harness_msi_route(route, &msi) && checks->msi)
		checks->msi(&ctx, (int)route, &msi);
	return rc;
}

static int fuzz_msi_send(struct modvmm_dev *d, const struct modvmm_msi *msi)
{
	int rc = core_host->msi_send(d, msi);

	/* -1: refused, never sent */
	if (rc >= 0 && checks->msi)
		checks->msi(&ctx, -1, msi);
	return rc;
}

/*
 * The core gives the console to the first device that asks and never
 * takes it back, not even when that device is gone (core/console.c): in
 * a process that makes one machine per input, every device after the
 * first would be refused.  There is one device here at a time, so a
 * refusal can only come from an earlier input's: grant it.
 */
static int fuzz_console_acquire(struct modvmm_dev *d)
{
	core_host->console_acquire(d);
	return 1;
}

/* ---- the shim device --------------------------------------------------- */

/* The real device's init, with the wrapped host table. */
static int shim_init(struct modvmm_dev *d, const struct modvmm_host *host,
		     void **priv)
{
	core_host = host;
	fuzz_host = *host;
	fuzz_host.register_range = fuzz_register_range;
	fuzz_host.unregister_range = fuzz_unregister_range;
	fuzz_host.irq_set = fuzz_irq_set;
	fuzz_host.irq_pulse = fuzz_irq_pulse;
	fuzz_host.mem_read = fuzz_mem_read;
	fuzz_host.mem_write = fuzz_mem_write;
	fuzz_host.request_stop = fuzz_request_stop;
	fuzz_host.console_acquire = fuzz_console_acquire;
	if (MODVMM_HOST_HAS(host, irqchip_register))
		fuzz_host.irqchip_register = fuzz_irqchip_register;
	if (MODVMM_HOST_HAS(host, irq_timer_new))
		fuzz_host.irq_timer_new = fuzz_irq_timer_new;
	if (MODVMM_HOST_HAS(host, msi_route_fire))
		fuzz_host.msi_route_fire = fuzz_msi_route_fire;
	if (MODVMM_HOST_HAS(host, msi_send))
		fuzz_host.msi_send = fuzz_msi_send;
	return real_desc->init(d, &fuzz_host, priv);
}

/*
 * Filled from the real device's descriptor (options, exit, sync) before
 * the core looks at the built-ins, so it lives in the same section that
 * MODVMM_DEVICE() uses, but writable.
 */
static struct modvmm_device_desc shim_desc;
static const struct modvmm_device_desc *const shim_desc_ptr
	__attribute__((section("modvmm_devices"), used,
		       aligned(sizeof(void *)))) = &shim_desc;

extern const struct modvmm_device_desc *const __start_modvmm_devices[];
extern const struct modvmm_device_desc *const __stop_modvmm_devices[];

static void devfuzz_shim_for(const char *name)
{
	const struct modvmm_device_desc *const *d;

	if (real_desc)
		return;
	for (d = __start_modvmm_devices; d < __stop_modvmm_devices; d++)
		if (*d != &shim_desc && !strcmp((*d)->name, name))
			real_desc = *d;
	FUZZ_ASSERT(real_desc);
	shim_desc = *real_desc;
	shim_desc.name = "devfuzz";
	shim_desc.init = shim_init;
	/* FUZZ_VERBOSE=1: the core's messages on stderr */
	if (getenv("FUZZ_VERBOSE"))
		setenv("MODVMM_HARNESS_VERBOSE", "1", 0);
}

/* ---- the steps ---------------------------------------------------------- */

static int devfuzz_nr_ranges(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_RANGES; i++)
		n += wraps[i].used;
	return n;
}

static const struct devfuzz_wrap *devfuzz_range(unsigned int k)
{
	int i, n = devfuzz_nr_ranges();

	if (!n)
		return NULL;
	k %= (unsigned int)n;
	for (i = 0; i < MAX_RANGES; i++)
		if (wraps[i].used && !k--)
			return &wraps[i];
	return NULL;
}

static void devfuzz_access(struct fuzz_in *in, uint8_t op)
{
	static const uint32_t pio_sizes[8] = { 1, 1, 1, 2, 2, 4, 4, 1 };
	static const uint32_t mmio_sizes[8] = { 1, 2, 4, 8, 3, 5, 6, 7 };
	const struct devfuzz_wrap *r = devfuzz_range(fuzz_u8(in));
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
	/* KVM hands a rep ins/outs over as count accesses in one exit */
	count = (op & 7) == 3 ? 1u + fuzz_u8(in) : 1;
	for (; count; count--, val++) {
		memcpy(data, &val, sizeof(data));
		harness_access(r->space, addr, size, is_write, data);
	}
}

/* Move the virtual clock on by @ns: the core runs the timers due. */
static void devfuzz_advance(uint64_t ns)
{
	uint64_t now = harness_now();

	if (ns > UINT64_MAX / 2 - now)	/* room for a period past the end */
		ns = UINT64_MAX / 2 - now;
	harness_advance(ns);
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

/*
 * Feed the device's input, then run the watchers of the fds that are
 * ready, as the event loop would: a pipe when readable (or at EOF), a
 * regular file always (epoll cannot watch one).
 */
static void devfuzz_input(struct fuzz_in *in)
{
	uint8_t buf[128 * 0x3f];
	unsigned int k = fuzz_u8(in), n = k % (MAX_IN_BYTES + 1), i;
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
		/* a full pipe drops input: fine */
		if (w > 0 && checks->input)
			checks->input(&ctx, buf, (size_t)w);
	}
	harness_poll();
}

/*
 * A local APIC ends a level-triggered interrupt of the next byte's
 * vector (KVM_EXIT_IOAPIC_EOI): the device's EOI watch hears of it, if
 * it has one, then the checks.
 */
static void devfuzz_eoi(struct fuzz_in *in)
{
	unsigned int vector = fuzz_u8(in);

	harness_eoi(vector);
	if (checks->eoi)
		checks->eoi(&ctx, vector);
}

/*
 * What the core does with an interrupt controller: other devices drive
 * lines (any number: a plugin may pass one the chip does not have; the
 * core passes on 0-23), and before entering the guest the run loop acks
 * what is pending.  A controller that sends MSIs is not acked: the local
 * APICs end its level interrupts instead.
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
		if (line < HARNESS_LINES)
			lines_driven |= 1u << line;
		harness_irq_set(line, k & 1);
		return;
	}
	if (!chip_ops->ack) {
		devfuzz_eoi(in);
		return;
	}
	/* pending() only looks: INTR is up (1) or not (0) */
	pending = harness_irqchip_pending();
	FUZZ_ASSERT(pending == 0 || pending == 1);
	if ((k & 7) == 4 || ((k & 7) > 5 && !pending))
		return;
	v = harness_irqchip_ack();
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

/* A machine with the device made with options @o, entry @index; 0 or -1. */
static int devfuzz_init(const char *name, const struct devfuzz_opt *o,
			unsigned int index)
{
	static char spec[256];

	devfuzz_shim_for(name);
	memset(wraps, 0, sizeof(wraps));
	chip_ops = NULL;
	chip_opaque = NULL;
	lines_driven = 0;
	first_stop_status = 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.opt = o;
	ctx.opt_index = index;
	nr_fds_before = devfuzz_nr_fds();
	snprintf(spec, sizeof(spec), "devfuzz%s%s", o->opts[0] ? "," : "",
		 o->opts);
	if (devfuzz_open_io(o, spec, sizeof(spec))) {
		devfuzz_close_io();
		return -1;
	}
	FUZZ_ASSERT(!harness_init(DEVFUZZ_RAM, NULL));
	ctx.now_ns = harness_now();
	dev = harness_device(spec);
	if (!dev) {
		fprintf(stderr, "devfuzz: %s: %s\n", spec, harness_last_error());
		abort();	/* the harness's options are all valid */
	}
	devfuzz_observe();
	if (checks->reset)
		checks->reset(&ctx);
	return 0;
}

static void devfuzz_exit(void)
{
	unsigned int i;

	harness_device_remove(dev);
	devfuzz_drain();
	ctx.now_ns = harness_now();
	/* the core let go of every line the device held */
	for (i = 0; i < HARNESS_LINES; i++)
		if (!(lines_driven & (1u << i)))
			FUZZ_ASSERT(!harness_irq_level(i));
	if (checks->check_end)
		checks->check_end(&ctx);
	harness_exit();
	dev = NULL;
	devfuzz_close_io();
	FUZZ_ASSERT(devfuzz_nr_fds() == nr_fds_before);
}

/*
 * A RAM step: fuzzed bytes at a fuzzed address of guest RAM (the rings
 * and descriptors of a virtio device live there).
 */
static void devfuzz_ram(struct fuzz_in *in)
{
	static uint8_t buf[128 * 16];
	uint64_t gpa = fuzz_u16(in) % DEVFUZZ_RAM;
	unsigned int k = fuzz_u8(in), n, i;
	uint8_t *ram;

	if (k & 0x80) {
		n = ((k & 0x7f) + 1) * 16;
		memset(buf, fuzz_u8(in), n);
	} else {
		n = (k & 0x3f) + 1;
		for (i = 0; i < n; i++)
			buf[i] = fuzz_u8(in);
	}
	if (n > DEVFUZZ_RAM - gpa)
		n = (unsigned int)(DEVFUZZ_RAM - gpa);
	if (checks->ram_write) {
		checks->ram_write(&ctx, gpa, buf, n);
		return;
	}
	ram = harness_mem(gpa, n);
	FUZZ_ASSERT(ram);
	memcpy(ram, buf, n);
}

/* op & 7 = 6 with extended steps: what op >> 3 says. */
static enum devfuzz_step devfuzz_ext_step(struct fuzz_in *in, uint8_t op)
{
	unsigned int kind = op >> 3;

	switch (kind) {
	case 0:
		harness_sync();
		return DEVFUZZ_STEP_SYNC;
	case 1:
		devfuzz_ram(in);
		return DEVFUZZ_STEP_RAM;
	case 2:
		harness_poll_wait(fuzz_u8(in) % 8);
		return DEVFUZZ_STEP_WAIT;
	default:
		if (checks->step)
			checks->step(&ctx, kind - 3, in);
		return DEVFUZZ_STEP_HARNESS;
	}
}

/* One step of the input; returns what it was. */
static enum devfuzz_step devfuzz_step(struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);

	if ((op & 7) == 6 && checks->ext_steps)
		return devfuzz_ext_step(in, op);
	switch (op & 7) {
	case 4:
		devfuzz_advance((uint64_t)fuzz_u16(in) << (fuzz_u8(in) % 28));
		return DEVFUZZ_STEP_CLOCK;
	case 5:
		devfuzz_input(in);
		return DEVFUZZ_STEP_INPUT;
	case 6:
		harness_sync();
		return DEVFUZZ_STEP_SYNC;
	case 7:
		devfuzz_chip(in);
		return DEVFUZZ_STEP_CHIP;
	default:
		devfuzz_access(in, op);
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
		devfuzz_observe();
		if (checks->check_step)
			checks->check_step(&ctx, step);
	}
	devfuzz_exit();
	return 0;
}
