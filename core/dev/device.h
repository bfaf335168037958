/* SPDX-License-Identifier: MIT */
/*
 * device.h - device types (built-in or plugin) and their instances.
 */
#ifndef MODVMM_DEVICE_CORE_H
#define MODVMM_DEVICE_CORE_H

#include <stdio.h>

#include <modvmm/device.h>

#include "ctx/ctx.h"

/* Where NAME.so is looked for, after an explicit path. */
struct plugin_search {
	const char *plugin_dir;		/* --plugin-dir, or NULL */
	const char *exe_dir;		/* directory of the binary; NULL: found */
	int insecure;			/* --insecure-plugins */
};

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
/* 1 if an instance's type has every bit of MODVMM_DEVF_* @flags. */
int device_any_flagged(uint32_t flags);
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
int device_list(int json, int probe);
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



#endif
