// SPDX-License-Identifier: MIT
/*
 * fuzz_rtc_cmos - the MC146818 RTC: index and data writes, time steps.
 *
 * A model follows the index, registers A and B and the bytes the guest
 * wrote, and checks what the MC146818 datasheet (and rtc_cmos.c's top
 * comment) says must follow:
 *  - port 0x70 reads all ones; bit 7 of a write never reaches the index;
 *  - register D always reads 0x80; A reads the bits written (0-6), with
 *    UIP clear while SET; B reads what was written, UIE cleared by SET;
 *  - outside SET the time registers (0, 2, 4, 6-9, 0x32) read valid in
 *    the format B gives (BCD digits 0-9, or binary) and in range; in SET
 *    they read back what the guest wrote;
 *  - NVRAM bytes and the alarm registers read back what was written;
 *  - register C: bits 0-3 read 0; IRQF (bit 7) is the line's level just
 *    before; the line is low just after; a second read with no time
 *    step since reads 0;
 *  - the line is low whenever B enables no interrupt.
 */
#include <string.h>

#include "devfuzz.h"

#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define CENTURY		0x32
#define B_SET		0x80
#define B_ENABLES	0x70
#define B_UIE		0x10
#define B_DM		0x04
#define B_24H		0x02

static struct {
	uint8_t index;
	uint8_t a, b;
	uint8_t byte[128];
	uint8_t known[128];	/* byte[i] is what a read must give */
	uint8_t line;		/* the line's level before this access */
	uint64_t steps;		/* clock steps so far */
	uint64_t c_read_step;	/* ... when C was last read; ~0: never */
} m;

static int is_time_reg(unsigned int r)
{
	return r == 0 || r == 2 || r == 4 || (r >= 6 && r <= 9) ||
	       r == CENTURY;
}

static void rtc_reset(const struct devfuzz_ctx *c)
{
	(void)c;
	memset(&m, 0, sizeof(m));
	m.a = 0x26;
	m.b = B_24H;
	m.c_read_step = ~0ull;
}

/* @v decoded as the time registers' format says; -1 if not valid. */
static int decode(uint8_t v)
{
	if (m.b & B_DM)
		return v;
	if ((v >> 4) > 9 || (v & 0xf) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0xf);
}

static int in_range(uint8_t v, int lo, int hi)
{
	int d = decode(v);

	return d >= lo && d <= hi;
}

static void check_hour(uint8_t v)
{
	if (m.b & B_24H) {
		FUZZ_ASSERT(in_range(v, 0, 23));
		return;
	}
	FUZZ_ASSERT(in_range(v & 0x7f, 1, 12));
}

/* A time register read while the clock runs. */
static void check_time(unsigned int r, uint8_t v)
{
	switch (r) {
	case 0:
	case 2:
		FUZZ_ASSERT(in_range(v, 0, 59));
		break;
	case 4:
		check_hour(v);
		break;
	case 6:
		FUZZ_ASSERT(in_range(v, 1, 7));
		break;
	case 7:
		FUZZ_ASSERT(in_range(v, 1, 31));
		break;
	case 8:
		FUZZ_ASSERT(in_range(v, 1, 12));
		break;
	default:
		FUZZ_ASSERT(in_range(v, 0, 99));
		break;
	}
}

static void read_c(const struct devfuzz_ctx *c, uint8_t v)
{
	FUZZ_ASSERT(!(v & 0x0f));
	FUZZ_ASSERT(!!(v & 0x80) == m.line);
	FUZZ_ASSERT(!c->irq_level[c->opt->irq]);
	if (m.c_read_step == m.steps)
		FUZZ_ASSERT(v == 0);
	m.c_read_step = m.steps;
}

static void data_read(const struct devfuzz_ctx *c, uint8_t v)
{
	unsigned int r = m.index;

	if (r == REG_C) {
		read_c(c, v);
	} else if (r == REG_D) {
		FUZZ_ASSERT(v == 0x80);
	} else if (r == REG_A) {
		FUZZ_ASSERT((v & 0x7f) == m.a);
		if (m.b & B_SET)
			FUZZ_ASSERT(!(v & 0x80));
	} else if (r == REG_B) {
		FUZZ_ASSERT(v == m.b);
	} else if (is_time_reg(r) && !(m.b & B_SET)) {
		check_time(r, v);
	} else if (m.known[r]) {
		FUZZ_ASSERT(v == m.byte[r]);
	}
}

static void write_b(uint8_t v)
{
	unsigned int r;

	if (v & B_SET)
		v &= (uint8_t)~B_UIE;
	/* SET going high copies the clock into the time registers */
	if ((v & B_SET) && !(m.b & B_SET))
		for (r = 0; r < 128; r++)
			if (is_time_reg(r))
				m.known[r] = 0;
	m.b = v;
}

static void data_write(uint8_t v)
{
	unsigned int r = m.index;

	if (r == REG_A) {
		m.a = v & 0x7f;
	} else if (r == REG_B) {
		write_b(v);
	} else if (r != REG_C && r != REG_D &&
		   (!is_time_reg(r) || (m.b & B_SET))) {
		m.byte[r] = v;
		m.known[r] = 1;
	}
}

static void rtc_access(const struct devfuzz_ctx *c,
		       const struct modvmm_access *a, uint64_t val)
{
	uint8_t v = (uint8_t)val;

	if (a->offset == 0) {
		if (a->is_write)
			m.index = v & 0x7f;
		else
			FUZZ_ASSERT(v == 0xff);
	} else if (a->is_write) {
		data_write(v);
	} else {
		data_read(c, v);
	}
	m.line = c->irq_level[c->opt->irq];
}

static void rtc_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	if (s == DEVFUZZ_STEP_CLOCK)
		m.steps++;
	m.line = c->irq_level[c->opt->irq];
	if (!(m.b & B_ENABLES))
		FUZZ_ASSERT(!m.line);
}

static const struct devfuzz_ops rtc_checks = {
	.reset = rtc_reset,
	.access = rtc_access,
	.check_step = rtc_check_step,
};

static const struct devfuzz_opt opts[] = {
	{ "base=2026-12-31T23:59:50", 0, 8, { { MODVMM_SPACE_PIO, 0x70, 2 } } },
	{ "base=2099-12-31T23:59:59,irq=23", 0, 23,
	  { { MODVMM_SPACE_PIO, 0x70, 2 } } },
	{ "", 0, 8, { { MODVMM_SPACE_PIO, 0x70, 2 } } },
	{ "base=localtime,irq=0", 0, 0, { { MODVMM_SPACE_PIO, 0x70, 2 } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("rtc_cmos", &rtc_checks, opts, 4, data, size);
}
