// SPDX-License-Identifier: MIT
/*
 * The device test harness: modvmm's own registry, plugin loader, bus,
 * host API, IRQ lines and event loop, driven by a test instead of a vCPU,
 * with virtual time.  See include/modvmm/harness.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modvmm/harness.h>

#include "../core/bus/bus.h"
#include "../core/dev/device.h"
#include "../core/event/event.h"
#include "../core/boot/guestmem.h"
#include "../core/dev/platform.h"
#include "../core/irq/irq.h"
#include "../core/vm/vm.h"
#include "../core/modvmm.h"

#define HARNESS_START_NS	1000000000ull
#define HARNESS_DEFAULT_RAM	(1ull << 20)

static struct {
	int up;
	int echo;			/* $MODVMM_HARNESS_VERBOSE */
	struct plugin_search search;
	char *log;			/* every line logged */
	size_t log_len, log_cap;
	char last_error[512];
} hx;

/* The core's log sink while the harness runs: keep the line. */
static void harness_log_line(const char *line)
{
	size_t n = strlen(line);

	if (hx.echo)
		fprintf(stderr, "%s\n", line);
	if (hx.log_len + n + 2 > hx.log_cap) {
		size_t cap = (hx.log_cap + n + 2) * 2;
		char *p = realloc(hx.log, cap);

		if (!p)
			return;
		hx.log = p;
		hx.log_cap = cap;
	}
	memcpy(hx.log + hx.log_len, line, n);
	hx.log_len += n;
	hx.log[hx.log_len++] = '\n';
	hx.log[hx.log_len] = '\0';
	if (!strncmp(line, "modvmm: ", 8))
		line += 8;
	/* Every refusal is one line: the last one explains the last failure. */
	snprintf(hx.last_error, sizeof(hx.last_error), "%s", line);
}

int harness_init(uint64_t ram_size, const char *plugin_dir)
{
	if (hx.up)
		harness_exit();
	hx.echo = getenv("MODVMM_HARNESS_VERBOSE") != NULL;
	harness_log_clear();
	log_hook = harness_log_line;
	vm.stop = 0;
	vm.stop_status = 0;
	vm.stop_claimed = 0;
	/*
	 * No CPU, no in-kernel controller: devices may register them, as
	 * with the split irqchip (an 8259 pair, and I/O APICs whose MSIs
	 * are only counted).
	 */
	vm.irqchip = IRQCHIP_SPLIT;
	irq_reset();
	bus_init(&vm.pio, "io", MODVMM_SPACE_PIO, 0xffff);
	bus_init(&vm.mmio, "mmio", MODVMM_SPACE_MMIO, UINT64_MAX);
	if (guestmem_init(&vm.mem, ram_size ? ram_size : HARNESS_DEFAULT_RAM)) {
		pr_err("harness: cannot map guest RAM: %s", strerror(errno));
		return -1;
	}
	vm_guard_ram();
	platform_facts()->nr_cpus = 1;
	if (platform_add_e820(&vm.mem)) {
		guestmem_free(&vm.mem);
		return -1;
	}
	if (event_init()) {
		pr_err("harness: cannot create the event loop: %s", strerror(errno));
		guestmem_free(&vm.mem);
		platform_free();
		return -1;
	}
	event_use_virtual_clock(HARNESS_START_NS);
	hx.search.plugin_dir = plugin_dir;
	hx.search.exe_dir = NULL;
	device_set_search(&hx.search);
	hx.up = 1;
	return 0;
}

void harness_exit(void)
{
	if (!hx.up)
		return;
	device_exit_all();
	event_shutdown();
	bus_free(&vm.pio);
	bus_free(&vm.mmio);
	guestmem_free(&vm.mem);
	memset(&vm.mem, 0, sizeof(vm.mem));
	platform_free();
	vm.chip_ops = NULL;
	vm.chip_opaque = NULL;
	vm.chip_owner = NULL;
	vm.nr_chips = 0;
	irq_reset();
	hx.up = 0;
}

void harness_reset(void)
{
	device_pause_all();
	device_reset_all();
	device_resume_all();
}

void harness_pause(void)
{
	device_pause_all();
}

void harness_resume(void)
{
	device_resume_all();
}

void harness_set_cpus(unsigned int n)
{
	platform_facts()->nr_cpus = n;
}

int harness_fw_file_add(const char *name, const void *data, size_t len)
{
	char err[128];

	if (platform_file_add(name, data, len, err, sizeof(err))) {
		pr_err("harness: %s", err);
		return -1;
	}
	return 0;
}

struct modvmm_dev *harness_device(const char *spec)
{
	struct modvmm_dev *dev;

	hx.last_error[0] = '\0';
	dev = device_spawn(spec);
	if (dev && device_ready_all()) {
		device_destroy(dev);
		return NULL;
	}
	return dev;
}

void harness_device_remove(struct modvmm_dev *dev)
{
	if (dev)
		device_destroy(dev);
}

void *harness_device_priv(struct modvmm_dev *dev)
{
	return dev ? device_priv(dev) : NULL;
}

static struct bus *harness_bus(enum modvmm_space space)
{
	return space == MODVMM_SPACE_MMIO ? &vm.mmio : &vm.pio;
}

uint64_t harness_read(enum modvmm_space space, uint64_t addr, unsigned int size)
{
	uint8_t data[8];

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return ~0ull;
	memset(data, 0, sizeof(data));
	bus_access(harness_bus(space), addr, size, 0, data, 0);
	return bus_load(data, size);
}

void harness_write(enum modvmm_space space, uint64_t addr, unsigned int size,
		   uint64_t val)
{
	uint8_t data[8];

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return;
	bus_store(data, size, val);
	bus_access(harness_bus(space), addr, size, 1, data, 0);
}

void harness_access(enum modvmm_space space, uint64_t addr, unsigned int size,
		    int is_write, void *data)
{
	if (size < 1 || size > 8)
		return;
	bus_access(harness_bus(space), addr, size, is_write, data, 0);
}

void harness_advance(uint64_t ns)
{
	event_advance(ns);
}

uint64_t harness_now(void)
{
	return clock_now_ns();
}

int harness_poll(void)
{
	return event_poll();
}

int harness_poll_wait(int ms)
{
	return event_poll_wait(ms < 0 ? 0 : ms);
}

void harness_sync(void)
{
	device_sync_all();
}

int harness_irq_level(unsigned int irq)
{
	return irq_line_level(irq);
}

uint64_t harness_irq_edges(unsigned int irq)
{
	return irq_line_edges(irq);
}

uint64_t harness_irq_pulses(unsigned int irq)
{
	return irq_line_pulses(irq);
}

void harness_irq_set(unsigned int irq, int level)
{
	irq_line_set(irq, level);
}

/* As the vCPU loop calls the controller: device code, for crash reports. */
static int harness_chip_call(int ack)
{
	struct ctx ctx;
	int r;

	if (!vm.chip_ops)
		return -1;
	ctx = ctx_enter(vm.chip_owner, "in its interrupt controller");
	r = ack ? vm.chip_ops->ack(vm.chip_opaque) :
		  vm.chip_ops->pending(vm.chip_opaque);
	ctx_leave(ctx);
	return r;
}

int harness_irqchip_pending(void)
{
	return harness_chip_call(0);
}

int harness_irqchip_ack(void)
{
	return harness_chip_call(1);
}

int harness_msi_route(unsigned int route, struct modvmm_msi *msi)
{
	return irq_msi_route_get(route, msi);
}

uint64_t harness_msi_fired(unsigned int route)
{
	return irq_msi_route_fired(route);
}

void harness_eoi(unsigned int vector)
{
	irq_eoi(vector & 0xff);
}

void *harness_mem(uint64_t gpa, size_t len)
{
	return guestmem_ptr(&vm.mem, gpa, len);
}

int harness_stopped(int *status)
{
	if (!vm.stop)
		return 0;
	if (status)
		*status = vm.stop_status;
	return 1;
}

int harness_range(enum modvmm_space space, uint64_t addr,
		  struct harness_range *r)
{
	const struct bus_range *b = bus_find(harness_bus(space), addr);

	if (!b)
		return 0;
	r->dev = b->owner;
	r->base = b->base;
	r->len = b->last - b->base + 1;
	r->sizes = b->sizes;
	return 1;
}

uint64_t harness_range_call(enum modvmm_space space, uint64_t addr,
			    const struct modvmm_access *a, uint64_t val)
{
	const struct bus_range *b = bus_find(harness_bus(space), addr);
	uint64_t r = ~0ull;

	if (!b || !a)
		return r;
	/* as bus_access() does: a crash report names the device */
	bus_current_addr = a->addr;
	bus_current_range = b;
	if (a->is_write && b->ops->write)
		b->ops->write(b->opaque, a, val);
	else if (!a->is_write && b->ops->read)
		r = b->ops->read(b->opaque, a);
	bus_current_range = NULL;
	return r;
}

int harness_timers_armed(const struct modvmm_dev *dev)
{
	return event_timers_armed(dev);
}

int harness_fds_watched(const struct modvmm_dev *dev)
{
	return event_fds_watched(dev);
}

/* Sum the "NAME VALUE" items of one --stats line ("accesses N, k v, ..."). */
static uint64_t harness_stats_sum(const char *p, const char *name)
{
	size_t n = strlen(name);
	uint64_t sum = 0;

	while (*p == ' ')
		p++;
	while (*p && *p != '\n') {
		if (!strncmp(p, name, n) && p[n] == ' ')
			sum += strtoull(p + n + 1, NULL, 10);
		p = strpbrk(p, ",\n");
		if (!p || *p == '\n')
			break;
		p += 2;		/* ", " */
	}
	return sum;
}

/*
 * The core keeps an instance's counters to itself; --stats is their one
 * reader, so read them from what it prints.
 */
uint64_t harness_stat(const struct modvmm_dev *dev, const char *name)
{
	const char *dname, *line;
	char *buf = NULL;
	size_t len = 0, dlen;
	uint64_t sum = 0;
	FILE *f;

	if (!dev || !name || !*name)
		return 0;
	f = open_memstream(&buf, &len);
	if (!f)
		return 0;
	device_print_stats(f);
	fclose(f);
	dname = device_name(dev);
	dlen = strlen(dname);
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, "  ", 2) && !strncmp(line + 2, dname, dlen) &&
		    line[2 + dlen] == ' ') {
			sum = harness_stats_sum(line + 2 + dlen, name);
			break;
		}
	}
	free(buf);
	return sum;
}

const char *harness_log(void)
{
	return hx.log ? hx.log : "";
}

const char *harness_last_error(void)
{
	return hx.last_error;
}

void harness_log_clear(void)
{
	hx.log_len = 0;
	if (hx.log)
		hx.log[0] = '\0';
	hx.last_error[0] = '\0';
}
