/* SPDX-License-Identifier: MIT */
/*
 * event.h - timers and watched file descriptors for devices.
 *
 * An event thread waits in epoll_wait() on every timerfd and watched fd.
 * It never calls device code: it queues what fired and kicks the vCPU
 * thread, which runs the callbacks between two KVM_RUNs (or while the
 * guest is halted).  So device code needs no locks, and the I/O hot path
 * has no lock either.
 */
#ifndef MODVMM_EVENT_H
#define MODVMM_EVENT_H

#include <stdint.h>

#include <modvmm/device.h>

struct event_src;

/* How to wake the thread that runs the callbacks (the vCPU layer's kick). */
void event_set_wake(void (*wake)(void));
int event_init(void);
/* Stop the event thread (before devices exit), then free everything. */
void event_stop(void);
void event_shutdown(void);
/* Start the thread; @halt_poll_ms > 0 also kicks the vCPU after that long
 * without events (used to notice a vCPU halted for good in the kernel). */
int event_start(int halt_poll_ms);

struct modvmm_timer *event_timer_new(void *owner, modvmm_timer_fn fn,
				     void *opaque);
void event_timer_arm(struct modvmm_timer *t, uint64_t delay_ns,
		     uint64_t period_ns);
void event_timer_free(struct modvmm_timer *t);
/* A timer that pulses @irq; @direct: from the event thread (KVM irqchip). */
struct modvmm_timer *event_irq_timer_new(void *owner, unsigned int irq,
					 int direct);
void event_irq_timer_stats(void *owner, uint64_t *ticks, uint64_t *lost);
void event_free_owner(void *owner);

int event_fd_watch(void *owner, int fd, modvmm_fd_fn fn, void *opaque);
void event_fd_unwatch(void *owner, int fd);

/* vCPU thread: run the callbacks of everything that fired. */
void event_dispatch(void);
/* vCPU thread, guest halted: block until something fires (or @ms). */
void event_wait(int ms);
/* Whether the event thread's idle poll expired since; clears it. */
int event_halt_check_take(void);

uint64_t clock_now_ns(void);

/*
 * The device test harness's clock (harness/): from event_use_virtual_clock()
 * until event_shutdown(), clock_now_ns() is virtual, timers have no
 * timerfd and run only from event_advance(), on the caller's thread, and
 * event_poll() runs the watched fds that are ready.  No event thread.
 */
void event_use_virtual_clock(uint64_t start_ns);
void event_advance(uint64_t ns);
/* Returns how many fd callbacks ran. */
int event_poll(void);
/* The same, first waiting up to @ms milliseconds for an fd to be ready. */
int event_poll_wait(int ms);
/* Armed timers of @owner (a device instance). */
int event_timers_armed(const void *owner);
/* Watched fds of @owner. */
int event_fds_watched(const void *owner);

#endif
