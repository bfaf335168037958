// SPDX-License-Identifier: MIT
/* Unit tests for devices/pit8254.c: the 8254 register model against the
 * harness's virtual clock. */
#include "harness_util.h"

#define PIT_HZ	1193182ull

static uint64_t t0;	/* virtual time of the last count load */

/* The first nanosecond after a load at which @k ticks have elapsed. */
static uint64_t tick_ns(uint64_t k)
{
	return (k * 1000000000ull + PIT_HZ - 1) / PIT_HZ;
}

/* Move the fake clock to @k ticks after the last load (never back). */
static void at_tick(uint64_t k)
{
	uint64_t target = t0 + tick_ns(k);

	if (target > harness_now())
		harness_advance(target - harness_now());
}

/* A fresh machine with one PIT made with @opts; NULL if refused. */
static struct modvmm_dev *start(const char *opts)
{
	char spec[128];

	snprintf(spec, sizeof(spec), "pit8254,%s", opts);
	return unit_start(spec);
}

static void pit_init_dev(const char *opts)
{
	CHECK(start(opts) != NULL);
}

/* Control word, then a 16-bit count LSB first (access mode 3). */
static void program(unsigned int ch, uint8_t ctrl, uint16_t count)
{
	harness_outb(0x43, ctrl);
	harness_outb((uint16_t)(0x40 + ch), (uint8_t)count);
	harness_outb((uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
	t0 = harness_now();
}

static unsigned int read16(unsigned int ch)
{
	unsigned int lo = harness_inb((uint16_t)(0x40 + ch));

	return lo | (unsigned int)harness_inb((uint16_t)(0x40 + ch)) << 8;
}

static unsigned int latched16(unsigned int ch)
{
	harness_outb(0x43, (uint8_t)(ch << 6));
	return read16(ch);
}

static int out2(void)
{
	return !!(harness_inb(0x61) & 0x20);
}

static void gate2(int on)
{
	harness_outb(0x61, on ? 1 : 0);
}

UNIT_TEST(pit_counts_down_with_the_clock)
{
	pit_init_dev("");
	program(0, 0x34, 10000);	/* ch0, LSB/MSB, mode 2 */
	CHECK_EQ(read16(0), 10000);
	at_tick(1193);			/* 1 ms */
	CHECK_EQ(read16(0), 10000 - 1193);
	at_tick(9999);
	CHECK_EQ(read16(0), 1);
	at_tick(10000);
	CHECK_EQ(read16(0), 10000);	/* reloaded */
	harness_exit();
}

UNIT_TEST(pit_latch_holds_value)
{
	pit_init_dev("");
	program(0, 0x34, 10000);
	at_tick(1193);
	harness_outb(0x43, 0x00);	/* latch channel 0 */
	at_tick(3000);
	/* A second latch before reading keeps the first value. */
	harness_outb(0x43, 0x00);
	at_tick(3579);
	CHECK_EQ(harness_inb(0x40), (10000 - 1193) & 0xff);
	at_tick(5000);
	CHECK_EQ(harness_inb(0x40), (10000 - 1193) >> 8);
	/* Released after both bytes: the next read is live. */
	CHECK_EQ(read16(0), 10000 - 5000);
	harness_exit();
}

UNIT_TEST(pit_latch_single_byte_modes)
{
	pit_init_dev("");
	harness_outb(0x43, 0xa4);	/* ch2, MSB only, mode 2 */
	harness_outb(0x42, 0x40);	/* count 0x4000 */
	t0 = harness_now();
	gate2(1);
	at_tick(0x100);
	harness_outb(0x43, 0x80);	/* latch ch2 */
	at_tick(0x900);
	CHECK_EQ(harness_inb(0x42), 0x3f);
	CHECK_EQ(harness_inb(0x42), 0x37);	/* live again */
	harness_exit();
}

UNIT_TEST(pit_read_back)
{
	pit_init_dev("");
	harness_outb(0x43, 0x34);
	/* Status after the control word: OUT high, null count, RW 3, mode 2. */
	harness_outb(0x43, 0xe2);	/* read-back: status only, ch0 */
	CHECK_EQ(harness_inb(0x40), 0xf4);
	harness_outb(0x40, 0x10);
	harness_outb(0x40, 0x27);	/* 10000 */
	t0 = harness_now();
	at_tick(100);
	harness_outb(0x43, 0xc2);	/* count and status, ch0 */
	at_tick(500);
	CHECK_EQ(harness_inb(0x40), 0xb4);	/* loaded: null count 0 */
	CHECK_EQ(read16(0), 10000 - 100);
	CHECK_EQ(read16(0), 10000 - 500);
	harness_exit();
}

UNIT_TEST(pit_read_back_two_channels)
{
	unsigned int c0;

	pit_init_dev("");
	program(0, 0x34, 10000);
	program(2, 0xb0, 3000);		/* gate low: holds 3000 */
	harness_outb(0x43, 0xda);	/* latch counts of ch0 and ch2 */
	c0 = 10000 - (unsigned int)((harness_now() - t0) * PIT_HZ / 1000000000ull);
	harness_advance(1000000);
	CHECK_EQ(read16(0), c0);
	CHECK_EQ(read16(2), 3000);
	/* Status of ch2: OUT low (mode 0), loaded, RW 3, mode 0, binary. */
	harness_outb(0x43, 0xe8);
	CHECK_EQ(harness_inb(0x42), 0x30);
	/* Count and status latched: status comes first. */
	gate2(1);
	harness_outb(0x43, 0xc8);
	CHECK_EQ(harness_inb(0x42), 0x30);
	CHECK_EQ(read16(2), 3000);
	harness_exit();
}

UNIT_TEST(pit_mode0_terminal_count)
{
	pit_init_dev("");
	gate2(1);
	program(2, 0xb0, 1000);		/* ch2, LSB/MSB, mode 0 */
	CHECK(!out2());
	at_tick(999);
	CHECK(!out2());
	CHECK_EQ(read16(2), 1);
	at_tick(1000);
	CHECK(out2());
	CHECK_EQ(read16(2), 0);
	/* The counter keeps wrapping; OUT stays high. */
	at_tick(1001);
	CHECK_EQ(read16(2), 0xffff);
	at_tick(1000 + 65536 + 5);
	CHECK(out2());
	CHECK_EQ(read16(2), 0xffff - 4);
	/* A new control word sets OUT low again. */
	harness_outb(0x43, 0xb0);
	CHECK(!out2());
	harness_exit();
}

UNIT_TEST(pit_mode0_first_byte_stops)
{
	pit_init_dev("");
	gate2(1);
	program(2, 0xb0, 1000);
	at_tick(1200);
	CHECK(out2());
	harness_outb(0x42, 0x20);	/* LSB only: stop, OUT low */
	CHECK(!out2());
	at_tick(2000);
	CHECK(!out2());
	harness_outb(0x42, 0x00);	/* MSB: count 0x20 from now */
	t0 = harness_now();
	at_tick(31);
	CHECK(!out2());
	at_tick(32);
	CHECK(out2());
	harness_exit();
}

UNIT_TEST(pit_mode3_square_wave_even)
{
	pit_init_dev("");
	gate2(1);
	program(2, 0xb6, 1000);		/* ch2, LSB/MSB, mode 3 */
	CHECK(out2());
	CHECK_EQ(read16(2), 1000);
	at_tick(100);
	CHECK_EQ(read16(2), 800);
	at_tick(499);
	CHECK(out2());
	at_tick(500);
	CHECK(!out2());
	CHECK_EQ(read16(2), 1000);
	at_tick(600);
	CHECK_EQ(read16(2), 800);
	at_tick(999);
	CHECK(!out2());
	at_tick(1000);
	CHECK(out2());
	at_tick(1500);
	CHECK(!out2());
	harness_exit();
}

UNIT_TEST(pit_mode3_square_wave_odd)
{
	/* N = 5: high 3 clocks (5, 4, 2), low 2 clocks (5, 2). */
	static const unsigned int val[] = { 5, 4, 2, 5, 2, 5, 4 };
	static const int out[] = { 1, 1, 1, 0, 0, 1, 1 };
	unsigned int k;

	pit_init_dev("");
	gate2(1);
	program(2, 0xb6, 5);
	for (k = 0; k < 7; k++) {
		at_tick(k);
		CHECK_EQ(read16(2), val[k]);
		CHECK_EQ(out2(), out[k]);
	}
	harness_exit();
}

UNIT_TEST(pit_mode2_out_pulse)
{
	pit_init_dev("");
	gate2(1);
	program(2, 0xb4, 100);		/* ch2 mode 2 */
	at_tick(98);
	CHECK(out2());
	at_tick(99);
	CHECK(!out2());			/* count 1: OUT low one clock */
	CHECK_EQ(latched16(2), 1);
	at_tick(100);
	CHECK(out2());
	CHECK_EQ(read16(2), 100);
	harness_exit();
}

UNIT_TEST(pit_mode2_irq0_100hz)
{
	pit_init_dev("");
	program(0, 0x34, 11932);	/* 1193182 / 100 */
	harness_advance(100000000 + 1000000);
	CHECK_EQ(harness_irq_pulses(0), 10);
	/* A mode command stops the interrupts. */
	harness_outb(0x43, 0x34);
	harness_advance(100000000);
	CHECK_EQ(harness_irq_pulses(0), 10);
	harness_exit();
}

UNIT_TEST(pit_mode3_irq0_and_reprogram)
{
	pit_init_dev("irq=2");
	program(0, 0x36, 0);		/* mode 3, 65536: 18.2 Hz */
	harness_advance(1000000000);
	CHECK_EQ(harness_irq_pulses(2), 18);
	CHECK_EQ(harness_irq_pulses(0), 0);
	program(0, 0x36, 1193);		/* ~1 kHz */
	harness_advance(100000000);
	CHECK(harness_irq_pulses(2) >= 18 + 99 && harness_irq_pulses(2) <= 18 + 101);
	harness_exit();
}

UNIT_TEST(pit_mode0_irq0_one_shot)
{
	pit_init_dev("");
	program(0, 0x30, 1193);		/* mode 0: ~1 ms */
	at_tick(1192);
	CHECK_EQ(harness_irq_pulses(0), 0);
	at_tick(1193);
	CHECK_EQ(harness_irq_pulses(0), 1);
	harness_advance(1000000000);
	CHECK_EQ(harness_irq_pulses(0), 1);
	/* A new count rearms. */
	program(0, 0x30, 100);
	harness_advance(1000000);
	CHECK_EQ(harness_irq_pulses(0), 2);
	harness_exit();
}

UNIT_TEST(pit_mode2_new_count_at_end_of_cycle)
{
	pit_init_dev("");
	program(0, 0x34, 1000);
	at_tick(300);
	harness_outb(0x40, 2000 & 0xff);
	harness_outb(0x40, 2000 >> 8);
	harness_outb(0x43, 0xe2);
	CHECK(harness_inb(0x40) & 0x40);	/* null count */
	CHECK_EQ(read16(0), 700);		/* old cycle goes on */
	at_tick(999);
	CHECK_EQ(read16(0), 1);
	at_tick(1000);
	CHECK_EQ(read16(0), 2000);
	harness_outb(0x43, 0xe2);
	CHECK(!(harness_inb(0x40) & 0x40));
	CHECK_EQ(harness_irq_pulses(0), 1);
	t0 += tick_ns(1000);		/* the new count was loaded here */
	at_tick(1500);
	CHECK_EQ(read16(0), 500);
	at_tick(1999);
	CHECK_EQ(harness_irq_pulses(0), 1);
	at_tick(2000);
	CHECK_EQ(harness_irq_pulses(0), 2);
	harness_exit();
}

UNIT_TEST(pit_bcd)
{
	pit_init_dev("");
	gate2(1);
	program(2, 0xb1, 0x1000);	/* mode 0, BCD 1000 */
	at_tick(1);
	CHECK_EQ(read16(2), 0x0999);
	at_tick(1000);
	CHECK_EQ(read16(2), 0x0000);
	CHECK(out2());
	at_tick(1001);
	CHECK_EQ(read16(2), 0x9999);	/* wraps modulo 10000 */
	program(2, 0xb1, 0);		/* 0 is 10000 in BCD */
	at_tick(1);
	CHECK_EQ(read16(2), 0x9999);
	at_tick(9999);
	CHECK(!out2());
	at_tick(10000);
	CHECK(out2());
	/* Mode 2 in BCD: BCD 100 is a period of 100 ticks. */
	program(0, 0x35, 0x0100);
	harness_advance(tick_ns(100 * 10) + 10);
	CHECK_EQ(harness_irq_pulses(0), 10);
	/* Status reports the BCD bit. */
	harness_outb(0x43, 0xe2);
	CHECK_EQ(harness_inb(0x40) & 0x0f, 0x05);
	harness_exit();
}

UNIT_TEST(pit_access_modes)
{
	pit_init_dev("");
	gate2(1);
	harness_outb(0x43, 0x90);	/* ch2, LSB only, mode 0 */
	harness_outb(0x42, 0x50);
	t0 = harness_now();
	at_tick(0x10);
	CHECK_EQ(harness_inb(0x42), 0x40);
	CHECK_EQ(harness_inb(0x42), 0x40);	/* no flip-flop */
	harness_outb(0x43, 0xa0);	/* ch2, MSB only, mode 0 */
	harness_outb(0x42, 0x12);	/* count 0x1200 */
	t0 = harness_now();
	at_tick(0x100);
	CHECK_EQ(harness_inb(0x42), 0x11);
	CHECK_EQ(harness_inb(0x42), 0x11);
	/* LSB/MSB: the flip-flop alternates and the control word resets it. */
	program(2, 0xb0, 0x1234);
	CHECK_EQ(harness_inb(0x42), 0x34);
	harness_outb(0x43, 0xb0);
	harness_outb(0x42, 0x78);
	harness_outb(0x42, 0x56);
	CHECK_EQ(harness_inb(0x42), 0x78);
	CHECK_EQ(harness_inb(0x42), 0x56);
	harness_outb(0x43, 0xe8);
	CHECK_EQ(harness_inb(0x42), 0x30);
	harness_exit();
}

UNIT_TEST(pit_count_zero_is_65536)
{
	pit_init_dev("");
	gate2(1);
	program(2, 0xb0, 0);
	CHECK_EQ(read16(2), 0);
	at_tick(1);
	CHECK_EQ(read16(2), 0xffff);
	at_tick(65535);
	CHECK(!out2());
	at_tick(65536);
	CHECK(out2());
	harness_exit();
}

UNIT_TEST(pit_gate_stops_counting)
{
	pit_init_dev("");
	gate2(1);
	program(2, 0xb0, 5000);
	at_tick(1000);
	gate2(0);
	CHECK_EQ(read16(2), 4000);
	harness_advance(10000000);
	CHECK_EQ(read16(2), 4000);
	CHECK(!out2());
	gate2(1);
	t0 = harness_now();
	at_tick(3999);
	CHECK(!out2());
	at_tick(4000);
	CHECK(out2());
	/* A count written while the gate is low waits for it (mode 0). */
	gate2(0);
	program(2, 0xb0, 100);
	harness_advance(10000000);
	CHECK_EQ(read16(2), 100);
	harness_exit();
}

UNIT_TEST(pit_gate_mode2_reloads)
{
	pit_init_dev("");
	program(2, 0xb4, 1000);		/* gate low: not counting yet */
	harness_advance(10000000);
	CHECK(out2());
	gate2(1);
	t0 = harness_now();
	at_tick(400);
	CHECK_EQ(read16(2), 600);
	gate2(0);
	harness_advance(1000000);
	CHECK_EQ(read16(2), 600);
	CHECK(out2());
	gate2(1);			/* rising gate reloads */
	t0 = harness_now();
	CHECK_EQ(read16(2), 1000);
	at_tick(10);
	CHECK_EQ(read16(2), 990);
	harness_exit();
}

UNIT_TEST(pit_mode1_gate_trigger)
{
	pit_init_dev("");
	program(2, 0xb2, 100);		/* ch2 mode 1 */
	CHECK(out2());
	harness_advance(1000000);
	CHECK(out2());
	gate2(1);			/* trigger */
	t0 = harness_now();
	CHECK(!out2());
	at_tick(99);
	CHECK(!out2());
	at_tick(100);
	CHECK(out2());
	harness_exit();
}

UNIT_TEST(pit_modes_4_5)
{
	pit_init_dev("");
	program(1, 0x78, 10);		/* ch1, mode 4 */
	at_tick(3);
	CHECK_EQ(read16(1), 7);
	program(0, 0x38, 10);		/* ch0, mode 4: IRQ after the strobe */
	at_tick(11);
	CHECK_EQ(harness_irq_pulses(0), 1);
	program(0, 0x3a, 10);		/* mode 5: triggered by the write */
	at_tick(4);
	CHECK_EQ(read16(0), 6);
	harness_exit();
}

UNIT_TEST(pit_port_b)
{
	uint8_t a, b;

	pit_init_dev("");
	harness_outb(0x61, 0xff);
	CHECK_EQ(harness_inb(0x61) & 0xcf, 0x0f);
	harness_outb(0x61, 0x02);
	CHECK_EQ(harness_inb(0x61) & 0xcf, 0x02);
	a = harness_inb(0x61) & 0x10;
	harness_advance(15085);
	b = harness_inb(0x61) & 0x10;
	CHECK(a != b);			/* refresh toggles */
	CHECK_EQ(harness_inb(0x43), 0xff);
	harness_exit();
}

UNIT_TEST(pit_idle_at_power_on)
{
	pit_init_dev("");
	harness_advance(1000000000);
	CHECK_EQ(harness_irq_pulses(0), 0);
	harness_exit();
}

UNIT_TEST(pit_lost_ticks_give_one_pulse)
{
	struct harness_range r;
	struct modvmm_dev *dev;

	pit_init_dev("");
	program(0, 0x34, 1193);
	dev = harness_range(MODVMM_SPACE_PIO, 0x40, &r) ? r.dev : NULL;
	CHECK(dev != NULL);
	CHECK_EQ(harness_timers_armed(dev), 1);
	/*
	 * Two seconds at once: the harness, like a vCPU thread that fell
	 * more than 1000 periods behind, calls the timer once for all 2000
	 * expirations.  One interrupt, the rest counted as lost.
	 */
	harness_advance(2000000000ull);
	CHECK_EQ(harness_irq_pulses(0), 1);
	CHECK_EQ(harness_stat(dev, "ticks"), 1);
	CHECK_EQ(harness_stat(dev, "ticks_lost"), 1999);
	harness_exit();
}

/* "pit8254,@opts" is refused with a reason that says @why. */
static void check_refused(const char *opts, const char *why)
{
	char spec[128];

	snprintf(spec, sizeof(spec), "pit8254,%s", opts);
	unit_refused(spec, why, MODVMM_SPACE_PIO, 0x61);
}

UNIT_TEST(pit_options)
{
	check_refused("irq=300", "irq=300");
	check_refused("irq=x", "irq=x: not a number");
	check_refused("port=0xfffd", "port=0xfffd");
	check_refused("port=0x5e", "cannot claim");
	pit_init_dev("port=0x140");
	program(0, 0x34, 1000);		/* 0x40: no longer ours */
	harness_outb(0x143, 0x34);
	harness_outb(0x140, 0x10);
	harness_outb(0x140, 0x00);
	CHECK_EQ(harness_inb(0x140), 0x10);
	harness_exit();
}

/*
 * Whatever the fuzz left behind (a half-read count, a latch, a mode),
 * a new control word resets the channel: each counts down exactly again.
 */
static void check_pit_recovers(void)
{
	unsigned int ch;

	gate2(1);
	for (ch = 0; ch < 3; ch++) {
		program(ch, (uint8_t)(ch << 6 | 0x34), 10000);
		CHECK_EQ(read16(ch), 10000);
		at_tick(1193);
		CHECK_EQ(latched16(ch), 10000 - 1193);
	}
}

/*
 * Every value to every port, in a few orders, with time moving; through
 * it all the control port reads all ones, port B's writable bits read
 * back as written, and afterwards the PIT still counts exactly.
 */
UNIT_TEST(pit_fuzz)
{
	static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
	unsigned int seq, p, v, q;
	uint32_t x = 12345;

	for (seq = 0; seq < 4; seq++) {
		pit_init_dev("");
		for (p = 0; p < 5; p++) {
			for (v = 0; v < 256; v++) {
				uint8_t val = (uint8_t)(seq & 1 ? v : 255 - v);

				harness_outb(ports[p], val);
				if (ports[p] == 0x61)
					CHECK_EQ(harness_inb(0x61) & 0x0f, val & 0x0f);
				for (q = 0; q < 5; q++)
					harness_inb(ports[q]);
				CHECK_EQ(harness_inb(0x43), 0xff);
				if (seq >= 2) {
					/* A random control word between. */
					x = (uint32_t)((uint64_t)x * 1103515245u +
						       12345u);
					harness_outb(0x43, (uint8_t)(x >> 16));
					harness_outb(ports[(x >> 8) % 5],
						  (uint8_t)(x >> 24));
				}
				harness_advance((x >> 4) % 100000);
			}
		}
		/* Every control word followed by every count byte pair. */
		for (v = 0; v < 256; v++) {
			harness_outb(0x43, (uint8_t)v);
			for (q = 0; q < 3; q++) {
				harness_outb((uint16_t)(0x40 + q), (uint8_t)(v * 7));
				harness_outb((uint16_t)(0x40 + q), (uint8_t)(v * 13));
			}
			harness_outb(0x61, (uint8_t)v);
			CHECK_EQ(harness_inb(0x61) & 0x0f, v & 0x0f);
			harness_advance(1 + v * 977);
			for (q = 0; q < 5; q++)
				harness_inb(ports[q]);
		}
		check_pit_recovers();
		harness_exit();
	}
}
