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

/**
 * struct devfuzz_opt - one way to create the device.
 * @opts:  its -d options (outputs must be null: a fuzzer writes no files).
 * @pipe:  also give it in=PIPE, a pipe the input steps write into.
 */
struct devfuzz_opt {
	const char *opts;
	int pipe;
};

/*
 * Run one input against device @name, created with one of @opts (the
 * input's first byte picks which).
 */
int devfuzz_run(const char *name, const struct devfuzz_opt *opts, int nr_opts,
		const uint8_t *data, size_t size);

#endif
