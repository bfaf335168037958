// SPDX-License-Identifier: MIT
/*
 * fuzz_pit8254 - the 8254 timer: control words, counts and time steps.
 *
 * A reference model follows what the guest programmed and checks what
 * the Intel 8254 datasheet says it must then see, within one clock:
 *  - read-back status: bits 5-0 are the RW, mode and BCD bits of the last
 *    control word; OUT (bit 7) in modes 0/1 is low until terminal count
 *    and high after it, in modes 4/5 high away from terminal count;
 *  - counts: on channels 0 and 1 (gate tied high) a one-shot mode (0, 1,
 *    4, 5) counts down from N, wrapping, one per 1193182 Hz clock from
 *    the count write; mode 2 counts N .. 1 and reloads; a latched count
 *    (latch command or read-back) is the count at the latch; reads
 *    follow the RW mode's byte order, status before count;
 *  - IRQ 0: none while channel 0 holds no count; exactly one at terminal
 *    count in the one-shot modes; in modes 2 and 3 one per N clocks
 *    (taking the host timer's 1 ns resolution and the model's 50 us
 *    floor into account), counting the ticks the host folded as lost;
 *  - port 0x61: bits 0-3 read back, bits 6-7 read 0; port +3 reads 0xff.
 * Modelled deviations (pit8254.c's top comment) are followed: counting
 * starts at the count write, modes 1/5 on channels 0/1 start there too.
 */
#include <string.h>

#include "devfuzz.h"

#define PIT_HZ		1193182ull
#define NS		1000000000ull
#define MIN_PERIOD_NS	50000.0		/* pit8254.c: PIT_MIN_PERIOD_NS */
#define PORT_B		0x61

enum cnt_kind { ONESHOT, RATE };

/* What the counting element does, when the model knows it. */
struct cnt {
	int known;
	enum cnt_kind kind;
	uint8_t mode, bcd;
	uint32_t n;		/* initial count, 1 .. 65536 (10000 BCD) */
	uint64_t load_ns;
};

struct sh_ch {
	uint8_t rw, mode, bcd;	/* the control word */
	uint8_t write_msb, read_msb, lsb;
	int running;		/* modes 2/3: a count is loaded */
	struct cnt cnt;
	int count_latched, status_latched;
	struct cnt latch;	/* what was counting at latch_ns */
	uint64_t latch_ns;
	uint8_t status_bits;	/* bits 5-0 at the status latch */
	struct cnt status_cnt;
	uint64_t status_ns;
};

/* Channel 0's interrupts since irq_ns. */
enum irq_state { IRQ_QUIET, IRQ_ONESHOT, IRQ_PERIODIC, IRQ_UNKNOWN };

static struct {
	struct sh_ch ch[3];
	uint8_t port_b;
	enum irq_state irq;
	uint32_t irq_n;
	uint64_t irq_ns, irq_pulses, irq_lost;
} m;

static uint64_t ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_HZ / NS);
}

static uint32_t to_bcd(uint32_t v)
{
	return (v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 |
	       v % 10;
}

/* The initial count @raw stands for, or 0 for BCD digits above 9. */
static uint32_t decode(const struct sh_ch *ch, uint16_t raw)
{
	uint32_t v = 0;
	int i;

	if (!ch->bcd)
		return raw ? raw : 65536;
	for (i = 12; i >= 0; i -= 4) {
		if (((raw >> i) & 0xf) > 9)
			return 0;
		v = v * 10 + ((raw >> i) & 0xf);
	}
	return v ? v : 10000;
}

/* The count @k shows @d clocks away from @ns; 0 if that is before 0. */
static int cnt_value(const struct cnt *k, uint64_t ns, int d, uint32_t *out)
{
	uint64_t t = ticks(ns - k->load_ns);
	uint32_t mod = k->bcd ? 10000 : 65536, v;

	if (d < 0 && t == 0)
		return 0;
	t += (uint64_t)(int64_t)d;
	if (k->kind == ONESHOT)
		v = (uint32_t)((k->n + mod - t % mod) % mod);
	else
		v = (uint32_t)(k->n - t % k->n) % mod;
	*out = k->bcd ? to_bcd(v) : v;
	return 1;
}

/* Byte @hi of what @k shows at @ns, give or take a clock. */
static void check_count_byte(const struct cnt *k, uint64_t ns, int hi,
			     uint8_t got)
{
	uint32_t v;
	int d, ok = 0;

	if (!k->known)
		return;
	for (d = -1; d <= 1; d++)
		if (cnt_value(k, ns, d, &v) && (uint8_t)(v >> (8 * hi)) == got)
			ok = 1;
	FUZZ_ASSERT(ok);
}

/* OUT as the status byte shows it: modes 0/1 low until TC, then high. */
static void check_out(const struct cnt *k, uint64_t ns, uint8_t status)
{
	unsigned int mode = k->mode;
	uint64_t t = ticks(ns - k->load_ns);
	int out = status >> 7;

	if (!k->known)
		return;
	if (mode <= 1 && t + 1 < k->n)
		FUZZ_ASSERT(!out);
	if (mode <= 1 && t >= (uint64_t)k->n + 1)
		FUZZ_ASSERT(out);
	if ((mode == 4 || mode == 5) && (t + 1 < k->n || t > k->n + 1ull))
		FUZZ_ASSERT(out);
}

static void pit_reset(const struct devfuzz_ctx *c)
{
	int i;

	(void)c;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 3; i++)
		m.ch[i].rw = 3;		/* pit_reset(): LSB then MSB, mode 0 */
	m.irq = IRQ_QUIET;
}

static void irq_window(const struct devfuzz_ctx *c, enum irq_state s,
		       uint32_t n)
{
	m.irq = s;
	m.irq_n = n;
	m.irq_ns = c->now_ns;
	m.irq_pulses = c->irq_pulses[c->opt->irq];
	m.irq_lost = devfuzz_stat(c, "ticks_lost");
}

/* A whole count @raw was written to channel @i. */
static void count_written(const struct devfuzz_ctx *c, int i, uint16_t raw)
{
	struct sh_ch *ch = &m.ch[i];
	unsigned int em = ch->mode >= 6 ? ch->mode - 4u : ch->mode;
	uint32_t n = decode(ch, raw);
	int was_running = ch->running;

	ch->cnt = (struct cnt){ .kind = em == 2 ? RATE : ONESHOT,
				.mode = (uint8_t)em, .bcd = ch->bcd, .n = n,
				.load_ns = c->now_ns };
	if (em == 2 || em == 3)
		ch->running = 1;
	/* channel 2's gate is the guest's; a reload waits for the cycle */
	ch->cnt.known = n && i < 2 && em != 3 && !(em == 2 && was_running);
	if (i)
		return;
	if (!n || ((em == 2 || em == 3) && was_running))
		irq_window(c, IRQ_UNKNOWN, 0);
	else
		irq_window(c, em == 2 || em == 3 ? IRQ_PERIODIC : IRQ_ONESHOT,
			   n);
}

static void data_write(const struct devfuzz_ctx *c, int i, uint8_t v)
{
	struct sh_ch *ch = &m.ch[i];

	if (ch->rw == 1) {
		count_written(c, i, v);
	} else if (ch->rw == 2) {
		count_written(c, i, (uint16_t)(v << 8));
	} else if (!ch->write_msb) {
		ch->lsb = v;
		ch->write_msb = 1;
		/* mode 0: the first byte stops the count, OUT stays low */
		if (ch->mode == 0) {
			ch->cnt.known = 0;
			if (!i)
				irq_window(c, IRQ_QUIET, 0);
		}
		/*
		 * Modes 2/3 count on, but the model re-aims its timer at the
		 * next multiple of N, which moves a 50 us floored period by
		 * up to one tick: count the rate from here.
		 */
		if (!i && m.irq == IRQ_PERIODIC)
			irq_window(c, IRQ_PERIODIC, m.irq_n);
	} else {
		ch->write_msb = 0;
		count_written(c, i, (uint16_t)(ch->lsb | v << 8));
	}
}

/* A second latch before the first is read is ignored (datasheet). */
static void latch_count(const struct devfuzz_ctx *c, struct sh_ch *ch)
{
	if (ch->count_latched)
		return;
	ch->count_latched = 1;
	ch->latch = ch->cnt;
	ch->latch_ns = c->now_ns;
}

static void latch_status(const struct devfuzz_ctx *c, struct sh_ch *ch)
{
	if (ch->status_latched)
		return;
	ch->status_latched = 1;
	ch->status_bits = (uint8_t)(ch->rw << 4 | ch->mode << 1 | ch->bcd);
	ch->status_cnt = ch->cnt;
	ch->status_ns = c->now_ns;
}

static void control_write(const struct devfuzz_ctx *c, uint8_t v)
{
	struct sh_ch *ch;
	int i;

	if (v >> 6 == 3) {		/* read-back */
		for (i = 0; i < 3; i++) {
			if (!(v & (2 << i)))
				continue;
			if (!(v & 0x20))
				latch_count(c, &m.ch[i]);
			if (!(v & 0x10))
				latch_status(c, &m.ch[i]);
		}
		return;
	}
	ch = &m.ch[v >> 6];
	if (!(v & 0x30)) {
		latch_count(c, ch);
		return;
	}
	*ch = (struct sh_ch){ .rw = (v >> 4) & 3, .mode = (v >> 1) & 7,
			      .bcd = v & 1 };
	if (!(v >> 6))
		irq_window(c, IRQ_QUIET, 0);
}

/* Which byte the read flip-flop gives; 1 when the pair is complete. */
static int pick(struct sh_ch *ch, int *hi)
{
	if (ch->rw != 3) {
		*hi = ch->rw == 2;
		return 1;
	}
	ch->read_msb ^= 1;
	*hi = !ch->read_msb;
	return *hi;
}

static void data_read(const struct devfuzz_ctx *c, int i, uint8_t v)
{
	struct sh_ch *ch = &m.ch[i];
	int hi;

	if (ch->status_latched) {
		ch->status_latched = 0;
		FUZZ_ASSERT((v & 0x3f) == ch->status_bits);
		check_out(&ch->status_cnt, ch->status_ns, v);
		return;
	}
	if (ch->count_latched) {
		if (pick(ch, &hi))
			ch->count_latched = 0;
		check_count_byte(&ch->latch, ch->latch_ns, hi, v);
		return;
	}
	pick(ch, &hi);
	check_count_byte(&ch->cnt, c->now_ns, hi, v);
}

static void pit_access(const struct devfuzz_ctx *c,
		       const struct modvmm_access *a, uint64_t val)
{
	uint8_t v = (uint8_t)val;

	if (a->addr - a->offset == PORT_B) {
		if (a->is_write)
			m.port_b = v & 0x0f;
		else	/* refresh (bit 4) and OUT2 (bit 5) run on their own */
			FUZZ_ASSERT((v & 0xcf) == m.port_b);
		return;
	}
	if (a->offset == 3) {
		if (a->is_write)
			control_write(c, v);
		else	/* the control word register is write-only */
			FUZZ_ASSERT(v == 0xff);
		return;
	}
	if (a->is_write)
		data_write(c, (int)a->offset, v);
	else
		data_read(c, (int)a->offset, v);
}

/* IRQ 0 against the time channel 0 has been counting. */
static void pit_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	uint64_t got = c->irq_pulses[c->opt->irq] - m.irq_pulses;
	uint64_t t = ticks(c->now_ns - m.irq_ns);
	double p, span = (double)(c->now_ns - m.irq_ns);

	(void)s;
	switch (m.irq) {
	case IRQ_QUIET:
		FUZZ_ASSERT(!got);
		break;
	case IRQ_ONESHOT:
		/* OUT rises at TC (modes 4/5: one clock later) */
		FUZZ_ASSERT(got <= 1);
		if (t >= m.irq_n + 2ull)
			FUZZ_ASSERT(got == 1);
		if (t + 1 < m.irq_n)
			FUZZ_ASSERT(!got);
		break;
	case IRQ_PERIODIC:
		got += devfuzz_stat(c, "ticks_lost") - m.irq_lost;
		p = (double)m.irq_n * NS / PIT_HZ;
		if (p < MIN_PERIOD_NS)
			p = MIN_PERIOD_NS;
		/*
		 * The first tick comes N clocks after the count write, then
		 * one every p rounded to the host timer's nanosecond: within
		 * one of span / p.
		 */
		FUZZ_ASSERT((double)got <= span / (p - 0.5) + 1);
		FUZZ_ASSERT((double)got + 1.01 >= span / (p + 0.5));
		break;
	default:
		break;
	}
}

static const struct devfuzz_ops pit_checks = {
	.reset = pit_reset,
	.access = pit_access,
	.check_step = pit_check_step,
};

static const struct devfuzz_opt opts[] = {
	{ "", 0, 0, { { MODVMM_SPACE_PIO, 0x40, 4 },
		      { MODVMM_SPACE_PIO, PORT_B, 1 } } },
	{ "port=0xfffc,irq=23", 0, 23, { { MODVMM_SPACE_PIO, 0xfffc, 4 },
					 { MODVMM_SPACE_PIO, PORT_B, 1 } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("pit8254", &pit_checks, opts, 2, data, size);
}
