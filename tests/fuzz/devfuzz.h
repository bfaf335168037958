/* SPDX-License-Identifier: MIT */
/*
 * devfuzz.h - drive one device model with a fuzzed sequence of guest
 * accesses, clock steps, input and sync calls.
 *
 * The device runs against the unit tests' mock host (tests/unit/
 * mock_host.c), with two differences: its accesses go through the real
 * bus (core/bus.c), so it only ever sees sizes it declared, exactly as in
 * modvmm; and the fake clock fires at most a bounded number of timer
 * calls per step, folding the rest into one call with expired > 1, as a
 * vCPU thread that fell behind would see them.
 */
#ifndef MODVMM_DEVFUZZ_H
#define MODVMM_DEVFUZZ_H

#include "fuzz.h"

/* Where the device's input and output go (struct devfuzz_opt.flags). */
#define DEVFUZZ_IN_PIPE		0x1	/* in=a pipe the input steps fill */
#define DEVFUZZ_IN_STDIN	0x2	/* in=stdin, stdin being that pipe */
#define DEVFUZZ_IN_FILE		0x4	/* in=a memfd: a regular file */
#define DEVFUZZ_OUT_PIPE	0x8	/* out=a pipe the harness drains */

/**
 * struct devfuzz_opt - one way to create the device.
 * @opts:  its -d options.  A fuzzer writes no real files: outputs must be
 *         null unless @flags gives one.
 * @flags: DEVFUZZ_*: append in= or out= options naming a pipe or memfd
 *         (as /proc/self/fd/N), or make stdin a pipe.
 */
struct devfuzz_opt {
	const char *opts;
	unsigned int flags;
};

/*
 * Run one input against device @name, created with one of @opts (the
 * input's first byte picks which).
 */
int devfuzz_run(const char *name, const struct devfuzz_opt *opts, int nr_opts,
		const uint8_t *data, size_t size);

#endif
