// SPDX-License-Identifier: MIT
/*
 * The device watchdog.  Device code runs on the vCPU thread, and so do
 * --timeout, SIGTERM's stop request and the console escape: a plugin
 * handler that blocks or spins would leave the user nothing but SIGKILL.
 * A thread of its own samples what device code the vCPU thread is in
 * (the access being served, or the callback context) and whether it made
 * progress (a new exit, a new device call); stuck in the same place for
 * the bound, the device is named, the terminal restored, the other
 * devices' output flushed, and modvmm exits with the device-fault status.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "console.h"
#include "device.h"
#include "event.h"
#include "machine.h"
#include "modvmm.h"
#include "watchdog.h"

#define WATCHDOG_TICK_MS	100

static pthread_t thread;
static int running;
static volatile int quit;
static uint64_t bound;

/* Where the vCPU thread is in device code, and how far it has got. */
struct watch_point {
	const struct bus_range *range;
	const struct modvmm_dev *dev;
	uint64_t exits, enters, addr;
};

static void watch_sample(struct watch_point *w)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->range = bus_current_range;
	w->addr = bus_current_addr;
	w->dev = device_running.dev;
	w->enters = device_enter_seq;
	for (i = 0; i < ARRAY_SIZE(machine.exits); i++)
		w->exits += machine.exits[i];
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
			 device_name(w->dev), device_running.what, secs);
	log_line(msg);
	device_sync_others(w->range ? w->range->owner : w->dev);
	_exit(EXIT_DEVICE_CRASH);
}

static void *watchdog_fn(void *arg)
{
	struct timespec tick = { 0, WATCHDOG_TICK_MS * 1000000L };
	struct watch_point last, now;
	uint64_t since = 0;

	(void)arg;
	memset(&last, 0, sizeof(last));
	while (!quit) {
		nanosleep(&tick, NULL);
		watch_sample(&now);
		if (!now.range && !now.dev) {
			since = 0;
			continue;
		}
		if (!since || memcmp(&now, &last, sizeof(now))) {
			last = now;
			since = clock_now_ns();
			continue;
		}
		if (clock_now_ns() - since >= bound)
			watchdog_fire(&now);
	}
	return NULL;
}

int watchdog_start(uint64_t bound_ns)
{
	if (!bound_ns || running)
		return 0;
	bound = bound_ns;
	quit = 0;
	if (pthread_create(&thread, NULL, watchdog_fn, NULL))
		return -1;
	running = 1;
	return 0;
}

void watchdog_stop(void)
{
	if (!running)
		return;
	quit = 1;
	pthread_join(thread, NULL);
	running = 0;
}
