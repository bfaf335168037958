// SPDX-License-Identifier: MIT
/*
 * The host function table (struct modvmm_host) that every device, built
 * in or plugin, gets at init, and its host_* functions: ranges, shared
 * IRQ lines, guest memory, logging, options, timers and fds, stop
 * requests, the console, stats, the userspace irqchip and firmware files.
 * A device sees only its opaque handle; these reach into the instance.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dev/device_priv.h"
#include "dev/dev_state.h"
#include "dev/outstream.h"
#include "dev/platform.h"
#include "event/event.h"
#include "kvm/ioevent.h"
#include "io/console.h"
#include "io/output.h"
#include "irq/irq.h"
#include "kvm/kvm.h"
#include "modvmm.h"
#include "vm/vm.h"

static int host_register_range(struct modvmm_dev *dev, enum modvmm_space space,
			       uint64_t base, uint64_t len,
			       const struct modvmm_range_ops *ops, void *opaque)
{
	struct bus *b = space == MODVMM_SPACE_MMIO ? &vm.mmio : &vm.pio;

	if (space != MODVMM_SPACE_PIO && space != MODVMM_SPACE_MMIO) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "unknown address space %d", (int)space);
		return -1;
	}
	/* ABI 1's range ops end before valid: every size is valid there */
	if (READ_ONCE(vm.ranges_fixed)) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "ranges are fixed once several vCPUs run");
		return -1;
	}
	if (bus_register(b, base, len, ops,
			 dev->type->desc.abi_version >= 2 ? ops->valid : 0,
			 opaque, dev, dev->name, &dev->accesses,
			 dev->call.concurrent ? NULL : &dev->call.lock,
			 dev->reg_error, sizeof(dev->reg_error)))
		return -1;
	return 0;
}

static int host_unregister_range(struct modvmm_dev *dev, enum modvmm_space space,
				 uint64_t base)
{
	struct bus *b = space == MODVMM_SPACE_MMIO ? &vm.mmio : &vm.pio;

	if (READ_ONCE(vm.ranges_fixed))
		return -1;
	return bus_unregister(b, dev, base);
}

static void host_lock_init(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&vm.dev->host_lock, &a);
	pthread_mutexattr_destroy(&a);
}

static void host_state_lock(void)
{
	pthread_once(&vm.dev->host_lock_once, host_lock_init);
	pthread_mutex_lock(&vm.dev->host_lock);
}

static void host_state_unlock(void)
{
	pthread_mutex_unlock(&vm.dev->host_lock);
}

static void host_irq_set(struct modvmm_dev *dev, unsigned int irq, int level)
{
	uint32_t bit;

	if (irq >= MODVMM_IRQ_LINES)
		return;
	bit = 1u << irq;
	host_state_lock();
	if (level && !(dev->irq_asserted & bit)) {
		dev->irq_asserted |= bit;
		if (vm.dev->irq_holders[irq]++ == 0)
			irq_line_set(irq, 1);
	} else if (!level && (dev->irq_asserted & bit)) {
		dev->irq_asserted &= ~bit;
		if (--vm.dev->irq_holders[irq] == 0)
			irq_line_set(irq, 0);
	}
	host_state_unlock();
}

void irq_line_pulse_shared(unsigned int irq)
{
	if (irq >= MODVMM_IRQ_LINES)
		return;
	host_state_lock();
	if (!vm.dev->irq_holders[irq])
		irq_line_pulse(irq);
	host_state_unlock();
}

static void host_irq_pulse(struct modvmm_dev *dev, unsigned int irq)
{
	(void)dev;
	irq_line_pulse_shared(irq);
}

/* A device that goes away lets go of its lines. */
void device_release_irqs(struct modvmm_dev *dev)
{
	unsigned int irq;

	for (irq = 0; irq < MODVMM_IRQ_LINES; irq++)
		if (dev->irq_asserted & (1u << irq))
			host_irq_set(dev, irq, 0);
}

static int host_mem_read(struct modvmm_dev *dev, uint64_t gpa, void *buf,
			 size_t len)
{
	void *p = guestmem_ptr(&vm.mem, gpa, len);

	(void)dev;
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static int host_mem_write(struct modvmm_dev *dev, uint64_t gpa, const void *buf,
			  size_t len)
{
	void *p = guestmem_ptr(&vm.mem, gpa, len);

	(void)dev;
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

static void host_log(struct modvmm_dev *dev, enum modvmm_log_level level,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if ((int)level > log_verbosity + 1)
		return;
	/* the real instance says it again; only errors may explain a failure */
	if (device_in_dry_run() && level != MODVMM_LOG_ERROR)
		return;
	char line[600];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "modvmm: %s: %s", dev->name, msg);
	log_line(line);
}

static const char *host_opt_str(struct modvmm_dev *dev, const char *key,
				const char *def)
{
	const char *v = opt_list_get(&dev->opts, key);

	if (v && dry_run_masks(dev, key, v))
		return strcmp(key, "out") ? def : "null";
	return v ? v : def;
}

static int host_opt_u64(struct modvmm_dev *dev, const char *key, uint64_t def,
			uint64_t *out)
{
	const char *v = opt_list_get(&dev->opts, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (opt_parse_u64(v, out)) {
		snprintf(dev->error, sizeof(dev->error),
			 "option %s=%s: not a number (want decimal, 0x hex or a K/M/G size)",
			 key, v);
		return -1;
	}
	return 0;
}

static int host_opt_bool(struct modvmm_dev *dev, const char *key, int def,
			 int *out)
{
	const char *v = opt_list_get(&dev->opts, key);

	if (!v) {
		*out = def;
		return 0;
	}
	/* a bare key (-d virtio-blk,readonly) turns the option on */
	if (!*v) {
		*out = 1;
		return 0;
	}
	if (opt_parse_bool(v, out)) {
		snprintf(dev->error, sizeof(dev->error),
			 "option %s=%s: not a boolean (want on/off, yes/no, 1/0)",
			 key, v);
		return -1;
	}
	return 0;
}

/* The first reason recorded wins: it is usually the most precise. */
static void host_set_error(struct modvmm_dev *dev, const char *fmt, ...)
{
	va_list ap;

	if (dev->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(dev->error, sizeof(dev->error), fmt, ap);
	va_end(ap);
}

static struct modvmm_timer *host_timer_new(struct modvmm_dev *dev,
					   modvmm_timer_fn fn, void *opaque)
{
	return event_timer_new(dev, fn, opaque);
}

static int host_fd_watch(struct modvmm_dev *dev, int fd, modvmm_fd_fn fn,
			 void *opaque)
{
	return event_fd_watch(dev, fd, fn, opaque);
}

static void host_fd_unwatch(struct modvmm_dev *dev, int fd)
{
	if (!ioevent_fd_unwatch(dev, fd))
		event_fd_unwatch(dev, fd);
}

static int host_fd_watch_direct(struct modvmm_dev *dev, int fd,
				modvmm_fd_fn fn, void *opaque)
{
	int r = ioevent_fd_watch(dev, fd, fn, opaque);

	return r < 0 ? -1 : r ? 0 : event_fd_watch(dev, fd, fn, opaque);
}

/*
 * What a device may end the run with: power-off, reset, the user's stop,
 * or an odd status the guest chose.  Anything else would pass for one of
 * modvmm's own (a crash, a timeout) or be cut to 8 bits by exit().
 */
static int host_stop_status_valid(int status)
{
	return status == MODVMM_STATUS_POWEROFF ||
	       status == MODVMM_STATUS_RESET ||
	       status == MODVMM_STATUS_STOPPED ||
	       (status > 0 && status < 256 && (status & 1));
}

static void host_request_stop(struct modvmm_dev *dev, int status)
{
	if (!host_stop_status_valid(status)) {
		pr_err("%s: request_stop(%d): not a status a device may end the run with (0 power-off, 18 reset, 20 stopped, or odd 1-255 from the guest); stopping with the device-fault status",
		       dev->name, status);
		status = EXIT_DEVICE_CRASH;
	}
	vm_request_stop(status);
}

void device_console_prefer(const char *name)
{
	vm.dev->console_wanted = name;
	vm.dev->console_wanted_asked = 0;
}

int device_console_preferred_asked(void)
{
	return vm.dev->console_wanted_asked;
}

static int host_console_acquire(struct modvmm_dev *dev)
{
	if (device_list_probing())
		return 0;
	if (vm.dev->console_wanted) {
		if (strcmp(dev->name, vm.dev->console_wanted))
			return 0;
		vm.dev->console_wanted_asked = 1;
	}
	if (device_in_dry_run())
		return 1;	/* as if it got it, leaving the terminal alone */
	return console_acquire(dev);
}

static int host_out_open(struct modvmm_dev *dev, const char *spec)
{
	(void)dev;
	return output_open(spec);
}

static void stat_add(struct modvmm_dev *dev, const char *name, uint64_t n)
{
	int i;

	for (i = 0; i < dev->nr_stats; i++) {
		if (dev->stats[i].name == name || !strcmp(dev->stats[i].name, name)) {
			dev->stats[i].value += n;
			return;
		}
	}
	if (dev->nr_stats < DEV_MAX_STATS) {
		dev->stats[dev->nr_stats++] = (struct dev_stat){ name, n };
	} else if (!dev->stats_full) {
		dev->stats_full = 1;
		pr_err("%s: more than %d stat names; '%s' and later ones are not counted",
			dev->name, DEV_MAX_STATS, name);
	}
}

/* A device's own lock covers its stats, unless it has none. */
static void host_stat_add(struct modvmm_dev *dev, const char *name, uint64_t n)
{
	if (dev->call.concurrent) {
		host_state_lock();
		stat_add(dev, name, n);
		host_state_unlock();
	} else {
		stat_add(dev, name, n);
	}
}

static int host_irqchip_register(struct modvmm_dev *dev,
				 const struct modvmm_irqchip_ops *ops,
				 void *opaque)
{
	int split = vm.irqchip == IRQCHIP_SPLIT;
	int intr = ops && ops->pending && ops->ack;

	if (vm.irqchip != IRQCHIP_USER && !split) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "this machine's interrupt controller is not the userspace one (set CONFIG_IRQCHIP_USER or CONFIG_IRQCHIP_SPLIT)");
		return -1;
	}
	if (!ops || !ops->set_irq || (!intr && (!split || ops->pending ||
						 ops->ack))) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "incomplete irqchip ops");
		return -1;
	}
	/* one controller drives the CPU's INTR; split adds MSI-only ones */
	if (vm.nr_chips && (!split || (intr && vm.chip_ops))) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "%s is already the interrupt controller",
			 (vm.chip_owner ? vm.chip_owner :
			  vm.chips[0].owner)->name);
		return -1;
	}
	if (vm.nr_chips == VM_MAX_CHIPS) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "this machine takes at most %d interrupt controllers",
			 VM_MAX_CHIPS);
		return -1;
	}
	vm.chips[vm.nr_chips++] = (struct vm_chip){
		.ops = ops, .opaque = opaque, .owner = dev,
	};
	if (intr) {
		vm.chip_ops = ops;
		vm.chip_opaque = opaque;
		vm.chip_owner = dev;
	}
	return 0;
}

static struct modvmm_timer *host_irq_timer_new(struct modvmm_dev *dev,
					       unsigned int irq)
{
	if (irq >= MODVMM_IRQ_LINES)
		return NULL;
	return event_irq_timer_new(dev, irq, vm.irqchip == IRQCHIP_KVM);
}

static void host_irqchip_update(struct modvmm_dev *dev)
{
	(void)dev;
	/* the boot vCPU's loop polls the chip before every KVM_RUN */
	vcpu_intr_changed();
}

static int host_msi_send(struct modvmm_dev *dev, const struct modvmm_msi *msi)
{
	(void)dev;
	return irq_msi_send(msi);
}

static int host_msi_route_fire(struct modvmm_dev *dev, unsigned int route)
{
	(void)dev;
	return irq_msi_route_fire(route);
}

static int host_machine_info(struct modvmm_dev *dev,
			     struct modvmm_machine_info *info)
{
	(void)dev;
	platform_machine_info(&vm.mem, info);
	return 0;
}

static int host_fw_file_add(struct modvmm_dev *dev, const char *name,
			    const void *data, size_t len)
{
	return platform_file_add(name, data, len, dev->error, sizeof(dev->error));
}

static int host_fw_file_get(struct modvmm_dev *dev, unsigned int index,
			    const char **name, const void **data, size_t *len)
{
	(void)dev;
	return platform_file_get(index, name, data, len);
}

static const void *host_module_get(struct modvmm_dev *dev, const char *name)
{
	return name ? device_type_export(dev->type, name) : NULL;
}

static void *host_mem_ptr(struct modvmm_dev *dev, uint64_t gpa, size_t len)
{
	(void)dev;
	return guestmem_ptr(&vm.mem, gpa, len);
}

static int host_platform_dev_add(struct modvmm_dev *dev,
				 const struct modvmm_platform_dev *pd)
{
	return platform_dev_add(pd, dev->error, sizeof(dev->error));
}

static int host_platform_dev_get(struct modvmm_dev *dev, unsigned int index,
				 struct modvmm_platform_dev *pd)
{
	(void)dev;
	return platform_dev_get(index, pd);
}

static int host_cmdline_append(struct modvmm_dev *dev, const char *text)
{
	return platform_cmdline_append(text, dev->error, sizeof(dev->error));
}

const struct modvmm_host device_host = {
	.abi_version = MODVMM_ABI_VERSION,
	.struct_size = sizeof(struct modvmm_host),
	.register_range = host_register_range,
	.unregister_range = host_unregister_range,
	.irq_set = host_irq_set,
	.irq_pulse = host_irq_pulse,
	.mem_read = host_mem_read,
	.mem_write = host_mem_write,
	.log = host_log,
	.opt_str = host_opt_str,
	.opt_u64 = host_opt_u64,
	.opt_bool = host_opt_bool,
	.set_error = host_set_error,
	.timer_new = host_timer_new,
	.timer_arm = event_timer_arm,
	.timer_free = event_timer_free,
	.fd_watch = host_fd_watch,
	.fd_unwatch = host_fd_unwatch,
	.clock_ns = clock_now_ns,
	.request_stop = host_request_stop,
	.console_acquire = host_console_acquire,
	.stat_add = host_stat_add,
	.out_open = host_out_open,
	.irqchip_register = host_irqchip_register,
	.irqchip_update = host_irqchip_update,
	.irq_timer_new = host_irq_timer_new,
	.machine_info = host_machine_info,
	.fw_file_add = host_fw_file_add,
	.fw_file_get = host_fw_file_get,
	.module_get = host_module_get,
	.mem_ptr = host_mem_ptr,
	.platform_dev_add = host_platform_dev_add,
	.platform_dev_get = host_platform_dev_get,
	.cmdline_append = host_cmdline_append,
	.stream_open = stream_open,
	.stream_write = stream_write,
	.stream_flush = stream_flush,
	.stream_close = stream_close,
	.ioevent_add = ioevent_add,
	.fd_watch_direct = host_fd_watch_direct,
	.irqfd_new = ioevent_irqfd_new,
	.msi_send = host_msi_send,
	.msi_route_set = irq_msi_route_set,
	.msi_route_fire = host_msi_route_fire,
	.eoi_watch = irq_eoi_watch,
};
