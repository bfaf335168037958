// SPDX-License-Identifier: MIT
/*
 * fuzz_pic8259 - the 8259A pair: ICW/OCW sequences, ELCR, and the core's
 * side of an interrupt controller (lines driven, pending, ack).
 *
 * A reference model follows the ICW1-ICW4 sequence of each chip (vector
 * base, single or cascade, IMR) and the lines the core drives, and checks
 * from the 8259A and PIIX datasheets:
 *  - IMR reads back the last OCW1, 0 after ICW1 (power-on: 0xff, all
 *    masked, as pic8259.c starts); ELCR reads back what was written less
 *    the bits of IRQ 0, 1, 2, 8 and 13, which are always edge;
 *  - an acknowledge returns no vector (-1) exactly while the master has
 *    not finished its ICWs; with INTR low it returns the master's
 *    spurious IR7; otherwise a vector in [base, base + 7] of the master,
 *    or of the slave when the master cascades on IR2;
 *  - an interrupt (acknowledged or polled) on IR n other than 7 and the
 *    master's IR2 needs n unmasked (and, for the slave, the master's IR2
 *    unmasked too) and a request: a rising edge on its line not yet
 *    delivered, or the line still high;
 *  - a poll read is 0 or 0x80 | IR, and 0 while the chip is not set up.
 */
#include <string.h>

#include "devfuzz.h"

#define MASTER		0x20
#define SLAVE		0xa0
#define ELCR		0x4d0

enum step { READY, WANT_ICW2, WANT_ICW3, WANT_ICW4, POWER_ON };

struct chip {
	enum step step;
	uint8_t icw1, base, icw3, imr, elcr, poll;
};

static struct {
	struct chip c[2];
	uint8_t line[16];
	unsigned int credit[16];	/* edges not yet delivered */
} m;

static const uint8_t elcr_mask[2] = { 0xf8, 0xde };

static void pic_reset(const struct devfuzz_ctx *c)
{
	(void)c;
	memset(&m, 0, sizeof(m));
	m.c[0] = (struct chip){ .step = POWER_ON, .imr = 0xff };
	m.c[1] = m.c[0];
}

/* A request held in IRR may outlive a change to edge sense: keep it. */
static void keep_requests(void)
{
	int i;

	for (i = 0; i < 16; i++)
		if (m.line[i] && !m.credit[i])
			m.credit[i] = 1;
}

static int cascades(void)
{
	return !(m.c[0].icw1 & 0x02) && (m.c[0].icw3 & 0x04);
}

/*
 * Was IR @ir of chip @s free to interrupt (on its own: a poll, or the
 * slave behind the master's IR2)?  Takes its request if so.
 */
static int may_deliver(int s, unsigned int ir)
{
	unsigned int line = (unsigned int)s * 8 + ir;

	if (ir == 7)
		return 1;	/* or the spurious IR7 */
	if (m.c[s].imr & (1u << ir))
		return 0;
	if (!s && ir == 2)
		return 1;	/* the slave's INT drives it too */
	if (!m.credit[line] && !m.line[line])
		return 0;
	if (m.credit[line])
		m.credit[line]--;
	return 1;
}

static void icw(struct chip *ch, uint8_t v)
{
	switch (ch->step) {
	case WANT_ICW2:
		ch->base = v & 0xf8;
		ch->step = !(ch->icw1 & 0x02) ? WANT_ICW3 :
			   (ch->icw1 & 0x01) ? WANT_ICW4 : READY;
		break;
	case WANT_ICW3:
		ch->icw3 = v;
		ch->step = (ch->icw1 & 0x01) ? WANT_ICW4 : READY;
		break;
	default:
		ch->step = READY;
		break;
	}
}

static void pic_write(struct chip *ch, uint64_t off, uint8_t v)
{
	if (off & 1) {
		if (ch->step == READY || ch->step == POWER_ON)
			ch->imr = v;		/* OCW1 */
		else
			icw(ch, v);
	} else if (v & 0x10) {			/* ICW1 */
		ch->icw1 = v;
		ch->imr = 0;
		ch->poll = 0;
		ch->step = WANT_ICW2;
		keep_requests();
	} else if (v & 0x08) {			/* OCW3 */
		ch->poll = !!(v & 0x04);
	}
}

static void pic_read(int s, uint64_t off, uint8_t v)
{
	struct chip *ch = &m.c[s];

	if (ch->poll) {
		ch->poll = 0;
		FUZZ_ASSERT(!v || (v & 0xf8) == 0x80);
		if (ch->step != READY)
			FUZZ_ASSERT(!v);
		if (v)
			FUZZ_ASSERT(may_deliver(s, v & 7));
		return;
	}
	if (off & 1)
		FUZZ_ASSERT(v == ch->imr);
}

static void pic_access(const struct devfuzz_ctx *c,
		       const struct modvmm_access *a, uint64_t val)
{
	uint64_t base = a->addr - a->offset;
	uint8_t v = (uint8_t)val;
	int s = base == SLAVE;

	(void)c;
	if (base == ELCR) {
		s = a->offset & 1;
		if (a->is_write) {
			m.c[s].elcr = v & elcr_mask[s];
			keep_requests();
		} else {
			FUZZ_ASSERT(v == m.c[s].elcr);
		}
		return;
	}
	if (a->is_write)
		pic_write(&m.c[s], a->offset, v);
	else
		pic_read(s, a->offset, v);
}

static void pic_chip_set(const struct devfuzz_ctx *c, unsigned int line,
			 int level)
{
	(void)c;
	if (line >= 16)
		return;		/* IOAPIC-only lines */
	if (level && !m.line[line])
		m.credit[line]++;
	m.line[line] = (uint8_t)level;
}

static void pic_chip_ack(const struct devfuzz_ctx *c, int pending, int v)
{
	uint8_t mb = m.c[0].base, sb = m.c[1].base;
	int ok = 0;

	(void)c;
	if (m.c[0].step != READY) {
		FUZZ_ASSERT(v == -1);
		return;
	}
	FUZZ_ASSERT(v >= 0);
	if (!pending)
		FUZZ_ASSERT(v == (mb | 7));
	/* the bases may be equal: either reading will do */
	if ((v & 0xf8) == mb && (!cascades() || (v & 7) != 2))
		ok = may_deliver(0, v & 7);
	if (!ok && (v & 0xf8) == sb && cascades())
		ok = !(m.c[0].imr & 0x04) && may_deliver(1, v & 7);
	FUZZ_ASSERT(ok);
}

static const struct devfuzz_ops pic_checks = {
	.reset = pic_reset,
	.access = pic_access,
	.chip_set = pic_chip_set,
	.chip_ack = pic_chip_ack,
};

static const struct devfuzz_opt opts[] = {
	{ "", 0, DEVFUZZ_NO_IRQ, { { MODVMM_SPACE_PIO, MASTER, 2 },
				   { MODVMM_SPACE_PIO, SLAVE, 2 },
				   { MODVMM_SPACE_PIO, ELCR, 2 } } },
	{ "elcr=off", 0, DEVFUZZ_NO_IRQ, { { MODVMM_SPACE_PIO, MASTER, 2 },
					   { MODVMM_SPACE_PIO, SLAVE, 2 } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("pic8259", &pic_checks, opts, 2, data, size);
}
