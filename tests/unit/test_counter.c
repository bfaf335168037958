// SPDX-License-Identifier: MIT
/* Register model of the example counter plugin (plugins/counter). */
#include "harness_util.h"

#define PORT	0x560

#define start unit_start

static uint64_t in(unsigned int off, unsigned int size)
{
	return harness_read(MODVMM_SPACE_PIO, PORT + off, size);
}

static void out(unsigned int off, unsigned int size, uint64_t val)
{
	harness_write(MODVMM_SPACE_PIO, PORT + off, size, val);
}

UNIT_TEST(counter_registers_default_ports)
{
	struct modvmm_dev *dev = start("counter");
	struct harness_range r;

	CHECK(dev != NULL);
	CHECK(harness_range(MODVMM_SPACE_PIO, PORT, &r));
	CHECK(r.dev == dev);
	CHECK_EQ(r.base, 0x560);
	CHECK_EQ(r.len, 4);
	CHECK_EQ(r.sizes, MODVMM_SIZE_1 | MODVMM_SIZE_2 | MODVMM_SIZE_4);
	/* nothing else: not below, not above, not in MMIO */
	CHECK(!harness_range(MODVMM_SPACE_PIO, PORT - 1, &r));
	CHECK(!harness_range(MODVMM_SPACE_PIO, PORT + 4, &r));
	CHECK(!harness_range(MODVMM_SPACE_MMIO, PORT, &r));
	harness_exit();
}

UNIT_TEST(counter_id_reads_signature)
{
	char sig[9];
	int i;

	start("counter");
	for (i = 0; i < 8; i++)
		sig[i] = (char)in(3, 1);
	sig[8] = '\0';
	CHECK(!strcmp(sig, "CNT1CNT1"));
	CHECK_EQ(in(3, 1), 'C');
	CHECK_EQ(in(3, 1), 'N');
	out(3, 1, 0xff);	/* rewinds */
	CHECK_EQ(in(3, 1), 'C');
	harness_exit();
}

UNIT_TEST(counter_adds_with_every_width)
{
	start("counter");
	CHECK_EQ(in(0, 4), 0);
	out(0, 4, 0xc0ff0000);
	out(0, 2, 0xee00);
	out(0, 1, 0x42);
	CHECK_EQ(in(0, 4), 0xc0ffee42);
	CHECK_EQ(in(0, 2), 0xee42);
	CHECK_EQ(in(0, 1), 0x42);
	/* Only the bytes of the access count, even if the caller sent more. */
	out(0, 1, 0x1ff);
	CHECK_EQ(in(0, 4), 0xc0ffef41);
	harness_exit();
}

UNIT_TEST(counter_wraps_and_resets)
{
	start("counter");
	out(0, 4, 0xffffffff);
	out(0, 4, 2);
	CHECK_EQ(in(0, 4), 1);
	out(1, 1, 0);
	CHECK_EQ(in(0, 4), 0);
	CHECK_EQ(in(1, 1), 0);
	out(0, 2, 7);
	out(1, 2, 0xabcd);	/* any value resets */
	CHECK_EQ(in(0, 4), 0);
	harness_exit();
}

UNIT_TEST(counter_doorbell_pulses_irq)
{
	start("counter");
	CHECK_EQ(in(2, 1), 5);
	out(2, 1, 0);
	out(2, 2, 0xffff);
	CHECK_EQ(harness_irq_pulses(5), 2);
	CHECK_EQ(harness_irq_edges(5), 2);
	CHECK_EQ(harness_irq_level(5), 0);
	harness_exit();

	start("counter,irq=11");
	CHECK_EQ(in(2, 2), 11);
	out(2, 1, 1);
	CHECK_EQ(harness_irq_pulses(11), 1);
	CHECK_EQ(harness_irq_pulses(5), 0);
	harness_exit();
}

UNIT_TEST(counter_port_option)
{
	struct harness_range r;

	CHECK(start("counter,port=0x600") != NULL);
	CHECK(harness_range(MODVMM_SPACE_PIO, 0x600, &r));
	CHECK_EQ(r.base, 0x600);
	harness_write(MODVMM_SPACE_PIO, 0x600, 4, 9);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x600, 4), 9);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x560, 4), 0xffffffffull);
	harness_exit();

	CHECK(start("counter,port=0xfffc") != NULL);
	harness_exit();
}

UNIT_TEST(counter_rejects_bad_options)
{
	unit_refused("counter,port=0xfffd", "port=0xfffd", MODVMM_SPACE_PIO, PORT);
	unit_refused("counter,port=0x10000", "port=", MODVMM_SPACE_PIO, PORT);
	unit_refused("counter,irq=24", "irq=24", MODVMM_SPACE_PIO, PORT);
	unit_refused("counter,port=abc", "port=abc", MODVMM_SPACE_PIO, PORT);
	unit_refused("counter,irq=-1", "irq=-1", MODVMM_SPACE_PIO, PORT);
}

/* Any value at any offset and width, even ones the bus never sends. */
UNIT_TEST(counter_survives_fuzz)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int i;

	start("counter");
	for (i = 0; i < 200000; i++) {
		struct modvmm_access a = { 0 };

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a.offset = i % 3 ? x % 4 : x >> 40;
		a.addr = PORT + a.offset;
		a.size = 1u << (x >> 61) % 4;
		a.is_write = (x >> 20) & 1;
		if (a.is_write)
			harness_range_call(MODVMM_SPACE_PIO, PORT, &a, x * 31);
		else
			CHECK(a.size == 8 ||
			      harness_range_call(MODVMM_SPACE_PIO, PORT, &a, 0) >>
			      (8 * a.size) == 0);
	}
	harness_exit();
}
