/* SPDX-License-Identifier: MIT */
/*
 * device_priv.h - what the device layer's files share among themselves:
 * the type and instance structures and the functions one file calls in
 * another.  Only core/device.c, plugin.c, devout.c, devlist.c and
 * hostapi.c include it; the rest of the core uses device.h.
 */
#ifndef MODVMM_DEVICE_PRIV_H
#define MODVMM_DEVICE_PRIV_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/device.h"
#include "util/options.h"

#define DEV_MAX_STATS	16

struct device_type {
	struct modvmm_device_desc desc;	/* zero-extended copy */
	void *dl;			/* dlopen handle; NULL if built in */
	char *path;			/* resolved .so path */
	int instances;
	int requires_done;		/* its requires are loaded */
	struct device_type *next;
};

struct dev_stat {
	const char *name;
	uint64_t value;
};

struct modvmm_dev {
	struct ctx_owner call;		/* first: the layers below see this */
	struct device_type *type;
	char name[64];
	struct opt_list opts;
	void *priv;
	char error[256];
	char reg_error[256];
	int ready_done;			/* its ready hook ran */
	uint64_t accesses;
	uint32_t irq_asserted;		/* lines this instance holds high */
	int stats_full;			/* a stat name was refused (said once) */
	struct dev_stat stats[DEV_MAX_STATS];
	int nr_stats;
	struct modvmm_dev *next;
};

/* A new instance's lock, and whether it takes it (its descriptor). */
void device_lock_init(struct modvmm_dev *dev);

/* plugin.c: the type registry and the plugin loader */
void str_join3(char *dst, size_t len, const char *a, const char *b,
	       const char *c);
int device_load_builtins(void);
/* The registered types, oldest first; walk them with ->next. */
struct device_type *device_types(void);
struct device_type *device_type_by_name(const char *name);
struct device_type *device_type_from_path(const char *path, int explicit);
struct device_type *device_type_lookup(const char *name);
/* Load what @t's descriptor requires; 0, or -1 after saying what. */
int device_type_requires(struct device_type *t);
const void *device_type_export(const struct device_type *t, const char *name);
int device_search_dirs(const char **dirs, char (*bufs)[PATH_MAX]);
void device_unload_if_unused(struct device_type *t);
/* Close every plugin and forget every type, built-in ones too. */
void device_types_free(void);

/* device.c: instances and the dry run */
/* Let go of @dev's console, lines, ranges, timers, fds and irqchip. */
void device_release(struct modvmm_dev *dev);
/* Between device_dry_run_begin() and device_dry_run_end(). */
int device_in_dry_run(void);
int dry_run_masks(const struct modvmm_dev *dev, const char *key,
		  const char *v);

/* devout.c: output files */
int opt_is_output_path(const struct device_type *t, const char *key,
		       const char *v);
int device_claim_outputs(const struct device_type *t, const char *name,
			 const struct opt_list *ol);
void device_outputs_free(void);

/* devlist.c: --list-devices */
/* --list-devices' probe instance runs: it gets no console. */
int device_list_probing(void);

/* hostapi.c: the host function table */
/* Lower the lines @dev holds high. */
void device_release_irqs(struct modvmm_dev *dev);

#endif
