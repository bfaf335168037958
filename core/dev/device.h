/* SPDX-License-Identifier: MIT */
/*
 * device.h - device types (built-in or plugin) and their instances.
 */
#ifndef MODVMM_DEVICE_CORE_H
#define MODVMM_DEVICE_CORE_H

#include <stdio.h>

#include <modvmm/device.h>

/* Where NAME.so is looked for, after an explicit path. */
struct plugin_search {
	const char *plugin_dir;		/* --plugin-dir, or NULL */
	const char *exe_dir;		/* directory of the binary; NULL: found */
	int insecure;			/* --insecure-plugins */
};

/* The plugin being opened or closed (constructors, destructors run),
 * for the crash handler; NULL otherwise. */
extern const char *volatile device_loading;

void device_set_search(const struct plugin_search *s);

/*
 * Create one instance from "NAME|PATH.so[,key=value...]".  Returns 0, or
 * -1 after printing one line saying why; the machine is then exactly as
 * before the call.
 */
int device_create(const char *spec);
/* The same, returning the instance (or NULL); for the test harness. */
struct modvmm_dev *device_spawn(const char *spec);
/* Exit one instance and release what it holds; the test harness. */
void device_destroy(struct modvmm_dev *dev);
void *device_priv(const struct modvmm_dev *dev);
/*
 * Call the ready hook of every instance that has not had it, oldest
 * first: all devices exist now.  0, or -1 after "NAME: why".
 */
int device_ready_all(void);
/* Call every instance's reset hook, oldest first (--reboot). */
void device_reset_all(void);
/*
 * Call every instance's pause hook (the vCPUs stopped; guest RAM is about
 * to be cleared or the machine to end) or resume hook (they run again).
 */
void device_pause_all(void);
void device_resume_all(void);
/* Call every instance's sync hook (flush output). */
void device_sync_all(void);
/* The same, but for @skip (a device that is hung or crashed). */
void device_sync_others(const void *skip);
/* As device_sync_others(), skipping devices busy on other threads. */
void device_sync_emergency(const void *skip);
/* Exit every instance, newest first, and close every plugin. */
void device_exit_all(void);
/*
 * Dry run: between begin and end, device_create() checks each device's
 * output files (out=PATH, file=PATH) without creating them and hands the
 * device "null" instead; end destroys the instances, keeping the types.
 * This finds every device error before /dev/kvm is opened and before any
 * output file is touched.
 */
void device_dry_run_begin(void);
void device_dry_run_end(void);
/*
 * Check that @owner may write @path (option @key): writable or creatable,
 * not a directory, not a FIFO without a reader, and not already claimed
 * by another owner.  Prints the reason and returns -1 if not.
 */
int device_output_claim(const char *owner, const char *key, const char *path);
/* --list-devices; returns an exit status. */
int device_list(int json);
/* --stats: per-device access counts and device counters. */
void device_print_stats(FILE *f);
/* Name of the instance owning a bus range's opaque owner pointer. */
const char *device_name(const struct modvmm_dev *dev);

extern const struct modvmm_host device_host;

/*
 * --console NAME: only instance NAME gets the terminal from
 * &modvmm_host.console_acquire (NULL: the first that asks); whether
 * NAME asked since.
 */
void device_console_prefer(const char *name);
int device_console_preferred_asked(void);

/*
 * What device code one thread runs outside a bus access (an access is
 * that thread's bus_current_range): the instance, or NULL for modvmm's
 * own code, and "in its init function" and the like.  Each thread that
 * runs device code has a slot: the crash handler reads its own thread's,
 * the watchdog every thread's.
 */
struct device_ctx {
	const struct modvmm_dev *dev;
	const char *what;
	const struct modvmm_dev *locked;	/* device_enter() took its lock */
};

struct device_slot {
	const struct modvmm_dev *volatile dev;
	const char *volatile what;
	volatile uint64_t enters;	/* device_enter() calls: progress */
	/* the thread's bus_current_range, _addr and bus_dispatches */
	const struct bus_range *volatile *range;
	volatile uint64_t *addr, *dispatches;
	volatile int in_use;
};

#define DEVICE_SLOTS	320	/* vCPU threads, the I/O thread, main */

/* This thread's slot (taken at its first device call). */
extern __thread struct device_slot *device_here;
struct device_slot *device_slot_take(void);
/* A thread that ran device code ends: its slot is free again. */
void device_slot_release(void);
/* Slot @i (0 .. DEVICE_SLOTS - 1), for the watchdog. */
const struct device_slot *device_slot(unsigned int i);

/*
 * Call into @dev (NULL: modvmm's own code): take its lock (unless it is
 * MODVMM_DEVF_CONCURRENT) and note where this thread is.  Returns the
 * context to give back to device_leave() afterwards.
 */
struct device_ctx device_enter(const struct modvmm_dev *dev, const char *what);
void device_leave(struct device_ctx prev);

/*
 * Device code runs on more than one thread from now on (several vCPUs,
 * the I/O thread): the buses take each range's lock from here on.
 */
void device_share(void);
/* Ranges can no longer be added or removed: several vCPUs run. */
void device_freeze_ranges(int frozen);
int device_ranges_fixed(void);

#endif
