// SPDX-License-Identifier: MIT
/*
 * IRQ line routing: devices raise lines through the host API; the line
 * goes to whichever interrupt controller the machine has.
 *
 * With the split irqchip the controllers are devices (the 8259 pair, an
 * I/O APIC) and every line goes to each of them.  An I/O APIC delivers
 * through MSI routes, GSIs 0..MODVMM_MSI_ROUTES - 1 that KVM reserves
 * for it (KVM_CAP_SPLIT_IRQCHIP): KVM computes from these routes which
 * vectors are level-triggered and reports their EOI with
 * KVM_EXIT_IOAPIC_EOI, which irq_eoi() hands to the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ctx/ctx.h"
#include "irq/irq.h"
#include "irq/irq_state.h"
#include "modvmm.h"
#include "vm/vm.h"


static void irq_kvm_line(unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	if (ioctl(vm.vm_fd, KVM_IRQ_LINE, &l))
		pr_err("KVM_IRQ_LINE %u=%d failed: %s", irq, level, strerror(errno));
}

void irq_kvm_pulse(unsigned int irq)
{
	irq_kvm_line(irq, 1);
	irq_kvm_line(irq, 0);
}

/* Every controller device sees the line; a crash in one names it. */
static void irq_chips_set(unsigned int irq, int level)
{
	unsigned int i;

	for (i = 0; i < vm.nr_chips; i++) {
		struct vm_chip *c = &vm.chips[i];
		struct ctx ctx = ctx_enter(c->owner,
					"in its interrupt controller");

		c->ops->set_irq(c->opaque, irq, level);
		ctx_leave(ctx);
	}
}

void irq_line_set(unsigned int irq, int level)
{
	if (irq >= MODVMM_IRQ_LINES)
		return;
	level = !!level;
	if (vm.irq->line_level[irq] == level)
		return;
	vm.irq->line_level[irq] = (uint8_t)level;
	if (level)
		vm.irq->line_edges[irq]++;
	switch (vm.irqchip) {
	case IRQCHIP_KVM:
		if (vm.irq->kvm_lines_ready)
			irq_kvm_line(irq, level);
		break;
	case IRQCHIP_USER:
	case IRQCHIP_SPLIT:
		irq_chips_set(irq, level);
		break;
	case IRQCHIP_NONE:
		break;
	}
}

/*
 * The in-kernel irqchip exists now: from here on lines go to KVM, and
 * every line a device raised before (at init) is raised there too.
 */
static int msi_routes_push(void);

void irq_kvm_replay(void)
{
	unsigned int irq;

	vm.irq->kvm_lines_ready = 1;
	if (vm.irqchip == IRQCHIP_SPLIT) {
		if (msi_routes_push())
			pr_err("KVM_SET_GSI_ROUTING of the MSI routes failed: %s",
			       strerror(errno));
		return;
	}
	for (irq = 0; irq < MODVMM_IRQ_LINES; irq++)
		if (vm.irq->line_level[irq])
			irq_kvm_line(irq, 1);
}

/* ---- MSI routes and EOIs (split irqchip) -------------------------------- */

/* The VM is there and takes MSIs: KVM_IRQ_LINE and KVM_SIGNAL_MSI work. */
static int msi_ready(void)
{
	return vm.irq->kvm_lines_ready && vm.vm_fd > 0;
}

static int msi_valid(const struct modvmm_msi *msi)
{
	return msi && !msi->flags && (msi->addr >> 20) == 0xfee;
}

/* KVM_SET_GSI_ROUTING replaces the whole table: every route that is set. */
static int msi_routes_push(void)
{
	struct kvm_irq_routing *rt;
	unsigned int i, n = 0;
	int r;

	if (!msi_ready())
		return 0;
	rt = calloc(1, sizeof(*rt) + MODVMM_MSI_ROUTES * sizeof(rt->entries[0]));
	if (!rt)
		return -1;
	for (i = 0; i < MODVMM_MSI_ROUTES; i++) {
		struct kvm_irq_routing_entry *e = &rt->entries[n];
		const struct irq_msi_route *route = &vm.irq->routes[i];

		if (!route->owner)
			continue;
		e->gsi = i;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = (uint32_t)route->msi.addr;
		e->u.msi.address_hi = (uint32_t)(route->msi.addr >> 32);
		e->u.msi.data = route->msi.data;
		n++;
	}
	rt->nr = n;
	r = ioctl(vm.vm_fd, KVM_SET_GSI_ROUTING, rt);
	free(rt);
	return r ? -1 : 0;
}

int irq_msi_send(const struct modvmm_msi *msi)
{
	struct kvm_msi k;
	int r;

	if (vm.irqchip != IRQCHIP_SPLIT || !msi_valid(msi))
		return -1;
	vm.irq->msis_sent++;
	if (!msi_ready())
		return 0;
	memset(&k, 0, sizeof(k));
	k.address_lo = (uint32_t)msi->addr;
	k.address_hi = (uint32_t)(msi->addr >> 32);
	k.data = msi->data;
	r = ioctl(vm.vm_fd, KVM_SIGNAL_MSI, &k);
	if (r < 0) {
		pr_err("KVM_SIGNAL_MSI failed: %s", strerror(errno));
		return 0;
	}
	return r > 0;
}

int irq_msi_route_set(struct modvmm_dev *dev, unsigned int route,
		      const struct modvmm_msi *msi)
{
	struct irq_msi_route *rt;

	if (vm.irqchip != IRQCHIP_SPLIT || route >= MODVMM_MSI_ROUTES ||
	    (msi && !msi_valid(msi)))
		return -1;
	rt = &vm.irq->routes[route];
	if (rt->owner && rt->owner != dev)
		return -1;
	if (!msi) {
		if (!rt->owner)
			return 0;
		rt->owner = NULL;
	} else {
		if (rt->owner && rt->msi.addr == msi->addr &&
		    rt->msi.data == msi->data)
			return 0;
		rt->owner = dev;
		rt->msi = *msi;
	}
	if (msi_routes_push()) {
		pr_err("KVM_SET_GSI_ROUTING of route %u failed: %s", route,
		       strerror(errno));
		return -1;
	}
	return 0;
}

int irq_msi_route_fire(unsigned int route)
{
	struct kvm_irq_level l = { .irq = route, .level = 1 };

	if (route >= MODVMM_MSI_ROUTES)
		return -1;
	if (!vm.irq->routes[route].owner)
		return 0;
	vm.irq->routes[route].fired++;
	if (!msi_ready())
		return 0;
	/* an MSI route sends on the rising level only: no need to lower it */
	if (ioctl(vm.vm_fd, KVM_IRQ_LINE, &l)) {
		pr_err("KVM_IRQ_LINE of route %u failed: %s", route,
		       strerror(errno));
		return 0;
	}
	return 1;
}

int irq_eoi_watch(struct modvmm_dev *dev, modvmm_eoi_fn fn, void *opaque)
{
	if (vm.irqchip != IRQCHIP_SPLIT || !fn || vm.irq->eoi_owner)
		return -1;
	vm.irq->eoi_owner = dev;
	vm.irq->eoi_fn = fn;
	vm.irq->eoi_opaque = opaque;
	return 0;
}

void irq_eoi(unsigned int vector)
{
	struct ctx ctx;

	if (!vm.irq->eoi_fn)
		return;
	ctx = ctx_enter(vm.irq->eoi_owner, "at an end of interrupt");
	vm.irq->eoi_fn(vm.irq->eoi_opaque, vector);
	ctx_leave(ctx);
}

void irq_release_owner(struct modvmm_dev *dev)
{
	unsigned int i;
	int changed = 0;

	for (i = 0; i < MODVMM_MSI_ROUTES; i++) {
		if (vm.irq->routes[i].owner == dev) {
			vm.irq->routes[i].owner = NULL;
			changed = 1;
		}
	}
	if (changed && msi_routes_push())
		pr_err("KVM_SET_GSI_ROUTING failed: %s", strerror(errno));
	if (vm.irq->eoi_owner == dev) {
		vm.irq->eoi_owner = NULL;
		vm.irq->eoi_fn = NULL;
		vm.irq->eoi_opaque = NULL;
	}
}

int irq_msi_route_get(unsigned int route, struct modvmm_msi *msi)
{
	if (route >= MODVMM_MSI_ROUTES || !vm.irq->routes[route].owner)
		return -1;
	*msi = vm.irq->routes[route].msi;
	return 0;
}

uint64_t irq_msi_route_fired(unsigned int route)
{
	return route < MODVMM_MSI_ROUTES ? vm.irq->routes[route].fired : 0;
}

uint64_t irq_msi_sent(void)
{
	return vm.irq->msis_sent;
}

/* An edge: up then down.  A line already held high makes no edge. */
void irq_line_pulse(unsigned int irq)
{
	if (irq >= MODVMM_IRQ_LINES)
		return;
	vm.irq->line_pulses[irq]++;
	if (vm.irq->line_level[irq])
		return;
	irq_line_set(irq, 1);
	irq_line_set(irq, 0);
}

int irq_line_level(unsigned int irq)
{
	return irq < MODVMM_IRQ_LINES ? vm.irq->line_level[irq] : 0;
}

uint64_t irq_line_edges(unsigned int irq)
{
	return irq < MODVMM_IRQ_LINES ? vm.irq->line_edges[irq] : 0;
}

uint64_t irq_line_pulses(unsigned int irq)
{
	return irq < MODVMM_IRQ_LINES ? vm.irq->line_pulses[irq] : 0;
}

/* All lines low, counters zero, KVM not there: a new vm. */
void irq_reset(void)
{
	memset(vm.irq->line_level, 0, sizeof(vm.irq->line_level));
	memset(vm.irq->line_edges, 0, sizeof(vm.irq->line_edges));
	memset(vm.irq->line_pulses, 0, sizeof(vm.irq->line_pulses));
	vm.irq->kvm_lines_ready = 0;
	for (unsigned int i = 0; i < MODVMM_MSI_ROUTES; i++)
		vm.irq->routes[i].fired = 0;
	vm.irq->msis_sent = 0;
}
