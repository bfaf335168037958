/* SPDX-License-Identifier: MIT */
/*
 * vm.h - the one virtual machine a modvmm process runs.
 */
#ifndef MODVMM_VM_H
#define MODVMM_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "boot/guestmem.h"
#include "boot/loader.h"
#include "bus/bus.h"

enum irqchip_kind {
	IRQCHIP_NONE = 0,
	IRQCHIP_KVM = 1,	/* KVM_CREATE_IRQCHIP */
	IRQCHIP_USER = 2,	/* a device registered modvmm_irqchip_ops */
	IRQCHIP_SPLIT = 3,	/* local APICs in KVM, the 8259 and IOAPIC devices */
};

/* Interrupt controllers one machine takes (split: the 8259 pair, an IOAPIC). */
#define VM_MAX_CHIPS	4

/* A device that registered modvmm_irqchip_ops: it gets every line. */
struct vm_chip {
	const struct modvmm_irqchip_ops *ops;
	void *opaque;
	struct modvmm_dev *owner;
};

/*
 * The parts of a machine that the layers above this one keep: each type is
 * complete only in its own layer's private header, and the one machine is
 * put together in dev/machine.c, where every part is known.
 */
struct irq_state;
struct event_loop;
struct ioevent_state;
struct platform_state;
struct dev_state;

/* The most vCPUs: the MADT's 8-bit APIC IDs, the I/O APIC taking one. */
#define VM_MAX_CPUS	254

/*
 * One vCPU: its fd, its kvm_run mapping, its thread and its counts.  The
 * boot CPU (id 0) runs on the main thread; each other one (an
 * application processor) waits in KVM for the boot CPU's INIT and SIPI,
 * on a thread of its own.
 */
struct vcpu {
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	int running;
	/* the boot CPU asks (halt_ask) whether an AP halted for good; the
	 * AP's thread answers (halted) and sets halt_seen to the question */
	volatile int halt_ask, halt_seen, halted;
	uint64_t exits;			/* its exits to user space */
	/* the boot CPU only: a kick is on its way (the next one need not
	 * signal), the question it last asked the APs, and when */
	int kick_pending;
	int halt_seq;
	uint64_t last_halt_check_ns;
};

struct vm {
	int kvm_fd, vm_fd;
	unsigned int nr_cpus;		/* --cpus; 0 means 1 */
	/* nr_cpus of them (at least one): [0] is the boot CPU, which runs
	 * on the main thread; the others are application processors */
	struct vcpu *vcpus;
	struct guestmem mem;
	struct bus pio, mmio;

	enum irqchip_kind irqchip;
	/* the controller whose INTR the boot CPU takes (IRQCHIP_USER, _SPLIT) */
	const struct modvmm_irqchip_ops *chip_ops;
	void *chip_opaque;
	struct modvmm_dev *chip_owner;
	/* every registered controller, chip_ops' one too */
	struct vm_chip chips[VM_MAX_CHIPS];
	unsigned int nr_chips;
	struct irq_state *irq;		/* lines, MSI routes: irq.c */
	struct event_loop *events;	/* timers, fd watches: event.c */
	struct ioevent_state *ioevents;	/* ioeventfds, irqfds: ioevent.c */
	struct platform_state *platform; /* facts, fw files: platform.c */
	struct dev_state *dev;		/* device instances: dev/device.c */

	/* set from any thread or a signal handler; read by the run loop */
	volatile sig_atomic_t stop;
	volatile int stop_status;
	int stop_claimed;	/* vm_request_stop() has chosen the status */
	volatile sig_atomic_t stop_signal; /* the first that asked to stop */
	int ranges_fixed;	/* several vCPUs run: no range comes or goes */

	int timeout_hit;
	int reboot;		/* --reboot: a triple fault resets, not crashes */
	unsigned int boots;	/* how many times the guest booted */
	uint64_t start_ns;

	/* --stats */
	int stats;
	uint64_t exits[64];		/* by KVM_EXIT_* reason */
	uint64_t exits_other;
	uint64_t kicks;
};

/* The machine this process runs (dev/machine.c). */
extern struct vm vm;

/* The boot vCPU's kvm_run, or NULL before there is one. */
static inline struct kvm_run *vm_boot_run(const struct vm *m)
{
	return m->vcpus ? m->vcpus[0].run : NULL;
}

/* KVM runs the local APICs (the in-kernel or the split irqchip). */
static inline int vm_lapic_in_kernel(const struct vm *m)
{
	return m->irqchip == IRQCHIP_KVM || m->irqchip == IRQCHIP_SPLIT;
}

/* Make the MMIO bus refuse ranges over guest RAM (vm.mem). */
void vm_guard_ram(void);
/*
 * Device code runs on more than one thread from now on (several vCPUs,
 * the I/O thread): the buses take each range's lock.
 */
void vm_share_devices(void);
/* Ask the run loop to end with @status (first request wins). */
void vm_request_stop(int status);
/*
 * Catch what would end the process behind modvmm's back: a crash
 * (status 16 in a device, 14 elsewhere), every other signal whose default
 * is to kill (a clean stop, status 20, vm_stop_signal_name() says which),
 * and exit() called by a plugin (status 16) until vm_exit_expected().
 */
void vm_install_signals(void);
/* modvmm's own exit path starts: exit() is expected from now on. */
void vm_exit_expected(void);
/* "SIGUSR2" for the signal that stopped the run, or NULL. */
const char *vm_stop_signal_name(void);

#endif
