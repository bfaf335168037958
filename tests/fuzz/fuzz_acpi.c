// SPDX-License-Identifier: MIT
/*
 * fuzz_acpi - the ACPI PM registers: PM1 status, enable and control, the
 * PM timer, sleep requests, against clock steps.
 *
 * A model of the registers (acpi.c's top comment) checks:
 *  - PM_TMR reads are exactly the 3.579545 MHz ticks since the device was
 *    created, modulo 2^32, so consecutive reads step forward by the time
 *    between them, modulo the wrap;
 *  - PM1 status: only TMR_STS (set when bit 31 of the count changed since
 *    the device last looked) and WAK_STS (set by a sleep request other
 *    than S5) ever read 1; a write of 1 clears a bit, a write of 0 does
 *    not; PM1 enable reads back its defined bits and no others;
 *  - PM1 control: SCI_EN reads 1, BM_RLD and SLP_TYP read back, the rest 0;
 *  - the machine stops, with status 0, exactly after a write with SLP_EN
 *    and SLP_TYP 5, and at no other time;
 *  - IRQ 9 (the SCI) is high exactly while an enabled status bit is set.
 */
#include <string.h>

#include "devfuzz.h"

#define PM_HZ		3579545ull
#define NS		1000000000ull
#define SCI		9
#define STS_BITS	0xc731u
#define EN_BITS		0x4721u
#define SCI_BITS	0x0721u
#define CNT_KEPT	0x1c02u

static struct {
	uint64_t start_ns;
	uint64_t epoch;		/* bit-31 epochs of the count when last looked */
	uint16_t sts, en, cnt;
	unsigned int s5;	/* S5 writes seen */
	int have_tmr;
	uint32_t last_tmr;
	uint64_t last_ticks;
} m;

static uint64_t ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)(ns - m.start_ns) * PM_HZ / NS);
}

/* What the device does whenever it looks at the timer's bit 31. */
static void tmr_sync(const struct devfuzz_ctx *c)
{
	uint64_t e = ticks(c->now_ns) >> 31;

	if (e != m.epoch) {
		m.epoch = e;
		m.sts |= 1;
	}
}

static void pm_reset(const struct devfuzz_ctx *c)
{
	memset(&m, 0, sizeof(m));
	m.start_ns = c->now_ns;
}

static uint64_t lane_mask(const struct modvmm_access *a)
{
	return a->size >= 4 ? 0xffffffffull : (1ull << (8 * a->size)) - 1;
}

static void tmr_read(const struct devfuzz_ctx *c, const struct modvmm_access *a,
		     uint64_t off, uint64_t val)
{
	uint64_t t = ticks(c->now_ns);
	uint32_t v = (uint32_t)t;

	FUZZ_ASSERT(val == ((v >> (8 * off)) & lane_mask(a)));
	if (off || a->size != 4)
		return;
	/* monotonic modulo the wrap */
	if (m.have_tmr)
		FUZZ_ASSERT((uint32_t)(val - m.last_tmr) ==
			    (uint32_t)(t - m.last_ticks));
	m.have_tmr = 1;
	m.last_tmr = (uint32_t)val;
	m.last_ticks = t;
}

static void evt_access(const struct devfuzz_ctx *c,
		       const struct modvmm_access *a, uint64_t off, uint64_t val)
{
	uint32_t mask = (uint32_t)(lane_mask(a) << (8 * off));
	uint32_t v = (uint32_t)(val << (8 * off)) & mask;

	tmr_sync(c);
	if (!a->is_write) {
		FUZZ_ASSERT(!(m.sts & ~STS_BITS) && !(m.en & ~EN_BITS));
		FUZZ_ASSERT(val == (((m.sts | (uint32_t)m.en << 16) >> (8 * off)) &
				    lane_mask(a)));
		return;
	}
	m.sts &= (uint16_t)~(v & mask & STS_BITS);
	m.en = (uint16_t)((m.en & ~(mask >> 16)) | ((v >> 16) & EN_BITS));
	tmr_sync(c);
}

static void cnt_access(const struct modvmm_access *a, uint64_t off,
		       uint64_t val)
{
	uint32_t mask = (uint32_t)(lane_mask(a) << (8 * off)) & 0xffff;
	uint32_t v = (uint32_t)(val << (8 * off)) & mask;

	if (!a->is_write) {
		FUZZ_ASSERT(val == (((m.cnt | 1u) >> (8 * off)) & lane_mask(a)));
		return;
	}
	m.cnt = (uint16_t)((m.cnt & ~mask) | (v & CNT_KEPT));
	if (!(v & 0x2000))
		return;
	if (((v >> 10) & 7) == 5)
		m.s5++;
	else
		m.sts |= 0x8000;
}

static void pm_access(const struct devfuzz_ctx *c,
		      const struct modvmm_access *a, uint64_t val)
{
	uint64_t base = a->addr - a->offset;
	uint16_t port = c->opt_index ? 0xfff4 : 0x600;

	if (base == port + 8u && !a->is_write)
		tmr_read(c, a, a->offset, val);
	else if (base == port + 8u)
		return;		/* read-only: the next reads tell */
	else if (base == port)
		evt_access(c, a, a->offset, val);
	else
		cnt_access(a, a->offset, val);
}

static void pm_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	(void)s;
	/* with TMR_EN the device's timer catches every flip of bit 31 */
	if (m.en & 1)
		tmr_sync(c);
	FUZZ_ASSERT(c->irq_level[SCI] == !!(m.sts & m.en & SCI_BITS));
	FUZZ_ASSERT(c->stops == m.s5);
	if (c->stops)
		FUZZ_ASSERT(c->stop_status == 0);
}

static const struct devfuzz_ops pm_checks = {
	.reset = pm_reset,
	.access = pm_access,
	.check_step = pm_check_step,
};

static const struct devfuzz_opt opts[] = {
	{ "", 0, SCI, { { MODVMM_SPACE_PIO, 0x600, 4 },
			{ MODVMM_SPACE_PIO, 0x604, 2 },
			{ MODVMM_SPACE_PIO, 0x608, 4 } } },
	{ "port=0xfff4", 0, SCI, { { MODVMM_SPACE_PIO, 0xfff4, 4 },
				   { MODVMM_SPACE_PIO, 0xfff8, 2 },
				   { MODVMM_SPACE_PIO, 0xfffc, 4 } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("acpi", &pm_checks, opts, 2, data, size);
}
