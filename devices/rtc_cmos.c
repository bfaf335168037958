// SPDX-License-Identifier: MIT
/*
 * rtc_cmos - the PC's real-time clock and CMOS RAM: a Motorola MC146818
 * behind the index port 0x70 and the data port 0x71.
 *
 * Ports: a write to 0x70 selects one of the 128 bytes with bits 0-6; bit
 * 7 is the chipset's NMI mask, kept apart and never part of the index.
 * Reads of 0x70 return all ones (the port is write-only on a PC).
 *
 * Time: the clock is host->clock_ns() plus an offset fixed at init from
 * the wall clock (base=utc or base=localtime) or a given date (base=
 * YYYY-MM-DDTHH:MM:SS, as QEMU's -rtc base=).  Nothing runs per second:
 * the time registers (0, 2, 4, 6-9 and the century at 0x32) are computed
 * at each read in the format register B asks for (BCD or binary, 12 or
 * 24 hours).  The divider chain is the clock since init: a second begins
 * every 1e9 ns after the wall clock's second did, and the periodic
 * interrupt's edges, the update and UIP follow it.  Setting the time
 * keeps that phase, as the chip's divider keeps running while SET is 1.
 *
 * SET (register B bit 7) freezes the time registers: the time at that
 * moment is copied into them, the guest may read and write them, and
 * when SET is cleared the clock runs on from whatever they hold (values
 * out of range are reduced into it; the chip's behaviour is undefined).
 * A time register written while SET is 0 takes effect at once.
 *
 * Flags (register C): PF at every edge of the periodic rate, UF at every
 * update (once a second, not while SET), AF at an update whose new time
 * matches the alarm registers (0xC0-0xFF in one of them: any value).  The
 * chip sets them whatever the enable bits in B say; here they are worked
 * out when C is read, from the time since the last look.  IRQF and the
 * interrupt line (irq=, default 8, level) are high while a flag is set
 * whose enable bit is set, until C is read.  A one-shot host timer is
 * armed only for the next interrupt an enable bit asks for, and not at
 * all while the line is high.
 *
 * Not modelled: the divider bits of register A (stored; the clock runs
 * as with a 32.768 kHz crystal, DV = 010, whatever they say), daylight
 * saving (DSE is stored), the square wave pin (SQWE is stored), the
 * 1984 us update cycle (the registers change at the second; UIP is high
 * for the 244 us before it, as the datasheet promises).  The calendar is
 * Gregorian over the full year (century byte * 100 + year), where the
 * chip itself takes every year divisible by 4 as a leap year.
 *
 * NVRAM: the rest are plain bytes.  At init the PC BIOS fields are
 * filled from the machine's memory map: base and extended memory, memory
 * above 16 MiB and above 4 GiB, the equipment byte (no floppy, an FPU),
 * and the checksum over 0x10-0x2d at 0x2e (high byte) and 0x2f.
 *
 * A machine reset (--reboot) is what the RESET pin does (rtc_cmos_reset):
 * the clock runs on and the NVRAM keeps every byte, so a guest can count
 * its boots there.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <modvmm/device.h>

#define NSEC_PER_SEC		1000000000ull
#define RTC_HZ			32768ull	/* the divider chain's input */
#define RTC_UIP_TICKS		8		/* 244 us before the update */
#define RTC_SEC_PER_DAY		86400

#define RTC_PORT		0x70
#define RTC_NMI_MASK		0x80
#define RTC_INDEX_MASK		0x7f
#define RTC_SIZE		128

/* Register indices */
#define RTC_SEC			0x00
#define RTC_SEC_ALARM		0x01
#define RTC_MIN			0x02
#define RTC_MIN_ALARM		0x03
#define RTC_HOUR		0x04
#define RTC_HOUR_ALARM		0x05
#define RTC_WDAY		0x06
#define RTC_MDAY		0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32

#define RTC_A_UIP		0x80
#define RTC_A_RATE		0x0f
#define RTC_B_SET		0x80
#define RTC_B_PIE		0x40
#define RTC_B_AIE		0x20
#define RTC_B_UIE		0x10
#define RTC_B_SQWE		0x08
#define RTC_B_DM		0x04	/* 1: binary, 0: BCD */
#define RTC_B_24H		0x02
#define RTC_C_IRQF		0x80
#define RTC_C_PF		0x40
#define RTC_C_AF		0x20
#define RTC_C_UF		0x10
#define RTC_D_VRT		0x80
#define RTC_HOUR_PM		0x80
#define RTC_ALARM_ANY		0xc0

/* Power-on values a PC BIOS leaves: 32.768 kHz, 1024 Hz; BCD, 24 h. */
#define RTC_A_DEFAULT		0x26
#define RTC_B_DEFAULT		RTC_B_24H

/* NVRAM fields of the PC BIOS */
#define CMOS_FLOPPY		0x10
#define CMOS_DISK		0x12
#define CMOS_EQUIPMENT		0x14
#define CMOS_BASE_MEM		0x15	/* KiB below 640 KiB, 2 bytes */
#define CMOS_EXT_MEM		0x17	/* KiB from 1 MiB, 2 bytes */
#define CMOS_SUM_FIRST		0x10
#define CMOS_SUM_LAST		0x2d
#define CMOS_CHECKSUM		0x2e	/* big-endian sum of 0x10-0x2d */
#define CMOS_EXT_MEM2		0x30	/* the same again, 2 bytes */
#define CMOS_MEM_16M		0x34	/* 64 KiB units 16 MiB-4 GiB */
#define CMOS_MEM_4G		0x5b	/* 64 KiB units above 4 GiB, 3 bytes */
#define CMOS_EQUIP_FPU		0x02

#define KIB			1024ull
#define MIB			(1024 * KIB)
#define GIB			(1024 * MIB)

/* A broken-down time: year 0-9999 (century byte * 100 + year byte). */
struct rtc_tm {
	int year, mon, mday, hour, min, sec, wday;	/* wday 0 = Sunday */
};

struct rtc {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	struct modvmm_timer *timer;
	unsigned int irq;
	uint8_t index;
	uint8_t nmi_masked;	/* bit 7 of the last index write */
	uint8_t flags;		/* PF, AF, UF of register C */
	uint8_t line;		/* the level driven on the line */
	uint8_t wday_delta;	/* guest's weekday minus the calendar's */
	uint64_t anchor_ns;	/* a second boundary of the divider chain */
	int64_t sec_base;	/* the time (s since 1970) at anchor_ns */
	uint64_t seen_ns;	/* flags account for the time up to here */
	uint8_t cmos[RTC_SIZE];
};

/* ---- calendar ----------------------------------------------------------- */

static int rtc_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int rtc_month_days(int64_t y, int mon)
{
	static const uint8_t days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return days[mon - 1] + (mon == 2 && rtc_leap(y));
}

/* Days from 0000-01-01 to the first of January of year @y (>= 0). */
static int64_t rtc_year_start(int64_t y)
{
	/* leap years among 0 .. y-1: year 0 is one */
	return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

static int64_t rtc_epoch_days(void)
{
	return rtc_year_start(1970);
}

/* Seconds since 1970 of @tm (fields in range, year >= 0). */
static int64_t rtc_tm_to_sec(const struct rtc_tm *tm)
{
	int64_t days = rtc_year_start(tm->year) - rtc_epoch_days();
	int m;

	for (m = 1; m < tm->mon; m++)
		days += rtc_month_days(tm->year, m);
	days += tm->mday - 1;
	return days * RTC_SEC_PER_DAY + tm->hour * 3600 + tm->min * 60 +
	       tm->sec;
}

/* @sec since 1970 (from year 0 on) as a broken-down time. */
static void rtc_sec_to_tm(int64_t sec, struct rtc_tm *tm)
{
	int64_t days = sec / RTC_SEC_PER_DAY, tod = sec % RTC_SEC_PER_DAY;
	int64_t total, y;

	if (tod < 0) {
		tod += RTC_SEC_PER_DAY;
		days--;
	}
	total = days + rtc_epoch_days();	/* days since 0000-01-01 */
	if (total < 0)
		total = 0;
	y = total * 400 / 146097;
	while (y > 0 && rtc_year_start(y) > total)
		y--;
	while (rtc_year_start(y + 1) <= total)
		y++;
	total -= rtc_year_start(y);
	tm->year = (int)y;
	for (tm->mon = 1; total >= rtc_month_days(y, tm->mon); tm->mon++)
		total -= rtc_month_days(y, tm->mon);
	tm->mday = (int)total + 1;
	tm->hour = (int)(tod / 3600);
	tm->min = (int)(tod / 60 % 60);
	tm->sec = (int)(tod % 60);
	/* 0000-01-01 was a Saturday (proleptic Gregorian) */
	tm->wday = (int)((days + rtc_epoch_days() + 6) % 7);
}

/* ---- register formats ---------------------------------------------------- */

static int rtc_binary(const struct rtc *rtc)
{
	return !!(rtc->cmos[RTC_REG_B] & RTC_B_DM);
}

static uint8_t rtc_encode(const struct rtc *rtc, int v)
{
	v %= 100;
	return rtc_binary(rtc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* BCD digits above 9 are taken at face value. */
static int rtc_decode(const struct rtc *rtc, uint8_t b)
{
	return rtc_binary(rtc) ? b : (b >> 4) * 10 + (b & 0xf);
}

static uint8_t rtc_encode_hour(const struct rtc *rtc, int h)
{
	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_encode(rtc, h);
	return rtc_encode(rtc, h % 12 ? h % 12 : 12) |
	       (h >= 12 ? RTC_HOUR_PM : 0);
}

static int rtc_decode_hour(const struct rtc *rtc, uint8_t b)
{
	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_decode(rtc, b);
	return rtc_decode(rtc, b & 0x7f) % 12 + (b & RTC_HOUR_PM ? 12 : 0);
}

/* @v, or @v reduced into [@lo, @hi] when outside. */
static int rtc_fit(int v, int lo, int hi)
{
	if (v >= lo && v <= hi)
		return v;
	return lo + v % (hi - lo + 1);
}

/* ---- the clock ----------------------------------------------------------- */

static uint64_t rtc_elapsed(const struct rtc *rtc, uint64_t now)
{
	return now > rtc->anchor_ns ? now - rtc->anchor_ns : 0;
}

/* The time, in seconds since 1970, at @now (the divider's count). */
static int64_t rtc_sec(const struct rtc *rtc, uint64_t now)
{
	return rtc->sec_base + (int64_t)(rtc_elapsed(rtc, now) / NSEC_PER_SEC);
}

/* 32768 Hz ticks of the divider chain since the anchor. */
static uint64_t rtc_ticks(const struct rtc *rtc, uint64_t now)
{
	uint64_t e = rtc_elapsed(rtc, now);

	return e / NSEC_PER_SEC * RTC_HZ + e % NSEC_PER_SEC * RTC_HZ /
	       NSEC_PER_SEC;
}

/* The first nanosecond (after the anchor) at which @ticks have passed. */
static uint64_t rtc_ticks_to_ns(const struct rtc *rtc, uint64_t ticks)
{
	return rtc->anchor_ns + ticks / RTC_HZ * NSEC_PER_SEC +
	       (ticks % RTC_HZ * NSEC_PER_SEC + RTC_HZ - 1) / RTC_HZ;
}

/* The start of the second @k seconds after the one @now lies in. */
static uint64_t rtc_second_ns(const struct rtc *rtc, uint64_t now, uint64_t k)
{
	return rtc->anchor_ns +
	       (rtc_elapsed(rtc, now) / NSEC_PER_SEC + k) * NSEC_PER_SEC;
}

/* Run the clock from @sec at @now, keeping the divider's phase. */
static void rtc_set_sec(struct rtc *rtc, int64_t sec, uint64_t now)
{
	rtc->sec_base = sec - (int64_t)(rtc_elapsed(rtc, now) / NSEC_PER_SEC);
}

static int rtc_frozen(const struct rtc *rtc)
{
	return !!(rtc->cmos[RTC_REG_B] & RTC_B_SET);
}

/* Time register @reg as the clock shows it at @now. */
static uint8_t rtc_time_reg(const struct rtc *rtc, unsigned int reg,
			    uint64_t now)
{
	struct rtc_tm tm;

	rtc_sec_to_tm(rtc_sec(rtc, now), &tm);
	switch (reg) {
	case RTC_SEC:
		return rtc_encode(rtc, tm.sec);
	case RTC_MIN:
		return rtc_encode(rtc, tm.min);
	case RTC_HOUR:
		return rtc_encode_hour(rtc, tm.hour);
	case RTC_WDAY:
		return rtc_encode(rtc, (tm.wday + rtc->wday_delta) % 7 + 1);
	case RTC_MDAY:
		return rtc_encode(rtc, tm.mday);
	case RTC_MONTH:
		return rtc_encode(rtc, tm.mon);
	case RTC_YEAR:
		return rtc_encode(rtc, tm.year % 100);
	default:
		return rtc_encode(rtc, tm.year / 100);
	}
}

static int rtc_is_time_reg(unsigned int reg)
{
	return reg == RTC_SEC || reg == RTC_MIN || reg == RTC_HOUR ||
	       (reg >= RTC_WDAY && reg <= RTC_YEAR) || reg == RTC_CENTURY;
}

/* Copy the clock at @now into the time registers (SET, or a write). */
static void rtc_store_time(struct rtc *rtc, uint64_t now)
{
	static const uint8_t regs[] = {
		RTC_SEC, RTC_MIN, RTC_HOUR, RTC_WDAY, RTC_MDAY, RTC_MONTH,
		RTC_YEAR, RTC_CENTURY,
	};
	size_t i;

	for (i = 0; i < sizeof(regs); i++)
		rtc->cmos[regs[i]] = rtc_time_reg(rtc, regs[i], now);
}

/* Run the clock from what the time registers hold, from @now on. */
static void rtc_load_time(struct rtc *rtc, uint64_t now)
{
	const uint8_t *c = rtc->cmos;
	struct rtc_tm tm, check;
	int wday;

	tm.year = rtc_fit(rtc_decode(rtc, c[RTC_CENTURY]), 0, 99) * 100 +
		  rtc_fit(rtc_decode(rtc, c[RTC_YEAR]), 0, 99);
	tm.mon = rtc_fit(rtc_decode(rtc, c[RTC_MONTH]), 1, 12);
	tm.mday = rtc_fit(rtc_decode(rtc, c[RTC_MDAY]), 1,
			  rtc_month_days(tm.year, tm.mon));
	tm.hour = rtc_fit(rtc_decode_hour(rtc, c[RTC_HOUR]), 0, 23);
	tm.min = rtc_fit(rtc_decode(rtc, c[RTC_MIN]), 0, 59);
	tm.sec = rtc_fit(rtc_decode(rtc, c[RTC_SEC]), 0, 59);
	rtc_set_sec(rtc, rtc_tm_to_sec(&tm), now);
	/* the chip counts the weekday on its own: keep the guest's */
	rtc_sec_to_tm(rtc_tm_to_sec(&tm), &check);
	wday = rtc_fit(rtc_decode(rtc, c[RTC_WDAY]), 1, 7) - 1;
	rtc->wday_delta = (uint8_t)((wday - check.wday + 7) % 7);
}

/* ---- flags and the interrupt ---------------------------------------------- */

/* Divider ticks per periodic edge for rate @rs (0: none). */
static uint64_t rtc_rate_ticks(uint8_t rs)
{
	rs &= RTC_A_RATE;
	if (!rs)
		return 0;
	/* with a 32.768 kHz time base rates 1 and 2 repeat 8 and 9 */
	if (rs < 3)
		rs = (uint8_t)(rs + 7);
	return 1ull << (rs - 1);
}

/*
 * Alarm register @reg's wish: -1 any value, -2 none (no time register
 * ever holds that byte), else the value.  The chip compares bytes, and
 * the time registers always hold canonical ones, so a value matches iff
 * its byte round-trips.
 */
static int rtc_alarm_want(const struct rtc *rtc, unsigned int reg)
{
	uint8_t b = rtc->cmos[reg];
	int v;

	if (b >= RTC_ALARM_ANY)
		return -1;
	if (reg == RTC_HOUR_ALARM) {
		v = rtc_decode_hour(rtc, b);
		return v < 24 && rtc_encode_hour(rtc, v) == b ? v : -2;
	}
	v = rtc_decode(rtc, b);
	return v < 60 && rtc_encode(rtc, v) == b ? v : -2;
}

static int rtc_alarm_ok(int want, int v)
{
	return want == -1 || want == v;
}

/*
 * Seconds from time of day @tod to the next second (1 .. 86400) whose
 * time matches the alarm; 0 if none ever does.
 */
static int rtc_alarm_next(const struct rtc *rtc, int tod)
{
	int h = rtc_alarm_want(rtc, RTC_HOUR_ALARM);
	int m = rtc_alarm_want(rtc, RTC_MIN_ALARM);
	int s = rtc_alarm_want(rtc, RTC_SEC_ALARM);
	int k, t;

	if (h == -2 || m == -2 || s == -2)
		return 0;
	for (k = 1; k <= RTC_SEC_PER_DAY;) {
		t = (tod + k) % RTC_SEC_PER_DAY;
		if (!rtc_alarm_ok(h, t / 3600))
			k += 3600 - t % 3600;
		else if (!rtc_alarm_ok(m, t / 60 % 60))
			k += 60 - t % 60;
		else if (!rtc_alarm_ok(s, t % 60))
			k++;
		else
			return k;
	}
	return 0;
}

static int rtc_tod(int64_t sec)
{
	int64_t t = sec % RTC_SEC_PER_DAY;

	return (int)(t < 0 ? t + RTC_SEC_PER_DAY : t);
}

/* Set the flags for what happened from seen_ns to @now. */
static void rtc_catch_up(struct rtc *rtc, uint64_t now)
{
	uint64_t rate = rtc_rate_ticks(rtc->cmos[RTC_REG_A]);
	int64_t s0, s1;
	int k;

	if (now <= rtc->seen_ns)
		return;
	if (rate && rtc_ticks(rtc, now) / rate != rtc_ticks(rtc, rtc->seen_ns) / rate)
		rtc->flags |= RTC_C_PF;
	if (!rtc_frozen(rtc)) {
		s0 = rtc_sec(rtc, rtc->seen_ns);
		s1 = rtc_sec(rtc, now);
		if (s1 > s0) {
			rtc->flags |= RTC_C_UF;
			k = rtc_alarm_next(rtc, rtc_tod(s0));
			if (k && k <= s1 - s0)
				rtc->flags |= RTC_C_AF;
		}
	}
	rtc->seen_ns = now;
}

static int rtc_irqf(const struct rtc *rtc)
{
	uint8_t en = rtc->cmos[RTC_REG_B];

	return ((rtc->flags & RTC_C_PF) && (en & RTC_B_PIE)) ||
	       ((rtc->flags & RTC_C_AF) && (en & RTC_B_AIE)) ||
	       ((rtc->flags & RTC_C_UF) && (en & RTC_B_UIE));
}

static void rtc_update_line(struct rtc *rtc)
{
	uint8_t level = (uint8_t)rtc_irqf(rtc);

	if (level == rtc->line)
		return;
	rtc->line = level;
	rtc->host->irq_set(rtc->dev, rtc->irq, level);
	if (level)
		rtc->host->stat_add(rtc->dev, "interrupts", 1);
}

static uint64_t rtc_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* When the next enabled flag rises; UINT64_MAX if none will. */
static uint64_t rtc_next_irq(const struct rtc *rtc, uint64_t now)
{
	uint8_t b = rtc->cmos[RTC_REG_B];
	uint64_t rate = rtc_rate_ticks(rtc->cmos[RTC_REG_A]);
	uint64_t next = UINT64_MAX;
	int k;

	if ((b & RTC_B_PIE) && rate)
		next = rtc_ticks_to_ns(rtc, (rtc_ticks(rtc, now) / rate + 1) * rate);
	if (rtc_frozen(rtc))
		return next;
	if (b & RTC_B_UIE)
		next = rtc_min(next, rtc_second_ns(rtc, now, 1));
	if (b & RTC_B_AIE) {
		k = rtc_alarm_next(rtc, rtc_tod(rtc_sec(rtc, now)));
		if (k)
			next = rtc_min(next, rtc_second_ns(rtc, now, (uint64_t)k));
	}
	return next;
}

/* Drive the line and aim the timer at the next interrupt, if any. */
static void rtc_update(struct rtc *rtc, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	rtc_update_line(rtc);
	if (!rtc->line)
		next = rtc_next_irq(rtc, now);
	/* a delay of 0 disarms; a deadline already due fires now */
	rtc->host->timer_arm(rtc->timer, next == UINT64_MAX ? 0 :
			     next > now ? next - now : 1, 0);
}

static void rtc_timer_fire(void *opaque, uint64_t expired)
{
	struct rtc *rtc = opaque;
	uint64_t now = rtc->host->clock_ns();

	(void)expired;
	rtc_catch_up(rtc, now);
	rtc_update(rtc, now);
}

/* ---- registers ----------------------------------------------------------- */

static uint8_t rtc_read_c(struct rtc *rtc, uint64_t now)
{
	uint8_t v;

	rtc_catch_up(rtc, now);
	v = rtc->flags | (rtc_irqf(rtc) ? RTC_C_IRQF : 0);
	rtc->flags = 0;
	rtc_update(rtc, now);
	return v;
}

static uint8_t rtc_read_reg(struct rtc *rtc, unsigned int reg, uint64_t now)
{
	uint8_t a;

	if (rtc_is_time_reg(reg) && !rtc_frozen(rtc))
		return rtc_time_reg(rtc, reg, now);
	switch (reg) {
	case RTC_REG_A:
		a = rtc->cmos[RTC_REG_A];
		if (!rtc_frozen(rtc) &&
		    rtc_ticks(rtc, now) % RTC_HZ >= RTC_HZ - RTC_UIP_TICKS)
			a |= RTC_A_UIP;
		return a;
	case RTC_REG_C:
		return rtc_read_c(rtc, now);
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return rtc->cmos[reg];
	}
}

static void rtc_write_b(struct rtc *rtc, uint8_t val, uint64_t now)
{
	int was_set = rtc_frozen(rtc);

	/* the SET bit going high clears UIE (datasheet) */
	if (val & RTC_B_SET)
		val &= (uint8_t)~RTC_B_UIE;
	rtc->cmos[RTC_REG_B] = val;
	/* both in the new format, so that a format change keeps the time */
	if ((val & RTC_B_SET) && !was_set)
		rtc_store_time(rtc, now);
	else if (!(val & RTC_B_SET) && was_set)
		rtc_load_time(rtc, now);
}

static void rtc_write_reg(struct rtc *rtc, unsigned int reg, uint8_t val,
			  uint64_t now)
{
	/* the flags so far follow the state they happened in */
	rtc_catch_up(rtc, now);
	if (rtc_is_time_reg(reg) && !rtc_frozen(rtc)) {
		rtc_store_time(rtc, now);
		rtc->cmos[reg] = val;
		rtc_load_time(rtc, now);
	} else if (reg == RTC_REG_A) {
		rtc->cmos[reg] = val & (uint8_t)~RTC_A_UIP;
	} else if (reg == RTC_REG_B) {
		rtc_write_b(rtc, val, now);
	} else if (reg != RTC_REG_C && reg != RTC_REG_D) {
		rtc->cmos[reg] = val;
	}
	rtc_update(rtc, now);
}

static uint64_t rtc_io_read(void *opaque, const struct modvmm_access *a)
{
	struct rtc *rtc = opaque;

	if (a->offset == 0)
		return 0xff;	/* the index port is write-only */
	return rtc_read_reg(rtc, rtc->index, rtc->host->clock_ns());
}

static void rtc_io_write(void *opaque, const struct modvmm_access *a,
			 uint64_t val)
{
	struct rtc *rtc = opaque;

	if (a->offset == 0) {
		rtc->index = val & RTC_INDEX_MASK;
		rtc->nmi_masked = !!(val & RTC_NMI_MASK);
		return;
	}
	rtc_write_reg(rtc, rtc->index, (uint8_t)val, rtc->host->clock_ns());
}

static const struct modvmm_range_ops rtc_ops = {
	.read = rtc_io_read,
	.write = rtc_io_write,
	.sizes = MODVMM_SIZE_1,
};

/* ---- NVRAM ---------------------------------------------------------------- */

/* Bytes of RAM in the map between @lo and @hi. */
static uint64_t rtc_ram_between(const struct modvmm_machine_info *info,
				uint64_t lo, uint64_t hi)
{
	uint64_t sum = 0, a, b;
	uint32_t i;

	for (i = 0; i < info->nr_map && i < MODVMM_MAX_MEM_RANGES; i++) {
		const struct modvmm_mem_range *r = &info->map[i];

		if (r->type != MODVMM_MEM_RAM || !r->size)
			continue;
		a = r->addr > lo ? r->addr : lo;
		b = r->addr + r->size < hi ? r->addr + r->size : hi;
		if (b > a)
			sum += b - a;
	}
	return sum;
}

static void rtc_put16(struct rtc *rtc, unsigned int reg, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	rtc->cmos[reg] = (uint8_t)v;
	rtc->cmos[reg + 1] = (uint8_t)(v >> 8);
}

static void rtc_fill_memory(struct rtc *rtc)
{
	struct modvmm_machine_info info;
	uint64_t ext, high;

	if (!MODVMM_HOST_HAS(rtc->host, machine_info))
		return;
	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	if (rtc->host->machine_info(rtc->dev, &info))
		return;
	rtc_put16(rtc, CMOS_BASE_MEM, rtc_ram_between(&info, 0, 640 * KIB) / KIB);
	ext = rtc_ram_between(&info, MIB, 4 * GIB) / KIB;
	rtc_put16(rtc, CMOS_EXT_MEM, ext);
	rtc_put16(rtc, CMOS_EXT_MEM2, ext);
	rtc_put16(rtc, CMOS_MEM_16M,
		  rtc_ram_between(&info, 16 * MIB, 4 * GIB) / (64 * KIB));
	high = rtc_ram_between(&info, 4 * GIB, UINT64_MAX) / (64 * KIB);
	if (high > 0xffffff)
		high = 0xffffff;
	rtc->cmos[CMOS_MEM_4G] = (uint8_t)high;
	rtc->cmos[CMOS_MEM_4G + 1] = (uint8_t)(high >> 8);
	rtc->cmos[CMOS_MEM_4G + 2] = (uint8_t)(high >> 16);
}

static void rtc_fill_nvram(struct rtc *rtc)
{
	unsigned int i, sum = 0;

	rtc->cmos[RTC_REG_A] = RTC_A_DEFAULT;
	rtc->cmos[RTC_REG_B] = RTC_B_DEFAULT;
	rtc->cmos[CMOS_FLOPPY] = 0;		/* no drives */
	rtc->cmos[CMOS_DISK] = 0;
	rtc->cmos[CMOS_EQUIPMENT] = CMOS_EQUIP_FPU;	/* no floppy, VGA */
	rtc_fill_memory(rtc);
	for (i = CMOS_SUM_FIRST; i <= CMOS_SUM_LAST; i++)
		sum += rtc->cmos[i];
	rtc->cmos[CMOS_CHECKSUM] = (uint8_t)(sum >> 8);
	rtc->cmos[CMOS_CHECKSUM + 1] = (uint8_t)sum;
}

/* ---- options and init ----------------------------------------------------- */

/* @n digits of @s as a number; -1 if one is not a digit. */
static int rtc_digits(const char *s, int n)
{
	int v = 0;

	for (; n; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" into @tm; 0 or -1. */
static int rtc_parse_date(const char *s, struct rtc_tm *tm)
{
	size_t len = strlen(s);

	if ((len != 10 && len != 19) || s[4] != '-' || s[7] != '-')
		return -1;
	tm->year = rtc_digits(s, 4);
	tm->mon = rtc_digits(s + 5, 2);
	tm->mday = rtc_digits(s + 8, 2);
	tm->hour = tm->min = tm->sec = 0;
	if (len == 19) {
		if (s[10] != 'T' || s[13] != ':' || s[16] != ':')
			return -1;
		tm->hour = rtc_digits(s + 11, 2);
		tm->min = rtc_digits(s + 14, 2);
		tm->sec = rtc_digits(s + 17, 2);
	}
	if (tm->year < 0 || tm->mon < 1 || tm->mon > 12 || tm->mday < 1 ||
	    tm->mday > rtc_month_days(tm->year, tm->mon) || tm->hour < 0 ||
	    tm->hour > 23 || tm->min < 0 || tm->min > 59 || tm->sec < 0 ||
	    tm->sec > 59)
		return -1;
	return 0;
}

/* The time to start from, and its phase within the second. */
static int rtc_parse_base(struct rtc *rtc, int64_t *sec, uint64_t *phase)
{
	const char *base = rtc->host->opt_str(rtc->dev, "base", "utc");
	struct timespec ts;
	struct rtc_tm tm;
	struct tm lt;

	*phase = 0;
	if (strcmp(base, "utc") && strcmp(base, "localtime")) {
		if (rtc_parse_date(base, &tm)) {
			rtc->host->set_error(rtc->dev,
					     "base=%s: expected utc, localtime or YYYY-MM-DDTHH:MM:SS",
					     base);
			return -1;
		}
		*sec = rtc_tm_to_sec(&tm);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*phase = (uint64_t)ts.tv_nsec;
	if (!strcmp(base, "localtime") && localtime_r(&ts.tv_sec, &lt))
		*sec += lt.tm_gmtoff;
	return 0;
}

static int rtc_parse(struct rtc *rtc, int64_t *sec, uint64_t *phase)
{
	uint64_t irq;

	if (rtc->host->opt_u64(rtc->dev, "irq", 8, &irq)) {
		rtc->host->set_error(rtc->dev, "malformed option value");
		return -1;
	}
	if (irq >= MODVMM_IRQ_LINES) {
		rtc->host->set_error(rtc->dev, "option irq=%llu: out of range (0-23)",
				     (unsigned long long)irq);
		return -1;
	}
	rtc->irq = (unsigned int)irq;
	return rtc_parse_base(rtc, sec, phase);
}

static void rtc_start_clock(struct rtc *rtc, int64_t sec, uint64_t phase)
{
	uint64_t now = rtc->host->clock_ns();

	/* the divider's second began @phase ago */
	if (phase > now)
		phase = now;
	rtc->anchor_ns = now - phase;
	rtc->sec_base = sec;
	rtc->seen_ns = now;
}

static int rtc_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		    void **priv)
{
	struct rtc *rtc;
	uint64_t phase;
	int64_t sec;

	rtc = calloc(1, sizeof(*rtc));
	if (!rtc) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	rtc->dev = dev;
	rtc->host = host;
	if (rtc_parse(rtc, &sec, &phase))
		goto fail;
	rtc_fill_nvram(rtc);
	rtc_start_clock(rtc, sec, phase);
	rtc->timer = host->timer_new(dev, rtc_timer_fire, rtc);
	if (!rtc->timer) {
		host->set_error(dev, "cannot create the interrupt timer");
		goto fail;
	}
	if (host->register_range(dev, MODVMM_SPACE_PIO, RTC_PORT, 2, &rtc_ops,
				 rtc)) {
		host->set_error(dev, "cannot claim ports 0x70-0x71");
		goto fail;
	}
	*priv = rtc;
	return 0;
fail:
	/* The host releases the timer and ranges of a failed instance. */
	free(rtc);
	return -1;
}

/*
 * A platform reset pulls the chip's RESET pin: the interrupt and square
 * wave enables of register B and the flags of register C clear, and the
 * IRQ pin lets go (so no timer either).  The time, the alarm, register A,
 * the rest of B (SET, the formats) and the NVRAM are untouched.
 */
static void rtc_cmos_reset(void *priv)
{
	struct rtc *rtc = priv;
	uint64_t now = rtc->host->clock_ns();

	rtc->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE |
					  RTC_B_SQWE);
	rtc->flags = 0;
	rtc->seen_ns = now;
	rtc_update(rtc, now);
}

/* The host frees the timer and ranges and lowers the line. */
static void rtc_exit(void *priv)
{
	free(priv);
}

static const struct modvmm_option rtc_options[] = {
	{ "base", "start time: utc, localtime or YYYY-MM-DDTHH:MM:SS "
	  "(then counts from there)", "utc" },
	{ "irq", "interrupt line (0-23)", "8" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl rtc_ranges[] = {
	{ MODVMM_SPACE_PIO, RTC_PORT, 2 },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(rtc_cmos) = {
	MODVMM_DESC_HEADER,
	.name = "rtc_cmos",
	.license = "MIT",
	.description = "MC146818 real-time clock and CMOS RAM (ports 0x70-0x71)",
	.options = rtc_options,
	.init = rtc_init,
	.exit = rtc_exit,
	.reset = rtc_cmos_reset,
	.ranges = rtc_ranges,
};
