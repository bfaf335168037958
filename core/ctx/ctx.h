/* SPDX-License-Identifier: MIT */
/*
 * ctx.h - who runs where: the call context of every thread that runs
 * device code, below every other core subsystem.
 *
 * A call into a device instance goes through ctx_enter(): it takes the
 * instance's lock (unless it is concurrent) and notes, in the calling
 * thread's slot, which instance runs and in what ("in a timer callback").
 * The crash handler reads its own thread's slot, the watchdog every
 * thread's.  The layers below the device layer (the event loop, the IRQ
 * lines, the vCPUs, the machine) know an instance only as an owner: a
 * pointer to its struct ctx_owner, which is the first member of the
 * device layer's instance, so a struct modvmm_dev pointer is one too.
 * What only the device layer can do (sync every device's output) it
 * hands down as hooks.
 */
#ifndef MODVMM_CTX_H
#define MODVMM_CTX_H

#include <pthread.h>
#include <stdint.h>

/* What a call goes into: a device instance. */
struct ctx_owner {
	pthread_mutex_t lock;		/* recursive: one call at a time */
	int concurrent;			/* MODVMM_DEVF_CONCURRENT: no lock */
	const char *name;		/* "serial8250", "virtio-blk.1" */
};

/* @owner, a device instance or one of the device layer's pointers to it. */
static inline const struct ctx_owner *ctx_of(const void *owner)
{
	return owner;
}

void ctx_owner_init(struct ctx_owner *o, const char *name, int concurrent);
void ctx_owner_destroy(struct ctx_owner *o);
/* The owner's name for messages ("modvmm" for none). */
const char *ctx_name(const void *owner);

/* What one thread runs in device code: the owner and "in its ...". */
struct ctx {
	const struct ctx_owner *owner;
	const char *what;
	const struct ctx_owner *locked;	/* ctx_enter() took its lock */
};

struct ctx_slot {
	const struct ctx_owner *owner;
	const char *what;
	uint64_t enters;		/* ctx_enter() calls: progress */
	/* the thread's bus_current_range, _addr and bus_dispatches */
	const void *const volatile *range;
	volatile uint64_t *addr, *dispatches;
	int in_use;
};

#define CTX_SLOTS	320	/* vCPU threads, the I/O thread, main */

/* This thread's slot (taken at its first ctx_enter()). */
extern __thread struct ctx_slot *ctx_here;
struct ctx_slot *ctx_slot_take(void);
/* A thread that ran device code ends: its slot is free again. */
void ctx_slot_release(void);
/* Slot @i (0 .. CTX_SLOTS - 1), for the watchdog. */
const struct ctx_slot *ctx_slot(unsigned int i);

/*
 * Call into @owner (NULL: modvmm's own code): take its lock and note
 * where this thread is.  Returns what to give back to ctx_leave().
 */
struct ctx ctx_enter(const void *owner, const char *what);
void ctx_leave(struct ctx prev);

/* The plugin being opened or closed (its constructor may crash). */
extern const char *volatile ctx_loading;

/*
 * Flush every device's output (ctx_sync_all), or, on the way out of a
 * crash or a hung handler, every one but @skip whose lock is free
 * (ctx_sync_emergency): the device layer's, set with ctx_set_sync().
 */
void ctx_set_sync(void (*all)(void), void (*emergency)(const void *skip));
void ctx_sync_all(void);
void ctx_sync_emergency(const void *skip);

#endif
