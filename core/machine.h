/* SPDX-License-Identifier: MIT */
/*
 * machine.h - the one virtual machine a modvmm process runs.
 */
#ifndef MODVMM_MACHINE_H
#define MODVMM_MACHINE_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "bus.h"
#include "guestmem.h"
#include "loader.h"

enum irqchip_kind {
	IRQCHIP_NONE = 0,
	IRQCHIP_KVM = 1,	/* KVM_CREATE_IRQCHIP */
	IRQCHIP_USER = 2,	/* a device registered modvmm_irqchip_ops */
	IRQCHIP_SPLIT = 3,	/* local APICs in KVM, the 8259 and IOAPIC devices */
};

/* Interrupt controllers one machine takes (split: the 8259 pair, an IOAPIC). */
#define MACHINE_MAX_CHIPS	4

/* A device that registered modvmm_irqchip_ops: it gets every line. */
struct machine_chip {
	const struct modvmm_irqchip_ops *ops;
	void *opaque;
	struct modvmm_dev *owner;
};

/* The most vCPUs: the MADT's 8-bit APIC IDs, the I/O APIC taking one. */
#define MACHINE_MAX_CPUS	254

/*
 * A vCPU after the first (an application processor): it waits in KVM
 * for the boot CPU's INIT and SIPI, on a thread of its own.
 */
struct vcpu_ap {
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	int running;
	/* the boot CPU asks (halt_ask) whether it halted for good; the
	 * AP's thread answers (halted) and sets halt_seen to the question */
	volatile int halt_ask, halt_seen, halted;
	uint64_t exits;			/* its exits to user space */
};

struct machine {
	int kvm_fd, vm_fd, vcpu_fd;	/* vcpu_fd, run: the boot CPU's */
	struct kvm_run *run;
	size_t run_size;
	unsigned int nr_cpus;		/* --cpus; 0 means 1 */
	struct vcpu_ap *aps;		/* nr_cpus - 1 of them */
	struct guestmem mem;
	struct bus pio, mmio;

	enum irqchip_kind irqchip;
	/* the controller whose INTR the boot CPU takes (IRQCHIP_USER, _SPLIT) */
	const struct modvmm_irqchip_ops *chip_ops;
	void *chip_opaque;
	struct modvmm_dev *chip_owner;
	/* every registered controller, chip_ops' one too */
	struct machine_chip chips[MACHINE_MAX_CHIPS];
	unsigned int nr_chips;

	/* set from any thread or a signal handler; read by the run loop */
	volatile sig_atomic_t stop;
	volatile int stop_status;
	int stop_claimed;	/* machine_request_stop() has chosen the status */

	int timeout_hit;
	int reboot;		/* --reboot: a triple fault resets, not crashes */
	unsigned int boots;	/* how many times the guest booted */
	uint64_t start_ns;

	/* --stats */
	int stats;
	uint64_t exits[64];		/* by KVM_EXIT_* reason */
	uint64_t bsp_exits;		/* the boot CPU's (APs: struct vcpu_ap) */
	uint64_t exits_other;
	uint64_t kicks;
};

extern struct machine machine;

/* KVM runs the local APICs (the in-kernel or the split irqchip). */
static inline int machine_lapic_in_kernel(const struct machine *m)
{
	return m->irqchip == IRQCHIP_KVM || m->irqchip == IRQCHIP_SPLIT;
}

/* Make the MMIO bus refuse ranges over guest RAM (machine.mem). */
void machine_guard_ram(void);
/* Ask the run loop to end with @status (first request wins). */
void machine_request_stop(int status);
void machine_install_signals(void);

/* kvm.c */
int kvm_open(struct machine *m);
/* The VM with RAM and m->irqchip's in-kernel part; 0, or -1 after pr_err. */
int kvm_create_vm(struct machine *m);
int kvm_create_vcpu(struct machine *m);
void kvm_close(struct machine *m);
/* Close the VM and its vCPU, keeping /dev/kvm open (--reboot). */
void kvm_destroy_vm(struct machine *m);
/* vCPUs 1 .. nr_cpus - 1, waiting for INIT/SIPI; 0 or -1 after pr_err. */
int kvm_create_aps(struct machine *m);
/* The most vCPUs KVM gives a VM. */
unsigned int kvm_max_vcpus(struct machine *m);
/* 1 if KVM offers KVM_IOEVENTFD. */
int kvm_has_cap(struct machine *m, long cap);
/* Program the vCPU for @bs: segments, control registers, page tables. */
int vcpu_setup(struct machine *m, const struct boot_state *bs);
/* The run loop; returns the process exit status. */
int vcpu_run_loop(struct machine *m);
void vcpu_dump(struct machine *m, const char *why);
/* The boot vCPU's registers and code, not as a crash (-v at a timeout). */
void vcpu_dump_state(struct machine *m, const char *why);
void vcpu_kick_init(struct machine *m);
void vcpu_kick(void);
/*
 * Start the application processors' threads (0, or -1 with a stop
 * requested); stop the machine with @status unless it is stopped, then
 * kick and join them.
 */
int vcpu_start_aps(struct machine *m);
void vcpu_stop_aps(struct machine *m, int status);

/* irq.c */
void irq_line_set(unsigned int irq, int level);
void irq_line_pulse(unsigned int irq);
/* Pulse unless a device holds the line high (core/hostapi.c). */
void irq_line_pulse_shared(unsigned int irq);
/*
 * After KVM_CREATE_IRQCHIP: send lines to KVM, and those already high;
 * with the split irqchip: program the MSI routes set so far.
 */
void irq_kvm_replay(void);
/* The MSI routes and the EOI watch of the host API (core/hostapi.c). */
int irq_msi_send(const struct modvmm_msi *msi);
int irq_msi_route_set(struct modvmm_dev *dev, unsigned int route,
		      const struct modvmm_msi *msi);
int irq_msi_route_fire(unsigned int route);
int irq_eoi_watch(struct modvmm_dev *dev, modvmm_eoi_fn fn, void *opaque);
/* KVM_EXIT_IOAPIC_EOI of @vector: the watchers hear of it. */
void irq_eoi(unsigned int vector);
/* @dev goes: its routes and its EOI watch with it. */
void irq_release_owner(struct modvmm_dev *dev);
/* What the test harness observes of route @route. */
int irq_msi_route_get(unsigned int route, struct modvmm_msi *msi);
uint64_t irq_msi_route_fired(unsigned int route);
uint64_t irq_msi_sent(void);
/* An interrupt controller's INTR may have changed (from any thread). */
void vcpu_intr_changed(void);
/* A line's level, rising edges and pulses so far (the test harness). */
int irq_line_level(unsigned int irq);
uint64_t irq_line_edges(unsigned int irq);
uint64_t irq_line_pulses(unsigned int irq);
void irq_reset(void);
/* KVM_IRQ_LINE up and down; safe from any thread. */
void irq_kvm_pulse(unsigned int irq);

#endif
