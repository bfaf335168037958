// SPDX-License-Identifier: MIT
/*
 * Device instances: create one from "NAME[,key=value...]" (checking its
 * options and, in a dry run, its output files), destroy it and release
 * what it holds, sync, reset and exit them all, and their stats.
 *
 * The types come from the registry (plugin.c), the functions a device
 * calls from the host table (hostapi.c); --list-devices is devlist.c and
 * the output file claims devout.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "dev/device_priv.h"
#include "dev/dev_state.h"
#include "dev/outstream.h"
#include "dev/platform.h"
#include "event/event.h"
#include "kvm/ioevent.h"
#include "io/console.h"
#include "irq/irq.h"
#include "modvmm.h"
#include "vm/vm.h"

/* A new instance's call context: its lock, and whether it takes it. */
void device_lock_init(struct modvmm_dev *dev)
{
	ctx_owner_init(&dev->call, dev->name, dev->type &&
		       (dev->type->desc.flags & MODVMM_DEVF_CONCURRENT));
	/* what only this layer can do, for the layers below */
	ctx_set_sync(device_sync_all, device_sync_emergency);
}

const char *device_name(const struct modvmm_dev *dev)
{
	return dev->name;
}

/* "name" for the first instance, "name.N" for the next ones. */
static void device_instance_name(char *dst, size_t len, const char *name, int n)
{
	char num[16];
	int i = (int)sizeof(num) - 1;

	if (!n) {
		str_join3(dst, len, name, "", "");
		return;
	}
	num[i] = '\0';
	do {
		num[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n && i > 0);
	str_join3(dst, len, name, ".", num + i);
}

/* Reject option keys the device does not declare. */
static int device_check_options(struct device_type *t,
				const struct opt_list *ol)
{
	const struct modvmm_option *o;
	char accepted[512] = "";
	int i;

	for (i = 0; i < ol->count; i++) {
		int known = 0;

		for (o = t->desc.options; o && o->name; o++)
			if (!strcmp(o->name, ol->kv[i].key))
				known = 1;
		if (known)
			continue;
		for (o = t->desc.options; o && o->name; o++)
			snprintf(accepted + strlen(accepted),
				 sizeof(accepted) - strlen(accepted), "%s%s",
				 accepted[0] ? ", " : "", o->name);
		pr_err("%s: unknown option '%s' (accepted: %s)", t->desc.name,
		       ol->kv[i].key, accepted[0] ? accepted : "none");
		return -1;
	}
	return 0;
}

/* @dev was an interrupt controller: it is no more. */
static void device_release_chip(struct modvmm_dev *dev)
{
	unsigned int i, n = 0;

	for (i = 0; i < vm.nr_chips; i++)
		if (vm.chips[i].owner != dev)
			vm.chips[n++] = vm.chips[i];
	vm.nr_chips = n;
	if (vm.chip_owner == dev) {
		vm.chip_ops = NULL;
		vm.chip_opaque = NULL;
		vm.chip_owner = NULL;
	}
}

void device_release(struct modvmm_dev *dev)
{
	console_release(dev);
	stream_close_owner(dev);
	ioevent_free_owner(dev);
	device_release_irqs(dev);
	bus_unregister_owner(&vm.pio, dev);
	bus_unregister_owner(&vm.mmio, dev);
	event_free_owner(dev);
	irq_release_owner(dev);
	device_release_chip(dev);
}

/* ---- dry run ----------------------------------------------------------- */

int device_in_dry_run(void)
{
	return vm.dev->dry_run;
}

/* The value a dry-run instance sees instead of an output file, or NULL. */
int dry_run_masks(const struct modvmm_dev *dev, const char *key,
		  const char *v)
{
	if (!vm.dev->dry_run || !opt_is_output_path(dev->type, key, v))
		return 0;
	/* both given: a device refuses that itself, before opening either */
	return !(opt_list_get(&dev->opts, "out") &&
		 opt_list_get(&dev->opts, "file"));
}

void device_dry_run_begin(void)
{
	vm.dev->dry_run = 1;
	vm.dev->dry_run_mark = platform_mark();
}

static void device_destroy_instances(void);

void device_dry_run_end(void)
{
	struct device_type *t;

	device_destroy_instances();
	for (t = device_types(); t; t = t->next)
		t->instances = 0;
	platform_rollback(vm.dev->dry_run_mark);
	vm.dev->dry_run = 0;
}

int device_any_flagged(uint32_t flags)
{
	const struct modvmm_dev *d;

	for (d = vm.dev->instances; d; d = d->next)
		if ((d->type->desc.flags & flags) == flags)
			return 1;
	return 0;
}

int device_create(const char *spec)
{
	return device_spawn(spec) ? 0 : -1;
}

struct modvmm_dev *device_spawn(const char *spec)
{
	struct modvmm_dev *dev, **p;
	struct device_type *t;
	struct ctx ctx;
	struct opt_list ol;
	char err[256];
	struct platform_mark mark;
	int failed;

	if (device_load_builtins())
		return NULL;
	if (opt_list_parse(&ol, spec, err, sizeof(err))) {
		pr_err("-d %s: %s", spec, err);
		return NULL;
	}
	t = device_type_lookup(ol.name);
	if (!t)
		goto fail_opts;
	if (!t->desc.init) {
		pr_err("%s: a library module that other devices require; it has no instances of its own",
		       t->desc.name);
		goto fail_type;
	}
	if (device_check_options(t, &ol) || device_type_requires(t))
		goto fail_type;
	if (vm.dev->dry_run) {
		char name[64];

		device_instance_name(name, sizeof(name), t->desc.name,
				     t->instances);
		if (device_claim_outputs(t, name, &ol))
			goto fail_type;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev) {
		dev->type = t;
		device_lock_init(dev);
	}
	if (!dev) {
		pr_err("%s: out of memory", t->desc.name);
		goto fail_type;
	}
	dev->type = t;
	dev->opts = ol;
	device_instance_name(dev->name, sizeof(dev->name), t->desc.name,
			     t->instances);
	t->instances++;
	mark = platform_mark();
	ctx = ctx_enter(dev, "in its init function");
	failed = t->desc.init(dev, &device_host, &dev->priv);
	ctx_leave(ctx);
	if (failed) {
		/* what it published goes with it, as its ranges do */
		platform_rollback(mark);
		const char *why = dev->error[0] ? dev->error : dev->reg_error;

		if (dev->error[0] && dev->reg_error[0])
			pr_err("%s: init failed: %s: %s", dev->name, dev->error,
			       dev->reg_error);
		else
			pr_err("%s: init failed: %s", dev->name,
			       why[0] ? why : "(the device gave no reason)");
		device_release(dev);
		t->instances--;
		opt_list_free(&dev->opts);
		free(dev);
		device_unload_if_unused(t);
		return NULL;
	}
	for (p = &vm.dev->instances; *p; p = &(*p)->next)
		;
	*p = dev;
	return dev;
fail_type:
	device_unload_if_unused(t);
fail_opts:
	opt_list_free(&ol);
	return NULL;
}

void device_sync_all(void)
{
	device_sync_others(NULL);
}

void device_sync_others(const void *skip)
{
	struct modvmm_dev *d;

	for (d = vm.dev->instances; d; d = d->next) {
		if (d != skip && d->type->desc.sync) {
			struct ctx ctx = ctx_enter(d, "in its sync hook");

			d->type->desc.sync(d->priv);
			ctx_leave(ctx);
		}
	}
}

/*
 * The same on the way out of a crash or a hung handler: a device whose
 * lock another thread holds (it may be the hung one) is skipped rather
 * than waited for.
 */
void device_sync_emergency(const void *skip)
{
	struct modvmm_dev *d;

	for (d = vm.dev->instances; d; d = d->next) {
		if (d == skip || !d->type->desc.sync)
			continue;
		if (!d->call.concurrent && pthread_mutex_trylock(&d->call.lock))
			continue;
		d->type->desc.sync(d->priv);
		if (!d->call.concurrent)
			pthread_mutex_unlock(&d->call.lock);
	}
}

int device_ready_all(void)
{
	struct modvmm_dev *d;
	int failed;

	for (d = vm.dev->instances; d; d = d->next) {
		if (d->ready_done)
			continue;
		d->ready_done = 1;
		if (!d->type->desc.ready)
			continue;
		struct ctx ctx = ctx_enter(d, "in its ready hook");

		d->error[0] = '\0';
		failed = d->type->desc.ready(d->priv);
		ctx_leave(ctx);
		if (failed) {
			pr_err("%s: %s", d->name,
			       d->error[0] ? d->error : "not ready (the device gave no reason)");
			return -1;
		}
	}
	return 0;
}

enum device_hook { HOOK_RESET, HOOK_PAUSE, HOOK_RESUME };

/* Call hook @h of every instance that has it, oldest first. */
static void device_hook_all(enum device_hook h)
{
	static const char *const where[] = {
		[HOOK_RESET] = "in its reset hook",
		[HOOK_PAUSE] = "in its pause hook",
		[HOOK_RESUME] = "in its resume hook",
	};
	struct modvmm_dev *d;

	for (d = vm.dev->instances; d; d = d->next) {
		const struct modvmm_device_desc *desc = &d->type->desc;
		void (*fn)(void *) = h == HOOK_RESET ? desc->reset :
				     h == HOOK_PAUSE ? desc->pause :
				     desc->resume;
		struct ctx ctx;

		if (!fn)
			continue;
		ctx = ctx_enter(d, where[h]);
		fn(d->priv);
		ctx_leave(ctx);
	}
}

void device_reset_all(void)
{
	device_hook_all(HOOK_RESET);
}

void device_pause_all(void)
{
	device_hook_all(HOOK_PAUSE);
}

void device_resume_all(void)
{
	device_hook_all(HOOK_RESUME);
}

/* Exit @dev, unlinked from the instance list by the caller, and free it. */
static void device_exit_one(struct modvmm_dev *dev)
{
	if (dev->type->desc.exit) {
		struct ctx ctx = ctx_enter(dev, "in its exit hook");

		dev->type->desc.exit(dev->priv);
		ctx_leave(ctx);
	}
	device_release(dev);
	opt_list_free(&dev->opts);
	free(dev);
}

/* Exit every instance, newest first; the types stay. */
static void device_destroy_instances(void)
{
	while (vm.dev->instances) {
		struct modvmm_dev **pp = &vm.dev->instances;
		struct modvmm_dev *last = *pp;

		while (last->next) {
			pp = &last->next;
			last = last->next;
		}
		*pp = NULL;
		device_exit_one(last);
	}
}

void device_destroy(struct modvmm_dev *dev)
{
	struct modvmm_dev **pp;
	struct device_type *t = dev->type;

	for (pp = &vm.dev->instances; *pp && *pp != dev; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	*pp = dev->next;
	device_exit_one(dev);
	/* The last of its type gone: names start again at NAME, and a
	 * plugin nobody uses is closed. */
	for (pp = &vm.dev->instances; *pp; pp = &(*pp)->next)
		if ((*pp)->type == t)
			return;
	t->instances = 0;
	device_unload_if_unused(t);
}

void *device_priv(const struct modvmm_dev *dev)
{
	return dev->priv;
}

void device_exit_all(void)
{
	device_destroy_instances();
	device_outputs_free();
	device_types_free();
}

void device_print_stats(FILE *f)
{
	struct modvmm_dev *d;
	int i;

	for (d = vm.dev->instances; d; d = d->next) {
		uint64_t ticks, lost;

		fprintf(f, "  %-16s accesses %llu", d->name,
			(unsigned long long)d->accesses);
		event_irq_timer_stats(d, &ticks, &lost);
		if (ticks || lost)
			fprintf(f, ", ticks %llu, ticks_lost %llu",
				(unsigned long long)ticks, (unsigned long long)lost);
		for (i = 0; i < d->nr_stats; i++)
			fprintf(f, ", %s %llu", d->stats[i].name,
				(unsigned long long)d->stats[i].value);
		fputc('\n', f);
	}
}
