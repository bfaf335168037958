/* SPDX-License-Identifier: MIT */
/*
 * event_state.h - one machine's event loop (event.c): its epoll set, the
 * event thread, the sources and the queue of those that fired.  Only
 * event.c and the machine's definition (dev/machine.c) include it; the
 * rest of the core knows it as vm.events, an incomplete type.
 */
#ifndef MODVMM_EVENT_STATE_H
#define MODVMM_EVENT_STATE_H

#include <pthread.h>
#include <stdint.h>

struct event_src;

struct event_loop {
	int epfd;
	int wake_fd;		/* wakes a vCPU thread blocked in event_wait() */
	int quit_fd;		/* wakes the event thread at shutdown */
	pthread_t thread;
	int thread_running;
	volatile int quit;
	int halt_poll;
	/* set by the event thread when its idle poll expired */
	volatile int halt_check;

	/* fds that epoll refuses: run at every dispatch, and at least
	 * every ALWAYS_READY_POLL_MS */
	volatile int nr_always_ready;

	pthread_mutex_t pending_lock;
	struct event_src *pending;
	struct event_src *all_sources;

	/*
	 * Nonzero: the device test harness runs the clock
	 * (event_use_virtual_clock).  Timers then have no timerfd:
	 * event_advance() runs them when due.
	 */
	uint64_t virtual_now;

	/*
	 * Waking the thread that runs the callbacks (the boot vCPU's, out
	 * of KVM_RUN) is the vCPU layer's business; it says how
	 * (event_set_wake).
	 */
	void (*wake_hook)(void);
};

#define EVENT_LOOP_INIT {					\
	.epfd = -1,						\
	.wake_fd = -1,						\
	.quit_fd = -1,						\
	.pending_lock = PTHREAD_MUTEX_INITIALIZER,		\
}

#endif
