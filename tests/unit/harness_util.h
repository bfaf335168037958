/* SPDX-License-Identifier: MIT */
/*
 * harness_util.h - the device test harness in unit tests: each test
 * makes a fresh machine (include/modvmm/harness.h).
 */
#ifndef MODVMM_HARNESS_UTIL_H
#define MODVMM_HARNESS_UTIL_H

#include <modvmm/harness.h>

#include "unit.h"

/* A fresh machine with the device @spec makes; NULL if it was refused. */
static inline struct modvmm_dev *unit_start(const char *spec)
{
	CHECK_EQ(harness_init(0, NULL), 0);
	return harness_device(spec);
}

/*
 * @spec is refused, the core's one line says why ("NAME: init failed:
 * ..." containing @why), and the device left nothing behind at @addr of
 * @space (its usual address).  The machine goes with it.
 */
static inline void unit_refused(const char *spec, const char *why,
				enum modvmm_space space, uint64_t addr)
{
	struct harness_range r;
	const char *err;
	size_t n = strcspn(spec, ",");

	CHECK(unit_start(spec) == NULL);
	err = harness_last_error();
	CHECK(!strncmp(err, spec, n) && !strncmp(err + n, ": init failed: ", 15));
	CHECK_STR_CONTAINS(err, why);
	CHECK(!harness_range(space, addr, &r));
	harness_exit();
}

#endif
