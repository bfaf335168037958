// SPDX-License-Identifier: MIT
/*
 * fuzz_regbank - the example MMIO plugin (plugins/regbank), DMA included.
 *
 * A reference model of the register map in plugins/regbank/README, byte
 * by byte (any width at any offset, little-endian): every read returns
 * the model's bytes, so bank and DMA registers read back what was last
 * written, ID, NREGS and IRQ_NUM their constants, DMA_CMD and reserved
 * offsets 0; the line follows IRQ_LEVEL bit 0; a DMA command touches
 * guest memory only inside [ADDR, ADDR + LEN), in order, FILL with the
 * pattern and LOAD into the bank, and DMA_STATUS and DMA_COUNT say what
 * happened (done: all LEN bytes; memory error: the bytes before the
 * host refused; bad length or command: nothing touched).
 */
#include <stdint.h>
#include <string.h>

#include "devfuzz.h"

#define REGBANK_ID	0x314B4252u
#define R_NREGS		1
#define R_IRQ_LEVEL	2
#define R_IRQ_NUM	3
#define R_ADDR_LO	4
#define R_ADDR_HI	5
#define R_LEN		6
#define R_PATTERN	7
#define R_CMD		8
#define R_STATUS	9
#define R_COUNT		10
#define R_BANK		0x40
#define MAX_REGS	1024
#define DMA_MAX		(1u << 20)

static struct {
	uint32_t reg[R_BANK + MAX_REGS];
	unsigned int nregs;
	int level;
	/* the host memory calls of the command under way */
	int nr_calls, calls_write;
	size_t failed;			/* bytes of the refused call */
	uint64_t first_gpa;		/* where the first call was */
	uint64_t done;			/* bytes moved */
	uint8_t fill[4];		/* the pattern a FILL wrote */
	unsigned int fill_seen;		/* which bytes of it */
	uint8_t loaded[4 * MAX_REGS];	/* what a LOAD read */
} m;

/* Bank registers of each entry of opts[] below. */
static const unsigned int nregs_of[] = { 16, 1, 1024, 3 };

static void rb_reset(const struct devfuzz_ctx *c)
{
	memset(&m, 0, sizeof(m));
	m.nregs = nregs_of[c->opt_index];
}

static uint32_t reg_value(const struct devfuzz_ctx *c, uint64_t idx)
{
	switch (idx) {
	case 0:
		return REGBANK_ID;
	case R_NREGS:
		return m.nregs;
	case R_IRQ_LEVEL:
		return (uint32_t)m.level;
	case R_IRQ_NUM:
		return (uint32_t)c->opt->irq;
	case R_CMD:
		return 0;
	default:
		return m.reg[idx];	/* reserved ones stay 0 */
	}
}

/*
 * One call of a command under way.  The calls come while the device
 * takes the access that writes DMA_CMD, before the model has seen it, and
 * that access may change LEN and PATTERN too (8 bytes at 0x19 write LEN,
 * PATTERN and CMD in that order): so only what holds whatever they become
 * is checked here, the rest in dma_calls() once the model has caught up.
 */
static void rb_mem(const struct devfuzz_ctx *c, int is_write, uint64_t gpa,
		   const void *buf, size_t len, int rc)
{
	const uint8_t *b = buf;
	unsigned int p;
	size_t i;

	(void)c;
	FUZZ_ASSERT(!m.failed);		/* it stops at the first refusal */
	FUZZ_ASSERT(!m.nr_calls || is_write == m.calls_write);
	if (!m.nr_calls)
		m.first_gpa = gpa;
	FUZZ_ASSERT(gpa == m.first_gpa + m.done);	/* in order, no gap */
	FUZZ_ASSERT(len >= 1 && len <= DMA_MAX - m.done);
	m.nr_calls++;
	m.calls_write = is_write;
	if (rc) {
		m.failed = len;
		return;
	}
	for (i = 0; is_write && i < len; i++) {
		p = (unsigned int)((m.done + i) % 4);
		if (!(m.fill_seen & (1u << p)))
			m.fill[p] = b[i];
		m.fill_seen |= 1u << p;
		FUZZ_ASSERT(b[i] == m.fill[p]);
	}
	if (!is_write) {
		/* a LOAD never reads more than the bank holds */
		FUZZ_ASSERT(m.done + len <= 4ull * m.nregs);
		memcpy(m.loaded + m.done, b, len);
	}
	m.done += len;
}

/* What the calls of a FILL (1) or LOAD (2) amount to: status, count. */
static uint32_t dma_calls(uint32_t cmd, uint32_t len, uint32_t *count)
{
	unsigned int p;

	uint64_t start = (uint64_t)m.reg[R_ADDR_HI] << 32 | m.reg[R_ADDR_LO];

	FUZZ_ASSERT(m.nr_calls);
	FUZZ_ASSERT(m.calls_write == (cmd == 1));
	FUZZ_ASSERT(m.first_gpa == start && m.done + m.failed <= len);
	for (p = 0; p < 4; p++)
		if (m.fill_seen & (1u << p))
			FUZZ_ASSERT(m.fill[p] ==
				    (uint8_t)(m.reg[R_PATTERN] >> (8 * p)));
	*count = (uint32_t)m.done;
	if (m.failed)
		return 2;
	FUZZ_ASSERT(m.done == len);
	return 1;
}

static void rb_dma(uint32_t cmd)
{
	uint64_t gpa = (uint64_t)m.reg[R_ADDR_HI] << 32 | m.reg[R_ADDR_LO];
	uint32_t len = m.reg[R_LEN], status, count = 0;

	if (cmd != 1 && cmd != 2)
		status = 4;
	else if (!len || len > DMA_MAX || (cmd == 2 && len > 4 * m.nregs))
		status = 3;
	else if (gpa > UINT64_MAX - len)	/* would wrap */
		status = 2;
	else
		status = dma_calls(cmd, len, &count);
	if (status != 1 && !count && !m.failed)
		FUZZ_ASSERT(!m.nr_calls);	/* refused before any call */
	/* bank registers are little-endian bytes, as is this host */
	if (cmd == 2)
		memcpy((uint8_t *)&m.reg[R_BANK], m.loaded, count);
	m.reg[R_STATUS] = status;
	m.reg[R_COUNT] = count;
	m.nr_calls = 0;
	m.failed = 0;
	m.done = 0;
	m.fill_seen = 0;
}

static void reg_write(const struct devfuzz_ctx *c, uint64_t idx, uint32_t v)
{
	if (idx >= R_BANK) {
		m.reg[idx] = v;
		return;
	}
	switch (idx) {
	case R_IRQ_LEVEL:
		m.level = v & 1;
		FUZZ_ASSERT(c->irq_level[c->opt->irq] == m.level);
		break;
	case R_ADDR_LO: case R_ADDR_HI: case R_LEN: case R_PATTERN:
		m.reg[idx] = v;
		break;
	case R_CMD:
		if (v)
			rb_dma(v);
		break;
	default:
		break;		/* read-only and reserved */
	}
}

static void rb_write(const struct devfuzz_ctx *c,
		     const struct modvmm_access *a, uint64_t val)
{
	uint64_t i = 0, pos, idx;
	uint32_t reg;

	while (i < a->size) {
		pos = a->offset + i;
		idx = pos / 4;
		reg = idx == R_CMD ? 0 : reg_value(c, idx);
		do {
			uint32_t shift = 8 * (uint32_t)(pos % 4);

			reg &= ~(0xffu << shift);
			reg |= (uint32_t)(uint8_t)(val >> (8 * i)) << shift;
			i++;
			pos++;
		} while (i < a->size && pos % 4);
		reg_write(c, idx, reg);
	}
}

static void rb_access(const struct devfuzz_ctx *c,
		      const struct modvmm_access *a, uint64_t val)
{
	uint64_t want = 0, pos;
	uint32_t i;

	if (a->is_write) {
		rb_write(c, a, val);
	} else {
		for (i = 0; i < a->size; i++) {
			pos = a->offset + i;
			want |= (uint64_t)(uint8_t)(reg_value(c, pos / 4) >>
						    (8 * (pos % 4))) << (8 * i);
		}
		FUZZ_ASSERT(val == want);
	}
	/* guest memory moves only under DMA_CMD */
	FUZZ_ASSERT(!m.nr_calls);
}

static void rb_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	(void)s;
	FUZZ_ASSERT(c->irq_level[c->opt->irq] == m.level);
	FUZZ_ASSERT(!m.nr_calls);
}

static const struct devfuzz_ops rb_checks = {
	.reset = rb_reset,
	.access = rb_access,
	.mem = rb_mem,
	.check_step = rb_check_step,
};

#define RB(base, n)	{ { MODVMM_SPACE_MMIO, base, 0x100 + 4 * (n) } }

static const struct devfuzz_opt opts[] = {
	{ "", 0, 10, RB(CONFIG_REGBANK_BASE, 16) },
	{ "regs=1", 0, 10, RB(CONFIG_REGBANK_BASE, 1) },
	{ "regs=1024,base=0xffffffffffffe000,irq=23", 0, 23,
	  RB(0xffffffffffffe000, 1024) },
	/* right above guest RAM (DEVFUZZ_RAM): the bus refuses MMIO on RAM */
	{ "regs=3,base=0x10000", 0, 10, RB(0x10000, 3) },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("regbank", &rb_checks, opts, 4, data, size);
}
