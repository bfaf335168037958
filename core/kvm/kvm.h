/* SPDX-License-Identifier: MIT */
/*
 * kvm.h - the KVM layer: /dev/kvm, the VM and its vCPUs (kvm.c), and
 * the run loop of each vCPU (vcpu.c).
 */
#ifndef MODVMM_KVM_H
#define MODVMM_KVM_H

#include "boot/loader.h"
#include "vm/vm.h"

int kvm_open(struct vm *m);
/* The VM with RAM and m->irqchip's in-kernel part; 0, or -1 after pr_err. */
int kvm_create_vm(struct vm *m);
int kvm_create_vcpu(struct vm *m);
void kvm_close(struct vm *m);
/* Close the VM and its vCPU, keeping /dev/kvm open (--reboot). */
void kvm_destroy_vm(struct vm *m);
/* vCPUs 1 .. nr_cpus - 1, waiting for INIT/SIPI; 0 or -1 after pr_err. */
int kvm_create_aps(struct vm *m);
/* The most vCPUs KVM gives a VM. */
unsigned int kvm_max_vcpus(struct vm *m);
/* 1 if KVM offers KVM_IOEVENTFD. */
int kvm_has_cap(struct vm *m, long cap);
/* Program the vCPU for @bs: segments, control registers, page tables. */
int vcpu_setup(struct vm *m, const struct boot_state *bs);
/* The run loop; returns the process exit status. */
int vcpu_run_loop(struct vm *m);
void vcpu_dump(struct vm *m, const char *why);
/* The boot vCPU's registers and code, not as a crash (-v at a timeout). */
void vcpu_dump_state(struct vm *m, const char *why);
void vcpu_kick_init(struct vm *m);
void vcpu_kick(void);
/* An interrupt controller's INTR may have changed (from any thread). */
void vcpu_intr_changed(void);
/*
 * Start the application processors' threads (0, or -1 with a stop
 * requested); stop the machine with @status unless it is stopped, then
 * kick and join them.
 */
int vcpu_start_aps(struct vm *m);
void vcpu_stop_aps(struct vm *m, int status);

#endif
