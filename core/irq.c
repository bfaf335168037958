// SPDX-License-Identifier: MIT
/*
 * IRQ line routing: devices raise lines through the host API; the line
 * goes to whichever interrupt controller the machine has.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "device.h"
#include "machine.h"
#include "modvmm.h"

#define IRQ_LINES	24

static uint8_t line_level[IRQ_LINES];

static void irq_kvm_line(unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	if (ioctl(machine.vm_fd, KVM_IRQ_LINE, &l))
		pr_err("KVM_IRQ_LINE %u=%d failed: %s", irq, level, strerror(errno));
}

void irq_kvm_pulse(unsigned int irq)
{
	irq_kvm_line(irq, 1);
	irq_kvm_line(irq, 0);
}

void irq_line_set(unsigned int irq, int level)
{
	if (irq >= IRQ_LINES)
		return;
	level = !!level;
	if (line_level[irq] == level)
		return;
	line_level[irq] = (uint8_t)level;
	switch (machine.irqchip) {
	case IRQCHIP_KVM:
		irq_kvm_line(irq, level);
		break;
	case IRQCHIP_USER:
		if (machine.chip_ops) {
			struct device_ctx ctx = device_enter(machine.chip_owner,
						"in its interrupt controller");

			machine.chip_ops->set_irq(machine.chip_opaque, irq, level);
			device_leave(ctx);
		}
		break;
	case IRQCHIP_NONE:
		break;
	}
}

/* An edge: up then down.  A line already held high makes no edge. */
void irq_line_pulse(unsigned int irq)
{
	if (irq >= IRQ_LINES || line_level[irq])
		return;
	irq_line_set(irq, 1);
	irq_line_set(irq, 0);
}
