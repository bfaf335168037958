// SPDX-License-Identifier: MIT
/*
 * Timers and watched fds for devices; see event.h for the threading.
 *
 * Sources are registered EPOLLONESHOT: once one fires, the event thread
 * queues it and the vCPU thread re-arms it after running its callback,
 * so a source is never queued twice.  Freed sources are only marked dead
 * and reclaimed at shutdown: the event thread may still hold a pointer
 * from an epoll_wait() batch.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ctx/ctx.h"
#include "event/event.h"
#include "event/event_state.h"
#include "irq/irq.h"
#include "modvmm.h"
#include "vm/vm.h"

enum { SRC_TIMER, SRC_FD };

struct event_src {
	int kind;
	int fd;
	int dead;
	int armed;		/* timer: has a deadline */
	int always_ready;	/* fd epoll cannot watch (regular file, /dev/null) */
	int irq;		/* irq timer: line to pulse, else -1 */
	int irq_direct;		/* pulsed by the event thread (in-kernel irqchip) */
	atomic_ullong ticks, ticks_lost;
	uint64_t deadline, period;	/* virtual clock timer (fd < 0) */
	void *owner;
	modvmm_timer_fn timer_fn;
	modvmm_fd_fn fd_fn;
	void *opaque;
	struct event_src *next_all;
	struct event_src *next_pending;
};

/* A device's timer handle is the source itself. */
struct modvmm_timer {
	struct event_src src;
};

/* fds that epoll refuses (vm.events->nr_always_ready) are polled this often */
#define ALWAYS_READY_POLL_MS	10

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	if (vm.events->virtual_now)
		return vm.events->virtual_now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int event_halt_check_take(void)
{
	if (!READ_ONCE(vm.events->halt_check))
		return 0;
	WRITE_ONCE(vm.events->halt_check, 0);
	return 1;
}

void event_set_wake(void (*wake)(void))
{
	vm.events->wake_hook = wake;
}

static void event_wake(void)
{
	if (vm.events->wake_hook)
		vm.events->wake_hook();
}

int event_init(void)
{
	struct event_loop *ev = vm.events;

	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	ev->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ev->epfd < 0 || ev->wake_fd < 0 || ev->quit_fd < 0)
		return -1;
	return 0;
}

static void event_signal_waiter(void)
{
	uint64_t one = 1;
	ssize_t n = write(vm.events->wake_fd, &one, sizeof(one));

	(void)n;
}

static void event_queue(struct event_src *s)
{
	pthread_mutex_lock(&vm.events->pending_lock);
	s->next_pending = vm.events->pending;
	vm.events->pending = s;
	pthread_mutex_unlock(&vm.events->pending_lock);
}

static void event_count_ticks(struct event_src *s, uint64_t n)
{
	atomic_fetch_add(&s->ticks, 1);
	if (n > 1)
		atomic_fetch_add(&s->ticks_lost, n - 1);
}

/*
 * An irq timer with the in-kernel irqchip: pulse the line from here.
 * KVM_IRQ_LINE is a VM ioctl, safe from any thread, and KVM wakes the
 * halted vCPU itself: no signal, no exit to user space.  A killed
 * timer keeps its fd open until shutdown, so a late read here is safe.
 */
static void event_irq_timer_direct(struct event_src *s)
{
	uint64_t n = 0;

	if (read(s->fd, &n, sizeof(n)) != sizeof(n) || !n || s->dead)
		return;
	irq_kvm_pulse((unsigned int)s->irq);
	event_count_ticks(s, n);
}

/*
 * Direct irq ticks never kick the vCPU, so the idle poll alone would not
 * see a guest that halted with interrupts off while the PIT keeps
 * ticking: ask for a halt check every halt_poll ms anyway.
 */
static void event_maybe_halt_check(void)
{
	static uint64_t last;
	uint64_t now;

	if (vm.events->halt_poll <= 0)
		return;
	now = clock_now_ns();
	if (now - last < (uint64_t)vm.events->halt_poll * 1000000ull)
		return;
	last = now;
	WRITE_ONCE(vm.events->halt_check, 1);
	event_wake();
}

static void *event_thread_fn(void *arg)
{
	struct event_loop *ev = arg;
	struct epoll_event evs[16];
	int queued;

	while (!READ_ONCE(ev->quit)) {
		int timeout = READ_ONCE(ev->nr_always_ready) ?
			      ALWAYS_READY_POLL_MS :
			      ev->halt_poll > 0 ? ev->halt_poll : -1;
		int n = epoll_wait(ev->epfd, evs, ARRAY_SIZE(evs), timeout);
		int i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (READ_ONCE(ev->quit))
			break;
		if (n == 0) {
			if (!READ_ONCE(ev->nr_always_ready) ||
			    ev->halt_poll > 0)
				WRITE_ONCE(ev->halt_check, 1);
			event_wake();
			event_signal_waiter();
			continue;
		}
		queued = 0;
		for (i = 0; i < n; i++) {
			struct event_src *s = evs[i].data.ptr;

			if (!s)
				continue;
			if (s->irq_direct) {
				event_irq_timer_direct(s);
				continue;
			}
			event_queue(s);
			queued = 1;
		}
		if (!queued) {
			event_maybe_halt_check();
			continue;
		}
		event_wake();
		event_signal_waiter();
	}
	return NULL;
}

int event_start(int halt_poll_ms)
{
	struct event_loop *el = vm.events;
	sigset_t all, old;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	uint64_t v;

	el->halt_poll = halt_poll_ms;
	if (epoll_ctl(el->epfd, EPOLL_CTL_ADD, el->quit_fd, &ev) &&
	    errno != EEXIST)
		return -1;
	/* a restart after event_stop() (--reboot): forget its quit */
	if (read(el->quit_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -1;
	WRITE_ONCE(el->quit, 0);
	/* Signals belong to the vCPU thread: it is the one to interrupt. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&el->thread, NULL, event_thread_fn, el)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	el->thread_running = 1;
	return 0;
}

static void event_drain_wake(void)
{
	uint64_t v;
	ssize_t n = read(vm.events->wake_fd, &v, sizeof(v));

	(void)n;
}

void event_stop(void)
{
	if (vm.events->thread_running) {
		uint64_t one = 1;

		WRITE_ONCE(vm.events->quit, 1);
		if (write(vm.events->quit_fd, &one, sizeof(one)) < 0)
			pr_err("cannot wake the event thread: %s", strerror(errno));
		pthread_join(vm.events->thread, NULL);
		vm.events->thread_running = 0;
	}
}

void event_shutdown(void)
{
	struct event_src *s, *next;

	event_stop();
	for (s = vm.events->all_sources; s; s = next) {
		next = s->next_all;
		if (s->kind == SRC_TIMER && s->fd >= 0)
			close(s->fd);
		free(s);
	}
	vm.events->all_sources = NULL;
	vm.events->pending = NULL;
	if (vm.events->epfd >= 0)
		close(vm.events->epfd);
	if (vm.events->wake_fd >= 0)
		close(vm.events->wake_fd);
	if (vm.events->quit_fd >= 0)
		close(vm.events->quit_fd);
	vm.events->epfd = vm.events->wake_fd = vm.events->quit_fd = -1;
	vm.events->virtual_now = 0;
}

static int event_rearm(struct event_src *s)
{
	/* direct irq timers are read by the event thread itself: no oneshot */
	struct epoll_event ev = {
		.events = EPOLLIN | (s->irq_direct ? 0 : EPOLLONESHOT),
		.data.ptr = s,
	};

	return epoll_ctl(vm.events->epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

static struct event_src *event_src_new(int kind, int fd, void *owner)
{
	struct event_src *s = calloc(1, kind == SRC_TIMER ?
				     sizeof(struct modvmm_timer) : sizeof(*s));
	struct epoll_event ev = { .events = 0, .data.ptr = NULL };

	if (!s)
		return NULL;
	s->kind = kind;
	s->fd = fd;
	s->owner = owner;
	s->irq = -1;
	ev.data.ptr = s;
	/* added disarmed (no events); event_rearm() enables it */
	if (fd >= 0 && epoll_ctl(vm.events->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		if (errno != EPERM || kind != SRC_FD) {
			free(s);
			return NULL;
		}
		/* a regular file or /dev/null: always readable, so poll it */
		s->always_ready = 1;
	}
	s->next_all = vm.events->all_sources;
	vm.events->all_sources = s;
	return s;
}

static void event_src_kill(struct event_src *s)
{
	if (s->dead)
		return;
	s->dead = 1;
	s->armed = 0;
	if (s->always_ready)
		__atomic_fetch_sub(&vm.events->nr_always_ready, 1,
				   __ATOMIC_RELAXED);
	if (s->fd < 0)
		return;		/* a virtual clock timer */
	epoll_ctl(vm.events->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	if (s->irq_direct) {
		struct itimerspec off = { { 0, 0 }, { 0, 0 } };

		timerfd_settime(s->fd, 0, &off, NULL);
		return;		/* closed at shutdown: see event_irq_timer_direct() */
	}
	if (s->kind == SRC_TIMER) {
		close(s->fd);
		s->fd = -1;
	}
}

/* An irq timer on the vCPU thread (userspace or no irqchip). */
static void event_irq_timer_fire(void *opaque, uint64_t n)
{
	struct event_src *s = opaque;

	irq_line_pulse_shared((unsigned int)s->irq);
	event_count_ticks(s, n);
}

struct modvmm_timer *event_irq_timer_new(void *owner, unsigned int irq,
					 int direct)
{
	struct modvmm_timer *t = event_timer_new(owner, event_irq_timer_fire, NULL);

	if (!t)
		return NULL;
	t->src.opaque = &t->src;
	t->src.irq = (int)irq;
	t->src.irq_direct = direct;
	return t;
}

void event_irq_timer_stats(void *owner, uint64_t *ticks, uint64_t *lost)
{
	struct event_src *s;

	*ticks = *lost = 0;
	for (s = vm.events->all_sources; s; s = s->next_all) {
		if (s->owner != owner || s->irq < 0)
			continue;
		*ticks += atomic_load(&s->ticks);
		*lost += atomic_load(&s->ticks_lost);
	}
}

struct modvmm_timer *event_timer_new(void *owner, modvmm_timer_fn fn,
				     void *opaque)
{
	int fd = vm.events->virtual_now ? -1 :
		 timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct event_src *s;

	if ((fd < 0 && !vm.events->virtual_now) || !fn)
		goto fail;
	s = event_src_new(SRC_TIMER, fd, owner);
	if (!s)
		goto fail;
	s->timer_fn = fn;
	s->opaque = opaque;
	return (struct modvmm_timer *)s;
fail:
	if (fd >= 0)
		close(fd);
	return NULL;
}

static struct timespec ns_to_ts(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};
	return ts;
}

void event_timer_arm(struct modvmm_timer *t, uint64_t delay_ns,
		     uint64_t period_ns)
{
	struct event_src *s = &t->src;
	struct itimerspec its;

	if (!t || s->dead)
		return;
	if (s->fd < 0) {
		s->deadline = delay_ns ? vm.events->virtual_now + delay_ns : 0;
		s->period = delay_ns ? period_ns : 0;
		s->armed = delay_ns != 0;
		return;
	}
	its.it_value = ns_to_ts(delay_ns);
	its.it_interval = ns_to_ts(delay_ns ? period_ns : 0);
	timerfd_settime(s->fd, 0, &its, NULL);
	s->armed = delay_ns != 0;
	if (s->armed)
		event_rearm(s);
}

void event_timer_free(struct modvmm_timer *t)
{
	if (t)
		event_src_kill(&t->src);
}

int event_fd_watch(void *owner, int fd, modvmm_fd_fn fn, void *opaque)
{
	struct event_src *s;

	if (fd < 0 || !fn)
		return -1;
	s = event_src_new(SRC_FD, fd, owner);
	if (!s)
		return -1;
	s->fd_fn = fn;
	s->opaque = opaque;
	if (s->always_ready) {
		__atomic_fetch_add(&vm.events->nr_always_ready, 1,
				   __ATOMIC_RELAXED);
		event_wake();
		return 0;
	}
	if (event_rearm(s)) {
		event_src_kill(s);
		return -1;
	}
	return 0;
}

void event_fd_unwatch(void *owner, int fd)
{
	struct event_src *s;

	for (s = vm.events->all_sources; s; s = s->next_all)
		if (!s->dead && s->kind == SRC_FD && s->owner == owner &&
		    s->fd == fd)
			event_src_kill(s);
}

void event_free_owner(void *owner)
{
	struct event_src *s;

	for (s = vm.events->all_sources; s; s = s->next_all)
		if (s->owner == owner)
			event_src_kill(s);
}

static void event_call_timer(struct event_src *s, uint64_t n)
{
	struct ctx ctx = ctx_enter(s->owner, "in a timer callback");

	s->timer_fn(s->opaque, n);
	ctx_leave(ctx);
}

static void event_run_source(struct event_src *s)
{
	struct ctx ctx;

	if (s->dead)
		return;
	if (s->kind == SRC_TIMER) {
		uint64_t n = 0;

		if (read(s->fd, &n, sizeof(n)) != sizeof(n) || !n) {
			if (s->armed && !s->dead)
				event_rearm(s);
			return;
		}
		event_call_timer(s, n);
		/* a one-shot stays disarmed unless its callback re-armed it */
		if (!s->dead && s->armed) {
			struct itimerspec cur;

			timerfd_gettime(s->fd, &cur);
			if (cur.it_value.tv_sec || cur.it_value.tv_nsec)
				event_rearm(s);
			else
				s->armed = 0;
		}
		return;
	}
	ctx = ctx_enter(s->owner, "in an fd callback");
	s->fd_fn(s->opaque, s->fd);
	ctx_leave(ctx);
	if (!s->dead && !s->always_ready)
		event_rearm(s);
}

void event_dispatch(void)
{
	struct event_src *list, *s, *rev = NULL;

	pthread_mutex_lock(&vm.events->pending_lock);
	list = vm.events->pending;
	vm.events->pending = NULL;
	pthread_mutex_unlock(&vm.events->pending_lock);
	/* oldest first */
	while (list) {
		s = list;
		list = list->next_pending;
		s->next_pending = rev;
		rev = s;
	}
	while (rev) {
		s = rev;
		rev = rev->next_pending;
		event_run_source(s);
	}
	if (READ_ONCE(vm.events->nr_always_ready))
		for (s = vm.events->all_sources; s; s = s->next_all)
			if (s->always_ready && !s->dead)
				event_run_source(s);
}

void event_wait(int ms)
{
	struct pollfd p = { .fd = vm.events->wake_fd, .events = POLLIN };

	pthread_mutex_lock(&vm.events->pending_lock);
	if (vm.events->pending) {
		pthread_mutex_unlock(&vm.events->pending_lock);
		return;
	}
	pthread_mutex_unlock(&vm.events->pending_lock);
	if (poll(&p, 1, ms) > 0)
		event_drain_wake();
}

/* --- The virtual clock of the device test harness (harness/) ----------- */

void event_use_virtual_clock(uint64_t start_ns)
{
	vm.events->virtual_now = start_ns ? start_ns : 1;
}

/* The armed virtual timer due first, no later than @target, or NULL. */
static struct event_src *event_next_due(uint64_t target)
{
	struct event_src *s, *best = NULL;

	for (s = vm.events->all_sources; s; s = s->next_all)
		if (s->kind == SRC_TIMER && s->fd < 0 && s->armed && !s->dead &&
		    s->deadline <= target &&
		    (!best || s->deadline <= best->deadline))
			best = s;
	return best;
}

/*
 * Each timer runs at its own deadline, in deadline order, with the clock
 * set to it.  A periodic timer 1000 or more periods behind runs once for
 * all of them, as timerfd reports expirations to a thread that fell
 * behind.
 */
#define EVENT_FOLD_PERIODS	1000

void event_advance(uint64_t ns)
{
	uint64_t target = vm.events->virtual_now + ns;
	struct event_src *s;

	while ((s = event_next_due(target))) {
		uint64_t n = 1;

		if (s->period && (target - s->deadline) / s->period >= EVENT_FOLD_PERIODS)
			n += (target - s->deadline) / s->period;
		vm.events->virtual_now = s->deadline + (n - 1) * s->period;
		if (s->period)
			s->deadline += n * s->period;
		else
			s->armed = 0;
		event_call_timer(s, n);
	}
	vm.events->virtual_now = target;
}

int event_poll(void)
{
	return event_poll_wait(0);
}

int event_poll_wait(int ms)
{
	struct epoll_event evs[32];
	struct event_src *s;
	int n, i, ran = 0;

	n = epoll_wait(vm.events->epfd, evs, ARRAY_SIZE(evs), ms);
	for (i = 0; i < n; i++) {
		s = evs[i].data.ptr;
		if (s && s->kind == SRC_FD && !s->dead) {
			event_run_source(s);
			ran++;
		}
	}
	for (s = vm.events->all_sources; s; s = s->next_all)
		if (s->always_ready && !s->dead) {
			event_run_source(s);
			ran++;
		}
	return ran;
}

/* Live sources of @owner of @kind (timers: armed ones only). */
static int event_count(const void *owner, int kind)
{
	struct event_src *s;
	int n = 0;

	for (s = vm.events->all_sources; s; s = s->next_all)
		if (s->owner == owner && s->kind == kind && !s->dead &&
		    (kind != SRC_TIMER || s->armed))
			n++;
	return n;
}

int event_timers_armed(const void *owner)
{
	return event_count(owner, SRC_TIMER);
}

int event_fds_watched(const void *owner)
{
	return event_count(owner, SRC_FD);
}
