// SPDX-License-Identifier: MIT
/*
 * I/O events (&modvmm_host.ioevent_add): KVM_IOEVENTFD turns a guest
 * write of a given value to a given address (a virtio queue notify) into
 * an eventfd signal inside KVM, so the vCPU goes on running the guest
 * instead of exiting to the run loop.  One thread here waits on those
 * eventfds and runs the device's callback under that device's lock, as
 * every device callback runs (ctx_enter()).
 *
 * Only with KVM's local APICs (the in-kernel or the split irqchip): a
 * callback that raises a line then reaches KVM from this thread, through
 * KVM_IRQ_LINE or, split, the I/O APIC device's MSI route; a change of
 * the 8259's INTR kicks the boot vCPU, which injects it.  With the
 * userspace irqchip the vCPU does not wait in KVM for interrupts (its HLT
 * exits), and nothing here is registered; nor without KVM, as in the
 * device test harness, or with a KVM without the capability: the writes
 * reach the range's handler as before.
 *
 * The other direction is an irqfd (&modvmm_host.irqfd_new): an eventfd
 * a device writes to raise an interrupt.  With the in-kernel irqchip
 * KVM_IRQFD wires it to the line inside KVM, so any thread of the
 * device's (a disk's worker) interrupts the guest without waking one of
 * ours.  Elsewhere there is none, and the device raises its line as
 * before.
 *
 * The VM goes away at a reboot and takes its ioeventfds and irqfds with
 * it; ioevent_kvm_replay() registers them with the next one.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ctx/ctx.h"
#include "kvm/ioevent.h"
#include "kvm/ioevent_state.h"
#include "kvm/kvm.h"
#include "modvmm.h"
#include "vm/vm.h"

struct ioevent {
	struct modvmm_dev *owner;
	int efd;
	int kvm;			/* a KVM ioeventfd, not a device's fd */
	int irqfd;			/* a KVM irqfd on line gsi (ours) */
	unsigned int gsi;
	modvmm_fd_fn fd_fn;		/* a device's fd: its callback */
	int pio;
	uint64_t addr;
	uint32_t len;
	uint64_t datamatch;
	modvmm_ioevent_fn fn;
	void *opaque;
	int dead;
	struct ioevent *next;
};

static void irqfd_forget(struct ioevent *e);

static int ioevent_kvm(struct ioevent *e, int deassign)
{
	struct kvm_ioeventfd k;

	memset(&k, 0, sizeof(k));
	k.datamatch = e->datamatch;
	k.addr = e->addr;
	k.len = e->len;
	k.fd = e->efd;
	k.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
		  (e->pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
		  (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0);
	return ioctl(vm.vm_fd, KVM_IOEVENTFD, &k);
}

static void ioevent_run(struct ioevent *e)
{
	struct ctx ctx;
	uint64_t n;

	/* the owner's lock first: its exit marks the ioevent dead under it */
	ctx = ctx_enter(e->owner, e->kvm ? "in its ioevent handler" :
				     "in its fd callback");
	if (!e->dead && !e->kvm)
		e->fd_fn(e->opaque, e->efd);
	else if (!e->dead && read(e->efd, &n, sizeof(n)) == sizeof(n))
		e->fn(e->opaque);
	ctx_leave(ctx);
}

static void *ioevent_thread(void *arg)
{
	struct ioevent_state *io = arg;
	struct epoll_event evs[16];
	int n, i;

	while (!READ_ONCE(io->quit)) {
		n = epoll_wait(io->epfd, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (i = 0; i < n && !READ_ONCE(io->quit); i++)
			if (evs[i].data.ptr)
				ioevent_run(evs[i].data.ptr);
	}
	ctx_slot_release();
	return NULL;
}

/* The thread and its epoll set, when the first ioevent comes. */
static int ioevent_start(void)
{
	struct ioevent_state *io = vm.ioevents;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	sigset_t all, old;

	if (io->thread_running)
		return 0;
	if (io->epfd < 0) {
		io->epfd = epoll_create1(EPOLL_CLOEXEC);
		io->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (io->epfd < 0 || io->quit_fd < 0 ||
		    epoll_ctl(io->epfd, EPOLL_CTL_ADD, io->quit_fd, &ev))
			return -1;
	}
	WRITE_ONCE(io->quit, 0);
	/* signals stay with the vCPU threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&io->thread, NULL, ioevent_thread, io)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	io->thread_running = 1;
	/* device code now runs on two threads: the buses take range locks */
	vm_share_devices();
	return 0;
}

/* Whether device code may run on this file's thread now. */
static int ioevent_possible(void)
{
	return vm_lapic_in_kernel(&vm) && vm.vm_fd > 0;
}

int ioevent_add(struct modvmm_dev *dev, enum modvmm_space space,
		uint64_t addr, uint32_t len, uint64_t datamatch,
		modvmm_ioevent_fn fn, void *opaque)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ioevent *e;

	if (!fn || (len != 1 && len != 2 && len != 4 && len != 8) ||
	    (space != MODVMM_SPACE_PIO && space != MODVMM_SPACE_MMIO))
		return -1;
	/* no VM yet (the dry run) or one whose lines need the vCPU thread */
	if (!ioevent_possible() || !kvm_has_cap(&vm, KVM_CAP_IOEVENTFD))
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return 0;
	e->owner = dev;
	e->pio = space == MODVMM_SPACE_PIO;
	e->addr = addr;
	e->len = len;
	e->datamatch = datamatch;
	e->fn = fn;
	e->opaque = opaque;
	e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.ptr = e;
	if (e->efd < 0 || ioevent_start() ||
	    epoll_ctl(vm.ioevents->epfd, EPOLL_CTL_ADD, e->efd, &ev)) {
		if (e->efd >= 0)
			close(e->efd);
		free(e);
		return 0;
	}
	if (ioevent_kvm(e, 0)) {
		pr_info("%s: KVM_IOEVENTFD at 0x%llx: %s; the writes exit as before",
			ctx_name(dev), (unsigned long long)addr, strerror(errno));
		epoll_ctl(vm.ioevents->epfd, EPOLL_CTL_DEL, e->efd, NULL);
		close(e->efd);
		free(e);
		return 0;
	}
	e->kvm = 1;
	e->next = vm.ioevents->list;
	vm.ioevents->list = e;
	return 1;
}

int ioevent_fd_watch(struct modvmm_dev *dev, int fd, modvmm_fd_fn fn,
		     void *opaque)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ioevent *e;

	if (fd < 0 || !fn)
		return -1;
	if (!ioevent_possible())
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return 0;
	e->owner = dev;
	e->efd = fd;
	e->fd_fn = fn;
	e->opaque = opaque;
	ev.data.ptr = e;
	if (ioevent_start() ||
	    epoll_ctl(vm.ioevents->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(e);
		return 0;
	}
	e->next = vm.ioevents->list;
	vm.ioevents->list = e;
	return 1;
}

/* ---- irqfds ------------------------------------------------------------ */

static int irqfd_kvm(struct ioevent *e, int deassign)
{
	struct kvm_irqfd k;

	memset(&k, 0, sizeof(k));
	k.fd = (uint32_t)e->efd;
	k.gsi = e->gsi;
	k.flags = deassign ? KVM_IRQFD_FLAG_DEASSIGN : 0;
	return ioctl(vm.vm_fd, KVM_IRQFD, &k);
}

int ioevent_irqfd_new(struct modvmm_dev *dev, unsigned int irq)
{
	struct ioevent *e;

	if (irq >= MODVMM_IRQ_LINES) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * Only where KVM's own controllers take the line: with the split
	 * irqchip a GSI below 24 is the I/O APIC device's MSI route, and an
	 * irqfd on it would go round that device's masks and the 8259.
	 */
	if (vm.irqchip != IRQCHIP_KVM || !ioevent_possible() ||
	    !kvm_has_cap(&vm, KVM_CAP_IRQFD)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	e->owner = dev;
	e->irqfd = 1;
	e->gsi = irq;
	e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->efd < 0) {
		free(e);
		return -1;
	}
	if (irqfd_kvm(e, 0)) {
		pr_info("%s: KVM_IRQFD on line %u: %s; the line is raised as before",
			ctx_name(dev), irq, strerror(errno));
		close(e->efd);
		free(e);
		errno = EOPNOTSUPP;
		return -1;
	}
	e->next = vm.ioevents->list;
	vm.ioevents->list = e;
	return e->efd;
}

/* The device has exited: its threads no longer write the eventfd. */
static void irqfd_forget(struct ioevent *e)
{
	if (vm.vm_fd > 0)
		irqfd_kvm(e, 1);
	close(e->efd);
	e->efd = -1;
	e->dead = 1;
}

/* Forget @e: KVM's registration and our watch; the thread checks dead. */
static void ioevent_forget(struct ioevent *e)
{
	if (e->irqfd) {
		irqfd_forget(e);
		return;
	}
	epoll_ctl(vm.ioevents->epfd, EPOLL_CTL_DEL, e->efd, NULL);
	if (e->kvm) {
		if (vm.vm_fd > 0)
			ioevent_kvm(e, 1);
		close(e->efd);	/* ours; a device's fd is its own */
	}
	e->efd = -1;
	e->dead = 1;
}

int ioevent_fd_unwatch(struct modvmm_dev *dev, int fd)
{
	struct ioevent *e;

	for (e = vm.ioevents->list; e; e = e->next) {
		if (e->owner == dev && !e->dead && !e->kvm && !e->irqfd &&
		    e->efd == fd) {
			ioevent_forget(e);
			return 1;
		}
	}
	return 0;
}

/* Callers hold the device lock (device exit); the thread checks dead. */
void ioevent_free_owner(struct modvmm_dev *dev)
{
	struct ioevent *e;

	for (e = vm.ioevents->list; e; e = e->next) {
		if (e->owner == dev && !e->dead)
			ioevent_forget(e);
	}
}

void ioevent_kvm_replay(void)
{
	struct ioevent *e;

	for (e = vm.ioevents->list; e; e = e->next) {
		if (!e->dead && e->kvm && ioevent_kvm(e, 0))
			pr_err("%s: KVM_IOEVENTFD at 0x%llx again after the reset: %s",
			       ctx_name(e->owner), (unsigned long long)e->addr,
			       strerror(errno));
		if (!e->dead && e->irqfd && irqfd_kvm(e, 0))
			pr_err("%s: KVM_IRQFD on line %u again after the reset: %s",
			       ctx_name(e->owner), e->gsi, strerror(errno));
	}
}

void ioevent_shutdown(void)
{
	struct ioevent *e;
	uint64_t one = 1;

	if (vm.ioevents->thread_running) {
		WRITE_ONCE(vm.ioevents->quit, 1);
		if (write(vm.ioevents->quit_fd, &one, sizeof(one)) < 0)
			pr_err("cannot stop the ioevent thread: %s", strerror(errno));
		pthread_join(vm.ioevents->thread, NULL);
		vm.ioevents->thread_running = 0;
	}
	while (vm.ioevents->list) {
		e = vm.ioevents->list;
		vm.ioevents->list = e->next;
		if (e->efd >= 0 && (e->kvm || e->irqfd))
			close(e->efd);
		free(e);
	}
	if (vm.ioevents->epfd >= 0)
		close(vm.ioevents->epfd);
	if (vm.ioevents->quit_fd >= 0)
		close(vm.ioevents->quit_fd);
	vm.ioevents->epfd = vm.ioevents->quit_fd = -1;
}
