// SPDX-License-Identifier: MIT
/*
 * Unit tests for the core's device layer (core/device.c, plugin.c,
 * hostapi.c), event loop (core/event.c), IRQ lines (core/irq.c) and stop
 * requests, through the device test harness: no KVM.  The devices are
 * defined here, built in through the same linker section as modvmm's own.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <modvmm/harness.h>

#include "unit.h"
#include "../../core/dev/device.h"
#include "../../core/dev/platform.h"

/* --- tdev: a device whose every host call the tests can trigger ------ */

struct tdev {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	uint64_t port, irq;
	struct modvmm_timer *t[2];
	int pipe_rd;
	int exited;
	int console;		/* what console_acquire answered, or -1 */
};

static struct tdev *last;		/* the newest instance */
static char calls[256];			/* "a@T b@T ...": timer calls in order */
static int exit_order[8], nr_exits;
static int fd_calls;

static const struct modvmm_option tdev_options[] = {
	{ "port", "first of 2 ports", "0x700" },
	{ "irq", "interrupt line", "9" },
	{ "fail", "fail init with this message", NULL },
	{ "console", "ask for the console at init", "off" },
	{ "fwfile", "publish this firmware file at init", NULL },
	{ NULL, NULL, NULL },
};

static uint64_t tdev_read(void *opaque, const struct modvmm_access *a)
{
	(void)opaque;
	return a->offset ? 0x5a : 0xa5;
}

static void tdev_write(void *opaque, const struct modvmm_access *a, uint64_t v)
{
	struct tdev *t = opaque;

	/* port+0: v = level of the line; port+1: a pulse */
	if (a->offset)
		t->host->irq_pulse(t->dev, (unsigned int)t->irq);
	else
		t->host->irq_set(t->dev, (unsigned int)t->irq, (int)v);
}

static const struct modvmm_range_ops tdev_ops = {
	.read = tdev_read,
	.write = tdev_write,
	.sizes = MODVMM_SIZE_1,
};

static int tdev_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	static struct tdev pool[8];
	static int used;
	struct tdev *t = &pool[used++ % 8];
	const char *fail = host->opt_str(dev, "fail", NULL);
	const char *fwfile = host->opt_str(dev, "fwfile", NULL);
	int console;

	memset(t, 0, sizeof(*t));
	t->dev = dev;
	t->host = host;
	t->pipe_rd = -1;
	*priv = t;
	last = t;
	if (host->opt_u64(dev, "port", 0x700, &t->port) ||
	    host->opt_u64(dev, "irq", 9, &t->irq) ||
	    host->opt_bool(dev, "console", 0, &console))
		return -1;
	t->console = console ? host->console_acquire(dev) : -1;
	/* a range first, so that a failed init must release it */
	if (host->register_range(dev, MODVMM_SPACE_PIO, t->port, 2, &tdev_ops, t))
		return -1;
	if (fwfile && host->fw_file_add(dev, fwfile, fwfile, strlen(fwfile)))
		return -1;
	if (fail) {
		host->set_error(dev, "%s", fail);
		return -1;
	}
	return 0;
}

static void tdev_exit(void *priv)
{
	struct tdev *t = priv;

	t->exited = 1;
	if (nr_exits < 8)
		exit_order[nr_exits++] = (int)t->port;
}

MODVMM_DEVICE(tdev) = {
	MODVMM_DESC_HEADER,
	.name = "tdev",
	.license = "MIT",
	.description = "test device for the core's unit tests",
	.options = tdev_options,
	.init = tdev_init,
	.exit = tdev_exit,
};

static void start(void)
{
	CHECK_EQ(harness_init(0, NULL), 0);
	calls[0] = '\0';
	nr_exits = 0;
	fd_calls = 0;
	last = NULL;
}

/* --- Registry and instances ------------------------------------------- */

UNIT_TEST(device_create_by_name_and_instance_names)
{
	struct modvmm_dev *a, *b;

	start();
	a = harness_device("tdev");
	b = harness_device("tdev,port=0x710");
	CHECK(a && b && a != b);
	CHECK_EQ(harness_inb(0x700), 0xa5);
	CHECK_EQ(harness_inb(0x711), 0x5a);
	CHECK_EQ(harness_inb(0x702), 0xff);	/* unclaimed: all ones */
	/* a third one on the first one's ports names both, and its own name */
	CHECK(!harness_device("tdev,port=0x701"));
	CHECK_STR_CONTAINS(harness_last_error(), "tdev.2: init failed");
	CHECK_STR_CONTAINS(harness_last_error(), "tdev [0x700-0x701] overlaps tdev.2 [0x701-0x702]");
	harness_exit();
}

UNIT_TEST(device_refusals_are_one_line_each)
{
	start();
	CHECK(!harness_device("nosuch"));
	CHECK_STR_CONTAINS(harness_last_error(), "device 'nosuch': not built in");
	CHECK(!harness_device("tdev,colour=red"));
	CHECK_STR_CONTAINS(harness_last_error(), "colour");
	CHECK(!harness_device("tdev,port=seven"));
	CHECK_STR_CONTAINS(harness_last_error(), "option port=seven");
	CHECK(!harness_device("tdev,fail=no luck"));
	CHECK_STR_CONTAINS(harness_last_error(), "tdev: init failed: no luck");
	/* the failed instance released its range and its name */
	CHECK_EQ(harness_inb(0x700), 0xff);
	CHECK(harness_device("tdev") != NULL);
	CHECK_EQ(harness_inb(0x700), 0xa5);
	harness_exit();
}

UNIT_TEST(device_remove_releases_everything)
{
	struct modvmm_dev *a;
	struct harness_range r;

	start();
	a = harness_device("tdev,irq=5");
	CHECK(harness_range(MODVMM_SPACE_PIO, 0x701, &r));
	CHECK(r.dev == a && r.base == 0x700 && r.len == 2 && r.sizes == MODVMM_SIZE_1);
	harness_outb(0x700, 1);
	CHECK_EQ(harness_irq_level(5), 1);
	harness_device_remove(a);
	CHECK_EQ(nr_exits, 1);
	CHECK(!harness_range(MODVMM_SPACE_PIO, 0x700, &r));
	/* a device that goes away lets go of its lines */
	CHECK_EQ(harness_irq_level(5), 0);
	harness_exit();
}

UNIT_TEST(device_exit_newest_first)
{
	start();
	CHECK(harness_device("tdev,port=0x700") != NULL);
	CHECK(harness_device("tdev,port=0x710") != NULL);
	CHECK(harness_device("tdev,port=0x720") != NULL);
	harness_exit();
	CHECK_EQ(nr_exits, 3);
	CHECK_EQ(exit_order[0], 0x720);
	CHECK_EQ(exit_order[1], 0x710);
	CHECK_EQ(exit_order[2], 0x700);
}

/* --- IRQ lines --------------------------------------------------------- */

UNIT_TEST(irq_levels_edges_and_shared_pulses)
{
	struct modvmm_dev *a, *b;

	start();
	a = harness_device("tdev,port=0x700,irq=7");
	b = harness_device("tdev,port=0x710,irq=7");
	CHECK(a && b);
	harness_outb(0x701, 0);			/* a pulses */
	CHECK_EQ(harness_irq_edges(7), 1);
	CHECK_EQ(harness_irq_level(7), 0);
	harness_outb(0x710, 1);			/* b holds the line */
	CHECK_EQ(harness_irq_level(7), 1);
	CHECK_EQ(harness_irq_edges(7), 2);
	harness_outb(0x701, 0);			/* a held line: no edge, no pulse */
	CHECK_EQ(harness_irq_edges(7), 2);
	CHECK_EQ(harness_irq_level(7), 1);
	CHECK_EQ(harness_irq_pulses(7), 1);
	harness_outb(0x710, 0);
	CHECK_EQ(harness_irq_level(7), 0);
	/* out of range lines are ignored, not a crash */
	CHECK(harness_device("tdev,port=0x720,irq=99") != NULL);
	harness_outb(0x720, 1);
	CHECK_EQ(harness_irq_level(99), 0);
	harness_exit();
}

/* --- Timers on the virtual clock --------------------------------------- */

static void note(void *opaque, uint64_t n)
{
	size_t len = strlen(calls);

	snprintf(calls + len, sizeof(calls) - len, "%s%s@%llu*%llu",
		 len ? " " : "", (const char *)opaque,
		 (unsigned long long)((harness_now() - 1000000000ull) / 1000000),
		 (unsigned long long)n);
}

static struct modvmm_timer *timer(const char *name)
{
	return last->host->timer_new(last->dev, note, (void *)name);
}

UNIT_TEST(event_timers_run_in_deadline_order_at_their_deadline)
{
	struct modvmm_timer *a, *b;

	start();
	CHECK(harness_device("tdev") != NULL);
	a = timer("a");
	b = timer("b");
	CHECK(a && b);
	last->host->timer_arm(a, 30000000, 0);		/* 30 ms */
	last->host->timer_arm(b, 10000000, 10000000);	/* every 10 ms */
	CHECK_EQ(harness_timers_armed(last->dev), 2);
	harness_advance(35000000);
	CHECK_STR_EQ(calls, "b@10*1 b@20*1 a@30*1 b@30*1");
	CHECK_EQ(harness_now(), 1035000000ull);
	/* the one-shot is spent, the periodic one goes on */
	CHECK_EQ(harness_timers_armed(last->dev), 1);
	last->host->timer_free(b);
	calls[0] = '\0';
	harness_advance(100000000);
	CHECK_STR_EQ(calls, "");
	harness_exit();
}

UNIT_TEST(event_periodic_timer_far_behind_is_folded)
{
	struct modvmm_timer *a;

	start();
	CHECK(harness_device("tdev") != NULL);
	a = timer("a");
	last->host->timer_arm(a, 1000000, 1000000);	/* 1 kHz */
	harness_advance(5000000000ull);			/* 5000 periods */
	CHECK_STR_EQ(calls, "a@5000*5000");
	harness_exit();
}

static struct modvmm_timer *rearmed;

static void rearm(void *opaque, uint64_t n)
{
	note(opaque, n);
	if (strlen(calls) < 20)
		last->host->timer_arm(rearmed, 5000000, 0);
}

UNIT_TEST(event_one_shot_rearmed_from_its_callback)
{
	start();
	CHECK(harness_device("tdev") != NULL);
	rearmed = last->host->timer_new(last->dev, rearm, "r");
	last->host->timer_arm(rearmed, 5000000, 0);
	harness_advance(100000000);
	CHECK_STR_EQ(calls, "r@5*1 r@10*1 r@15*1 r@20*1");
	harness_exit();
}

UNIT_TEST(event_timers_of_a_removed_device_never_fire)
{
	struct modvmm_dev *a;

	start();
	a = harness_device("tdev");
	last->host->timer_arm(timer("a"), 1000000, 1000000);
	harness_device_remove(a);
	harness_advance(10000000);
	CHECK_STR_EQ(calls, "");
	harness_exit();
}

static void on_fd(void *opaque, int fd)
{
	char buf[16];

	(void)opaque;
	fd_calls++;
	if (read(fd, buf, sizeof(buf)) <= 0)
		last->host->fd_unwatch(last->dev, fd);
}

UNIT_TEST(event_fd_watch_runs_when_readable)
{
	int p[2];

	start();
	CHECK(harness_device("tdev") != NULL);
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(last->host->fd_watch(last->dev, p[0], on_fd, NULL), 0);
	CHECK_EQ(harness_fds_watched(last->dev), 1);
	CHECK_EQ(harness_poll(), 0);		/* nothing to read yet */
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(harness_poll(), 1);
	CHECK_EQ(fd_calls, 1);
	CHECK_EQ(harness_poll(), 0);		/* consumed: not again */
	close(p[1]);				/* EOF: the device lets go */
	CHECK_EQ(harness_poll(), 1);
	CHECK_EQ(harness_fds_watched(last->dev), 0);
	harness_exit();
	close(p[0]);
}

/* --- Stop requests ---------------------------------------------------- */

UNIT_TEST(stop_first_request_wins)
{
	struct tdev *a, *b;
	int st = -1;

	start();
	CHECK(harness_device("tdev,port=0x700") != NULL);
	a = last;
	CHECK(harness_device("tdev,port=0x710") != NULL);
	b = last;
	CHECK(!harness_stopped(&st));
	a->host->request_stop(a->dev, 7);
	b->host->request_stop(b->dev, 9);
	CHECK(harness_stopped(&st));
	CHECK_EQ(st, 7);
	harness_exit();
	/* a new machine runs again */
	start();
	CHECK(!harness_stopped(NULL));
	harness_exit();
}

/* --- Guest memory for DMA ---------------------------------------------- */

UNIT_TEST(mem_read_write_bounded_by_ram)
{
	uint8_t buf[4] = { 1, 2, 3, 4 }, *ram;

	start();
	CHECK(harness_device("tdev") != NULL);
	CHECK_EQ(last->host->mem_write(last->dev, 0x1000, buf, 4), 0);
	ram = harness_mem(0x1000, 4);
	CHECK(ram && !memcmp(ram, buf, 4));
	/* RAM is 1 MiB less the legacy hole: a write across its end does nothing */
	CHECK_EQ(last->host->mem_write(last->dev, 0x9fffe, buf, 4), -1);
	CHECK_EQ(last->host->mem_read(last->dev, 0xfffffffff000ull, buf, 4), -1);
	harness_exit();
}

/* --- The console --------------------------------------------------------- */

UNIT_TEST(console_one_owner_released_when_it_goes)
{
	struct modvmm_dev *a;

	start();
	a = harness_device("tdev,port=0x700,console=on");
	CHECK(a && last->console == 1);
	CHECK(harness_device("tdev,port=0x710,console=on") != NULL);
	CHECK_EQ(last->console, 0);
	harness_device_remove(a);
	CHECK(harness_device("tdev,port=0x720,console=on") != NULL);
	CHECK_EQ(last->console, 1);
	harness_exit();
	/* and a new machine's device gets it */
	start();
	CHECK(harness_device("tdev,console=on") != NULL);
	CHECK_EQ(last->console, 1);
	harness_exit();
}

/* --- The platform: machine facts and firmware files -------------------- */

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

UNIT_TEST(platform_machine_info_for_devices)
{
	struct modvmm_machine_info info;
	struct {
		uint32_t struct_size, nr_cpus;
	} old;

	CHECK_EQ(harness_init(16 << 20, NULL), 0);
	harness_set_cpus(3);
	CHECK(harness_device("tdev") != NULL);
	CHECK(MODVMM_HOST_HAS(last->host, machine_info));
	memset(&info, 0xee, sizeof(info));
	info.struct_size = sizeof(info);
	CHECK_EQ(last->host->machine_info(last->dev, &info), 0);
	CHECK_EQ(info.struct_size, sizeof(info));
	CHECK_EQ(info.nr_cpus, 3);
	CHECK_EQ(info.ram_size, 16 << 20);
	CHECK_EQ(info.nr_map, 3);
	CHECK(info.map[0].addr == 0 && info.map[0].size == 0xa0000 &&
	      info.map[0].type == MODVMM_MEM_RAM);
	CHECK(info.map[1].addr == 0xe0000 && info.map[1].size == 0x20000 &&
	      info.map[1].type == MODVMM_MEM_RESERVED);
	CHECK(info.map[2].addr == 0x100000 && info.map[2].size == (15 << 20) &&
	      info.map[2].type == MODVMM_MEM_RAM);
	CHECK_EQ(strcmp(info.cmdline, ""), 0);
	/* a plugin built when the struct was shorter gets only what it knows */
	memset(&old, 0xee, sizeof(old));
	old.struct_size = sizeof(old);
	last->host->machine_info(last->dev, (struct modvmm_machine_info *)&old);
	CHECK_EQ(old.struct_size, sizeof(old));
	CHECK_EQ(old.nr_cpus, 3);
	harness_exit();
}

UNIT_TEST(platform_firmware_files)
{
	const char *name;
	const void *data;
	const uint8_t *e;
	size_t len;
	char longname[MODVMM_FW_NAME_MAX + 1];

	CHECK_EQ(harness_init(16 << 20, NULL), 0);
	CHECK(harness_device("tdev") != NULL);
	/* the machine's own: etc/e820, the memory map as 20-byte entries */
	CHECK_EQ(last->host->fw_file_get(last->dev, 0, &name, &data, &len), 0);
	CHECK_EQ(strcmp(name, "etc/e820"), 0);
	CHECK_EQ(len, 3 * 20);
	e = data;
	CHECK(le(e + 20, 8) == 0xe0000 && le(e + 28, 8) == 0x20000 &&
	      le(e + 36, 4) == 2);
	CHECK(le(e + 40, 8) == 0x100000 && le(e + 56, 4) == 1);
	CHECK_EQ(last->host->fw_file_get(last->dev, 1, &name, &data, &len), -1);
	/* a device's, in the order added; a name is taken once */
	CHECK(harness_device("tdev,port=0x710,fwfile=opt/a") != NULL);
	CHECK_EQ(last->host->fw_file_get(last->dev, 1, &name, &data, &len), 0);
	CHECK(!strcmp(name, "opt/a") && len == 5 && !memcmp(data, "opt/a", 5));
	CHECK(!harness_device("tdev,port=0x720,fwfile=opt/a"));
	CHECK_STR_CONTAINS(harness_last_error(), "firmware file 'opt/a' already exists");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_EQ(harness_fw_file_add(longname, "x", 1), -1);
	CHECK_STR_CONTAINS(harness_last_error(), "must have 1 to 55 characters");
	/* a device whose init fails takes back what it published */
	CHECK(!harness_device("tdev,port=0x730,fwfile=opt/c,fail=later"));
	CHECK_EQ(platform_mark().files, 2);
	CHECK_EQ(harness_fw_file_add("opt/b", "", 0), 0);
	CHECK_EQ(platform_mark().files, 3);
	harness_exit();
	CHECK_EQ(platform_mark().files, 0);
}

/* The dry run's instances publish files too; its end drops them. */
UNIT_TEST(platform_dry_run_drops_its_files)
{
	CHECK_EQ(harness_init(16 << 20, NULL), 0);
	device_dry_run_begin();
	CHECK(harness_device("tdev,fwfile=opt/dry") != NULL);
	CHECK_EQ(platform_mark().files, 2);
	device_dry_run_end();
	CHECK_EQ(platform_mark().files, 1);
	CHECK(harness_device("tdev,fwfile=opt/dry") != NULL);
	CHECK_EQ(platform_mark().files, 2);
	harness_exit();
}
