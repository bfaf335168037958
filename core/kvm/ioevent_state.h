/* SPDX-License-Identifier: MIT */
/*
 * ioevent_state.h - one machine's ioeventfds, direct fd watches and
 * irqfds, and the I/O thread that serves them (ioevent.c).  Only
 * ioevent.c and the machine's definition (dev/machine.c) include it; the
 * rest of the core knows it as vm.ioevents, an incomplete type.
 */
#ifndef MODVMM_IOEVENT_STATE_H
#define MODVMM_IOEVENT_STATE_H

#include <pthread.h>

struct ioevent;

struct ioevent_state {
	struct ioevent *list;
	int epfd, quit_fd;
	pthread_t thread;
	int thread_running;
	volatile int quit;
};

#define IOEVENT_STATE_INIT {					\
	.epfd = -1,						\
	.quit_fd = -1,						\
}

#endif
