// SPDX-License-Identifier: MIT
/*
 * The one machine a modvmm process runs, put together.  struct vm is
 * defined below the layers that keep a part of it (irq, event, kvm, dev),
 * so it holds each part by a pointer to a type it cannot see; this file,
 * above them all, is where every part's type is complete.  Each part
 * starts zeroed or as its layer's *_INIT says, before main() runs, as
 * the file-scope variables it replaces did.
 */
#include "dev/dev_state.h"
#include "dev/platform_state.h"
#include "event/event_state.h"
#include "irq/irq_state.h"
#include "kvm/ioevent_state.h"
#include "vm/vm.h"

static struct irq_state machine_irq;
static struct event_loop machine_events = EVENT_LOOP_INIT;
static struct ioevent_state machine_ioevents = IOEVENT_STATE_INIT;
static struct platform_state machine_platform = PLATFORM_STATE_INIT;
static struct dev_state machine_dev = DEV_STATE_INIT;

struct vm vm = {
	.kvm_fd = -1,
	.vm_fd = -1,
	.irq = &machine_irq,
	.events = &machine_events,
	.ioevents = &machine_ioevents,
	.platform = &machine_platform,
	.dev = &machine_dev,
};
