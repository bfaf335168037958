// SPDX-License-Identifier: MIT
/*
 * fuzz_counter - the example port I/O plugin (plugins/counter).
 *
 * A reference model of the register map in plugins/counter/README:
 * COUNT reads the sum of what was written to it since the last RESET
 * (mod 2^32, each write zero-extended from its size, each read the low
 * bytes of the count), RESET reads 0, DOORBELL reads the line number and
 * a write to it pulses that line exactly once (never holds it), ID
 * reads "CNT1" round and round and a write rewinds it.
 */
#include <string.h>

#include "devfuzz.h"

static const char signature[4] = { 'C', 'N', 'T', '1' };

static struct {
	uint32_t count;
	unsigned int id_pos;
	uint64_t pulses;
} m;

static void counter_reset(const struct devfuzz_ctx *c)
{
	(void)c;
	memset(&m, 0, sizeof(m));
}

static uint64_t trunc_to(uint64_t v, uint32_t size)
{
	return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void counter_write(const struct devfuzz_ctx *c,
			  const struct modvmm_access *a, uint64_t val)
{
	switch (a->offset) {
	case 0:
		m.count += (uint32_t)trunc_to(val, a->size);
		break;
	case 1:
		m.count = 0;
		break;
	case 2:
		m.pulses++;
		break;
	default:
		m.id_pos = 0;
		break;
	}
	FUZZ_ASSERT(c->irq_pulses[c->opt->irq] == m.pulses);
}

static void counter_read(const struct devfuzz_ctx *c,
			 const struct modvmm_access *a, uint64_t val)
{
	uint64_t want;

	switch (a->offset) {
	case 0:
		want = m.count;
		break;
	case 1:
		want = 0;
		break;
	case 2:
		want = (uint64_t)c->opt->irq;
		break;
	default:
		want = (uint8_t)signature[m.id_pos];
		m.id_pos = (m.id_pos + 1) % 4;
		break;
	}
	FUZZ_ASSERT(val == trunc_to(want, a->size));
}

static void counter_access(const struct devfuzz_ctx *c,
			   const struct modvmm_access *a, uint64_t val)
{
	/* the bus splits what runs past +3: only +0 sees 4 bytes */
	FUZZ_ASSERT(a->size < 4 || a->offset == 0);
	if (a->is_write)
		counter_write(c, a, val);
	else
		counter_read(c, a, val);
}

/* The doorbell is an edge: the line is never left asserted. */
static void counter_check_step(const struct devfuzz_ctx *c,
			       enum devfuzz_step s)
{
	(void)s;
	FUZZ_ASSERT(!c->irq_level[c->opt->irq]);
	FUZZ_ASSERT(c->irq_pulses[c->opt->irq] == m.pulses);
}

static const struct devfuzz_ops counter_checks = {
	.reset = counter_reset,
	.access = counter_access,
	.check_step = counter_check_step,
};

static const struct devfuzz_opt opts[] = {
	{ "", 0, 5, { { MODVMM_SPACE_PIO, 0x560, 4 } } },
	{ "port=0xfffc,irq=23", 0, 23, { { MODVMM_SPACE_PIO, 0xfffc, 4 } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("counter", &counter_checks, opts, 2, data, size);
}
