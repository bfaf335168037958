/* SPDX-License-Identifier: MIT */
/*
 * irq_state.h - one machine's interrupt lines and MSI routes (irq.c).
 * Only irq.c and the machine's definition (dev/machine.c) include it; the
 * rest of the core knows it as vm.irq, an incomplete type.
 */
#ifndef MODVMM_IRQ_STATE_H
#define MODVMM_IRQ_STATE_H

#include <stdint.h>

#include <modvmm/device.h>

struct irq_msi_route {
	struct modvmm_dev *owner;	/* NULL: not set */
	struct modvmm_msi msi;
	uint64_t fired;
};

struct irq_state {
	uint8_t line_level[MODVMM_IRQ_LINES];
	/* what the device test harness observes (harness/) */
	uint64_t line_edges[MODVMM_IRQ_LINES], line_pulses[MODVMM_IRQ_LINES];
	/* KVM_IRQ_LINE needs the VM and its irqchip: until then, levels
	 * are only recorded */
	int kvm_lines_ready;

	/* the split irqchip's MSI routes and who hears of EOIs */
	struct irq_msi_route routes[MODVMM_MSI_ROUTES];
	uint64_t msis_sent;
	struct modvmm_dev *eoi_owner;
	modvmm_eoi_fn eoi_fn;
	void *eoi_opaque;
};

#endif
