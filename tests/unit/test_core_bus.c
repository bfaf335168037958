// SPDX-License-Identifier: MIT
/*
 * Unit tests of core/bus.c: checked registration (zero length, overflow,
 * the end of the space, every kind of overlap, with the exact message),
 * lookups at every boundary, and dispatch: offsets, straddling accesses,
 * sizes a device refuses, unclaimed accesses, unregistering.
 */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "unit.h"
#include "../../core/bus/bus.h"
#include "../../core/dev/device.h"
#include "../../core/vm/vm.h"


#define MAX_LOG		64

struct call {
	struct modvmm_access a;
	uint64_t val;		/* written, or returned by a read */
};

/* A test device: answers reads with a pattern, records every call. */
struct tdev {
	const char *name;
	uint8_t tag;		/* byte i of a read is tag + offset + i */
	struct call log[MAX_LOG];
	int n;
	const struct bus_range *seen_current;
};

static uint64_t tdev_read(void *opaque, const struct modvmm_access *a)
{
	struct tdev *d = opaque;
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < a->size && i < 8; i++)
		v |= (uint64_t)(uint8_t)(d->tag + a->offset + i) << (8 * i);
	if (d->n < MAX_LOG)
		d->log[d->n++] = (struct call){ *a, v };
	d->seen_current = bus_current_range;
	return v;
}

static void tdev_write(void *opaque, const struct modvmm_access *a,
		       uint64_t val)
{
	struct tdev *d = opaque;

	if (d->n < MAX_LOG)
		d->log[d->n++] = (struct call){ *a, val };
	d->seen_current = bus_current_range;
}

static const struct modvmm_range_ops ops_any = {
	tdev_read, tdev_write, MODVMM_SIZE_ANY, 0
};
static const struct modvmm_range_ops ops_1 = {
	tdev_read, tdev_write, MODVMM_SIZE_1, 0
};
static const struct modvmm_range_ops ops_12 = {
	tdev_read, tdev_write, MODVMM_SIZE_1 | MODVMM_SIZE_2, 0
};
static const struct modvmm_range_ops ops_4 = {
	tdev_read, tdev_write, MODVMM_SIZE_4, 0
};
static const struct modvmm_range_ops ops_default = {
	tdev_read, tdev_write, 0, 0
};
static const struct modvmm_range_ops ops_none = { NULL, NULL, MODVMM_SIZE_ANY, 0 };
/* ABI 2: the guest may only make dword accesses; the device takes bytes */
static const struct modvmm_range_ops ops_valid4_bytes = {
	.read = tdev_read, .write = tdev_write,
	.sizes = MODVMM_SIZE_1, .valid = MODVMM_SIZE_4,
};
static const struct modvmm_range_ops ops_valid12 = {
	.read = tdev_read, .write = tdev_write,
	.sizes = MODVMM_SIZE_ANY, .valid = MODVMM_SIZE_1 | MODVMM_SIZE_2,
};

static struct bus io, mmio;
static struct tdev serial, mydev, other;
static char err[256];

static void setup(void)
{
	bus_init(&io, "io", MODVMM_SPACE_PIO, 0xffff);
	bus_init(&mmio, "mmio", MODVMM_SPACE_MMIO, UINT64_MAX);
	serial = (struct tdev){ .name = "serial8250", .tag = 0x10 };
	mydev = (struct tdev){ .name = "mydev", .tag = 0x40 };
	other = (struct tdev){ .name = "other", .tag = 0x80 };
	err[0] = '\0';
}

static void teardown(void)
{
	bus_free(&io);
	bus_free(&mmio);
}

static int reg(struct bus *b, struct tdev *d, uint64_t base, uint64_t len,
	       const struct modvmm_range_ops *ops)
{
	err[0] = '\0';
	return bus_register(b, base, len, ops, ops ? ops->valid : 0, d, d,
			    d->name, NULL, NULL, err, sizeof(err));
}

static uint64_t rd(struct bus *b, uint64_t addr, uint32_t size)
{
	uint8_t data[8];
	uint64_t v = 0;

	memset(data, 0x5a, sizeof(data));
	bus_access(b, addr, size, 0, data, 3);
	memcpy(&v, data, size);
	return v;
}

static void wr(struct bus *b, uint64_t addr, uint32_t size, uint64_t v)
{
	uint8_t data[8];

	memcpy(data, &v, sizeof(data));
	bus_access(b, addr, size, 1, data, 3);
}

/* The bus's ranges are sorted by base and do not overlap. */
static int bus_sorted(const struct bus *b)
{
	int i;

	for (i = 1; i < b->nr; i++)
		if (b->ranges[i - 1].last >= b->ranges[i].base)
			return 0;
	return 1;
}

static void check_call(const struct tdev *d, int i, uint64_t addr,
		       uint64_t offset, uint32_t size, int is_write,
		       uint64_t val)
{
	CHECK(i < d->n);
	if (i >= d->n)
		return;
	CHECK_EQ(d->log[i].a.addr, addr);
	CHECK_EQ(d->log[i].a.offset, offset);
	CHECK_EQ(d->log[i].a.size, size);
	CHECK_EQ(d->log[i].a.is_write, is_write);
	CHECK_EQ(d->log[i].val, val);
}

/* ---- registration refused ------------------------------------------- */

UNIT_TEST(bus_zero_length_refused)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x3f8, 0, &ops_any), -1);
	CHECK_STR_EQ(err, "mydev: zero-length io range at 0x3f8");
	CHECK_EQ(reg(&mmio, &mydev, 0xd0000000, 0, &ops_any), -1);
	CHECK_STR_EQ(err, "mydev: zero-length mmio range at 0xd0000000");
	CHECK_EQ(io.nr, 0);
	CHECK_EQ(mmio.nr, 0);
	teardown();
}

UNIT_TEST(bus_no_ops_refused)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x3f8, 8, NULL), -1);
	CHECK_STR_EQ(err, "mydev: io range at 0x3f8 has no ops");
	CHECK_EQ(io.nr, 0);
	teardown();
}

UNIT_TEST(bus_overflow_refused)
{
	setup();
	CHECK_EQ(reg(&mmio, &mydev, UINT64_MAX - 1, 3, &ops_any), -1);
	CHECK_STR_EQ(err, "mydev: mmio range at 0xfffffffffffffffe of length 0x3"
		     " goes past the end of the mmio space (0xffffffffffffffff)");
	CHECK_EQ(reg(&mmio, &mydev, 2, UINT64_MAX, &ops_any), -1);
	CHECK_EQ(reg(&mmio, &mydev, UINT64_MAX, UINT64_MAX, &ops_any), -1);
	CHECK_EQ(reg(&io, &mydev, 0xfff0, UINT64_MAX - 8, &ops_any), -1);
	CHECK_EQ(mmio.nr, 0);
	CHECK_EQ(io.nr, 0);
	teardown();
}

UNIT_TEST(bus_pio_beyond_limit_refused)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x10000, 1, &ops_any), -1);
	CHECK_STR_EQ(err, "mydev: io range at 0x10000 of length 0x1 goes past"
		     " the end of the io space (0xffff)");
	CHECK_EQ(reg(&io, &mydev, 0xffff, 2, &ops_any), -1);
	CHECK_STR_EQ(err, "mydev: io range at 0xffff of length 0x2 goes past"
		     " the end of the io space (0xffff)");
	CHECK_EQ(reg(&io, &mydev, 0xfff8, 9, &ops_any), -1);
	CHECK_EQ(reg(&io, &mydev, 0, 0x10001, &ops_any), -1);
	CHECK_EQ(reg(&io, &mydev, UINT64_MAX, 1, &ops_any), -1);
	CHECK_EQ(io.nr, 0);
	teardown();
}

/* ---- overlaps: the message names both devices and both ranges -------- */

static void check_overlap(uint64_t base, uint64_t len, const char *msg)
{
	setup();
	CHECK_EQ(reg(&io, &serial, 0x3f8, 8, &ops_1), 0);
	CHECK_EQ(reg(&io, &mydev, base, len, &ops_1), -1);
	CHECK_STR_EQ(err, msg);
	CHECK_EQ(io.nr, 1);
	CHECK(bus_find(&io, 0x3f8)->opaque == &serial);
	teardown();
}

UNIT_TEST(bus_overlap_exact)
{
	check_overlap(0x3f8, 8, "serial8250 [0x3f8-0x3ff] overlaps mydev [0x3f8-0x3ff]");
}

UNIT_TEST(bus_overlap_inside)
{
	check_overlap(0x3fc, 2, "serial8250 [0x3f8-0x3ff] overlaps mydev [0x3fc-0x3fd]");
}

UNIT_TEST(bus_overlap_contains)
{
	check_overlap(0x3f0, 0x20, "serial8250 [0x3f8-0x3ff] overlaps mydev [0x3f0-0x40f]");
}

UNIT_TEST(bus_overlap_partial_below)
{
	check_overlap(0x3f4, 5, "serial8250 [0x3f8-0x3ff] overlaps mydev [0x3f4-0x3f8]");
}

UNIT_TEST(bus_overlap_partial_above)
{
	check_overlap(0x3ff, 4, "serial8250 [0x3f8-0x3ff] overlaps mydev [0x3ff-0x402]");
}

UNIT_TEST(bus_overlap_first_byte)
{
	check_overlap(0x3f8, 1, "serial8250 [0x3f8-0x3ff] overlaps mydev [0x3f8-0x3f8]");
}

UNIT_TEST(bus_overlap_last_byte)
{
	check_overlap(0x3ff, 1, "serial8250 [0x3f8-0x3ff] overlaps mydev [0x3ff-0x3ff]");
}

/* The new range spans two existing ones: the first it meets is named. */
UNIT_TEST(bus_overlap_spans_two)
{
	setup();
	CHECK_EQ(reg(&io, &serial, 0x100, 4, &ops_1), 0);
	CHECK_EQ(reg(&io, &other, 0x108, 4, &ops_1), 0);
	CHECK_EQ(reg(&io, &mydev, 0xf0, 0x40, &ops_1), -1);
	CHECK_STR_EQ(err, "serial8250 [0x100-0x103] overlaps mydev [0xf0-0x12f]");
	CHECK_EQ(reg(&io, &mydev, 0x104, 5, &ops_1), -1);
	CHECK_STR_EQ(err, "other [0x108-0x10b] overlaps mydev [0x104-0x108]");
	CHECK_EQ(reg(&io, &mydev, 0x104, 4, &ops_1), 0);
	CHECK_EQ(io.nr, 3);
	CHECK(bus_sorted(&io));
	teardown();
}

UNIT_TEST(bus_overlap_mmio_message)
{
	setup();
	CHECK_EQ(reg(&mmio, &serial, 0xd0000000, 0x1000, &ops_any), 0);
	CHECK_EQ(reg(&mmio, &mydev, 0xd0000ffc, 8, &ops_any), -1);
	CHECK_STR_EQ(err, "serial8250 [0xd0000000-0xd0000fff] overlaps mydev"
		     " [0xd0000ffc-0xd0001003]");
	CHECK_EQ(reg(&mmio, &mydev, UINT64_MAX, 1, &ops_any), 0);
	CHECK_EQ(reg(&mmio, &other, UINT64_MAX - 3, 4, &ops_any), -1);
	CHECK_STR_EQ(err, "mydev [0xffffffffffffffff-0xffffffffffffffff] overlaps"
		     " other [0xfffffffffffffffc-0xffffffffffffffff]");
	teardown();
}

/* The same device may not claim a port twice either. */
UNIT_TEST(bus_overlap_same_owner)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x80, 1, &ops_1), 0);
	CHECK_EQ(reg(&io, &mydev, 0x80, 1, &ops_1), -1);
	CHECK_STR_EQ(err, "mydev [0x80-0x80] overlaps mydev [0x80-0x80]");
	teardown();
}

/* ---- accepted edge cases --------------------------------------------- */

UNIT_TEST(bus_adjacent_ranges_accepted)
{
	setup();
	CHECK_EQ(reg(&io, &serial, 0x3f8, 8, &ops_1), 0);
	CHECK_EQ(reg(&io, &mydev, 0x3f0, 8, &ops_1), 0);	/* just below */
	CHECK_EQ(reg(&io, &other, 0x400, 8, &ops_1), 0);	/* just above */
	CHECK_EQ(io.nr, 3);
	CHECK(bus_sorted(&io));
	CHECK(bus_find(&io, 0x3f7)->opaque == &mydev);
	CHECK(bus_find(&io, 0x3f8)->opaque == &serial);
	CHECK(bus_find(&io, 0x3ff)->opaque == &serial);
	CHECK(bus_find(&io, 0x400)->opaque == &other);
	teardown();
}

UNIT_TEST(bus_one_byte_ranges)
{
	static struct tdev d[4];
	int i;

	setup();
	for (i = 0; i < 4; i++) {
		d[i] = (struct tdev){ .name = "byte", .tag = (uint8_t)(i * 0x10) };
		CHECK_EQ(reg(&io, &d[i], 0x80 + (uint64_t)i, 1, &ops_1), 0);
	}
	CHECK_EQ(io.nr, 4);
	CHECK_EQ(reg(&io, &mydev, 0x82, 1, &ops_1), -1);
	CHECK_STR_EQ(err, "byte [0x82-0x82] overlaps mydev [0x82-0x82]");
	for (i = 0; i < 4; i++) {
		const struct bus_range *r = bus_find(&io, 0x80 + (uint64_t)i);

		CHECK(r && r->opaque == &d[i]);
		CHECK(r && r->base == r->last);
	}
	CHECK(!bus_find(&io, 0x7f));
	CHECK(!bus_find(&io, 0x84));
	/* one byte each, in order */
	CHECK_EQ(rd(&io, 0x80, 4), 0x30201000);
	teardown();
}

UNIT_TEST(bus_ranges_at_zero)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0, 1, &ops_1), 0);
	CHECK_EQ(reg(&mmio, &mydev, 0, 0x1000, &ops_any), 0);
	CHECK(bus_find(&io, 0)->opaque == &mydev);
	CHECK(!bus_find(&io, 1));
	CHECK(bus_find(&mmio, 0)->opaque == &mydev);
	CHECK(bus_find(&mmio, 0xfff)->opaque == &mydev);
	CHECK(!bus_find(&mmio, 0x1000));
	CHECK_EQ(rd(&io, 0, 1), 0x40);
	check_call(&mydev, 0, 0, 0, 1, 0, 0x40);
	teardown();
}

UNIT_TEST(bus_ranges_at_top_of_pio)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0xffff, 1, &ops_1), 0);
	CHECK_EQ(reg(&io, &other, 0xfff0, 0xf, &ops_1), 0);
	CHECK_EQ(io.nr, 2);
	CHECK(bus_find(&io, 0xffff)->opaque == &mydev);
	CHECK(bus_find(&io, 0xfffe)->opaque == &other);
	CHECK(bus_find(&io, 0xfff0)->opaque == &other);
	CHECK(!bus_find(&io, 0xffef));
	CHECK(!bus_find(&io, 0x10000));
	CHECK_EQ(rd(&io, 0xffff, 1), 0x40);
	/* the second byte of a word at 0xffff is past the end: all ones */
	CHECK_EQ(rd(&io, 0xffff, 2), 0xff40);
	teardown();
}

UNIT_TEST(bus_whole_pio_space)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0, 0x10000, &ops_1), 0);
	CHECK(bus_find(&io, 0)->opaque == &mydev);
	CHECK(bus_find(&io, 0xffff)->opaque == &mydev);
	CHECK_EQ(reg(&io, &other, 0x8000, 1, &ops_1), -1);
	CHECK_STR_EQ(err, "mydev [0x0-0xffff] overlaps other [0x8000-0x8000]");
	teardown();
}

UNIT_TEST(bus_ranges_at_top_of_mmio)
{
	setup();
	CHECK_EQ(reg(&mmio, &mydev, UINT64_MAX - 0xfff, 0x1000, &ops_any), 0);
	CHECK_EQ(reg(&mmio, &other, 0, UINT64_MAX - 0xfff, &ops_any), 0);
	CHECK_EQ(mmio.nr, 2);
	CHECK(bus_sorted(&mmio));
	CHECK(bus_find(&mmio, UINT64_MAX)->opaque == &mydev);
	CHECK(bus_find(&mmio, UINT64_MAX - 0xfff)->opaque == &mydev);
	CHECK(bus_find(&mmio, UINT64_MAX - 0x1000)->opaque == &other);
	CHECK(bus_find(&mmio, 0)->opaque == &other);
	/* the last 8 bytes of the space in one access */
	CHECK_EQ(rd(&mmio, UINT64_MAX - 7, 8), 0x3f3e3d3c3b3a3938ull);
	check_call(&mydev, 0, UINT64_MAX - 7, 0xff8, 8, 0, 0x3f3e3d3c3b3a3938ull);
	teardown();
}

UNIT_TEST(bus_largest_mmio_range)
{
	setup();
	CHECK_EQ(reg(&mmio, &mydev, 0, UINT64_MAX, &ops_any), 0);
	CHECK_EQ(mmio.ranges[0].last, UINT64_MAX - 1);
	CHECK(!bus_find(&mmio, UINT64_MAX));
	CHECK_EQ(reg(&mmio, &other, UINT64_MAX, 1, &ops_any), 0);
	CHECK(bus_find(&mmio, UINT64_MAX)->opaque == &other);
	CHECK(bus_find(&mmio, UINT64_MAX - 1)->opaque == &mydev);
	teardown();
}

/* ---- lookups ------------------------------------------------------------ */

UNIT_TEST(bus_find_empty)
{
	setup();
	CHECK(!bus_find(&io, 0));
	CHECK(!bus_find(&io, 0xffff));
	CHECK(!bus_find(&mmio, UINT64_MAX));
	teardown();
}

/* Every boundary of three ranges with gaps between them. */
UNIT_TEST(bus_find_boundaries)
{
	static const struct { uint64_t base, len; } rs[] = {
		{ 0x10, 0x10 }, { 0x40, 1 }, { 0x41, 0x3f },
	};
	struct tdev *owner[] = { &serial, &mydev, &other };
	uint64_t a;
	int i;

	setup();
	for (i = 2; i >= 0; i--)
		CHECK_EQ(reg(&io, owner[i], rs[i].base, rs[i].len, &ops_1), 0);
	for (a = 0; a < 0x90; a++) {
		const struct bus_range *r = bus_find(&io, a);
		struct tdev *want = NULL;

		for (i = 0; i < 3; i++)
			if (a >= rs[i].base && a < rs[i].base + rs[i].len)
				want = owner[i];
		CHECK(r ? r->opaque == want : want == NULL);
		if (r) {
			CHECK(a >= r->base);
			CHECK(a <= r->last);
		}
	}
	teardown();
}

/* ---- dispatch ------------------------------------------------------------ */

UNIT_TEST(bus_access_info)
{
	uint64_t hits = 0;

	setup();
	CHECK_EQ(bus_register(&io, 0x3f8, 8, &ops_any, 0, &mydev, &mydev, "mydev",
			      &hits, NULL, err, sizeof(err)), 0);
	CHECK_EQ(rd(&io, 0x3fa, 2), 0x4342);
	wr(&io, 0x3fc, 4, 0xdeadbeef);
	CHECK_EQ(hits, 2);
	CHECK_EQ(mydev.n, 2);
	check_call(&mydev, 0, 0x3fa, 2, 2, 0, 0x4342);
	check_call(&mydev, 1, 0x3fc, 4, 4, 1, 0xdeadbeef);
	CHECK_EQ(mydev.log[0].a.space, MODVMM_SPACE_PIO);
	CHECK_EQ(mydev.log[0].a.vcpu, 3);
	/* the crash handler knows who runs, and only while it runs */
	CHECK(mydev.seen_current == bus_find(&io, 0x3f8));
	CHECK(bus_current_range == NULL);
	teardown();
}

UNIT_TEST(bus_access_mmio_space)
{
	setup();
	CHECK_EQ(reg(&mmio, &mydev, 0xd0000000, 0x200, &ops_any), 0);
	wr(&mmio, 0xd0000100, 8, 0x0102030405060708ull);
	CHECK_EQ(rd(&mmio, 0xd00001f8, 8), 0x3f3e3d3c3b3a3938ull);
	check_call(&mydev, 0, 0xd0000100, 0x100, 8, 1, 0x0102030405060708ull);
	check_call(&mydev, 1, 0xd00001f8, 0x1f8, 8, 0, 0x3f3e3d3c3b3a3938ull);
	CHECK_EQ(mydev.log[0].a.space, MODVMM_SPACE_MMIO);
	teardown();
}

/* Writes reach the device zero-extended to the access size only. */
UNIT_TEST(bus_write_value_width)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x60, 4, &ops_any), 0);
	wr(&io, 0x60, 1, 0xffffffffffffff12ull);
	wr(&io, 0x60, 2, 0xffffffffffff3412ull);
	check_call(&mydev, 0, 0x60, 0, 1, 1, 0x12);
	check_call(&mydev, 1, 0x60, 0, 2, 1, 0x3412);
	teardown();
}

/* A read leaves the bytes past the access size alone. */
UNIT_TEST(bus_read_writes_only_its_bytes)
{
	uint8_t data[8];

	setup();
	CHECK_EQ(reg(&io, &mydev, 0x60, 4, &ops_any), 0);
	memset(data, 0x5a, sizeof(data));
	bus_access(&io, 0x60, 2, 0, data, 0);
	CHECK_EQ(data[0], 0x40);
	CHECK_EQ(data[1], 0x41);
	CHECK_EQ(data[2], 0x5a);
	memset(data, 0x5a, sizeof(data));
	bus_access(&io, 0x70, 1, 0, data, 0);	/* unclaimed */
	CHECK_EQ(data[0], 0xff);
	CHECK_EQ(data[1], 0x5a);
	teardown();
}

/* Each byte of a straddling access goes to its own device. */
UNIT_TEST(bus_straddle_two_devices)
{
	setup();
	CHECK_EQ(reg(&io, &serial, 0x100, 2, &ops_any), 0);
	CHECK_EQ(reg(&io, &mydev, 0x102, 2, &ops_any), 0);
	CHECK_EQ(rd(&io, 0x100, 4), 0x41401110);
	check_call(&serial, 0, 0x100, 0, 2, 0, 0x1110);
	check_call(&mydev, 0, 0x102, 0, 2, 0, 0x4140);
	wr(&io, 0x100, 4, 0x11223344);
	check_call(&serial, 1, 0x100, 0, 2, 1, 0x3344);
	check_call(&mydev, 1, 0x102, 0, 2, 1, 0x1122);
	CHECK_EQ(serial.n, 2);
	CHECK_EQ(mydev.n, 2);
	teardown();
}

/* An unaligned straddle: one byte of the low device, three of the high. */
UNIT_TEST(bus_straddle_unaligned)
{
	setup();
	CHECK_EQ(reg(&io, &serial, 0x100, 4, &ops_any), 0);
	CHECK_EQ(reg(&io, &mydev, 0x104, 4, &ops_any), 0);
	CHECK_EQ(rd(&io, 0x103, 4), 0x42414013);
	/* halves: 0x103-0x104 (still straddles: split again), 0x105-0x106 */
	check_call(&serial, 0, 0x103, 3, 1, 0, 0x13);
	check_call(&mydev, 0, 0x104, 0, 1, 0, 0x40);
	check_call(&mydev, 1, 0x105, 1, 2, 0, 0x4241);
	CHECK_EQ(serial.n, 1);
	CHECK_EQ(mydev.n, 2);
	teardown();
}

UNIT_TEST(bus_straddle_mmio_8_bytes)
{
	setup();
	CHECK_EQ(reg(&mmio, &serial, 0x1000, 4, &ops_4), 0);
	CHECK_EQ(reg(&mmio, &mydev, 0x1004, 4, &ops_4), 0);
	wr(&mmio, 0x1000, 8, 0x8877665544332211ull);
	check_call(&serial, 0, 0x1000, 0, 4, 1, 0x44332211);
	check_call(&mydev, 0, 0x1004, 0, 4, 1, 0x88776655);
	CHECK_EQ(rd(&mmio, 0x1000, 8), 0x4342414013121110ull);
	teardown();
}

/* A straddle into nothing: the unclaimed part reads all ones. */
UNIT_TEST(bus_straddle_into_unclaimed)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x100, 2, &ops_any), 0);
	CHECK_EQ(rd(&io, 0x100, 4), 0xffff4140);
	CHECK_EQ(rd(&io, 0x0fe, 4), 0x4140ffff);
	wr(&io, 0x0fe, 4, 0xaabbccdd);
	CHECK_EQ(mydev.n, 3);
	check_call(&mydev, 2, 0x100, 0, 2, 1, 0xaabb);
	/* 0x102-0x103 and 0xfe-0xff twice, each split into two bytes */
	CHECK_EQ(io.unclaimed, 6);
	teardown();
}

/* A device that takes only bytes sees a dword as four bytes, in order. */
UNIT_TEST(bus_split_to_bytes)
{
	int i;

	setup();
	CHECK_EQ(reg(&io, &mydev, 0x3f8, 8, &ops_1), 0);
	wr(&io, 0x3f8, 4, 0x44332211);
	CHECK_EQ(mydev.n, 4);
	for (i = 0; i < 4; i++)
		check_call(&mydev, i, 0x3f8 + (uint64_t)i, (uint64_t)i, 1, 1,
			   (uint64_t)(0x11 * (i + 1)));
	CHECK_EQ(rd(&io, 0x3fa, 2), 0x4342);
	check_call(&mydev, 4, 0x3fa, 2, 1, 0, 0x42);
	check_call(&mydev, 5, 0x3fb, 3, 1, 0, 0x43);
	teardown();
}

/* sizes = 0 means bytes only. */
UNIT_TEST(bus_sizes_zero_means_bytes)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x70, 2, &ops_default), 0);
	CHECK_EQ(rd(&io, 0x70, 2), 0x4140);
	CHECK_EQ(mydev.n, 2);
	CHECK_EQ(mydev.log[0].a.size, 1);
	CHECK_EQ(mydev.log[1].a.size, 1);
	teardown();
}

UNIT_TEST(bus_split_to_words)
{
	setup();
	CHECK_EQ(reg(&mmio, &mydev, 0x2000, 0x10, &ops_12), 0);
	CHECK_EQ(rd(&mmio, 0x2000, 8), 0x4746454443424140ull);
	CHECK_EQ(mydev.n, 4);
	check_call(&mydev, 0, 0x2000, 0, 2, 0, 0x4140);
	check_call(&mydev, 3, 0x2006, 6, 2, 0, 0x4746);
	teardown();
}

/* A device taking only dwords: narrower accesses cannot be made of
 * dwords, so they read all ones and their writes are dropped. */
UNIT_TEST(bus_size_too_small_refused)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0xcf8, 4, &ops_4), 0);
	CHECK_EQ(rd(&io, 0xcf8, 1), 0xff);
	CHECK_EQ(rd(&io, 0xcfa, 2), 0xffff);
	wr(&io, 0xcf8, 1, 0x12);
	wr(&io, 0xcf8, 2, 0x1234);
	CHECK_EQ(mydev.n, 0);
	CHECK_EQ(rd(&io, 0xcf8, 4), 0x43424140);
	CHECK_EQ(mydev.n, 1);
	CHECK(io.unclaimed >= 4);
	teardown();
}

/*
 * Valid sizes (ABI 2) are what the guest may do, implemented sizes what
 * the handlers take: a valid dword reaches a byte device as four bytes,
 * while the guest's own byte, word and qword accesses are refused whole
 * (all ones, dropped, counted as unclaimed), never split into dwords.
 */
UNIT_TEST(bus_valid_sizes_refuse_before_splitting)
{
	uint64_t before;
	int i;

	setup();
	CHECK_EQ(reg(&mmio, &mydev, 0x4000, 0x10, &ops_valid4_bytes), 0);
	CHECK_EQ(rd(&mmio, 0x4004, 4), 0x47464544);
	CHECK_EQ(mydev.n, 4);
	for (i = 0; i < 4; i++)
		check_call(&mydev, i, 0x4004 + (uint64_t)i, 4 + (uint64_t)i, 1,
			   0, (uint64_t)(0x44 + i));
	before = mmio.unclaimed;
	CHECK_EQ(rd(&mmio, 0x4000, 1), 0xff);
	CHECK_EQ(rd(&mmio, 0x4000, 2), 0xffff);
	CHECK_EQ(rd(&mmio, 0x4000, 8), 0xffffffffffffffffull);
	wr(&mmio, 0x4008, 2, 0x1234);
	wr(&mmio, 0x4008, 8, 0x1122334455667788ull);
	CHECK_EQ(mydev.n, 4);
	CHECK_EQ(mmio.unclaimed, before + 5);
	/* a dword write is four byte writes */
	wr(&mmio, 0x400c, 4, 0xa1b2c3d4);
	CHECK_EQ(mydev.n, 8);
	check_call(&mydev, 4, 0x400c, 0xc, 1, 1, 0xd4);
	check_call(&mydev, 7, 0x400f, 0xf, 1, 1, 0xa1);
	teardown();
}

/* A dword on a range valid for bytes and words: refused, not split. */
UNIT_TEST(bus_valid_sizes_refuse_wider)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x60, 4, &ops_valid12), 0);
	CHECK_EQ(rd(&io, 0x60, 4), 0xffffffff);
	CHECK_EQ(mydev.n, 0);
	CHECK_EQ(rd(&io, 0x62, 2), 0x4342);
	CHECK_EQ(rd(&io, 0x61, 1), 0x41);
	CHECK_EQ(mydev.n, 2);
	teardown();
}

/* valid 0 (and every ABI 1 plugin): any size, split as needed. */
UNIT_TEST(bus_valid_zero_means_any)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x3f8, 8, &ops_1), 0);
	CHECK_EQ(rd(&io, 0x3f8, 4), 0x43424140);
	CHECK_EQ(mydev.n, 4);
	teardown();
}

UNIT_TEST(bus_dword_device_gets_qword_as_two)
{
	setup();
	CHECK_EQ(reg(&mmio, &mydev, 0x3000, 8, &ops_4), 0);
	wr(&mmio, 0x3000, 8, 0x1111111122222222ull);
	CHECK_EQ(mydev.n, 2);
	check_call(&mydev, 0, 0x3000, 0, 4, 1, 0x22222222);
	check_call(&mydev, 1, 0x3004, 4, 4, 1, 0x11111111);
	/* unaligned: 0x3002-0x3005 is one dword of the device, the rest
	 * (0x3006-0x3007 as bytes, 0x3008-0x3009 unclaimed) all ones */
	CHECK_EQ(rd(&mmio, 0x3002, 8), 0xffffffff45444342ull);
	CHECK_EQ(mydev.n, 3);
	check_call(&mydev, 2, 0x3002, 2, 4, 0, 0x45444342);
	teardown();
}

/*
 * KVM splits an MMIO access that crosses a page into pieces of any
 * length up to 8 (3 bytes, say): the bus splits them further into sizes
 * the device takes, never handing it a size it did not declare.
 */
UNIT_TEST(bus_odd_sizes_split)
{
	int i;

	setup();
	CHECK_EQ(reg(&mmio, &mydev, 0x4000, 0x10, &ops_12), 0);
	CHECK_EQ(reg(&mmio, &serial, 0x5000, 0x10, &ops_any), 0);
	CHECK_EQ(rd(&mmio, 0x4000, 3), 0x424140);
	CHECK_EQ(rd(&mmio, 0x4000, 7), 0x46454443424140ull);
	wr(&mmio, 0x4001, 5, 0x5544332211ull);
	for (i = 0; i < mydev.n; i++) {
		CHECK(mydev.log[i].a.size == 1 || mydev.log[i].a.size == 2);
		CHECK(mydev.log[i].a.offset + mydev.log[i].a.size <= 0x10);
	}
	CHECK_EQ(rd(&mmio, 0x5005, 6), 0x1a1918171615ull);
	for (i = 0; i < serial.n; i++) {
		uint32_t s = serial.log[i].a.size;

		CHECK(s == 1 || s == 2 || s == 4 || s == 8);
	}
	teardown();
}

UNIT_TEST(bus_unclaimed_reads_all_ones)
{
	uint32_t s;

	setup();
	for (s = 1; s <= 8; s *= 2) {
		uint64_t ones = s == 8 ? ~0ull : (1ull << (8 * s)) - 1;

		CHECK_EQ(rd(&io, 0x1234, s), ones);
		CHECK_EQ(rd(&mmio, 0xfee00000, s), ones);
	}
	wr(&io, 0x80, 1, 0);
	wr(&mmio, 0, 8, 0);
	CHECK(io.unclaimed > 0);
	CHECK(mmio.unclaimed > 0);
	teardown();
}

UNIT_TEST(bus_unclaimed_logged_once_per_port)
{
	setup();
	rd(&io, 0x1234, 1);
	rd(&io, 0x1234, 1);
	rd(&io, 0x1235, 1);
	CHECK_EQ(io.unclaimed, 3);
	CHECK(io.logged_ports != NULL);
	if (io.logged_ports) {
		CHECK(io.logged_ports[0x1234 / 8] & (1u << (0x1234 % 8)));
		CHECK(io.logged_ports[0x1235 / 8] & (1u << (0x1235 % 8)));
		CHECK(!(io.logged_ports[0x1236 / 8] & (1u << (0x1236 % 8))));
	}
	rd(&mmio, 0xfee00000, 4);
	rd(&mmio, 0xfee00ffc, 4);
	rd(&mmio, 0xfee01000, 4);
	CHECK_EQ(mmio.nr_logged_pages, 2);
	teardown();
}

UNIT_TEST(bus_null_handlers)
{
	setup();
	CHECK_EQ(reg(&io, &mydev, 0x90, 4, &ops_none), 0);
	CHECK_EQ(rd(&io, 0x90, 4), 0xffffffff);
	wr(&io, 0x90, 4, 1);
	CHECK_EQ(io.unclaimed, 0);	/* claimed, just silent */
	teardown();
}

/* ---- unregistering --------------------------------------------------- */

UNIT_TEST(bus_unregister)
{
	setup();
	CHECK_EQ(reg(&io, &serial, 0x3f8, 8, &ops_1), 0);
	CHECK_EQ(reg(&io, &mydev, 0x2f8, 8, &ops_1), 0);
	CHECK_EQ(bus_unregister(&io, &mydev, 0x3f8), -1);	/* not its own */
	CHECK_EQ(bus_unregister(&io, &serial, 0x3f9), -1);	/* not a base */
	CHECK_EQ(io.nr, 2);
	CHECK_EQ(bus_unregister(&io, &serial, 0x3f8), 0);
	CHECK_EQ(io.nr, 1);
	CHECK(!bus_find(&io, 0x3f8));
	CHECK_EQ(rd(&io, 0x3f8, 1), 0xff);
	CHECK_EQ(serial.n, 0);
	CHECK_EQ(bus_unregister(&io, &serial, 0x3f8), -1);	/* twice */
	/* the port is free again */
	CHECK_EQ(reg(&io, &other, 0x3fc, 1, &ops_1), 0);
	CHECK(bus_find(&io, 0x2f8)->opaque == &mydev);
	teardown();
}

UNIT_TEST(bus_unregister_owner)
{
	int i;

	setup();
	for (i = 0; i < 6; i++) {
		struct tdev *d = i % 2 ? &mydev : &serial;

		CHECK_EQ(reg(&io, d, 0x100 + 0x10 * (uint64_t)i, 4, &ops_1), 0);
	}
	CHECK_EQ(reg(&mmio, &mydev, 0xd0000000, 4, &ops_1), 0);
	bus_unregister_owner(&io, &mydev);
	CHECK_EQ(io.nr, 3);
	CHECK(bus_sorted(&io));
	for (i = 0; i < io.nr; i++)
		CHECK(io.ranges[i].owner == &serial);
	CHECK(!bus_find(&io, 0x110));
	CHECK(bus_find(&io, 0x120)->opaque == &serial);
	CHECK_EQ(mmio.nr, 1);		/* the other bus is its own */
	bus_unregister_owner(&io, &mydev);	/* nothing left: no-op */
	CHECK_EQ(io.nr, 3);
	bus_unregister_owner(&io, &serial);
	CHECK_EQ(io.nr, 0);
	CHECK(!bus_find(&io, 0x100));
	teardown();
}

/* ---- many ranges --------------------------------------------------- */

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

UNIT_TEST(bus_random_order_stays_sorted)
{
	enum { N = 300 };
	static struct tdev d[N];
	static int order[N];
	uint32_t seed = 42;
	int i, j, bad = 0;

	setup();
	for (i = 0; i < N; i++)
		order[i] = i;
	for (i = N - 1; i > 0; i--) {
		int t;

		j = (int)(lcg(&seed) % (uint32_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	/* slot k is [0x100 + 8k, +1 + k % 7]: gaps of varying width */
	for (i = 0; i < N; i++) {
		int k = order[i];

		d[k] = (struct tdev){ .name = "r", .tag = (uint8_t)k };
		if (reg(&io, &d[k], 0x100 + 8 * (uint64_t)k, 1 + (uint64_t)(k % 7),
			&ops_1))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(io.nr, N);
	CHECK(bus_sorted(&io));
	for (i = 0; i < N; i++)
		CHECK(io.ranges[i].opaque == &d[i]);
	for (i = 0; i < N * 8; i++) {
		uint64_t a = 0x100 + (uint64_t)i;
		const struct bus_range *r = bus_find(&io, a);
		int k = i / 8;
		int in = i % 8 < 1 + k % 7;

		if (in ? !(r && r->opaque == &d[k]) : r != NULL)
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* every other one goes; the rest still sorted and found */
	for (i = 0; i < N; i += 2)
		CHECK_EQ(bus_unregister(&io, &d[i], 0x100 + 8 * (uint64_t)i), 0);
	CHECK_EQ(io.nr, N / 2);
	CHECK(bus_sorted(&io));
	for (i = 0; i < N; i++) {
		const struct bus_range *r = bus_find(&io, 0x100 + 8 * (uint64_t)i);

		if (i % 2 ? !(r && r->opaque == &d[i]) : r != NULL)
			bad++;
	}
	CHECK_EQ(bad, 0);
	teardown();
}

/* ---- guest RAM and tracing --------------------------------------------- */

static int fake_ram(void *ctx, uint64_t base, uint64_t len)
{
	(void)ctx;
	return base < 0x100000 && len;	/* the first MiB is RAM */
}

UNIT_TEST(bus_mmio_over_ram_refused)
{
	setup();
	mmio.is_ram = fake_ram;
	CHECK_EQ(reg(&mmio, &mydev, 0xff000, 0x1000, &ops_any), -1);
	CHECK_STR_EQ(err, "mydev: mmio range [0xff000-0xfffff] overlaps guest RAM;"
		     " use an address in the 3-4 GiB hole");
	CHECK_EQ(reg(&mmio, &mydev, 0xd0000000, 0x1000, &ops_any), 0);
	teardown();
}

UNIT_TEST(bus_trace_line)
{
	char line[128] = "";
	FILE *f = tmpfile();

	setup();
	CHECK(f != NULL);
	if (!f)
		return;
	io.trace = 1;
	io.trace_file = f;
	CHECK_EQ(reg(&io, &mydev, 0x3f8, 8, &ops_1), 0);
	wr(&io, 0x3f8, 1, 0x41);
	rd(&io, 0x80, 1);
	rewind(f);
	CHECK(fgets(line, sizeof(line), f) != NULL);
	CHECK_STR_EQ(line, "io   mydev        0x3f8 w 1 0x41\n");
	CHECK(fgets(line, sizeof(line), f) != NULL);
	CHECK_STR_EQ(line, "io   (unclaimed)  0x80 r 1 0xff\n");
	fclose(f);
	teardown();
}

/* ---- a failed plugin leaves no range behind ----------------------------- */

/* $(O)/tests/plugins/NAME.so, next to this binary ($(O)/tests/). */
static int test_plugin(char *buf, size_t len, const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(buf, len, "%s/plugins/%s.so", exe, name);
	return access(buf, R_OK);
}

/* Run device_create() with stderr (its one-line error) thrown away. */
static int create_quietly(const char *spec)
{
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
	int rc;

	fflush(stderr);
	if (null >= 0)
		dup2(null, STDERR_FILENO);
	rc = device_create(spec);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (null >= 0)
		close(null);
	return rc;
}

/*
 * tests/plugins/failinit.c claims 4 ports, then fails its init: the host
 * must release them, so that another device can claim them.  (In modvmm a
 * failed -d ends the run, so only this test can try the next -d.)
 */
UNIT_TEST(bus_failed_plugin_init_releases_its_ranges)
{
	char failinit[PATH_MAX + 32], good[PATH_MAX + 32], spec[PATH_MAX + 64];
	struct plugin_search search = { .plugin_dir = NULL };

	if (test_plugin(failinit, sizeof(failinit), "failinit") ||
	    test_plugin(good, sizeof(good), "good")) {
		printf("# SKIP %s: no test plugins (make test-plugins)\n", __func__);
		return;
	}
	bus_init(&vm.pio, "io", MODVMM_SPACE_PIO, 0xffff);
	bus_init(&vm.mmio, "mmio", MODVMM_SPACE_MMIO, UINT64_MAX);
	device_set_search(&search);
	snprintf(spec, sizeof(spec), "%s,port=0x5a0", failinit);
	CHECK_EQ(create_quietly(spec), -1);
	CHECK_EQ(vm.pio.nr, 0);
	CHECK_EQ(vm.mmio.nr, 0);
	snprintf(spec, sizeof(spec), "%s,port=0x5a0", good);
	CHECK_EQ(create_quietly(spec), 0);
	CHECK_EQ(vm.pio.nr, 1);
	CHECK_EQ(rd(&vm.pio, 0x5a3, 1), 0x63);
	/* and failinit fails again, now on the clash */
	snprintf(spec, sizeof(spec), "%s,port=0x5a2", failinit);
	CHECK_EQ(create_quietly(spec), -1);
	CHECK_EQ(vm.pio.nr, 1);
	CHECK_EQ(rd(&vm.pio, 0x5a2, 1), 0x62);
	device_exit_all();
	CHECK_EQ(vm.pio.nr, 0);
	bus_free(&vm.pio);
	bus_free(&vm.mmio);
}
