// SPDX-License-Identifier: MIT
/*
 * pit8254 - the Intel 8254 programmable interval timer of the PC, with the
 * channel 2 gate and output on system control port B (0x61).
 *
 * Time: the counters run at 1193182 Hz against host->clock_ns().  Nothing
 * happens per tick; a channel remembers when its count was loaded (and how
 * many ticks it had counted before a gate pause) and every read computes
 * the counting element from the elapsed time.  Only channel 0 needs to act
 * on its own, to raise IRQ 0: it uses one host timer, periodic in modes 2
 * and 3, one-shot at terminal count in the other modes.
 *
 * Modes, as on the chip unless noted:
 *  0  interrupt on terminal count: OUT low from the count write, high at
 *     terminal count; the counter keeps wrapping.  Writing the first byte
 *     of a two-byte count stops counting, the second starts it again.
 *     Gate low pauses counting.
 *  2  rate generator: OUT low for the one clock at count 1, reload N.
 *  3  square wave: OUT high ceil(N/2) clocks, low floor(N/2) clocks; the
 *     counter steps by 2 (odd N: N, N-1, N-3 .. 2 in the high half and N,
 *     N-3 .. 2 in the low half, as the datasheet describes).
 *     In modes 2 and 3 gate low stops counting and forces OUT high, a
 *     rising gate reloads; a count written while counting takes effect at
 *     the end of the current cycle (the chip does this at the end of the
 *     current half cycle in mode 3; modelled as the end of the full one).
 *  Partial models:
 *  1  hardware one-shot: on channel 2 a rising gate triggers (OUT low,
 *     count N down, OUT high at terminal count).  Channels 0 and 1 have
 *     their gate tied high and would never trigger; here the count write
 *     triggers them so that they do count down.
 *  4  software strobe: counts down from the write, OUT low for one clock
 *     at terminal count; gate low pauses.
 *  5  hardware strobe: like 4 but triggered as in mode 1.
 *  Modes 6 and 7 are 2 and 3 (the status byte reports the bits written).
 * The one-clock delay between a count write and its load into the
 * counting element is not modelled: counting starts at the write.
 *
 * Power-on: the chip's state is undefined and there is no BIOS here to
 * program channel 0 for 18.2 Hz, so every channel starts idle (mode 0, no
 * count, no interrupts) until the guest programs it.  A machine reset
 * (--reboot) returns to that state, port 0x61 cleared, IRQ 0 silent.
 */
#include <stdlib.h>

#include <modvmm/device.h>

#define PIT_HZ			1193182ull
#define NSEC_PER_SEC		1000000000ull
/*
 * Shortest IRQ 0 period the host timer is asked for.  A count of 1 would
 * mean a 1.2 MHz timer, which costs the host far more than any guest
 * needs; the counter itself still counts at full rate.
 */
#define PIT_MIN_PERIOD_NS	50000ull
/* A DRAM refresh request every 18 PIT clocks toggles port 0x61 bit 4. */
#define PIT_REFRESH_NS		15085ull

#define PIT_DEFAULT_PORT	0x40
#define PIT_PORT_B		0x61
#define PIT_B_GATE2		0x01
#define PIT_B_WRITABLE		0x0f	/* gate, speaker, parity/IOCHK enables */
#define PIT_B_REFRESH		0x10
#define PIT_B_OUT2		0x20

#define PIT_RW_LSB		1
#define PIT_RW_MSB		2
#define PIT_RW_WORD		3

struct pit_channel {
	unsigned int index;
	uint8_t mode;		/* bits 3-1 of the control word, as written */
	uint8_t rw;		/* PIT_RW_* */
	uint8_t bcd;
	uint8_t gate;
	uint8_t write_msb;	/* PIT_RW_WORD: the next write is the MSB */
	uint8_t read_msb;	/* PIT_RW_WORD: the next read is the MSB */
	uint8_t lsb;		/* PIT_RW_WORD: LSB waiting for its MSB */
	uint8_t null_count;	/* a written count is not loaded yet */
	uint8_t cr_valid;	/* a count was written since the control word */
	uint8_t loaded;		/* the counting element holds a count */
	uint8_t counting;	/* ticks advance (gate and mode allow it) */
	uint8_t pending;	/* modes 2/3: cr loads at switch_ns */
	uint8_t count_latched;
	uint8_t status_latched;
	uint8_t status;
	uint16_t latch;
	uint16_t cr;		/* count register, as written */
	uint16_t idle;		/* what reads return while !loaded */
	uint32_t n;		/* initial count in use, 1..65536 */
	uint64_t start_ns;	/* when counting (re)started */
	uint64_t base_ticks;	/* ticks counted before start_ns */
	uint64_t switch_ns;
};

struct pit {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	struct modvmm_timer *timer;	/* channel 0 -> IRQ */
	unsigned int irq;
	uint8_t port_b;			/* PIT_B_WRITABLE bits as written */
	struct pit_channel ch[3];
};

/* floor(ns * PIT_HZ / 1e9), split so that it cannot overflow. */
static uint64_t pit_ns_to_ticks(uint64_t ns)
{
	return ns / NSEC_PER_SEC * PIT_HZ +
	       ns % NSEC_PER_SEC * PIT_HZ / NSEC_PER_SEC;
}

/* The first nanosecond at which pit_ns_to_ticks() reaches @ticks. */
static uint64_t pit_ticks_to_ns(uint64_t ticks)
{
	return ticks / PIT_HZ * NSEC_PER_SEC +
	       (ticks % PIT_HZ * NSEC_PER_SEC + PIT_HZ - 1) / PIT_HZ;
}

static uint64_t pit_period_ns(uint32_t n)
{
	uint64_t ns = ((uint64_t)n * NSEC_PER_SEC + PIT_HZ / 2) / PIT_HZ;

	return ns < PIT_MIN_PERIOD_NS ? PIT_MIN_PERIOD_NS : ns;
}

/* Modes 6 and 7 behave as 2 and 3. */
static unsigned int pit_mode(const struct pit_channel *ch)
{
	return ch->mode >= 6 ? ch->mode - 4u : ch->mode;
}

static uint32_t pit_modulus(const struct pit_channel *ch)
{
	return ch->bcd ? 10000 : 65536;
}

/*
 * The initial count a count register value stands for: 0 is the largest
 * count.  BCD digits above 9 (which the chip does not define) are taken
 * at face value and the result reduced modulo 10000.
 */
static uint32_t pit_decode(const struct pit_channel *ch, uint16_t raw)
{
	uint32_t n;

	if (!ch->bcd)
		return raw ? raw : 65536;
	n = (raw >> 12) * 1000u + ((raw >> 8) & 0xf) * 100u +
	    ((raw >> 4) & 0xf) * 10u + (raw & 0xf);
	n %= 10000;
	return n ? n : 10000;
}

static uint16_t pit_encode(const struct pit_channel *ch, uint32_t v)
{
	v %= pit_modulus(ch);
	if (!ch->bcd)
		return (uint16_t)v;
	return (uint16_t)((v / 1000 << 12) | (v / 100 % 10 << 8) |
			  (v / 10 % 10 << 4) | (v % 10));
}

static uint64_t pit_ticks(const struct pit_channel *ch, uint64_t now)
{
	if (!ch->counting || now <= ch->start_ns)
		return ch->base_ticks;
	return ch->base_ticks + pit_ns_to_ticks(now - ch->start_ns);
}

/* Load the count register into the counting element and count from @now. */
static void pit_start(struct pit_channel *ch, uint64_t now)
{
	ch->n = pit_decode(ch, ch->cr);
	ch->loaded = 1;
	ch->counting = 1;
	ch->pending = 0;
	ch->null_count = 0;
	ch->base_ticks = 0;
	ch->start_ns = now;
}

/* Apply a mode 2/3 reload that became due since the last access. */
static void pit_settle(struct pit_channel *ch, uint64_t now)
{
	if (ch->pending && now >= ch->switch_ns)
		pit_start(ch, ch->switch_ns);
}

/* Mode 3's counting element @t ticks into the period (see the top). */
static uint32_t pit_square_value(uint32_t n, uint64_t t)
{
	uint32_t half = (n + 1) / 2;
	uint32_t p = (uint32_t)(t % n);
	uint32_t e = p < half ? p : p - half;

	if (!(n & 1) || !e)
		return n - 2 * e;
	return p < half ? n + 1 - 2 * e : n - 1 - 2 * e;
}

/* The counting element as the guest reads it (BCD-encoded in BCD mode). */
static uint16_t pit_count(const struct pit_channel *ch, uint64_t now)
{
	uint32_t m = pit_modulus(ch);
	uint64_t t;

	if (!ch->loaded)
		return ch->idle;
	t = pit_ticks(ch, now);
	switch (pit_mode(ch)) {
	case 2:
		return pit_encode(ch, ch->n - (uint32_t)(t % ch->n));
	case 3:
		return pit_encode(ch, pit_square_value(ch->n, t));
	default:
		return pit_encode(ch, (ch->n + m - (uint32_t)(t % m)) % m);
	}
}

static int pit_out(const struct pit_channel *ch, uint64_t now)
{
	unsigned int mode = pit_mode(ch);
	uint64_t t;

	if (!ch->loaded)
		return mode != 0;
	t = pit_ticks(ch, now);
	switch (mode) {
	case 0:
	case 1:
		return t >= ch->n;
	case 2:
		return !ch->counting || ch->n == 1 || t % ch->n != ch->n - 1;
	case 3:
		return !ch->counting || t % ch->n < (ch->n + 1) / 2;
	default:
		return t != ch->n;
	}
}

static uint8_t pit_status(const struct pit_channel *ch, uint64_t now)
{
	return (uint8_t)(pit_out(ch, now) << 7 | ch->null_count << 6 |
			 ch->rw << 4 | ch->mode << 1 | ch->bcd);
}

static void pit_timer_arm_at(struct pit *pit, uint64_t deadline, uint64_t now,
			     uint64_t period)
{
	/* A delay of 0 would disarm; a deadline already due fires now. */
	pit->host->timer_arm(pit->timer, deadline > now ? deadline - now : 1,
			     period);
}

/* Make the IRQ timer match channel 0's state. */
static void pit_timer_update(struct pit *pit, uint64_t now)
{
	struct pit_channel *ch = &pit->ch[0];
	unsigned int mode = pit_mode(ch);
	uint64_t t, tc;

	if (!ch->loaded || !ch->counting) {
		pit->host->timer_arm(pit->timer, 0, 0);
		return;
	}
	t = pit_ticks(ch, now);
	if (mode == 2 || mode == 3) {
		if (ch->pending) {
			pit_timer_arm_at(pit, ch->switch_ns, now,
					 pit_period_ns(pit_decode(ch, ch->cr)));
			return;
		}
		/* OUT rises, and IRQ 0 fires, at every multiple of N. */
		tc = (t / ch->n + 1) * ch->n;
		pit_timer_arm_at(pit, ch->start_ns +
				 pit_ticks_to_ns(tc - ch->base_ticks), now,
				 pit_period_ns(ch->n));
		return;
	}
	/* OUT rises at terminal count (modes 4/5: one clock after it). */
	tc = ch->n + (mode >= 4 ? 1 : 0);
	if (t >= tc) {
		pit->host->timer_arm(pit->timer, 0, 0);
		return;
	}
	pit_timer_arm_at(pit, ch->start_ns + pit_ticks_to_ns(tc - ch->base_ticks),
			 now, 0);
}

static void pit_timer_fire(void *opaque, uint64_t expired)
{
	struct pit *pit = opaque;

	pit_settle(&pit->ch[0], pit->host->clock_ns());
	pit->host->irq_pulse(pit->dev, pit->irq);
	pit->host->stat_add(pit->dev, "ticks", 1);
	if (expired > 1)
		pit->host->stat_add(pit->dev, "ticks_lost", expired - 1);
}

static void pit_set_gate(struct pit_channel *ch, int gate, uint64_t now)
{
	unsigned int mode = pit_mode(ch);

	if (gate == ch->gate)
		return;
	ch->gate = (uint8_t)gate;
	if (gate) {
		if (mode == 0 || mode == 4) {
			if (ch->loaded) {
				ch->counting = 1;
				ch->start_ns = now;
			}
		} else if (ch->cr_valid) {
			/* Modes 2/3 reload, modes 1/5 trigger. */
			pit_start(ch, now);
		}
		return;
	}
	if (mode != 1 && mode != 5 && ch->loaded && ch->counting) {
		ch->base_ticks = pit_ticks(ch, now);
		ch->counting = 0;
		/* The rising gate reloads the newest count anyway. */
		ch->pending = 0;
	}
}

/* A whole count has been written to the count register. */
static void pit_count_written(struct pit_channel *ch, uint64_t now)
{
	uint64_t t, end;

	ch->cr_valid = 1;
	ch->null_count = 1;
	switch (pit_mode(ch)) {
	case 0:
	case 4:
		pit_start(ch, now);
		ch->counting = ch->gate;
		break;
	case 1:
	case 5:
		/* Channel 2 waits for a rising gate; see the top comment. */
		if (ch->index != 2)
			pit_start(ch, now);
		break;
	default:
		if (!ch->gate)
			break;		/* loaded by the rising gate */
		if (!ch->loaded || !ch->counting) {
			pit_start(ch, now);
			break;
		}
		t = pit_ticks(ch, now);
		end = (t / ch->n + 1) * ch->n;
		ch->pending = 1;
		ch->switch_ns = ch->start_ns +
				pit_ticks_to_ns(end - ch->base_ticks);
		break;
	}
}

/* Stop the counting element, keeping the value it shows. */
static void pit_stop(struct pit_channel *ch, uint64_t now)
{
	ch->idle = pit_count(ch, now);
	ch->loaded = 0;
	ch->counting = 0;
	ch->pending = 0;
}

static void pit_data_write(struct pit_channel *ch, uint8_t val, uint64_t now)
{
	switch (ch->rw) {
	case PIT_RW_LSB:
		ch->cr = val;
		break;
	case PIT_RW_MSB:
		ch->cr = (uint16_t)(val << 8);
		break;
	default:
		if (!ch->write_msb) {
			ch->lsb = val;
			ch->write_msb = 1;
			/* Mode 0: the first byte stops counting, OUT goes low. */
			if (pit_mode(ch) == 0)
				pit_stop(ch, now);
			return;
		}
		ch->cr = (uint16_t)(ch->lsb | val << 8);
		ch->write_msb = 0;
		break;
	}
	pit_count_written(ch, now);
}

/* Bytes of a 16-bit value as the access mode and read flip-flop choose. */
static uint8_t pit_pick_byte(struct pit_channel *ch, uint16_t v, int *done)
{
	*done = 1;
	switch (ch->rw) {
	case PIT_RW_LSB:
		return (uint8_t)v;
	case PIT_RW_MSB:
		return (uint8_t)(v >> 8);
	default:
		ch->read_msb ^= 1;
		if (ch->read_msb) {
			*done = 0;
			return (uint8_t)v;
		}
		return (uint8_t)(v >> 8);
	}
}

static uint8_t pit_data_read(struct pit_channel *ch, uint64_t now)
{
	uint8_t v;
	int done;

	if (ch->status_latched) {
		ch->status_latched = 0;
		return ch->status;
	}
	if (ch->count_latched) {
		v = pit_pick_byte(ch, ch->latch, &done);
		if (done)
			ch->count_latched = 0;
		return v;
	}
	return pit_pick_byte(ch, pit_count(ch, now), &done);
}

static void pit_latch_count(struct pit_channel *ch, uint64_t now)
{
	/* A second latch before the first is read is ignored. */
	if (ch->count_latched)
		return;
	ch->latch = pit_count(ch, now);
	ch->count_latched = 1;
}

static void pit_read_back(struct pit *pit, uint8_t val, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct pit_channel *ch = &pit->ch[i];

		if (!(val & (2u << i)))
			continue;
		if (!(val & 0x20))
			pit_latch_count(ch, now);
		if (!(val & 0x10) && !ch->status_latched) {
			ch->status = pit_status(ch, now);
			ch->status_latched = 1;
		}
	}
}

static void pit_control_write(struct pit *pit, uint8_t val, uint64_t now)
{
	struct pit_channel *ch;
	unsigned int rw = (val >> 4) & 3;

	if ((val >> 6) == 3) {
		pit_read_back(pit, val, now);
		return;
	}
	ch = &pit->ch[val >> 6];
	if (!rw) {
		pit_latch_count(ch, now);
		return;
	}
	pit_stop(ch, now);
	ch->rw = (uint8_t)rw;
	ch->mode = (val >> 1) & 7;
	ch->bcd = val & 1;
	ch->cr_valid = 0;
	ch->null_count = 1;
	ch->write_msb = 0;
	ch->read_msb = 0;
	/* The datasheet: a latch is held until read or reprogrammed. */
	ch->count_latched = 0;
	ch->status_latched = 0;
}

static uint64_t pit_io_read(void *opaque, const struct modvmm_access *a)
{
	struct pit *pit = opaque;
	uint64_t now = pit->host->clock_ns();
	struct pit_channel *ch;

	if (a->offset >= 3)
		return 0xff;	/* the control word register is write-only */
	ch = &pit->ch[a->offset];
	pit_settle(ch, now);
	return pit_data_read(ch, now);
}

static void pit_io_write(void *opaque, const struct modvmm_access *a,
			 uint64_t val)
{
	struct pit *pit = opaque;
	uint64_t now = pit->host->clock_ns();
	uint8_t v = (uint8_t)val;
	unsigned int i;

	for (i = 0; i < 3; i++)
		pit_settle(&pit->ch[i], now);
	if (a->offset < 3)
		pit_data_write(&pit->ch[a->offset], v, now);
	else
		pit_control_write(pit, v, now);
	/* Only channel 0 drives the timer; spare the host a re-arm. */
	if (a->offset == 0 || (a->offset == 3 && !(v & 0xc0) && (v & 0x30)))
		pit_timer_update(pit, now);
}

static uint64_t pit_port_b_read(void *opaque, const struct modvmm_access *a)
{
	struct pit *pit = opaque;
	uint64_t now = pit->host->clock_ns();
	uint8_t v = pit->port_b;

	(void)a;
	pit_settle(&pit->ch[2], now);
	if ((now / PIT_REFRESH_NS) & 1)
		v |= PIT_B_REFRESH;
	if (pit_out(&pit->ch[2], now))
		v |= PIT_B_OUT2;
	return v;
}

static void pit_port_b_write(void *opaque, const struct modvmm_access *a,
			     uint64_t val)
{
	struct pit *pit = opaque;
	uint64_t now = pit->host->clock_ns();

	(void)a;
	pit_settle(&pit->ch[2], now);
	pit->port_b = (uint8_t)(val & PIT_B_WRITABLE);
	pit_set_gate(&pit->ch[2], !!(val & PIT_B_GATE2), now);
}

static const struct modvmm_range_ops pit_ops = {
	.read = pit_io_read,
	.write = pit_io_write,
	.sizes = MODVMM_SIZE_1,
};

static const struct modvmm_range_ops pit_port_b_ops = {
	.read = pit_port_b_read,
	.write = pit_port_b_write,
	.sizes = MODVMM_SIZE_1,
};

static void pit_power_on(struct pit *pit)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct pit_channel *ch = &pit->ch[i];

		*ch = (struct pit_channel){
			.index = i,
			.rw = PIT_RW_WORD,
			.null_count = 1,
			.gate = i != 2,	/* channels 0 and 1: tied high */
			.n = 65536,
		};
	}
	pit->port_b = 0;
}

static int pit_parse(struct pit *pit, uint64_t *port)
{
	const struct modvmm_host *h = pit->host;
	uint64_t irq;

	if (h->opt_u64(pit->dev, "port", PIT_DEFAULT_PORT, port) ||
	    h->opt_u64(pit->dev, "irq", 0, &irq)) {
		h->set_error(pit->dev, "malformed option value");
		return -1;
	}
	if (*port > 0xfffc) {
		h->set_error(pit->dev, "port=0x%llx: the 4 ports must fit below 0x10000",
			     (unsigned long long)*port);
		return -1;
	}
	if (irq > 255) {
		h->set_error(pit->dev, "irq=%llu: must be 0-255",
			     (unsigned long long)irq);
		return -1;
	}
	pit->irq = (unsigned int)irq;
	return 0;
}

static int pit_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		    void **priv)
{
	struct pit *pit;
	uint64_t port;

	pit = calloc(1, sizeof(*pit));
	if (!pit) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	pit->dev = dev;
	pit->host = host;
	pit_power_on(pit);
	if (pit_parse(pit, &port))
		goto fail;
	/*
	 * Accesses settle the counters from the clock, so IRQ 0 needs no
	 * callback: a host irq timer lets an in-kernel irqchip take the tick
	 * without waking the vCPU thread.  Older hosts get a plain timer.
	 */
	if (MODVMM_HOST_HAS(host, irq_timer_new))
		pit->timer = host->irq_timer_new(dev, pit->irq);
	else
		pit->timer = host->timer_new(dev, pit_timer_fire, pit);
	if (!pit->timer) {
		host->set_error(dev, "cannot create the IRQ timer");
		goto fail;
	}
	if (host->register_range(dev, MODVMM_SPACE_PIO, port, 4, &pit_ops, pit)) {
		host->set_error(dev, "cannot claim ports 0x%llx-0x%llx",
				(unsigned long long)port,
				(unsigned long long)port + 3);
		goto fail;
	}
	if (host->register_range(dev, MODVMM_SPACE_PIO, PIT_PORT_B, 1,
				 &pit_port_b_ops, pit)) {
		host->set_error(dev, "cannot claim port 0x61");
		goto fail;
	}
	*priv = pit;
	return 0;
fail:
	/* The host releases the timer and ranges of a failed instance. */
	free(pit);
	return -1;
}

/*
 * A platform reset: every channel idle again and port 0x61 clear, as at
 * power-on.  IRQ 0 is only ever pulsed, so it is low already; disarming
 * the timer ends the pulses.
 */
static void pit8254_reset(void *priv)
{
	struct pit *pit = priv;

	pit_power_on(pit);
	pit->host->timer_arm(pit->timer, 0, 0);
}

/* The host frees the timer and ranges; only the state is ours. */
static void pit_exit(void *priv)
{
	free(priv);
}

static const struct modvmm_option pit_options[] = {
	{ "port", "base of the 4 PIT ports (port 0x61 is always claimed)",
	  "0x40" },
	{ "irq", "interrupt line channel 0 raises", "0" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl pit_ranges[] = {
	{ MODVMM_SPACE_PIO, PIT_DEFAULT_PORT, 4 },
	{ MODVMM_SPACE_PIO, PIT_PORT_B, 1 },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(pit8254) = {
	MODVMM_DESC_HEADER,
	.name = "pit8254",
	.license = "MIT",
	.description = "Intel 8254 interval timer (ports 0x40-0x43, 0x61)",
	.options = pit_options,
	.init = pit_init,
	.exit = pit_exit,
	.reset = pit8254_reset,
	.ranges = pit_ranges,
};
