// SPDX-License-Identifier: MIT
/* The machine's RAM guard, logging, and the crash and signal handlers. */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx/ctx.h"
#include "io/console.h"
#include "modvmm.h"
#include "vm/vm.h"

int log_verbosity;
void (*log_hook)(const char *line);

static int vm_is_ram(void *ctx, uint64_t base, uint64_t len)
{
	return guestmem_overlaps_ram(ctx, base, len);
}

void vm_guard_ram(void)
{
	vm.mmio.is_ram = vm_is_ram;
	vm.mmio.is_ram_ctx = &vm.mem;
}

void log_line(const char *line)
{
	if (log_hook)
		log_hook(line);
	else
		fprintf(stderr, "%s\n", line);
}

static void pr_v(const char *fmt, va_list ap)
{
	char msg[1024];
	int n = snprintf(msg, sizeof(msg), "modvmm: ");

	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	log_line(msg);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_v(fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 1)
		return;
	va_start(ap, fmt);
	pr_v(fmt, ap);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 2)
		return;
	va_start(ap, fmt);
	pr_v(fmt, ap);
	va_end(ap);
}

/*
 * One line for stderr, built without malloc or stdio: the crash and stop
 * paths run in signal handlers.  Too long a line is cut, never overrun.
 */
struct line {
	char b[512];
	size_t n;
};

static void line_add(struct line *l, const char *s)
{
	while (s && *s && l->n + 2 < sizeof(l->b))
		l->b[l->n++] = *s++;
	l->b[l->n] = '\0';
}

static void line_dec(struct line *l, long long v)
{
	char d[24];
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v :
			       (unsigned long long)v;
	int i = (int)sizeof(d) - 1;

	d[i] = '\0';
	do
		d[--i] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		d[--i] = '-';
	line_add(l, d + i);
}

/* Unpadded, as the bus prints addresses: 0x3f8, 0xd0000000. */
static void line_hex(struct line *l, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char d[20];
	int i = 60, n = 2;

	d[0] = '0';
	d[1] = 'x';
	while (i > 0 && !((v >> i) & 0xf))
		i -= 4;
	for (; i >= 0; i -= 4)
		d[n++] = digits[(v >> i) & 0xf];
	d[n] = '\0';
	line_add(l, d);
}

static void line_say(struct line *l)
{
	ssize_t n;

	l->b[l->n++] = '\n';
	n = write(STDERR_FILENO, l->b, l->n);
	(void)n;
}

/* "SIGSEGV", "SIGRTMIN+3", as kill -l names them (async-signal-safe). */
static void line_signal(struct line *l, int sig)
{
	const char *abbrev = sigabbrev_np(sig);

	if (sig == SIGRTMIN) {
		line_add(l, "SIGRTMIN");
	} else if (sig == SIGRTMAX) {
		line_add(l, "SIGRTMAX");
	} else if (sig > SIGRTMIN && sig <= SIGRTMAX) {
		line_add(l, "SIGRTMIN+");
		line_dec(l, sig - SIGRTMIN);
	} else if (abbrev) {
		line_add(l, "SIG");
		line_add(l, abbrev);
	} else {
		line_add(l, "signal ");
		line_dec(l, sig);
	}
}

/* The status the first fault chose: a fault while reporting one ends at once. */
static volatile sig_atomic_t faulting;

/*
 * Device code ended the process's normal course (@what: "crashed
 * (SIGSEGV)", "called exit(3)"): say which device was serving which
 * access (or was in its init, a timer callback...) or which plugin was
 * being opened, give the terminal back, flush what the guest printed and
 * exit 16.  With no device to name, @orphan's line is said and the exit
 * status is @orphan_status.  Only async-signal-safe calls, except the
 * best-effort sync of the devices' output buffers at the end: should that
 * crash too, the crash handler runs again (SA_NODEFER) and exits at once
 * with the status already chosen.
 */
static void __attribute__((noreturn))
vm_fault(const char *what, struct line *orphan, int orphan_status)
{
	const struct bus_range *r = bus_current_range;
	const struct ctx_owner *dev = ctx_here ? ctx_here->owner : NULL;
	const char *loading = ctx_loading;
	struct line l = { .n = 0 };

	if (faulting)
		_exit(faulting);
	faulting = (r || dev || loading) ? EXIT_DEVICE_CRASH : orphan_status;
	console_restore();
	if (r || dev) {
		line_add(&l, "modvmm: device ");
		line_add(&l, r ? r->owner_name : ctx_name(dev));
		line_add(&l, " ");
		line_add(&l, what);
		line_add(&l, " ");
		if (r) {
			bus_current_range = NULL;
			line_add(&l, "handling an access at ");
			line_hex(&l, bus_current_addr);
		} else {
			line_add(&l, ctx_here->what);
		}
		line_add(&l, "; stopping the guest");
	} else if (loading) {
		line_add(&l, "modvmm: plugin ");
		line_add(&l, loading);
		line_add(&l, " ");
		line_add(&l, what);
		line_add(&l, " in its constructor or destructor, while being opened or closed");
	} else {
		l = *orphan;
	}
	line_say(&l);
	ctx_sync_emergency(NULL);
	_exit(faulting);
}

static void vm_crash_handler(int sig)
{
	struct line what = { .n = 0 }, orphan = { .n = 0 };

	line_add(&what, "crashed (");
	line_signal(&what, sig);
	line_add(&what, ")");
	line_add(&orphan, "modvmm: internal error: ");
	line_signal(&orphan, sig);
	vm_fault(what.b, &orphan, EXIT_INTERNAL);
}

static volatile sig_atomic_t exit_expected;

void vm_exit_expected(void)
{
	exit_expected = 1;
}

/*
 * exit() before modvmm's own exit path: a plugin (a handler, a callback,
 * a constructor, a thread of its own) would otherwise end the run with a
 * status of its choosing, such as one that looks like the guest's.
 */
static void vm_exit_guard(int status, void *arg)
{
	struct line what = { .n = 0 }, orphan = { .n = 0 };

	(void)arg;
	if (exit_expected)
		return;
	line_add(&what, "called exit(");
	line_dec(&what, status);
	line_add(&what, ")");
	line_add(&orphan, "modvmm: exit(");
	line_dec(&orphan, status);
	line_add(&orphan, ") called outside any device call and before modvmm's own exit path (a plugin's own thread?); stopping the guest");
	vm_fault(what.b, &orphan, EXIT_DEVICE_CRASH);
}

void vm_share_devices(void)
{
	vm.pio.locking = 1;
	vm.mmio.locking = 1;
}

static void vm_stop_signal(int sig)
{
	if (!vm.stop_signal)
		vm.stop_signal = sig;
	vm_request_stop(EXIT_SIGNAL);
}

const char *vm_stop_signal_name(void)
{
	static struct line l;

	if (!vm.stop_signal)
		return NULL;
	l.n = 0;
	line_signal(&l, vm.stop_signal);
	return l.b;
}

/*
 * Every signal whose default action ends the process is either a crash
 * (synchronous: the faulting code is named) or a request to stop, which
 * ends the run through the normal path: output flushed, terminal
 * restored, status 20 and the signal's name.  SIGUSR1 is the vCPU kick
 * (vcpu.c).  SIGPIPE and SIGXFSZ are ignored so that the write() fails
 * (EPIPE, EFBIG) and the output reports it.
 */
void vm_install_signals(void)
{
	static char altstack[65536];
	static const int crash[] = {
		SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS,
	};
	static const int stop[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR2, SIGALRM, SIGVTALRM,
		SIGPROF, SIGIO, SIGPWR, SIGSTKFLT, SIGXCPU,
	};
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	size_t i;
	int sig;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = vm_crash_handler;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	for (i = 0; i < ARRAY_SIZE(crash); i++)
		sigaction(crash[i], &sa, NULL);
	sa.sa_handler = vm_stop_signal;
	sa.sa_flags = 0;
	for (i = 0; i < ARRAY_SIZE(stop); i++)
		sigaction(stop[i], &sa, NULL);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaction(sig, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	on_exit(vm_exit_guard, NULL);
}
