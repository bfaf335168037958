/* SPDX-License-Identifier: MIT */
/*
 * watchdog.h - the device watchdog: a device handler that does not return
 * is reported by name, and modvmm ends instead of hanging.
 */
#ifndef MODVMM_WATCHDOG_H
#define MODVMM_WATCHDOG_H

#include <stdint.h>

/* Start watching with a bound of @bound_ns (0: do not watch). */
int watchdog_start(uint64_t bound_ns);
void watchdog_stop(void);

#endif
