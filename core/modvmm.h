/* SPDX-License-Identifier: MIT */
/*
 * modvmm.h - core-internal declarations shared by core/ files.
 * Devices never include this: they see only include/modvmm/device.h.
 */
#ifndef MODVMM_CORE_H
#define MODVMM_CORE_H

#include <stdint.h>
#include <stdio.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/*
 * A variable another thread reads or writes meanwhile (a flag, a counter
 * sampled elsewhere): one untorn access, no ordering, no data race (the
 * kernel's READ_ONCE/WRITE_ONCE).  A plain mov on x86.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
/* The text of a macro's value: MODVMM_STR(CONFIG_X) is "4" for 4. */
#define MODVMM_STR_(x)	#x
#define MODVMM_STR(x)	MODVMM_STR_(x)

/* Process exit statuses; the guest's exit port owns the odd ones. */
enum modvmm_exit {
	EXIT_HALT = 0,
	EXIT_USAGE = 2,
	EXIT_IMAGE = 4,
	EXIT_DEVICE = 6,
	EXIT_KVM = 8,
	EXIT_GUEST_CRASH = 10,
	EXIT_TIMEOUT = 12,
	EXIT_INTERNAL = 14,
	EXIT_DEVICE_CRASH = 16,
	EXIT_GUEST_RESET = 18,		/* MODVMM_STATUS_RESET */
	EXIT_SIGNAL = 20,
};

extern int log_verbosity;

/*
 * Where "modvmm: ..." lines go: stderr, or @log_hook when it is set (the
 * device test harness keeps them).  @line has no newline.
 */
extern void (*log_hook)(const char *line);
void log_line(const char *line);

/* One line on stderr, prefixed "modvmm: ". */
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
