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

static uint8_t line_level[MODVMM_IRQ_LINES];
/* what the device test harness observes (harness/) */
static uint64_t line_edges[MODVMM_IRQ_LINES], line_pulses[MODVMM_IRQ_LINES];
/* KVM_IRQ_LINE needs the VM and its irqchip: until then, levels are only recorded */
static int kvm_lines_ready;

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
	if (irq >= MODVMM_IRQ_LINES)
		return;
	level = !!level;
	if (line_level[irq] == level)
		return;
	line_level[irq] = (uint8_t)level;
	if (level)
		line_edges[irq]++;
	switch (machine.irqchip) {
	case IRQCHIP_KVM:
		if (kvm_lines_ready)
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

/*
 * The in-kernel irqchip exists now: from here on lines go to KVM, and
 * every line a device raised before (at init) is raised there too.
 */
void irq_kvm_replay(void)
{
	unsigned int irq;

	kvm_lines_ready = 1;
	for (irq = 0; irq < MODVMM_IRQ_LINES; irq++)
		if (line_level[irq])
			irq_kvm_line(irq, 1);
}

/* An edge: up then down.  A line already held high makes no edge. */
void irq_line_pulse(unsigned int irq)
{
	if (irq >= MODVMM_IRQ_LINES)
		return;
	line_pulses[irq]++;
	if (line_level[irq])
		return;
	irq_line_set(irq, 1);
	irq_line_set(irq, 0);
}

int irq_line_level(unsigned int irq)
{
	return irq < MODVMM_IRQ_LINES ? line_level[irq] : 0;
}

uint64_t irq_line_edges(unsigned int irq)
{
	return irq < MODVMM_IRQ_LINES ? line_edges[irq] : 0;
}

uint64_t irq_line_pulses(unsigned int irq)
{
	return irq < MODVMM_IRQ_LINES ? line_pulses[irq] : 0;
}

/* All lines low, counters zero, KVM not there: a new machine. */
void irq_reset(void)
{
	memset(line_level, 0, sizeof(line_level));
	memset(line_edges, 0, sizeof(line_edges));
	memset(line_pulses, 0, sizeof(line_pulses));
	kvm_lines_ready = 0;
}
