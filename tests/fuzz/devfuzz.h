/* SPDX-License-Identifier: MIT */
/*
 * devfuzz.h - drive one device model with a fuzzed sequence of guest
 * accesses, clock steps, input and sync calls.
 *
 * The device runs on the device test harness (include/modvmm/harness.h):
 * the real core's registry, host API, bus, IRQ lines and event loop, with
 * a virtual clock.  Its accesses go through the real bus, so it only ever
 * sees sizes it declared, exactly as in modvmm; a clock step runs every
 * timer due at its deadline, and a periodic timer more than 1000 periods
 * behind gets one call with expired > 1, as a vCPU thread that fell
 * behind would.
 *
 * To see what the device asks of the host, devfuzz creates it through a
 * shim device, "devfuzz": a built-in whose init hands the real device the
 * host table it got from the core with a few entries wrapped (ranges,
 * lines, DMA, stops, the interrupt controller, MSIs), each checking and
 * then calling the core's own.
 *
 * Not crashing is not enough: devfuzz checks what the host ABI asks of
 * every device (lines, ranges, read widths, open files), and the
 * harness's &struct devfuzz_ops check what the device's datasheet asks.
 */
#ifndef MODVMM_DEVFUZZ_H
#define MODVMM_DEVFUZZ_H

#include <modvmm/device.h>

#include "fuzz.h"

/* Where the device's input and output go (struct devfuzz_opt.flags). */
#define DEVFUZZ_IN_PIPE		0x1	/* in=a pipe the input steps fill */
#define DEVFUZZ_IN_STDIN	0x2	/* in=stdin, stdin being that pipe */
#define DEVFUZZ_IN_FILE		0x4	/* in=a memfd: a regular file */
#define DEVFUZZ_OUT_PIPE	0x8	/* out=a pipe the harness drains */

#define DEVFUZZ_NO_IRQ		(-1)	/* struct devfuzz_opt.irq */
#define DEVFUZZ_NR_IRQS		256	/* lines the harness records */
#define DEVFUZZ_MAX_WINDOWS	4
#define DEVFUZZ_RAM		0x10000	/* guest RAM: [0, 64 KiB) */

/**
 * struct devfuzz_window - an address range the device may claim.
 * @space: MODVMM_SPACE_*.
 * @base:  first address.
 * @len:   length; 0 ends the list.
 */
struct devfuzz_window {
	enum modvmm_space space;
	uint64_t base, len;
};

/**
 * struct devfuzz_opt - one way to create the device.
 * @opts:  its -d options.  A fuzzer writes no real files: outputs must be
 *         null unless @flags gives one.
 * @flags: DEVFUZZ_*: append in= or out= options naming a pipe or memfd
 *         (as /proc/self/fd/N), or make stdin a pipe.
 * @irq:   the one line these options let the device drive, or
 *         DEVFUZZ_NO_IRQ.
 * @win:   what these options let it claim: every register_range() call
 *         must lie inside one of these windows.
 */
struct devfuzz_opt {
	const char *opts;
	unsigned int flags;
	int irq;
	struct devfuzz_window win[DEVFUZZ_MAX_WINDOWS];
};

/**
 * struct devfuzz_ctx - what the harness has seen of the device, for the
 * check hooks.  The levels and stops are recorded from the host calls the
 * device makes (the host table is wrapped), and checked against what the
 * core did with them; the pulses are the core's count, as they also come
 * from the device's IRQ timers, which the core runs.
 * @opt:        the options in use.
 * @opt_index:  their index in the harness's table.
 * @now_ns:     the virtual clock.
 * @irq_level:  the last level irq_set() gave each line.
 * @irq_pulses: pulses on each line (irq_pulse() and IRQ timers), 0-23.
 * @stops:      request_stop() calls, and the last status.
 */
struct devfuzz_ctx {
	const struct devfuzz_opt *opt;
	unsigned int opt_index;
	uint64_t now_ns;
	uint8_t irq_level[DEVFUZZ_NR_IRQS];
	uint64_t irq_pulses[DEVFUZZ_NR_IRQS];
	unsigned int stops;
	int stop_status;
};

/* The device's counter @name as modvmm --stats shows it (harness_stat()). */
uint64_t devfuzz_stat(const struct devfuzz_ctx *c, const char *name);

/* What a step was, for &devfuzz_ops.check_step. */
enum devfuzz_step {
	DEVFUZZ_STEP_ACCESS,
	DEVFUZZ_STEP_CLOCK,
	DEVFUZZ_STEP_INPUT,
	DEVFUZZ_STEP_SYNC,
	DEVFUZZ_STEP_CHIP,
	DEVFUZZ_STEP_RAM,	/* extended steps (&devfuzz_ops.ext_steps) */
	DEVFUZZ_STEP_WAIT,
	DEVFUZZ_STEP_HARNESS,
};

/*
 * Extended steps, for devices that read what the guest left in RAM
 * (virtio rings and descriptors) or that complete work on a thread of
 * their own.  With &devfuzz_ops.ext_steps set, an opcode byte with
 * op & 7 = 6 is no longer always a sync: op >> 3 picks
 *   0      sync, as before
 *   1      RAM write: address (2 bytes, modulo DEVFUZZ_RAM), a length
 *          byte k, then the bytes: k < 0x80: (k & 0x3f) + 1 bytes;
 *          k >= 0x80: one byte, written ((k & 0x7f) + 1) * 16 times;
 *          cut at the end of RAM
 *   2      wait: harness_poll_wait(byte % 8 ms), the completions of a
 *          device thread
 *   3-31   the harness's own step op >> 3 - 3 (&devfuzz_ops.step),
 *          which reads its operands from the input
 * Without ext_steps, every op & 7 = 6 is a sync (older corpora keep
 * their meaning).
 */
#define DEVFUZZ_NR_HARNESS_STEPS	29

/**
 * struct devfuzz_ops - a harness's checks; every hook may be NULL.  They
 * keep a reference model of what the guest and host did and FUZZ_ASSERT
 * what the device's specification says must follow.
 * @reset:      a new input: the device was just created.
 * @access:     the device handled one access (as the bus split it):
 *              @val is what the guest wrote or what the device returned.
 * @mem:        the device read (@is_write 0) or wrote guest memory; @rc
 *              is what the host answered.
 * @output:     bytes the device wrote to its output pipe, in order.
 * @chip_set:   the core drove interrupt controller input @line to @level
 *              (the lines the harness's controller steps drive).
 * @chip_ack:   the core acknowledged: @pending is what pending() said
 *              just before, @vector what ack() returned.
 * @msi:        the device sent a message: through MSI route @route
 *              (@msi is what the route held), or with msi_send()
 *              (@route -1).  Called from the device's own call, before
 *              the hook of the step that caused it.
 * @eoi:        a controller step ended @vector at the local APICs, after
 *              the device's EOI watch (&modvmm_host.eoi_watch) ran.
 * @check_step: after each step, its output drained.
 * @check_end:  after the exit hook, its output drained.
 * @input:      bytes an input step wrote to the device's input (what the
 *              pipe took: a full pipe drops the rest).
 * @ext_steps:  decode the extended steps above.
 * @ram_write:  a RAM step: write @len bytes @buf at @gpa (inside RAM)
 *              into guest RAM (harness_mem()); the harness does the
 *              write itself so that it can tell the guest's writes from
 *              the device's.  NULL: devfuzz writes them.
 * @step:       the harness's step @kind (0 to DEVFUZZ_NR_HARNESS_STEPS
 *              - 1), reading its operands from @in.
 */
struct devfuzz_ops {
	void (*reset)(const struct devfuzz_ctx *c);
	void (*access)(const struct devfuzz_ctx *c,
		       const struct modvmm_access *a, uint64_t val);
	void (*mem)(const struct devfuzz_ctx *c, int is_write, uint64_t gpa,
		    const void *buf, size_t len, int rc);
	void (*output)(const struct devfuzz_ctx *c, const uint8_t *buf,
		       size_t len);
	void (*chip_set)(const struct devfuzz_ctx *c, unsigned int line,
			 int level);
	void (*chip_ack)(const struct devfuzz_ctx *c, int pending, int vector);
	void (*msi)(const struct devfuzz_ctx *c, int route,
		    const struct modvmm_msi *msi);
	void (*eoi)(const struct devfuzz_ctx *c, unsigned int vector);
	void (*check_step)(const struct devfuzz_ctx *c, enum devfuzz_step step);
	void (*check_end)(const struct devfuzz_ctx *c);
	void (*input)(const struct devfuzz_ctx *c, const uint8_t *buf,
		      size_t len);
	int ext_steps;
	void (*ram_write)(const struct devfuzz_ctx *c, uint64_t gpa,
			  const uint8_t *buf, size_t len);
	void (*step)(const struct devfuzz_ctx *c, unsigned int kind,
		     struct fuzz_in *in);
};

/*
 * The bytes a device must write to its output pipe, in order and each
 * once: a harness pushes what the guest sent, devfuzz_outq_out() checks
 * what came out.  @when says when each byte was sent, for flush delays.
 */
#define DEVFUZZ_OUTQ_SIZE	65536
struct devfuzz_outq {
	uint64_t head, tail;	/* bytes seen on the pipe, bytes sent */
	uint8_t byte[DEVFUZZ_OUTQ_SIZE];
	uint64_t when[DEVFUZZ_OUTQ_SIZE];
};

void devfuzz_outq_push(struct devfuzz_outq *q, uint8_t c, uint64_t now);
void devfuzz_outq_out(struct devfuzz_outq *q, const uint8_t *buf, size_t len);

static inline uint64_t devfuzz_outq_pending(const struct devfuzz_outq *q)
{
	return q->tail - q->head;
}

/* When the oldest byte still held back was sent (0 if none is). */
static inline uint64_t devfuzz_outq_oldest(const struct devfuzz_outq *q)
{
	return q->tail == q->head ? 0 : q->when[q->head % DEVFUZZ_OUTQ_SIZE];
}

/*
 * Run one input against device @name, created with one of @opts (the
 * input's first byte picks which), checking what every device promises
 * and then what @ops checks.
 */
int devfuzz_run(const char *name, const struct devfuzz_ops *ops,
		const struct devfuzz_opt *opts, int nr_opts,
		const uint8_t *data, size_t size);

#endif
