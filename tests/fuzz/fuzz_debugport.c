// SPDX-License-Identifier: MIT
/*
 * fuzz_debugport - the 0xE9 console and the exit port.
 *
 * Checks, from the bochs/QEMU conventions debugport.c implements:
 *  - a console read returns 0xE9; console writes never stop the machine;
 *  - every console byte reaches the output once, in order; all of it is
 *    out after a newline, a sync, an exit-port write and the exit hook,
 *    none is held back longer than 10 ms of virtual time or past the
 *    1 KiB buffer;
 *  - a write of v to the exit port requests exactly one stop, with status
 *    ((v << 1) | 1) & 0xff (v zero-extended from the access size; a
 *    process's exit status keeps 8 bits, and the device keeps them so).
 */
#include <string.h>

#include "devfuzz.h"

#define FLUSH_NS	10000000ull	/* debugport.c: DEBUGPORT_FLUSH_NS */
#define BUF_SIZE	1024		/* debugport.c: DEBUGPORT_BUF_SIZE */

static struct {
	struct devfuzz_outq out;
	uint64_t must_be_out;	/* bytes the device has to have written */
	unsigned int stops;
} m;

/* Console port of each entry of opts[] below. */
static const uint16_t console_port[] = { 0xe9, 0xe9, 0, 0xe9 };

static void dp_reset(const struct devfuzz_ctx *c)
{
	(void)c;
	memset(&m, 0, sizeof(m));
}

static void dp_console(const struct devfuzz_ctx *c,
		       const struct modvmm_access *a, uint8_t v)
{
	if (!a->is_write) {
		FUZZ_ASSERT(v == 0xe9);
		return;
	}
	FUZZ_ASSERT(c->stops == m.stops);
	if (!(c->opt->flags & DEVFUZZ_OUT_PIPE))
		return;
	devfuzz_outq_push(&m.out, v, c->now_ns);
	if (v == '\n')
		m.must_be_out = m.out.tail;
}

static void dp_access(const struct devfuzz_ctx *c,
		      const struct modvmm_access *a, uint64_t val)
{
	uint64_t v = val, want;

	if (a->addr == console_port[c->opt_index]) {
		dp_console(c, a, (uint8_t)val);
		return;
	}
	/* the exit port: it has no read handler, so only writes come here */
	FUZZ_ASSERT(a->is_write);
	if (a->size < 8)
		v &= (1ull << (8 * a->size)) - 1;
	want = (v << 1 | 1) & 0xff;	/* the 8 bits of an exit status */
	FUZZ_ASSERT(c->stops == m.stops + 1);
	FUZZ_ASSERT((uint64_t)c->stop_status == want);
	m.stops = c->stops;
	/* the console is flushed before the machine stops */
	m.must_be_out = m.out.tail;
}

static void dp_output(const struct devfuzz_ctx *c, const uint8_t *buf,
		      size_t len)
{
	(void)c;
	devfuzz_outq_out(&m.out, buf, len);
}

static void dp_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	uint64_t oldest = devfuzz_outq_oldest(&m.out);

	FUZZ_ASSERT(c->stops == m.stops);
	if (s == DEVFUZZ_STEP_SYNC)
		m.must_be_out = m.out.tail;
	FUZZ_ASSERT(m.out.head >= m.must_be_out);
	FUZZ_ASSERT(devfuzz_outq_pending(&m.out) < BUF_SIZE);
	if (oldest)
		FUZZ_ASSERT(c->now_ns - oldest < FLUSH_NS);
}

static void dp_check_end(const struct devfuzz_ctx *c)
{
	(void)c;
	FUZZ_ASSERT(!devfuzz_outq_pending(&m.out));
}

static const struct devfuzz_ops dp_checks = {
	.reset = dp_reset,
	.access = dp_access,
	.output = dp_output,
	.check_step = dp_check_step,
	.check_end = dp_check_end,
};

static const struct devfuzz_opt opts[] = {
	{ "out=null", 0, DEVFUZZ_NO_IRQ,
	  { { MODVMM_SPACE_PIO, 0xe9, 1 }, { MODVMM_SPACE_PIO, 0xf4, 4 } } },
	{ "exit-size=1", DEVFUZZ_OUT_PIPE, DEVFUZZ_NO_IRQ,
	  { { MODVMM_SPACE_PIO, 0xe9, 1 }, { MODVMM_SPACE_PIO, 0xf4, 1 } } },
	{ "out=null,exit-size=2,exit-port=0xfffe,port=0", 0, DEVFUZZ_NO_IRQ,
	  { { MODVMM_SPACE_PIO, 0, 1 }, { MODVMM_SPACE_PIO, 0xfffe, 2 } } },
	{ "out=null,exit-port=0", 0, DEVFUZZ_NO_IRQ,
	  { { MODVMM_SPACE_PIO, 0xe9, 1 } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("debugport", &dp_checks, opts, 4, data, size);
}
