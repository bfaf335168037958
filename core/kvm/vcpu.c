// SPDX-License-Identifier: MIT
/*
 * The run loop.  It knows no device: port I/O and MMIO exits go to the
 * buses, everything else is about the vCPU itself.
 *
 * Stopping never races: a kick is SIGUSR1 to the vCPU thread, whose
 * handler sets kvm_run.immediate_exit.  If the signal lands while the
 * thread is in user space, the next KVM_RUN returns EINTR at once; if it
 * lands inside KVM_RUN, KVM returns EINTR.  Either way the loop sees it.
 *
 * With several vCPUs (--cpus) the boot CPU runs here on the main thread,
 * as with one, and serves the event loop; each other vCPU has a thread
 * of its own that only takes its port and MMIO exits to the buses.  Each
 * device instance has a lock of its own, which the bus takes around its
 * handlers (and ctx_enter() around its other calls), so a device
 * sees one call at a time, as the SDK promises, while different devices
 * serve different vCPUs in parallel.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "ctx/ctx.h"
#include "event/event.h"
#include "irq/irq.h"
#include "kvm/kvm.h"
#include "modvmm.h"
#include "vm/vm.h"

/* The kvm_run of the vCPU this thread runs, for the kick handler. */
static __thread struct kvm_run *this_run;

static void vcpu_kick_handler(int sig)
{
	(void)sig;
	if (this_run)
		this_run->immediate_exit = 1;
}

void vcpu_kick_init(struct vm *m)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	m->vcpus[0].thread = pthread_self();
	event_set_wake(vcpu_kick);
	this_run = vm_boot_run(m);
	/* a new vCPU (after --reboot) has no kick to wait for */
	__atomic_store_n(&m->vcpus[0].kick_pending, 0, __ATOMIC_SEQ_CST);
}

/* Any thread: make the vCPU thread leave KVM_RUN and look at its events. */
void vcpu_kick(void)
{
	/*
	 * No vCPU yet (devices are created before it): nothing to interrupt,
	 * and a kick left pending would swallow every later one.
	 */
	if (!vm_boot_run(&vm))
		return;
	if (!__atomic_exchange_n(&vm.vcpus[0].kick_pending, 1,
				 __ATOMIC_SEQ_CST)) {
		__atomic_fetch_add(&vm.kicks, 1, __ATOMIC_RELAXED);
		pthread_kill(vm.vcpus[0].thread, SIGUSR1);
	}
}

/*
 * The 8259's INTR changed.  The boot vCPU looks at it before each
 * KVM_RUN; from its own thread that is soon enough, from another (an
 * AP's access, the I/O thread) it must leave KVM_RUN to look.
 */
void vcpu_intr_changed(void)
{
	if (vm_boot_run(&vm) &&
	    !pthread_equal(pthread_self(), vm.vcpus[0].thread))
		vcpu_kick();
}

/*
 * Any thread or signal handler: the first request claims the stop, so
 * two vCPUs stopping at once report exactly one status, and the status
 * is in place before the run loops see stop.
 */
void vm_request_stop(int status)
{
	if (!__atomic_exchange_n(&vm.stop_claimed, 1, __ATOMIC_ACQ_REL)) {
		vm.stop_status = status;
		__atomic_store_n(&vm.stop, 1, __ATOMIC_RELEASE);
	}
	if (vm_boot_run(&vm))
		vm_boot_run(&vm)->immediate_exit = 1;
}

static const char *exit_reason_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_IO: return "io";
	case KVM_EXIT_MMIO: return "mmio";
	case KVM_EXIT_HLT: return "hlt";
	case KVM_EXIT_SHUTDOWN: return "shutdown";
	case KVM_EXIT_FAIL_ENTRY: return "fail_entry";
	case KVM_EXIT_INTERNAL_ERROR: return "internal_error";
	case KVM_EXIT_IOAPIC_EOI: return "ioapic_eoi";
	case KVM_EXIT_IRQ_WINDOW_OPEN: return "irq_window_open";
	case KVM_EXIT_INTR: return "intr";
	case KVM_EXIT_UNKNOWN: return "unknown";
	case KVM_EXIT_EXCEPTION: return "exception";
	case KVM_EXIT_DEBUG: return "debug";
	default: return NULL;
	}
}

const char *vcpu_exit_name(uint32_t r);
const char *vcpu_exit_name(uint32_t r)
{
	const char *n = exit_reason_name(r);

	return n ? n : "other";
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-3s sel=%04x base=%016llx limit=%08x type=%x p=%d dpl=%d db=%d l=%d g=%d\n",
		name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->present, s->dpl, s->db, s->l, s->g);
}

/* The bytes at the vCPU's CS:RIP, through its page tables (KVM_TRANSLATE). */
static void dump_code(int fd, const struct kvm_regs *r,
		      const struct kvm_sregs *s)
{
	struct kvm_translation t = { .linear_address = s->cs.base + r->rip };
	const uint8_t *p;
	int i;

	if (ioctl(fd, KVM_TRANSLATE, &t) || !t.valid)
		return;
	p = guestmem_ptr(&vm.mem, t.physical_address, 16);
	if (!p)
		return;
	fprintf(stderr, "  code at 0x%llx:", (unsigned long long)t.physical_address);
	for (i = 0; i < 16; i++)
		fprintf(stderr, " %02x", p[i]);
	fputc('\n', stderr);
}

/* The registers of the vCPU behind @fd, after "modvmm: @what: @why". */
static void vcpu_dump_fd(int fd, const char *what, const char *why)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	fprintf(stderr, "modvmm: %s: %s\n", what, why);
	if (ioctl(fd, KVM_GET_REGS, &r) || ioctl(fd, KVM_GET_SREGS, &s)) {
		fprintf(stderr, "  (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	fprintf(stderr, "  RIP=%016llx RSP=%016llx RFLAGS=%016llx\n",
		(unsigned long long)r.rip, (unsigned long long)r.rsp,
		(unsigned long long)r.rflags);
	fprintf(stderr, "  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
		(unsigned long long)r.rax, (unsigned long long)r.rbx,
		(unsigned long long)r.rcx, (unsigned long long)r.rdx);
	fprintf(stderr, "  RSI=%016llx RDI=%016llx RBP=%016llx\n",
		(unsigned long long)r.rsi, (unsigned long long)r.rdi,
		(unsigned long long)r.rbp);
	fprintf(stderr, "  CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx EFER=%016llx\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr2,
		(unsigned long long)s.cr3, (unsigned long long)s.cr4,
		(unsigned long long)s.efer);
	dump_seg("CS", &s.cs);
	dump_seg("DS", &s.ds);
	dump_seg("SS", &s.ss);
	dump_seg("ES", &s.es);
	dump_seg("TR", &s.tr);
	fprintf(stderr, "  GDT base=%016llx limit=%04x  IDT base=%016llx limit=%04x\n",
		(unsigned long long)s.gdt.base, s.gdt.limit,
		(unsigned long long)s.idt.base, s.idt.limit);
	dump_code(fd, &r, &s);
}

void vcpu_dump(struct vm *m, const char *why)
{
	vcpu_dump_fd(m->vcpus[0].fd, "guest crashed", why);
}

void vcpu_dump_state(struct vm *m, const char *why)
{
	vcpu_dump_fd(m->vcpus[0].fd, "boot vCPU", why);
}

static void vcpu_handle_io(struct vm *m, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t size = run->io.size;
	uint32_t i;
	int is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* rep outs/ins: KVM hands over "count" accesses in one exit */
	for (i = 0; i < run->io.count; i++) {
		bus_access(&m->pio, run->io.port, size, is_write, data, 0);
		data += size;
	}
}

/*
 * With the in-kernel irqchip KVM keeps HLT to itself, so a guest that
 * halted with interrupts off never comes back.  The event thread's idle
 * poll kicks us now and then; look whether that is what happened.
 */
/*
 * 1 if the vCPU of @fd (not in KVM_RUN now) can never run again by
 * itself: halted with interrupts off, or an AP that was never started
 * (it waits for a SIPI that nobody can send once all others are halted).
 */
static int vcpu_halted_for_good(int fd)
{
	struct kvm_mp_state mp;
	struct kvm_regs r;

	if (ioctl(fd, KVM_GET_MP_STATE, &mp))
		return 0;
	if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||
	    mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)
		return 1;
	return mp.mp_state == KVM_MP_STATE_HALTED &&
	       ioctl(fd, KVM_GET_REGS, &r) == 0 && !(r.rflags & (1u << 9));
}

/* An AP answers the boot CPU's question, between two KVM_RUNs. */
static void vcpu_ap_answer(struct vcpu *ap)
{
	int ask = ap->halt_ask;

	if (ask == ap->halt_seen)
		return;
	ap->halted = vcpu_halted_for_good(ap->fd);
	__atomic_store_n(&ap->halt_seen, ask, __ATOMIC_RELEASE);
}

/* How long the boot CPU waits for the APs' answers, in 1 ms steps. */
#define HALT_ASK_MS	100

/*
 * 1 if every AP halted for good too.  An AP is inside KVM_RUN, whose
 * state only its own thread may read: kick each and let it answer.  One
 * that does not answer in time (it waits for the device lock: it runs)
 * is not halted.
 */
static int vcpu_aps_halted(struct vm *m)
{
	struct timespec ms = { 0, 1000000 };
	unsigned int i, n = m->nr_cpus;
	int waited, seq = ++m->vcpus[0].halt_seq;

	for (i = 1; i < n; i++) {
		m->vcpus[i].halt_ask = seq;
		if (m->vcpus[i].running)
			pthread_kill(m->vcpus[i].thread, SIGUSR1);
	}
	for (i = 1; i < n; i++) {
		for (waited = 0; m->vcpus[i].running &&
		     __atomic_load_n(&m->vcpus[i].halt_seen, __ATOMIC_ACQUIRE) != seq;
		     waited++) {
			if (waited == HALT_ASK_MS || READ_ONCE(m->stop))
				return 0;
			nanosleep(&ms, NULL);
		}
		if (m->vcpus[i].running && !m->vcpus[i].halted)
			return 0;
	}
	return 1;
}

static void vcpu_check_halted(struct vm *m)
{
	if (!vcpu_halted_for_good(m->vcpus[0].fd) ||
	    (m->nr_cpus > 1 && !vcpu_aps_halted(m)))
		return;
	ctx_sync_all();
	vm_request_stop(EXIT_HALT);
}

/*
 * How often a vCPU that is kicked for device events also looks for a halt
 * for good.  The event thread's idle poll only fires when no event came
 * for that long, and a guest that halts with interrupts off while a
 * device timer (a PIT tick) keeps firing is never idle that long.
 */
#define HALT_CHECK_NS	200000000ull

/* The vCPU left KVM_RUN because of a kick or a signal. */
static void vcpu_service(struct vm *m)
{
	struct vcpu *boot = &m->vcpus[0];

	boot->run->immediate_exit = 0;
	__atomic_store_n(&boot->kick_pending, 0, __ATOMIC_SEQ_CST);
	if (vm_lapic_in_kernel(m)) {
		uint64_t now = clock_now_ns();

		if (event_halt_check_take() ||
		    now - boot->last_halt_check_ns >= HALT_CHECK_NS) {
			boot->last_halt_check_ns = now;
			vcpu_check_halted(m);
		}
	} else {
		event_halt_check_take();
	}
	event_dispatch();
}

/* The userspace irqchip is device code: a crash in it names the device. */
static int chip_pending(struct vm *m)
{
	struct ctx ctx = ctx_enter(m->chip_owner,
					     "in its interrupt controller");
	int r = m->chip_ops->pending(m->chip_opaque);

	ctx_leave(ctx);
	return r;
}

static int chip_ack(struct vm *m)
{
	struct ctx ctx = ctx_enter(m->chip_owner,
					     "in its interrupt controller");
	int r = m->chip_ops->ack(m->chip_opaque);

	ctx_leave(ctx);
	return r;
}

/* KVM_EXIT_HLT: only without the in-kernel irqchip. */
static void vcpu_handle_hlt(struct vm *m)
{
	ctx_sync_all();
	if (!m->vcpus[0].run->if_flag || m->irqchip != IRQCHIP_USER || !m->chip_ops) {
		vm_request_stop(EXIT_HALT);
		return;
	}
	/*
	 * Sleep until a device raises an interrupt (or we are stopped).  The
	 * event thread wakes event_wait() through its eventfd; its kick
	 * signal would only add a signal frame to every timer tick of an
	 * idle guest, so hold the kick while asleep.
	 */
	while (!READ_ONCE(m->stop) && !chip_pending(m)) {
		__atomic_store_n(&m->vcpus[0].kick_pending, 1, __ATOMIC_SEQ_CST);
		event_wait(-1);
		__atomic_store_n(&m->vcpus[0].kick_pending, 0, __ATOMIC_SEQ_CST);
		m->vcpus[0].run->immediate_exit = 0;
		event_dispatch();
	}
}

/*
 * Userspace 8259: inject when the guest can take it, else ask KVM to
 * exit as soon as it can (interrupt window).  With the split irqchip the
 * same: KVM_INTERRUPT then hands the vector to the local APIC as ExtINT
 * through LINT0, and ready_for_interrupt_injection says whether LINT0
 * takes it.
 */
static void vcpu_inject(struct vm *m)
{
	struct kvm_run *run = m->vcpus[0].run;
	struct kvm_interrupt irq;
	int vector;

	if (!m->chip_ops || !chip_pending(m)) {
		run->request_interrupt_window = 0;
		return;
	}
	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;
		return;
	}
	vector = chip_ack(m);
	run->request_interrupt_window = 0;
	if (vector < 0)
		return;
	irq.irq = (uint32_t)vector;
	if (ioctl(m->vcpus[0].fd, KVM_INTERRUPT, &irq))
		pr_err("KVM_INTERRUPT of vector %d failed: %s", vector,
		       strerror(errno));
}

/* vCPU @id (fd @fd, @run) stopped for good: say why; the exit status. */
static int vcpu_fatal_exit(struct vm *m, unsigned int id, int fd,
			   struct kvm_run *run)
{
	char why[200];
	size_t n;

	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		/* a PC resets on a triple fault; --reboot boots it again */
		if (m->reboot) {
			ctx_sync_all();
			pr_info("triple fault: the machine resets");
			return EXIT_GUEST_RESET;
		}
		snprintf(why, sizeof(why), "triple fault (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why),
			 "VM entry failed (KVM_EXIT_FAIL_ENTRY, reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why),
			 "KVM could not emulate an instruction (KVM_EXIT_INTERNAL_ERROR, suberror %u)",
			 run->internal.suberror);
		break;
	default:
		snprintf(why, sizeof(why), "unexpected exit reason %u (%s)",
			 run->exit_reason, vcpu_exit_name(run->exit_reason));
		break;
	}
	n = strlen(why);
	if (m->nr_cpus > 1 && n < sizeof(why))
		snprintf(why + n, sizeof(why) - n, " on vCPU %u", id);
	ctx_sync_all();
	vcpu_dump_fd(fd, "guest crashed", why);
	return EXIT_GUEST_CRASH;
}

/*
 * Count the exit (every vCPU thread adds to the same counters) and take
 * a port or MMIO exit to its bus, an EOI to the I/O APIC: 1 if it was
 * one of those.
 */
static int vcpu_bus_exit(struct vm *m, struct kvm_run *run)
{
	__atomic_fetch_add(&m->exits[run->exit_reason & 63], 1,
			   __ATOMIC_RELAXED);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(m, run);
		return 1;
	case KVM_EXIT_MMIO:
		bus_access(&m->mmio, run->mmio.phys_addr, run->mmio.len,
			   run->mmio.is_write, run->mmio.data, 0);
		return 1;
	case KVM_EXIT_IOAPIC_EOI:	/* split irqchip: a level vector's EOI */
		irq_eoi(run->eoi.vector);
		return 1;
	}
	return 0;
}

int vcpu_run_loop(struct vm *m)
{
	struct kvm_run *run = m->vcpus[0].run;
	int status = -1;

	while (!READ_ONCE(m->stop)) {
		if (unlikely(m->irqchip == IRQCHIP_USER ||
			     m->irqchip == IRQCHIP_SPLIT))
			vcpu_inject(m);
		if (unlikely(ioctl(m->vcpus[0].fd, KVM_RUN, 0) < 0)) {
			if (errno == EINTR || errno == EAGAIN) {
				vcpu_service(m);
				continue;
			}
			pr_err("KVM_RUN failed: %s", strerror(errno));
			status = EXIT_KVM;
			break;
		}
		m->vcpus[0].exits++;
		if (vcpu_bus_exit(m, run))
			continue;
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			vcpu_handle_hlt(m);
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			break;
		case KVM_EXIT_INTR:
			vcpu_service(m);
			break;
		default:
			status = vcpu_fatal_exit(m, 0, m->vcpus[0].fd, run);
			break;
		}
		if (status >= 0)
			break;
	}
	if (status < 0)
		status = m->stop_status;
	return status;
}

/*
 * An application processor: KVM holds it until the boot CPU's INIT and
 * SIPI, then it runs the guest; its port and MMIO exits go to the buses
 * under the device lock.  It ends when the machine stops, and kicks the
 * boot CPU so that it sees a stop this vCPU asked for.
 */
static void *vcpu_ap_thread(void *arg)
{
	struct vcpu *ap = arg;
	struct vm *m = &vm;
	struct kvm_run *run = ap->run;
	int status;

	this_run = run;
	while (!READ_ONCE(m->stop)) {
		if (ioctl(ap->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				run->immediate_exit = 0;
				vcpu_ap_answer(ap);
				continue;
			}
			pr_err("KVM_RUN of vCPU %u failed: %s", ap->id, strerror(errno));
			vm_request_stop(EXIT_KVM);
			break;
		}
		ap->exits++;
		if (vcpu_bus_exit(m, run))
			continue;
		switch (run->exit_reason) {
		case KVM_EXIT_INTR:
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			break;
		default:
			status = vcpu_fatal_exit(m, ap->id, ap->fd, run);
			vm_request_stop(status);
			break;
		}
	}
	ctx_slot_release();
	vcpu_kick();
	return NULL;
}

int vcpu_start_aps(struct vm *m)
{
	sigset_t all, old;
	unsigned int i;

	if (m->nr_cpus < 2)
		return 0;
	vm_share_devices();
	WRITE_ONCE(m->ranges_fixed, 1);
	/* the threads take only the kick; SIGINT and the like stay ours */
	sigfillset(&all);
	sigdelset(&all, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 1; i < m->nr_cpus; i++) {
		struct vcpu *ap = &m->vcpus[i];

		ap->run->immediate_exit = 0;
		if (pthread_create(&ap->thread, NULL, vcpu_ap_thread, ap)) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			pr_err("cannot start the thread of vCPU %u", ap->id);
			vm_request_stop(EXIT_INTERNAL);
			return -1;
		}
		ap->running = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void vcpu_stop_aps(struct vm *m, int status)
{
	unsigned int i;

	if (m->nr_cpus < 2)
		return;
	vm_request_stop(status);	/* the boot CPU's end ends them all */
	for (i = 1; m->vcpus && i < m->nr_cpus; i++) {
		struct vcpu *ap = &m->vcpus[i];

		if (!ap->running)
			continue;
		/* the handler sets its immediate_exit: KVM_RUN returns */
		pthread_kill(ap->thread, SIGUSR1);
		pthread_join(ap->thread, NULL);
		ap->running = 0;
	}
	WRITE_ONCE(m->ranges_fixed, 0);
}
