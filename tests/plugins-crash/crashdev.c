// SPDX-License-Identifier: MIT
/*
 * crashdev - a test plugin that crashes on purpose, to check what modvmm
 * does when a device's code dies: name the device and the access, give
 * the terminal back, flush the guest's console output, exit with 16.
 *
 * One register, 1 byte wide, at port= (default 0x5e0) or, with
 * mmio=ADDR, at that guest physical address instead.  Reads return
 * CRASHDEV_ID.  Writing CRASHDEV_MAGIC crashes, any other value is
 * ignored:
 *
 *   mode=segv   store through a NULL pointer (SIGSEGV)
 *   mode=bus    touch a page of a shared mapping whose file was
 *               truncated under it (SIGBUS)
 *   mode=abort  abort() (SIGABRT)
 *   mode=hang   never return (for the watchdog)
 *   mode=exit   exit(3), as a careless plugin might
 *   mode=stop   request_stop(status=) (default 256: a status no device
 *               may end the run with)
 *   mode=none   do not crash (the control)
 *
 *   when=access crash inside the write handler (the default)
 *   when=timer  arm a 1 ms timer and crash in its callback instead
 *   when=sync   crash in the sync hook once the magic was written (the
 *               crash handler's own sync then crashes again)
 *   when=exit   crash in the exit hook once the magic was written
 *   when=init   crash in init, before the guest runs
 *
 * Built by tests/integration/robust.sh with make -C TREE M=DIR.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* memfd_create */
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <modvmm/device.h>

#define CRASHDEV_DEFAULT_PORT	0x5e0
#define CRASHDEV_MAGIC		0xc5
#define CRASHDEV_ID		0x5a
#define CRASHDEV_TIMER_NS	1000000ull

enum crash_mode {
	CRASH_NONE, CRASH_SEGV, CRASH_BUS, CRASH_ABORT, CRASH_HANG, CRASH_EXIT,
	CRASH_STOP,
};
enum crash_when { WHEN_ACCESS, WHEN_TIMER, WHEN_SYNC, WHEN_EXIT, WHEN_INIT };

struct crashdev {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	enum crash_mode mode;
	enum crash_when when;
	uint64_t stop_status;	/* mode=stop */
	struct modvmm_timer *timer;
	int armed;		/* the magic was written (sync, exit) */
};

/* volatile, so the compiler cannot see the NULL and turn the store into
 * a trap instruction (SIGILL) */
static int *volatile crash_target;

static void crash_bus(void)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile char *p;
	int fd = memfd_create("crashdev", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, page))
		abort();
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || ftruncate(fd, 0))
		abort();
	/* the page is past the end of the file now: SIGBUS */
	p[0] = 1;
	abort();	/* not reached */
}

/* A deliberate crash is no bug for UBSan to report in a SANITIZE=1 build. */
__attribute__((no_sanitize("undefined")))
static void crash_now(const struct crashdev *c)
{
	switch (c->mode) {
	case CRASH_SEGV:
		*crash_target = 1;
		break;
	case CRASH_BUS:
		crash_bus();
		break;
	case CRASH_ABORT:
		abort();
	case CRASH_HANG:
		for (;;)
			pause();	/* signals come and go; it stays */
	case CRASH_EXIT:
		exit(3);
	case CRASH_STOP:
		c->host->request_stop(c->dev, (int)c->stop_status);
		break;
	case CRASH_NONE:
		break;
	}
}

static uint64_t crashdev_read(void *opaque, const struct modvmm_access *a)
{
	(void)opaque;
	(void)a;
	return CRASHDEV_ID;
}

static void crashdev_write(void *opaque, const struct modvmm_access *a,
			   uint64_t val)
{
	struct crashdev *c = opaque;

	(void)a;
	if (val != CRASHDEV_MAGIC)
		return;
	switch (c->when) {
	case WHEN_TIMER:
		c->host->timer_arm(c->timer, CRASHDEV_TIMER_NS, 0);
		break;
	case WHEN_SYNC:
	case WHEN_EXIT:
		c->armed = 1;
		break;
	default:
		crash_now(c);
		break;
	}
}

static void crashdev_timer(void *opaque, uint64_t expired)
{
	struct crashdev *c = opaque;

	(void)expired;
	crash_now(c);
}

static const struct modvmm_range_ops crashdev_ops = {
	.read = crashdev_read,
	.write = crashdev_write,
	.sizes = MODVMM_SIZE_1,
};

static int crashdev_parse(struct crashdev *c)
{
	const char *mode = c->host->opt_str(c->dev, "mode", "segv");
	const char *when = c->host->opt_str(c->dev, "when", "access");

	if (c->host->opt_u64(c->dev, "status", 256, &c->stop_status))
		return -1;

	if (!strcmp(mode, "segv"))
		c->mode = CRASH_SEGV;
	else if (!strcmp(mode, "bus"))
		c->mode = CRASH_BUS;
	else if (!strcmp(mode, "abort"))
		c->mode = CRASH_ABORT;
	else if (!strcmp(mode, "none"))
		c->mode = CRASH_NONE;
	else if (!strcmp(mode, "hang"))
		c->mode = CRASH_HANG;
	else if (!strcmp(mode, "exit"))
		c->mode = CRASH_EXIT;
	else if (!strcmp(mode, "stop"))
		c->mode = CRASH_STOP;
	else {
		c->host->set_error(c->dev, "mode=%s: want segv, bus, abort, hang, exit, stop or none",
				   mode);
		return -1;
	}
	if (!strcmp(when, "access"))
		c->when = WHEN_ACCESS;
	else if (!strcmp(when, "timer"))
		c->when = WHEN_TIMER;
	else if (!strcmp(when, "sync"))
		c->when = WHEN_SYNC;
	else if (!strcmp(when, "exit"))
		c->when = WHEN_EXIT;
	else if (!strcmp(when, "init"))
		c->when = WHEN_INIT;
	else {
		c->host->set_error(c->dev,
				   "when=%s: want access, timer, sync, exit or init",
				   when);
		return -1;
	}
	return 0;
}

static int crashdev_register(struct crashdev *c)
{
	const struct modvmm_host *h = c->host;
	uint64_t port, mmio;

	if (h->opt_u64(c->dev, "port", CRASHDEV_DEFAULT_PORT, &port) ||
	    h->opt_u64(c->dev, "mmio", 0, &mmio))
		return -1;
	if (mmio)
		return h->register_range(c->dev, MODVMM_SPACE_MMIO, mmio, 1,
					 &crashdev_ops, c);
	if (port > 0xffff) {
		h->set_error(c->dev, "port=0x%llx: not an I/O port",
			     (unsigned long long)port);
		return -1;
	}
	return h->register_range(c->dev, MODVMM_SPACE_PIO, port, 1,
				 &crashdev_ops, c);
}

static int crashdev_init(struct modvmm_dev *dev, const struct modvmm_host *host,
			 void **priv)
{
	struct crashdev *c = calloc(1, sizeof(*c));

	if (!c) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	c->dev = dev;
	c->host = host;
	if (crashdev_parse(c) || crashdev_register(c))
		goto fail;
	c->timer = host->timer_new(dev, crashdev_timer, c);
	if (!c->timer) {
		host->set_error(dev, "cannot create the timer");
		goto fail;
	}
	if (c->when == WHEN_INIT)
		crash_now(c);
	*priv = c;
	return 0;
fail:
	free(c);
	return -1;
}

static void crashdev_sync(void *priv)
{
	struct crashdev *c = priv;

	if (c->when == WHEN_SYNC && c->armed)
		crash_now(c);
}

static void crashdev_exit(void *priv)
{
	struct crashdev *c = priv;

	if (c->when == WHEN_EXIT && c->armed)
		crash_now(c);
	free(c);
}

static const struct modvmm_option crashdev_options[] = {
	{ "port", "I/O port of the register", "0x5e0" },
	{ "mmio", "guest physical address of the register (instead of port=)",
	  NULL },
	{ "mode", "how to crash: segv, bus, abort, hang, exit, stop or none",
	  "segv" },
	{ "status", "the status mode=stop asks for", "256" },
	{ "when", "where to crash: access, timer, sync, exit or init",
	  "access" },
	{ NULL, NULL, NULL }
};

MODVMM_DEVICE(crashdev) = {
	MODVMM_DESC_HEADER,
	.name = "crashdev",
	.license = "MIT",
	.description = "test device that crashes when written 0xc5",
	.options = crashdev_options,
	.init = crashdev_init,
	.exit = crashdev_exit,
	.sync = crashdev_sync,
};
