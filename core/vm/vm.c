// SPDX-License-Identifier: MIT
/* The machine's RAM guard, logging, and the crash and signal handlers. */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
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

static void write_str(const char *s)
{
	ssize_t n = write(STDERR_FILENO, s, strlen(s));

	(void)n;
}

/* Unpadded, as the bus prints addresses: 0x3f8, 0xd0000000. */
static void hex_str(char *buf, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int i = 60, n = 2;

	buf[0] = '0';
	buf[1] = 'x';
	while (i > 0 && !((v >> i) & 0xf))
		i -= 4;
	for (; i >= 0; i -= 4)
		buf[n++] = digits[(v >> i) & 0xf];
	buf[n] = '\0';
}

static void crash_say(const char *dev, const char *sig, const char *where,
		      const char *addr)
{
	write_str("modvmm: device ");
	write_str(dev);
	write_str(" crashed (");
	write_str(sig);
	write_str(") ");
	write_str(where);
	write_str(addr);
	write_str("; stopping the guest\n");
}

/*
 * A device (or modvmm) crashed.  Say which device was handling which
 * access (or was running its init, a timer callback...), give the
 * terminal back, flush what the guest printed, and exit with a status of
 * its own.  Only async-signal-safe calls, except the best-effort sync of
 * the devices' output buffers at the end: should that crash too, the
 * handler runs again (SA_NODEFER) and exits at once with the status
 * already chosen.
 */
static void vm_crash_handler(int sig)
{
	static volatile sig_atomic_t crashing;
	const struct bus_range *r = bus_current_range;
	const struct ctx_owner *dev = ctx_here ? ctx_here->owner : NULL;
	char addr[20];
	const char *name = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" :
			   sig == SIGFPE ? "SIGFPE" : sig == SIGILL ? "SIGILL" :
			   "SIGABRT";
	const char *loading = ctx_loading;
	int status = (r || dev || loading) ? EXIT_DEVICE_CRASH : EXIT_INTERNAL;

	if (crashing)
		_exit(crashing);
	crashing = status;
	console_restore();
	if (r) {
		bus_current_range = NULL;
		hex_str(addr, bus_current_addr);
		crash_say(r->owner_name, name, "handling an access at ", addr);
	} else if (dev) {
		crash_say(ctx_name(dev), name, ctx_here->what, "");
	} else if (loading) {
		write_str("modvmm: plugin ");
		write_str(loading);
		write_str(" crashed (");
		write_str(name);
		write_str(") in its constructor or destructor, while being opened or closed\n");
	} else {
		write_str("modvmm: internal error: ");
		write_str(name);
		write_str("\n");
	}
	ctx_sync_emergency(NULL);
	_exit(status);
}

void vm_share_devices(void)
{
	vm.pio.locking = 1;
	vm.mmio.locking = 1;
}

static void vm_stop_signal(int sig)
{
	(void)sig;
	vm_request_stop(EXIT_SIGNAL);
}

void vm_install_signals(void)
{
	static char altstack[65536];
	static const int crash[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	size_t i;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = vm_crash_handler;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	for (i = 0; i < ARRAY_SIZE(crash); i++)
		sigaction(crash[i], &sa, NULL);
	sa.sa_handler = vm_stop_signal;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
