// SPDX-License-Identifier: MIT
/* Register model of the example regbank plugin (plugins/regbank). */
#include "unit.h"
#include "mock_host.h"

#define BASE	0xd0000000ull
#define BANK	0x100

static struct modvmm_dev dev;

static uint64_t rd(uint64_t off, unsigned int size)
{
	return mock_io(&dev, MODVMM_SPACE_MMIO, BASE + off, size, 0, 0);
}

static void wr(uint64_t off, unsigned int size, uint64_t val)
{
	mock_io(&dev, MODVMM_SPACE_MMIO, BASE + off, size, 1, val);
}

static void dma(uint64_t gpa, uint32_t len, uint32_t pattern, uint32_t cmd)
{
	wr(0x10, 8, gpa);
	wr(0x18, 4, len);
	wr(0x1c, 4, pattern);
	wr(0x20, 4, cmd);
}

UNIT_TEST(regbank_registers_default_range)
{
	CHECK_EQ(mock_dev_init(&dev, "regbank", ""), 0);
	CHECK(dev.ranges[0].used);
	CHECK_EQ(dev.ranges[0].space, MODVMM_SPACE_MMIO);
	CHECK_EQ(dev.ranges[0].base, BASE);
	CHECK_EQ(dev.ranges[0].len, BANK + 16 * 4);
	CHECK_EQ(dev.ranges[0].ops->sizes, MODVMM_SIZE_ANY);
	mock_dev_exit(&dev);

	CHECK_EQ(mock_dev_init(&dev, "regbank", "regs=1024,base=0xe0000000"), 0);
	CHECK_EQ(dev.ranges[0].base, 0xe0000000);
	CHECK_EQ(dev.ranges[0].len, BANK + 1024 * 4);
	mock_dev_exit(&dev);
}

UNIT_TEST(regbank_id_and_info_at_every_width)
{
	mock_dev_init(&dev, "regbank", "regs=5,irq=3");
	CHECK_EQ(rd(0, 4), 0x314B4252);
	CHECK_EQ(rd(0, 1), 'R');
	CHECK_EQ(rd(1, 1), 'B');
	CHECK_EQ(rd(2, 2), 0x314B);
	CHECK_EQ(rd(0, 8), 0x00000005314B4252ull);
	CHECK_EQ(rd(3, 2), 0x0531);	/* unaligned, spans ID and NREGS */
	CHECK_EQ(rd(0xc, 4), 3);
	CHECK_EQ(rd(0x2c, 4), 0);	/* reserved */
	wr(0, 4, 0);			/* read-only */
	wr(4, 4, 99);
	CHECK_EQ(rd(0, 8), 0x00000005314B4252ull);
	mock_dev_exit(&dev);
}

UNIT_TEST(regbank_bank_partial_access)
{
	int i;

	mock_dev_init(&dev, "regbank", "");
	for (i = 0; i < 16; i++)
		CHECK_EQ(rd(BANK + 4 * i, 4), 0);
	wr(BANK, 4, 0x11223344);
	CHECK_EQ(rd(BANK, 1), 0x44);
	CHECK_EQ(rd(BANK + 1, 1), 0x33);
	CHECK_EQ(rd(BANK + 2, 2), 0x1122);
	wr(BANK + 1, 1, 0xaa);
	CHECK_EQ(rd(BANK, 4), 0x1122aa44);
	wr(BANK + 2, 2, 0xbeef);
	CHECK_EQ(rd(BANK, 4), 0xbeefaa44);
	wr(BANK + 4, 8, 0x0123456789abcdefull);
	CHECK_EQ(rd(BANK + 4, 4), 0x89abcdef);
	CHECK_EQ(rd(BANK + 8, 4), 0x01234567);
	CHECK_EQ(rd(BANK + 4, 8), 0x0123456789abcdefull);
	wr(BANK + 6, 4, 0xa5a5a5a5);	/* unaligned: two registers */
	CHECK_EQ(rd(BANK + 4, 8), 0x0123a5a5a5a5cdefull);
	CHECK_EQ(rd(BANK + 4, 4), 0xa5a5cdef);
	CHECK_EQ(rd(BANK + 8, 4), 0x0123a5a5);
	wr(BANK + 60, 4, 0xcafe);	/* last register */
	CHECK_EQ(rd(BANK + 60, 4), 0xcafe);
	CHECK_EQ(rd(BANK + 64, 4), ~0ull);	/* outside: unclaimed */
	mock_dev_exit(&dev);
}

UNIT_TEST(regbank_level_irq)
{
	mock_dev_init(&dev, "regbank", "");
	CHECK_EQ(rd(8, 4), 0);
	wr(8, 4, 1);
	CHECK_EQ(dev.irq_level[10], 1);
	CHECK_EQ(rd(8, 4), 1);
	wr(8, 1, 3);			/* still bit 0 set: stays held */
	CHECK_EQ(dev.irq_edges[10], 1);
	wr(9, 1, 0);			/* other byte: no change */
	CHECK_EQ(dev.irq_level[10], 1);
	wr(8, 4, 0);
	CHECK_EQ(dev.irq_level[10], 0);
	CHECK_EQ(rd(8, 4), 0);
	wr(8, 2, 0xffff);
	CHECK_EQ(dev.irq_level[10], 1);
	CHECK_EQ(dev.irq_edges[10], 2);
	CHECK_EQ(dev.irq_pulses[10], 0);
	mock_dev_exit(&dev);

	mock_dev_init(&dev, "regbank", "irq=7");
	wr(8, 1, 1);
	CHECK_EQ(dev.irq_level[7], 1);
	CHECK_EQ(dev.irq_level[10], 0);
	mock_dev_exit(&dev);
}

UNIT_TEST(regbank_dma_fill)
{
	int i;

	mock_dev_init(&dev, "regbank", "");
	CHECK_EQ(rd(0x24, 4), 0);
	memset(dev.mem + 0x1000, 0xee, 16);
	dma(0x1001, 10, 0x44332211, 1);
	CHECK_EQ(rd(0x24, 4), 1);
	CHECK_EQ(rd(0x28, 4), 10);
	CHECK_EQ(dev.mem[0x1000], 0xee);
	for (i = 0; i < 10; i++)
		CHECK_EQ(dev.mem[0x1001 + i], 0x11 + 0x11 * (i % 4));
	CHECK_EQ(dev.mem[0x100b], 0xee);
	CHECK_EQ(rd(0x10, 8), 0x1001);
	CHECK_EQ(rd(0x18, 4), 10);
	CHECK_EQ(rd(0x1c, 4), 0x44332211);
	CHECK_EQ(rd(0x20, 4), 0);	/* command reads as 0 */

	/* Longer than one chunk, up to the very end of guest memory. */
	dma(sizeof(dev.mem) - 9000, 9000, 0xa5a55a5a, 1);
	CHECK_EQ(rd(0x24, 4), 1);
	CHECK_EQ(rd(0x28, 4), 9000);
	CHECK_EQ(dev.mem[sizeof(dev.mem) - 1], 0xa5);
	CHECK_EQ(dev.mem[sizeof(dev.mem) - 9000], 0x5a);
	mock_dev_exit(&dev);
}

UNIT_TEST(regbank_dma_errors)
{
	mock_dev_init(&dev, "regbank", "");
	memset(dev.mem, 0, sizeof(dev.mem));
	dma(sizeof(dev.mem) - 4, 8, 0xffffffff, 1);	/* past the end */
	CHECK_EQ(rd(0x24, 4), 2);
	CHECK_EQ(rd(0x28, 4), 0);
	CHECK_EQ(dev.mem[sizeof(dev.mem) - 1], 0);
	dma(0xfffffffffffffff0ull, 0x20, 1, 1);		/* wraps */
	CHECK_EQ(rd(0x24, 4), 2);
	CHECK_EQ(dev.mem[0], 0);
	dma(0xd0000000, 4, 1, 1);			/* MMIO, not RAM */
	CHECK_EQ(rd(0x24, 4), 2);
	dma(0, 0, 1, 1);
	CHECK_EQ(rd(0x24, 4), 3);
	dma(0, (1u << 20) + 1, 1, 1);
	CHECK_EQ(rd(0x24, 4), 3);
	dma(0, 4, 1, 7);
	CHECK_EQ(rd(0x24, 4), 4);
	wr(0x21, 1, 1);			/* command 0x100 */
	CHECK_EQ(rd(0x24, 4), 4);
	dma(0x100, 4, 0x01020304, 1);
	CHECK_EQ(rd(0x24, 4), 1);
	wr(0x20, 4, 0);			/* no command: status kept */
	CHECK_EQ(rd(0x24, 4), 1);
	wr(0x24, 4, 0);			/* status is read-only */
	CHECK_EQ(rd(0x24, 4), 1);
	CHECK(dev.mem[0] == 0 && dev.mem[0x100] == 4);
	/* Chunked fill that fails half way reports what it wrote. */
	dma(sizeof(dev.mem) - 5000, 6000, 0x01010101, 1);
	CHECK_EQ(rd(0x24, 4), 2);
	CHECK_EQ(rd(0x28, 4), 4096);
	mock_dev_exit(&dev);
}

UNIT_TEST(regbank_dma_load)
{
	static const uint8_t src[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

	mock_dev_init(&dev, "regbank", "regs=4");
	memcpy(dev.mem + 0x2000, src, sizeof(src));
	wr(BANK + 8, 4, 0xffffffff);
	dma(0x2000, sizeof(src), 0, 2);
	CHECK_EQ(rd(0x24, 4), 1);
	CHECK_EQ(rd(0x28, 4), sizeof(src));
	CHECK_EQ(rd(BANK, 4), 0x04030201);
	CHECK_EQ(rd(BANK + 4, 4), 0x08070605);
	CHECK_EQ(rd(BANK + 8, 4), 0xffffff09);	/* rest kept */
	dma(0x2000, 17, 0, 2);			/* more than 4 registers */
	CHECK_EQ(rd(0x24, 4), 3);
	dma(0x2000, 16, 0, 2);
	CHECK_EQ(rd(0x24, 4), 1);
	dma(sizeof(dev.mem) - 8, 16, 0, 2);
	CHECK_EQ(rd(0x24, 4), 2);
	CHECK_EQ(rd(BANK, 4), 0x04030201);	/* nothing half-loaded */
	mock_dev_exit(&dev);
}

UNIT_TEST(regbank_rejects_bad_options)
{
	CHECK_EQ(mock_dev_init(&dev, "regbank", "regs=0"), -1);
	CHECK_STR_CONTAINS(dev.error, "regs=0");
	CHECK(!dev.ranges[0].used);
	CHECK_EQ(mock_dev_init(&dev, "regbank", "regs=1025"), -1);
	CHECK_STR_CONTAINS(dev.error, "regs=1025");
	CHECK_EQ(mock_dev_init(&dev, "regbank", "regs=abc"), -1);
	CHECK_STR_CONTAINS(dev.log, "regs=abc");
	CHECK_EQ(mock_dev_init(&dev, "regbank", "irq=24"), -1);
	CHECK_STR_CONTAINS(dev.error, "irq=24");
	CHECK_EQ(mock_dev_init(&dev, "regbank", "base=0xfffffffffffffff0"), -1);
	CHECK_STR_CONTAINS(dev.error, "base=0xfffffffffffffff0");
	CHECK_EQ(mock_dev_init(&dev, "regbank", "regs=1"), 0);
	CHECK_EQ(dev.ranges[0].len, BANK + 4);
	mock_dev_exit(&dev);
}

/* Any value at any offset and width, even ones the bus never sends. */
UNIT_TEST(regbank_survives_fuzz)
{
	const struct mock_range *r;
	uint64_t x = 0x243f6a8885a308d3ull;
	int i;

	mock_dev_init(&dev, "regbank", "regs=3");
	r = &dev.ranges[0];
	for (i = 0; i < 200000; i++) {
		struct modvmm_access a = { 0 };
		uint64_t v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a.offset = i % 5 ? x % (r->len + 8) : x >> 8;
		a.addr = BASE + a.offset;
		a.size = i % 7 ? 1u << (x >> 61) % 4 : (uint32_t)(x >> 32);
		a.is_write = (x >> 20) & 1;
		/* Small DMA lengths often enough to reach guest memory. */
		v = (x >> 24) % 3 ? x * 0x2545f4914f6cdd1dull : x % 64;
		if (a.is_write)
			r->ops->write(r->opaque, &a, v);
		else
			r->ops->read(r->opaque, &a);
	}
	CHECK_EQ(rd(0, 4), 0x314B4252);
	mock_dev_exit(&dev);
}
