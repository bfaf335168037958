// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mock_host.h"
#include "../../core/options.h"

uint64_t mock_now_ns = 1000000000ull;

extern const struct modvmm_device_desc *const __start_modvmm_devices[];
extern const struct modvmm_device_desc *const __stop_modvmm_devices[];

const struct modvmm_device_desc *mock_find_desc(const char *name)
{
	const struct modvmm_device_desc *const *d;

	for (d = __start_modvmm_devices; d < __stop_modvmm_devices; d++)
		if (!strcmp((*d)->name, name))
			return *d;
	return NULL;
}

static int m_register(struct modvmm_dev *dev, enum modvmm_space space,
		      uint64_t base, uint64_t len,
		      const struct modvmm_range_ops *ops, void *opaque)
{
	int i;

	if (!len)
		return -1;
	for (i = 0; i < MOCK_MAX_RANGES; i++) {
		struct mock_range *r = &dev->ranges[i];

		if (r->used && r->space == space && base < r->base + r->len &&
		    r->base < base + len)
			return -1;
	}
	for (i = 0; i < MOCK_MAX_RANGES; i++) {
		struct mock_range *r = &dev->ranges[i];

		if (!r->used) {
			*r = (struct mock_range){ 1, space, base, len, ops, opaque };
			return 0;
		}
	}
	return -1;
}

static int m_unregister(struct modvmm_dev *dev, enum modvmm_space space,
			uint64_t base)
{
	int i;

	for (i = 0; i < MOCK_MAX_RANGES; i++) {
		struct mock_range *r = &dev->ranges[i];

		if (r->used && r->space == space && r->base == base) {
			r->used = 0;
			return 0;
		}
	}
	return -1;
}

static void m_irq_set(struct modvmm_dev *dev, unsigned int irq, int level)
{
	if (irq >= MOCK_NR_IRQS)
		return;
	if (level && !dev->irq_level[irq])
		dev->irq_edges[irq]++;
	dev->irq_level[irq] = !!level;
}

static void m_irq_pulse(struct modvmm_dev *dev, unsigned int irq)
{
	if (irq >= MOCK_NR_IRQS)
		return;
	dev->irq_pulses[irq]++;
	if (!dev->irq_level[irq])
		dev->irq_edges[irq]++;
}

static int m_mem_read(struct modvmm_dev *dev, uint64_t gpa, void *buf, size_t len)
{
	if (gpa > sizeof(dev->mem) || len > sizeof(dev->mem) - gpa)
		return -1;
	memcpy(buf, dev->mem + gpa, len);
	return 0;
}

static int m_mem_write(struct modvmm_dev *dev, uint64_t gpa, const void *buf,
		       size_t len)
{
	if (gpa > sizeof(dev->mem) || len > sizeof(dev->mem) - gpa)
		return -1;
	memcpy(dev->mem + gpa, buf, len);
	return 0;
}

static void m_log(struct modvmm_dev *dev, enum modvmm_log_level level,
		  const char *fmt, ...)
{
	size_t n = strlen(dev->log);
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(dev->log + n, sizeof(dev->log) - n, fmt, ap);
	va_end(ap);
	n = strlen(dev->log);
	if (n + 1 < sizeof(dev->log)) {
		dev->log[n] = '\n';
		dev->log[n + 1] = '\0';
	}
}

/* Look @key up in dev->opts ("k=v,k=v"); copies the value into @buf. */
static const char *m_lookup(struct modvmm_dev *dev, const char *key,
			    char *buf, size_t len)
{
	const char *p = dev->opts;
	size_t klen = strlen(key);

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			size_t vlen = n - klen - 1;

			if (vlen >= len)
				vlen = len - 1;
			memcpy(buf, p + klen + 1, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static const char *m_opt_str(struct modvmm_dev *dev, const char *key,
			     const char *def)
{
	static char buf[8][256];
	static int slot;
	const char *v = m_lookup(dev, key, buf[slot], sizeof(buf[0]));

	slot = (slot + 1) % 8;
	return v ? v : def;
}

static int m_opt_u64(struct modvmm_dev *dev, const char *key, uint64_t def,
		     uint64_t *out)
{
	char buf[256];
	const char *v = m_lookup(dev, key, buf, sizeof(buf));

	if (!v) {
		*out = def;
		return 0;
	}
	if (opt_parse_u64(v, out)) {
		m_log(dev, MODVMM_LOG_ERROR, "option %s=%s: not a number", key, v);
		return -1;
	}
	return 0;
}

static int m_opt_bool(struct modvmm_dev *dev, const char *key, int def, int *out)
{
	char buf[256];
	const char *v = m_lookup(dev, key, buf, sizeof(buf));

	if (!v) {
		*out = def;
		return 0;
	}
	if (opt_parse_bool(v, out)) {
		m_log(dev, MODVMM_LOG_ERROR, "option %s=%s: not a boolean", key, v);
		return -1;
	}
	return 0;
}

static void m_set_error(struct modvmm_dev *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dev->error, sizeof(dev->error), fmt, ap);
	va_end(ap);
}


static struct modvmm_timer *m_timer_new(struct modvmm_dev *dev,
					modvmm_timer_fn fn, void *opaque)
{
	int i;

	for (i = 0; i < MOCK_MAX_TIMERS; i++) {
		struct modvmm_timer *t = &dev->timers[i];

		if (!t->used) {
			*t = (struct modvmm_timer){ 1, fn, opaque, 0, 0 };
			return t;
		}
	}
	return NULL;
}

static void m_timer_arm(struct modvmm_timer *t, uint64_t delay_ns,
			uint64_t period_ns)
{
	t->deadline = delay_ns ? mock_now_ns + delay_ns : 0;
	t->period = period_ns;
}

static void m_timer_free(struct modvmm_timer *t)
{
	t->used = 0;
	t->deadline = 0;
}

static int m_fd_watch(struct modvmm_dev *dev, int fd, modvmm_fd_fn fn,
		      void *opaque)
{
	int i;

	for (i = 0; i < MOCK_MAX_FDS; i++) {
		if (!dev->fds[i].used) {
			dev->fds[i] = (struct mock_fd){ 1, fd, fn, opaque };
			return 0;
		}
	}
	return -1;
}

static void m_fd_unwatch(struct modvmm_dev *dev, int fd)
{
	int i;

	for (i = 0; i < MOCK_MAX_FDS; i++)
		if (dev->fds[i].used && dev->fds[i].fd == fd)
			dev->fds[i].used = 0;
}

static uint64_t m_clock_ns(void)
{
	return mock_now_ns;
}

static void m_request_stop(struct modvmm_dev *dev, int status)
{
	dev->stopped = 1;
	dev->stop_status = status;
}

static int m_console_acquire(struct modvmm_dev *dev)
{
	dev->console_owned = 1;
	return 1;
}

static void m_stat_add(struct modvmm_dev *dev, const char *name, uint64_t n)
{
	(void)dev; (void)name; (void)n;
}

const struct modvmm_host mock_host = {
	.abi_version = MODVMM_ABI_VERSION,
	.struct_size = sizeof(struct modvmm_host),
	.register_range = m_register,
	.unregister_range = m_unregister,
	.irq_set = m_irq_set,
	.irq_pulse = m_irq_pulse,
	.mem_read = m_mem_read,
	.mem_write = m_mem_write,
	.log = m_log,
	.opt_str = m_opt_str,
	.opt_u64 = m_opt_u64,
	.opt_bool = m_opt_bool,
	.set_error = m_set_error,
	.timer_new = m_timer_new,
	.timer_arm = m_timer_arm,
	.timer_free = m_timer_free,
	.fd_watch = m_fd_watch,
	.fd_unwatch = m_fd_unwatch,
	.clock_ns = m_clock_ns,
	.request_stop = m_request_stop,
	.console_acquire = m_console_acquire,
	.stat_add = m_stat_add,
};

int mock_dev_init(struct modvmm_dev *dev, const char *name, const char *opts)
{
	memset(dev, 0, sizeof(*dev));
	dev->desc = mock_find_desc(name);
	dev->opts = opts;
	if (!dev->desc) {
		snprintf(dev->error, sizeof(dev->error), "no device %s", name);
		return -1;
	}
	return dev->desc->init(dev, &mock_host, &dev->priv);
}

void mock_dev_exit(struct modvmm_dev *dev)
{
	if (dev->desc && dev->desc->exit)
		dev->desc->exit(dev->priv);
	dev->desc = NULL;
}

uint64_t mock_io(struct modvmm_dev *dev, enum modvmm_space space,
		 uint64_t addr, unsigned int size, int is_write, uint64_t val)
{
	int i;

	for (i = 0; i < MOCK_MAX_RANGES; i++) {
		struct mock_range *r = &dev->ranges[i];
		struct modvmm_access a;

		if (!r->used || r->space != space || addr < r->base ||
		    addr + size > r->base + r->len)
			continue;
		a = (struct modvmm_access){ .addr = addr, .offset = addr - r->base,
			.size = size, .is_write = (uint8_t)is_write,
			.space = (uint8_t)space };
		if (is_write) {
			if (r->ops->write)
				r->ops->write(r->opaque, &a, val);
			return 0;
		}
		if (!r->ops->read)
			return ~0ull;
		return r->ops->read(r->opaque, &a);
	}
	return ~0ull;
}

/* Advance the fake clock in steps so that every due timer fires in order. */
void mock_clock_advance(struct modvmm_dev *dev, uint64_t ns)
{
	uint64_t end = mock_now_ns + ns;

	for (;;) {
		struct modvmm_timer *next = NULL;
		int i;

		for (i = 0; i < MOCK_MAX_TIMERS; i++) {
			struct modvmm_timer *t = &dev->timers[i];

			if (t->used && t->deadline && t->deadline <= end &&
			    (!next || t->deadline < next->deadline))
				next = t;
		}
		if (!next)
			break;
		mock_now_ns = next->deadline;
		next->deadline = next->period ? next->deadline + next->period : 0;
		next->fn(next->opaque, 1);
	}
	mock_now_ns = end;
}

void mock_fd_fire(struct modvmm_dev *dev)
{
	int i;

	for (i = 0; i < MOCK_MAX_FDS; i++)
		if (dev->fds[i].used)
			dev->fds[i].fn(dev->fds[i].opaque, dev->fds[i].fd);
}
