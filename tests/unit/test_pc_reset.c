// SPDX-License-Identifier: MIT
/* Unit tests for devices/pc_reset.c: each kind of reset through 0xCF9. */
#include "harness_util.h"

#define STATUS_RESET	18

/* A fresh machine; write @first (no reset) then @val; check the end. */
static void reset_with(uint8_t first, uint8_t val, const char *why)
{
	int st = -1;

	CHECK(unit_start("pc_reset") != NULL);
	harness_outb(0xcf9, first);
	CHECK(!harness_stopped(NULL));
	CHECK_EQ(harness_inb(0xcf9), first & 0x0e);
	harness_outb(0xcf9, val);
	CHECK(harness_stopped(&st));
	CHECK_EQ(st, STATUS_RESET);
	CHECK_STR_CONTAINS(harness_log(), why);
	CHECK_EQ(harness_inb(0xcf9), val & 0x0e);
	harness_exit();
}

UNIT_TEST(pc_reset_kinds)
{
	reset_with(0x00, 0x04, "pc_reset: guest reset (0xCF9 soft reset, 0x04)");
	reset_with(0x02, 0x06, "guest reset (0xCF9 hard reset, 0x06)");
	reset_with(0x0a, 0x0e, "guest reset (0xCF9 full reset, 0x0e)");
	reset_with(0x08, 0x0c, "guest reset (0xCF9 full reset, 0x0c)");
	/* reserved bits do not matter */
	reset_with(0xf1, 0xf5, "guest reset (0xCF9 soft reset, 0xf5)");
}

UNIT_TEST(pc_reset_writes_without_rst_cpu)
{
	unsigned int v;

	CHECK(unit_start("pc_reset") != NULL);
	for (v = 0; v < 256; v++) {
		if (v & 0x04)
			continue;
		harness_outb(0xcf9, (uint8_t)v);
		CHECK_EQ(harness_inb(0xcf9), v & 0x0a);
	}
	CHECK(!harness_stopped(NULL));
	CHECK(!strstr(harness_log(), "guest reset"));
	harness_exit();
}
