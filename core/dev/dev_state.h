/* SPDX-License-Identifier: MIT */
/*
 * dev_state.h - one machine's devices: the instances, the dry run, the
 * lines they hold, the terminal preference, the output files they claim
 * and their console streams (device.c, hostapi.c, devout.c, outstream.c,
 * devlist.c).  Only those files and the machine's definition
 * (dev/machine.c) include it; the rest of the core knows it as vm.dev,
 * an incomplete type.  The registry of device types (plugin.c) is not
 * here: a plugin, once dlopen()ed, is the process's.
 */
#ifndef MODVMM_DEV_STATE_H
#define MODVMM_DEV_STATE_H

#include <pthread.h>

#include <modvmm/device.h>

#include "dev/platform.h"

#define DEV_MAX_OUTPUTS	80

struct modvmm_stream;

struct dev_output {
	char owner[64];
	char *path;
	const char *key;
	int fifo_fd;		/* our writer end of a FIFO output, or -1 */
};

struct dev_state {
	struct modvmm_dev *instances;		/* newest first */

	int dry_run;
	/* what the dry run's instances published, dropped at its end */
	struct platform_mark dry_run_mark;
	int listing;		/* --list-devices: instances are probes */

	/*
	 * Lines are shared (COM1 and COM3 both on IRQ 4): a line is high
	 * while any device holds it high, so count the holders per line.
	 */
	unsigned int irq_holders[MODVMM_IRQ_LINES];
	/*
	 * The host's own state that devices on different threads reach
	 * through the table: the lines' holders, and the stats of a
	 * concurrent device.  Recursive: a line may lead into the
	 * userspace interrupt controller, whose code raises lines again.
	 */
	pthread_mutex_t host_lock;
	pthread_once_t host_lock_once;

	/* --console NAME: only that instance may have the terminal */
	const char *console_wanted;
	int console_wanted_asked;

	struct dev_output outputs[DEV_MAX_OUTPUTS];
	int nr_outputs;

	struct modvmm_stream *streams;
};

#define DEV_STATE_INIT {					\
	.host_lock_once = PTHREAD_ONCE_INIT,			\
}

#endif
