// SPDX-License-Identifier: MIT
/*
 * The device watchdog.  Device code runs on the vCPU threads, and the
 * boot vCPU's also serves --timeout, SIGTERM's stop request and the
 * console escape: a plugin handler that blocks or spins would leave the
 * user nothing but SIGKILL.  A thread of its own samples what device
 * code each thread is in (the access being served, or the callback
 * context) and whether it made progress (a new access, a new device
 * call); stuck in the same place for the bound, the device is named, the
 * terminal restored, the other devices' output flushed, and modvmm exits
 * with the device-fault status.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus/bus.h"
#include "ctx/ctx.h"
#include "event/event.h"
#include "event/watchdog.h"
#include "io/console.h"
#include "modvmm.h"
#include "vm/vm.h"

#define WATCHDOG_TICK_MS	100

static pthread_t thread;
static int running;
static volatile int quit;
static uint64_t bound;

/* Where one thread is in device code, and how far it has got. */
struct watch_point {
	const struct bus_range *range;
	const struct ctx_owner *dev;
	const char *what;
	uint64_t dispatches, enters, addr;
};

static void watch_sample(const struct ctx_slot *s, struct watch_point *w)
{
	memset(w, 0, sizeof(*w));
	if (!READ_ONCE(s->in_use))
		return;
	if (s->range) {
		w->range = (const struct bus_range *)READ_ONCE(*s->range);
		w->addr = READ_ONCE(*s->addr);
		w->dispatches = READ_ONCE(*s->dispatches);
	}
	w->dev = READ_ONCE(s->owner);
	w->what = READ_ONCE(s->what);
	w->enters = READ_ONCE(s->enters);
}

static void watchdog_fire(const struct watch_point *w)
{
	char msg[256];
	double secs = (double)bound / 1e9;

	console_restore();
	if (w->range)
		snprintf(msg, sizeof(msg),
			 "modvmm: device %s did not return from an access at 0x%llx within %g s (a hung handler); stopping",
			 w->range->owner_name, (unsigned long long)w->addr, secs);
	else
		snprintf(msg, sizeof(msg),
			 "modvmm: device %s did not return %s within %g s (a hung handler); stopping",
			 ctx_name(w->dev), w->what, secs);
	log_line(msg);
	ctx_sync_emergency(w->range ? w->range->owner : w->dev);
	_exit(EXIT_DEVICE_CRASH);
}

/*
 * Each thread's slot is sampled every tick: a thread in device code (an
 * access or a callback) that has made no progress at all (no new access,
 * no new device call) for the bound is a hung handler.
 */
static void *watchdog_fn(void *arg)
{
	struct timespec tick = { 0, WATCHDOG_TICK_MS * 1000000L };
	static struct watch_point last[CTX_SLOTS];
	static uint64_t since[CTX_SLOTS];
	struct watch_point now;
	unsigned int i;

	(void)arg;
	while (!READ_ONCE(quit)) {
		nanosleep(&tick, NULL);
		for (i = 0; i < CTX_SLOTS; i++) {
			watch_sample(ctx_slot(i), &now);
			if (!now.range && !now.dev) {
				since[i] = 0;
				continue;
			}
			if (!since[i] || memcmp(&now, &last[i], sizeof(now))) {
				last[i] = now;
				since[i] = clock_now_ns();
				continue;
			}
			if (clock_now_ns() - since[i] >= bound)
				watchdog_fire(&now);
		}
	}
	return NULL;
}

int watchdog_start(uint64_t bound_ns)
{
	if (!bound_ns || running)
		return 0;
	bound = bound_ns;
	WRITE_ONCE(quit, 0);
	if (pthread_create(&thread, NULL, watchdog_fn, NULL))
		return -1;
	running = 1;
	return 0;
}

void watchdog_stop(void)
{
	if (!running)
		return;
	WRITE_ONCE(quit, 1);
	pthread_join(thread, NULL);
	running = 0;
}
