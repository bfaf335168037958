// SPDX-License-Identifier: MIT
/* Register model of the example counter plugin (plugins/counter). */
#include "unit.h"
#include "mock_host.h"

#define PORT	0x510

static struct modvmm_dev dev;

static uint64_t in(unsigned int off, unsigned int size)
{
	return mock_io(&dev, MODVMM_SPACE_PIO, PORT + off, size, 0, 0);
}

static void out(unsigned int off, unsigned int size, uint64_t val)
{
	mock_io(&dev, MODVMM_SPACE_PIO, PORT + off, size, 1, val);
}

UNIT_TEST(counter_registers_default_ports)
{
	CHECK_EQ(mock_dev_init(&dev, "counter", ""), 0);
	CHECK(dev.ranges[0].used);
	CHECK_EQ(dev.ranges[0].space, MODVMM_SPACE_PIO);
	CHECK_EQ(dev.ranges[0].base, 0x510);
	CHECK_EQ(dev.ranges[0].len, 4);
	CHECK_EQ(dev.ranges[0].ops->sizes,
		 MODVMM_SIZE_1 | MODVMM_SIZE_2 | MODVMM_SIZE_4);
	CHECK(!dev.ranges[1].used);
	mock_dev_exit(&dev);
}

UNIT_TEST(counter_id_reads_signature)
{
	char sig[9];
	int i;

	mock_dev_init(&dev, "counter", "");
	for (i = 0; i < 8; i++)
		sig[i] = (char)in(3, 1);
	sig[8] = '\0';
	CHECK(!strcmp(sig, "CNT1CNT1"));
	CHECK_EQ(in(3, 1), 'C');
	CHECK_EQ(in(3, 1), 'N');
	out(3, 1, 0xff);	/* rewinds */
	CHECK_EQ(in(3, 1), 'C');
	mock_dev_exit(&dev);
}

UNIT_TEST(counter_adds_with_every_width)
{
	mock_dev_init(&dev, "counter", "");
	CHECK_EQ(in(0, 4), 0);
	out(0, 4, 0xc0ff0000);
	out(0, 2, 0xee00);
	out(0, 1, 0x42);
	CHECK_EQ(in(0, 4), 0xc0ffee42);
	CHECK_EQ(in(0, 2), 0xee42);
	CHECK_EQ(in(0, 1), 0x42);
	/* Only the bytes of the access count, even if the bus sent more. */
	out(0, 1, 0x1ff);
	CHECK_EQ(in(0, 4), 0xc0ffef41);
	mock_dev_exit(&dev);
}

UNIT_TEST(counter_wraps_and_resets)
{
	mock_dev_init(&dev, "counter", "");
	out(0, 4, 0xffffffff);
	out(0, 4, 2);
	CHECK_EQ(in(0, 4), 1);
	out(1, 1, 0);
	CHECK_EQ(in(0, 4), 0);
	CHECK_EQ(in(1, 1), 0);
	out(0, 2, 7);
	out(1, 2, 0xabcd);	/* any value resets */
	CHECK_EQ(in(0, 4), 0);
	mock_dev_exit(&dev);
}

UNIT_TEST(counter_doorbell_pulses_irq)
{
	mock_dev_init(&dev, "counter", "");
	CHECK_EQ(in(2, 1), 5);
	out(2, 1, 0);
	out(2, 2, 0xffff);
	CHECK_EQ(dev.irq_pulses[5], 2);
	CHECK_EQ(dev.irq_level[5], 0);
	mock_dev_exit(&dev);

	mock_dev_init(&dev, "counter", "irq=11");
	CHECK_EQ(in(2, 2), 11);
	out(2, 1, 1);
	CHECK_EQ(dev.irq_pulses[11], 1);
	CHECK_EQ(dev.irq_pulses[5], 0);
	mock_dev_exit(&dev);
}

UNIT_TEST(counter_port_option)
{
	CHECK_EQ(mock_dev_init(&dev, "counter", "port=0x600"), 0);
	CHECK_EQ(dev.ranges[0].base, 0x600);
	mock_io(&dev, MODVMM_SPACE_PIO, 0x600, 4, 1, 9);
	CHECK_EQ(mock_io(&dev, MODVMM_SPACE_PIO, 0x600, 4, 0, 0), 9);
	CHECK_EQ(mock_io(&dev, MODVMM_SPACE_PIO, 0x510, 4, 0, 0), 0xffffffffffffffffull);
	mock_dev_exit(&dev);

	CHECK_EQ(mock_dev_init(&dev, "counter", "port=0xfffc"), 0);
	mock_dev_exit(&dev);
}

UNIT_TEST(counter_rejects_bad_options)
{
	CHECK_EQ(mock_dev_init(&dev, "counter", "port=0xfffd"), -1);
	CHECK_STR_CONTAINS(dev.error, "port=0xfffd");
	CHECK(!dev.ranges[0].used);
	CHECK_EQ(mock_dev_init(&dev, "counter", "port=0x10000"), -1);
	CHECK_STR_CONTAINS(dev.error, "port=");
	CHECK_EQ(mock_dev_init(&dev, "counter", "irq=24"), -1);
	CHECK_STR_CONTAINS(dev.error, "irq=24");
	CHECK_EQ(mock_dev_init(&dev, "counter", "port=abc"), -1);
	CHECK_STR_CONTAINS(dev.log, "port=abc");
	CHECK_EQ(mock_dev_init(&dev, "counter", "irq=-1"), -1);
	CHECK_STR_CONTAINS(dev.log, "irq=-1");
}

/* Any value at any offset and width, even ones the bus never sends. */
UNIT_TEST(counter_survives_fuzz)
{
	const struct mock_range *r;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int i;

	mock_dev_init(&dev, "counter", "");
	r = &dev.ranges[0];
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
			r->ops->write(r->opaque, &a, x * 31);
		else
			CHECK(a.size == 8 || r->ops->read(r->opaque, &a) >> (8 * a.size) == 0);
	}
	mock_dev_exit(&dev);
}
