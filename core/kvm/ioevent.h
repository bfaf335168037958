/* SPDX-License-Identifier: MIT */
/*
 * ioevent.h - guest writes that KVM turns into eventfd signals
 * (KVM_IOEVENTFD), served on a thread of their own under the device
 * lock: &modvmm_host.ioevent_add.
 */
#ifndef MODVMM_IOEVENT_H
#define MODVMM_IOEVENT_H

#include <stdint.h>

#include <modvmm/device.h>

/* 1 if KVM now takes the writes, 0 if they exit as before, -1 if bad. */
int ioevent_add(struct modvmm_dev *dev, enum modvmm_space space,
		uint64_t addr, uint32_t len, uint64_t datamatch,
		modvmm_ioevent_fn fn, void *opaque);
/*
 * Call @fn(@opaque, @fd) on the ioevent thread, under the device lock,
 * while @fd is readable: 1, or 0 when device code cannot run there (the
 * caller then watches it the ordinary way), -1 if bad.
 */
int ioevent_fd_watch(struct modvmm_dev *dev, int fd, modvmm_fd_fn fn,
		     void *opaque);
/* An eventfd whose writes pulse line @irq (&modvmm_host.irqfd_new), or -1. */
int ioevent_irqfd_new(struct modvmm_dev *dev, unsigned int irq);
/* Stop that: 1 if @fd was watched here, else 0. */
int ioevent_fd_unwatch(struct modvmm_dev *dev, int fd);
/* @dev goes away: KVM forgets its ioevents, the thread never calls them. */
void ioevent_free_owner(struct modvmm_dev *dev);
/* A new VM (--reboot): register every live ioevent with it. */
void ioevent_kvm_replay(void);
/* Stop the thread (before devices exit) and free everything. */
void ioevent_shutdown(void);

#endif
