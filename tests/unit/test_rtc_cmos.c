// SPDX-License-Identifier: MIT
/* Unit tests for devices/rtc_cmos.c: the BIOS memory fields for several
 * RAM sizes, periodic interrupt counts, when timers are armed, and the
 * host's wall clock (tests/harness/rtc_cmos.mh has the register model). */
#include <stdlib.h>
#include <time.h>

#include "harness_util.h"

#define MIB	(1024ull * 1024)
#define GIB	(1024 * MIB)

static uint8_t cmos(uint8_t reg)
{
	harness_outb(0x70, reg);
	return harness_inb(0x71);
}

static void cmos_set(uint8_t reg, uint8_t val)
{
	harness_outb(0x70, reg);
	harness_outb(0x71, val);
}

static unsigned int cmos16(uint8_t reg)
{
	return cmos(reg) | (unsigned int)cmos((uint8_t)(reg + 1)) << 8;
}

static struct modvmm_dev *start_ram(uint64_t ram, const char *spec)
{
	CHECK_EQ(harness_init(ram, NULL), 0);
	return harness_device(spec);
}

/* What a PC BIOS expects for @ram bytes laid out as modvmm does. */
static void check_memory(uint64_t ram, unsigned int ext, unsigned int m16,
			 unsigned int m4g)
{
	unsigned int sum = 0, i;

	CHECK(start_ram(ram, "rtc_cmos,base=2026-01-01") != NULL);
	CHECK_EQ(cmos16(0x15), 640);
	CHECK_EQ(cmos16(0x17), ext);
	CHECK_EQ(cmos16(0x30), ext);
	CHECK_EQ(cmos16(0x34), m16);
	CHECK_EQ(cmos16(0x5b) | (unsigned int)cmos(0x5d) << 16, m4g);
	for (i = 0x10; i <= 0x2d; i++)
		sum += cmos((uint8_t)i);
	CHECK_EQ(cmos(0x2e) << 8 | cmos(0x2f), sum);
	harness_exit();
}

UNIT_TEST(rtc_memory_fields)
{
	/* extended KiB from 1 MiB (capped), 64 KiB units from 16 MiB, then
	 * above 4 GiB (RAM past 3 GiB is moved there) */
	check_memory(1 * MIB, 0, 0, 0);
	check_memory(8 * MIB, 7 * 1024, 0, 0);
	check_memory(32 * MIB, 31 * 1024, 16 * 16, 0);
	check_memory(64 * MIB, 63 * 1024, 48 * 16, 0);
	check_memory(128 * MIB, 0xffff, 112 * 16, 0);
	check_memory(3 * GIB, 0xffff, (3072 - 16) * 16, 0);
	check_memory(4 * GIB, 0xffff, (3072 - 16) * 16, 1 * GIB / 65536);
	check_memory(8 * GIB, 0xffff, (3072 - 16) * 16, 5 * GIB / 65536);
}

/* Serve IRQ 8 for @ns in steps of @step: read C whenever it is high. */
static unsigned int serve(uint64_t ns, uint64_t step)
{
	unsigned int n = 0;
	uint64_t t;

	for (t = 0; t < ns; t += step) {
		harness_advance(step);
		if (harness_irq_level(8)) {
			CHECK_EQ(cmos(0x0c) & 0xc0, 0xc0);
			CHECK_EQ(harness_irq_level(8), 0);
			n++;
		}
	}
	return n;
}

UNIT_TEST(rtc_periodic_rates)
{
	struct modvmm_dev *dev = unit_start("rtc_cmos,base=2026-01-01");

	CHECK(dev != NULL);
	/* rate 6: 1024 Hz, every edge served */
	cmos_set(0x0b, 0x42);
	CHECK_EQ(serve(1000000000ull, 100000), 1024);
	/* rate 3: 8192 Hz for 100 ms */
	cmos_set(0x0a, 0x23);
	CHECK_EQ(serve(100000000ull, 10000), 819);
	/* rate 1 is 256 Hz with a 32.768 kHz time base, rate 2 128 Hz */
	cmos_set(0x0a, 0x21);
	CHECK_EQ(serve(1000000000ull, 500000), 256);
	cmos_set(0x0a, 0x22);
	CHECK_EQ(serve(1000000000ull, 500000), 128);
	/* unserved, the line stays high: one edge, however many periods */
	cmos_set(0x0a, 0x26);
	cmos(0x0c);
	CHECK_EQ(harness_irq_edges(8), 1024 + 819 + 256 + 128);
	harness_advance(1000000000ull);
	CHECK_EQ(harness_irq_edges(8), 1024 + 819 + 256 + 128 + 1);
	CHECK_EQ(harness_irq_level(8), 1);
	harness_exit();
}

UNIT_TEST(rtc_timers_only_for_enabled_interrupts)
{
	struct modvmm_dev *dev = unit_start("rtc_cmos,base=2026-01-01");

	CHECK(dev != NULL);
	CHECK_EQ(harness_timers_armed(dev), 0);
	harness_advance(5000000000ull);
	CHECK_EQ(harness_timers_armed(dev), 0);
	CHECK_EQ(harness_irq_edges(8), 0);
	/* the flags of those 5 s are there: enabling would raise the line */
	CHECK_EQ(cmos(0x0c), 0x50);
	/* update-ended: armed until the line goes up, then not until C */
	cmos_set(0x0b, 0x12);
	CHECK_EQ(harness_irq_level(8), 0);
	CHECK_EQ(harness_timers_armed(dev), 1);
	harness_advance(1000000000ull);
	CHECK_EQ(harness_irq_level(8), 1);
	CHECK_EQ(harness_timers_armed(dev), 0);
	cmos(0x0c);
	CHECK_EQ(harness_timers_armed(dev), 1);
	/* SET stops updates (and clears UIE): nothing to wait for */
	cmos_set(0x0b, 0x92);
	CHECK_EQ(cmos(0x0b), 0x82);
	CHECK_EQ(harness_timers_armed(dev), 0);
	/* an alarm no time matches arms nothing either */
	cmos_set(0x01, 0x99);
	cmos_set(0x0b, 0x22);
	CHECK_EQ(harness_timers_armed(dev), 0);
	harness_exit();
}

/* Hours and minutes of base=@base, on a fresh vm. */
static int read_hm(const char *base)
{
	char spec[64];
	int hm;

	snprintf(spec, sizeof(spec), "rtc_cmos,base=%s", base);
	CHECK(unit_start(spec) != NULL);
	cmos_set(0x0b, 0x06);	/* binary, 24 h */
	hm = cmos(0x04) * 60 + cmos(0x02);
	harness_exit();
	return hm;
}

UNIT_TEST(rtc_wall_clock)
{
	int utc, local, tries;
	struct tm tm;
	time_t t;

	setenv("TZ", "XYZ-5", 1);	/* POSIX: 5 hours east of UTC */
	tzset();
	for (tries = 0; tries < 3; tries++) {
		t = time(NULL);
		utc = read_hm("utc");
		local = read_hm("localtime");
		gmtime_r(&t, &tm);
		if (time(NULL) / 60 == t / 60)
			break;		/* no minute passed meanwhile */
	}
	CHECK_EQ(utc, tm.tm_hour * 60 + tm.tm_min);
	CHECK_EQ((local - utc + 1440) % 1440, 300);
	unsetenv("TZ");
	tzset();
}
