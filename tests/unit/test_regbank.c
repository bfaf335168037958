// SPDX-License-Identifier: MIT
/* Register model of the example regbank plugin (plugins/regbank). */
#include "harness_util.h"

#define BASE	0xd0000000ull
#define BANK	0x100
#define RAM	0x10000ull	/* guest RAM: [0, RAM) */

/* A fresh machine with @RAM and one regbank made from @spec, or NULL. */
static struct modvmm_dev *start(const char *spec)
{
	CHECK_EQ(harness_init(RAM, NULL), 0);
	return harness_device(spec);
}

/* Guest RAM at @gpa, as the device's DMA sees it. */
static uint8_t *mem(uint64_t gpa)
{
	return harness_mem(gpa, 1);
}

static uint64_t rd(uint64_t off, unsigned int size)
{
	return harness_read(MODVMM_SPACE_MMIO, BASE + off, size);
}

static void wr(uint64_t off, unsigned int size, uint64_t val)
{
	harness_write(MODVMM_SPACE_MMIO, BASE + off, size, val);
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
	struct modvmm_dev *dev = start("regbank");
	struct harness_range r;

	CHECK(dev != NULL);
	CHECK(harness_range(MODVMM_SPACE_MMIO, BASE, &r));
	CHECK(r.dev == dev);
	CHECK_EQ(r.base, BASE);
	CHECK_EQ(r.len, BANK + 16 * 4);
	CHECK_EQ(r.sizes, MODVMM_SIZE_ANY);
	CHECK(!harness_range(MODVMM_SPACE_PIO, BASE & 0xffff, &r));
	harness_exit();

	CHECK(start("regbank,regs=1024,base=0xe0000000") != NULL);
	CHECK(harness_range(MODVMM_SPACE_MMIO, 0xe0000000, &r));
	CHECK_EQ(r.base, 0xe0000000);
	CHECK_EQ(r.len, BANK + 1024 * 4);
	harness_exit();
}

UNIT_TEST(regbank_id_and_info_at_every_width)
{
	start("regbank,regs=5,irq=3");
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
	harness_exit();
}

UNIT_TEST(regbank_bank_partial_access)
{
	int i;

	start("regbank");
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
	CHECK_EQ(rd(BANK + 64, 4), 0xffffffff);	/* outside: unclaimed */
	harness_exit();
}

UNIT_TEST(regbank_level_irq)
{
	start("regbank");
	CHECK_EQ(rd(8, 4), 0);
	wr(8, 4, 1);
	CHECK_EQ(harness_irq_level(10), 1);
	CHECK_EQ(rd(8, 4), 1);
	wr(8, 1, 3);			/* still bit 0 set: stays held */
	CHECK_EQ(harness_irq_edges(10), 1);
	wr(9, 1, 0);			/* other byte: no change */
	CHECK_EQ(harness_irq_level(10), 1);
	wr(8, 4, 0);
	CHECK_EQ(harness_irq_level(10), 0);
	CHECK_EQ(rd(8, 4), 0);
	wr(8, 2, 0xffff);
	CHECK_EQ(harness_irq_level(10), 1);
	CHECK_EQ(harness_irq_edges(10), 2);
	CHECK_EQ(harness_irq_pulses(10), 0);
	harness_exit();

	start("regbank,irq=7");
	wr(8, 1, 1);
	CHECK_EQ(harness_irq_level(7), 1);
	CHECK_EQ(harness_irq_level(10), 0);
	harness_exit();
}

UNIT_TEST(regbank_dma_fill)
{
	int i;

	start("regbank");
	CHECK_EQ(rd(0x24, 4), 0);
	memset(harness_mem(0x1000, 16), 0xee, 16);
	dma(0x1001, 10, 0x44332211, 1);
	CHECK_EQ(rd(0x24, 4), 1);
	CHECK_EQ(rd(0x28, 4), 10);
	CHECK_EQ(*mem(0x1000), 0xee);
	for (i = 0; i < 10; i++)
		CHECK_EQ(*mem(0x1001 + i), 0x11 + 0x11 * (i % 4));
	CHECK_EQ(*mem(0x100b), 0xee);
	CHECK_EQ(rd(0x10, 8), 0x1001);
	CHECK_EQ(rd(0x18, 4), 10);
	CHECK_EQ(rd(0x1c, 4), 0x44332211);
	CHECK_EQ(rd(0x20, 4), 0);	/* command reads as 0 */

	/* Longer than one chunk, up to the very end of guest memory. */
	dma(RAM - 9000, 9000, 0xa5a55a5a, 1);
	CHECK_EQ(rd(0x24, 4), 1);
	CHECK_EQ(rd(0x28, 4), 9000);
	CHECK_EQ(*mem(RAM - 1), 0xa5);
	CHECK_EQ(*mem(RAM - 9000), 0x5a);
	harness_exit();
}

UNIT_TEST(regbank_dma_errors)
{
	start("regbank");
	memset(harness_mem(0, RAM), 0, RAM);
	dma(RAM - 4, 8, 0xffffffff, 1);	/* past the end */
	CHECK_EQ(rd(0x24, 4), 2);
	CHECK_EQ(rd(0x28, 4), 0);
	CHECK_EQ(*mem(RAM - 1), 0);
	dma(0xfffffffffffffff0ull, 0x20, 1, 1);		/* wraps */
	CHECK_EQ(rd(0x24, 4), 2);
	CHECK_EQ(*mem(0), 0);
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
	CHECK(*mem(0) == 0 && *mem(0x100) == 4);
	/* Chunked fill that fails half way reports what it wrote. */
	dma(RAM - 5000, 6000, 0x01010101, 1);
	CHECK_EQ(rd(0x24, 4), 2);
	CHECK_EQ(rd(0x28, 4), 4096);
	harness_exit();
}

UNIT_TEST(regbank_dma_load)
{
	static const uint8_t src[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

	start("regbank,regs=4");
	memcpy(harness_mem(0x2000, sizeof(src)), src, sizeof(src));
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
	dma(RAM - 8, 16, 0, 2);
	CHECK_EQ(rd(0x24, 4), 2);
	CHECK_EQ(rd(BANK, 4), 0x04030201);	/* nothing half-loaded */
	harness_exit();
}

/* @spec is refused with a reason that says @why, and claims nothing. */
static void check_refused(const char *spec, const char *why)
{
	unit_refused(spec, why, MODVMM_SPACE_MMIO, BASE);
}

UNIT_TEST(regbank_rejects_bad_options)
{
	struct harness_range r;

	check_refused("regbank,regs=0", "regs=0");
	check_refused("regbank,regs=1025", "regs=1025");
	check_refused("regbank,regs=abc", "regs=abc");
	check_refused("regbank,irq=24", "irq=24");
	check_refused("regbank,base=0xfffffffffffffff0", "base=0xfffffffffffffff0");
	/* MMIO on top of guest RAM: the bus refuses it, the device says so */
	check_refused("regbank,base=0x1000", "guest RAM");
	CHECK(start("regbank,regs=1") != NULL);
	CHECK(harness_range(MODVMM_SPACE_MMIO, BASE, &r));
	CHECK_EQ(r.len, BANK + 4);
	harness_exit();
}

/* Any value at any offset and width, even ones the bus never sends. */
UNIT_TEST(regbank_survives_fuzz)
{
	struct harness_range r = { 0 };
	uint64_t x = 0x243f6a8885a308d3ull;
	int i;

	start("regbank,regs=3");
	CHECK(harness_range(MODVMM_SPACE_MMIO, BASE, &r));
	for (i = 0; i < 200000; i++) {
		struct modvmm_access a = { 0 };
		uint64_t v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a.offset = i % 5 ? x % (r.len + 8) : x >> 8;
		a.addr = BASE + a.offset;
		a.size = i % 7 ? 1u << (x >> 61) % 4 : (uint32_t)(x >> 32);
		a.is_write = (x >> 20) & 1;
		/* Small DMA lengths often enough to reach guest memory. */
		v = (x >> 24) % 3 ? x * 0x2545f4914f6cdd1dull : x % 64;
		harness_range_call(MODVMM_SPACE_MMIO, BASE, &a, v);
	}
	CHECK_EQ(rd(0, 4), 0x314B4252);
	harness_exit();
}
