// SPDX-License-Identifier: MIT
/*
 * What the core objects a harness links expect from core/vm.c,
 * which it does not link: logging.  Messages are dropped unless
 * FUZZ_VERBOSE is set in the environment, so that a long run does not
 * drown in the loaders' one-line errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../core/modvmm.h"

int log_verbosity;

static int fuzz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FUZZ_VERBOSE") != NULL;
	return v;
}

static void fuzz_vlog(const char *fmt, va_list ap)
{
	char msg[1024];

	/* Format even when quiet: a bad format argument still shows. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (fuzz_verbose())
		fprintf(stderr, "modvmm: %s\n", msg);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fuzz_vlog(fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fuzz_vlog(fmt, ap);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fuzz_vlog(fmt, ap);
	va_end(ap);
}
