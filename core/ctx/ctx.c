// SPDX-License-Identifier: MIT
/*
 * The call context (ctx.h): owners' locks, the per-thread slots the
 * crash handler and the watchdog read, and the device layer's sync hooks.
 */
#include <pthread.h>
#include <stddef.h>

#include "bus/bus.h"
#include "ctx/ctx.h"
#include "modvmm.h"

__thread struct ctx_slot *ctx_here;
const char *volatile ctx_loading;

static struct ctx_slot slots[CTX_SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
/* when every slot is taken, threads share this one (less precise) */
static struct ctx_slot shared_slot = { .in_use = 1 };
static void (*sync_all_hook)(void);
static void (*sync_emergency_hook)(const void *skip);

void ctx_owner_init(struct ctx_owner *o, const char *name, int concurrent)
{
	pthread_mutexattr_t a;

	/* recursive: a device's handler may reach the device again through
	 * the host (a line it raises goes to the interrupt controller it is) */
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&o->lock, &a);
	pthread_mutexattr_destroy(&a);
	o->concurrent = concurrent;
	o->name = name;
}

void ctx_owner_destroy(struct ctx_owner *o)
{
	pthread_mutex_destroy(&o->lock);
}

const char *ctx_name(const void *owner)
{
	return owner ? ctx_of(owner)->name : "modvmm";
}

struct ctx_slot *ctx_slot_take(void)
{
	unsigned int i;

	pthread_mutex_lock(&slots_lock);
	for (i = 0; i < CTX_SLOTS && slots[i].in_use; i++)
		;
	if (i < CTX_SLOTS) {
		slots[i] = (struct ctx_slot){
			.range = (const void *const volatile *)&bus_current_range,
			.addr = &bus_current_addr,
			.dispatches = &bus_dispatches, .in_use = 1,
		};
		ctx_here = &slots[i];
	} else {
		ctx_here = &shared_slot;
	}
	pthread_mutex_unlock(&slots_lock);
	return ctx_here;
}

void ctx_slot_release(void)
{
	pthread_mutex_lock(&slots_lock);
	if (ctx_here && ctx_here != &shared_slot)
		WRITE_ONCE(ctx_here->in_use, 0);
	ctx_here = NULL;
	pthread_mutex_unlock(&slots_lock);
}

const struct ctx_slot *ctx_slot(unsigned int i)
{
	return i < CTX_SLOTS ? &slots[i] : NULL;
}

struct ctx ctx_enter(const void *owner, const char *what)
{
	struct ctx_slot *s = ctx_here ? ctx_here : ctx_slot_take();
	const struct ctx_owner *o = ctx_of(owner);
	struct ctx prev = { s->owner, s->what, NULL };

	if (o && !o->concurrent) {
		/* the lock is the owner's own, not part of what it is */
		pthread_mutex_lock((pthread_mutex_t *)&o->lock);
		prev.locked = o;
	}
	/* the watchdog samples the slot from its thread */
	WRITE_ONCE(s->enters, s->enters + 1);
	WRITE_ONCE(s->what, what);
	WRITE_ONCE(s->owner, o);
	return prev;
}

void ctx_leave(struct ctx prev)
{
	WRITE_ONCE(ctx_here->owner, prev.owner);
	WRITE_ONCE(ctx_here->what, prev.what);
	if (prev.locked)
		pthread_mutex_unlock((pthread_mutex_t *)&prev.locked->lock);
}

void ctx_set_sync(void (*all)(void), void (*emergency)(const void *skip))
{
	sync_all_hook = all;
	sync_emergency_hook = emergency;
}

void ctx_sync_all(void)
{
	if (sync_all_hook)
		sync_all_hook();
}

void ctx_sync_emergency(const void *skip)
{
	if (sync_emergency_hook)
		sync_emergency_hook(skip);
}
