/* SPDX-License-Identifier: MIT */
/*
 * mock_host.h - a fake modvmm host for device unit tests.
 *
 * It implements &struct modvmm_host without KVM: ranges are recorded,
 * accesses are made with mock_io(), the clock only moves with
 * mock_clock_advance() (which fires due timers), IRQ line levels and
 * pulses are recorded, and fd watchers are fired with mock_fd_fire().
 */
#ifndef MODVMM_MOCK_HOST_H
#define MODVMM_MOCK_HOST_H

#include <modvmm/device.h>

#define MOCK_MAX_RANGES	8
#define MOCK_MAX_TIMERS	8
#define MOCK_MAX_FDS	4
#define MOCK_NR_IRQS	24

struct mock_range {
	int used;
	enum modvmm_space space;
	uint64_t base, len;
	const struct modvmm_range_ops *ops;
	void *opaque;
};

struct modvmm_timer {
	int used;
	modvmm_timer_fn fn;
	void *opaque;
	uint64_t deadline;	/* 0: disarmed */
	uint64_t period;
};

struct mock_fd {
	int used, fd;
	modvmm_fd_fn fn;
	void *opaque;
};

struct modvmm_dev {
	const struct modvmm_device_desc *desc;
	void *priv;
	const char *opts;	/* "key=value,key=value" */
	struct mock_range ranges[MOCK_MAX_RANGES];
	struct modvmm_timer timers[MOCK_MAX_TIMERS];
	struct mock_fd fds[MOCK_MAX_FDS];
	int irq_level[MOCK_NR_IRQS];
	int irq_pulses[MOCK_NR_IRQS];
	int irq_edges[MOCK_NR_IRQS];	/* 0->1 transitions incl. pulses */
	int stopped;
	int stop_status;
	int console_owned;
	char log[4096];
	char error[256];
	uint8_t mem[65536];
};

extern uint64_t mock_now_ns;

const struct modvmm_device_desc *mock_find_desc(const char *name);
/* Returns init's result; on failure dev->error holds the message. */
int mock_dev_init(struct modvmm_dev *dev, const char *name, const char *opts);
void mock_dev_exit(struct modvmm_dev *dev);
/* Find the range covering @addr and make the access; all ones if none. */
uint64_t mock_io(struct modvmm_dev *dev, enum modvmm_space space,
		 uint64_t addr, unsigned int size, int is_write, uint64_t val);
static inline uint8_t mock_inb(struct modvmm_dev *d, uint16_t port)
{
	return (uint8_t)mock_io(d, MODVMM_SPACE_PIO, port, 1, 0, 0);
}
static inline void mock_outb(struct modvmm_dev *d, uint16_t port, uint8_t v)
{
	mock_io(d, MODVMM_SPACE_PIO, port, 1, 1, v);
}
void mock_clock_advance(struct modvmm_dev *dev, uint64_t ns);
void mock_fd_fire(struct modvmm_dev *dev);
extern const struct modvmm_host mock_host;

#endif
