/* SPDX-License-Identifier: MIT */
/*
 * irq.h - interrupt lines: devices' levels and pulses, to KVM's
 * irqchip or the interrupt controller devices (irq.c).
 */
#ifndef MODVMM_IRQ_H
#define MODVMM_IRQ_H

#include <stdint.h>

#include <modvmm/device.h>

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
/* A line's level, rising edges and pulses so far (the test harness). */
int irq_line_level(unsigned int irq);
uint64_t irq_line_edges(unsigned int irq);
uint64_t irq_line_pulses(unsigned int irq);
void irq_reset(void);
/* KVM_IRQ_LINE up and down; safe from any thread. */
void irq_kvm_pulse(unsigned int irq);

#endif
