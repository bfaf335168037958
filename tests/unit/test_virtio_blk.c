// SPDX-License-Identifier: MIT
/*
 * Unit tests for devices/virtio_blk.c through the virtio-mmio transport:
 * the test is the driver (registers through the bus, descriptor table
 * and rings in harness RAM) and checks status bytes, used lengths and
 * the image file.  Completions come from the device's I/O thread
 * through an eventfd, so every wait is harness_poll() in a loop bounded
 * by a deadline.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <modvmm/virtio_blk.h>

#include "virtio_util.h"

#define RAM_SIZE	(4u << 20)

/* Guest RAM layout */
#define QSIZE		64
#define RING_GPA	0x1000	/* descriptors, avail and used rings */
#define HDR_GPA		0x4000	/* 32 bytes per slot */
#define ST_GPA		0x5000	/* 1 byte per slot */
#define DATA_GPA	0x10000
#define DATA2_GPA	0x30000
#define BIG_GPA		0x100000

#define IMG_SECTORS	64

static uint64_t win;
static struct vt_queue q;
static char img_path[256];

/* ---- the image ---------------------------------------------------------- */

static const char *tmp_dir(void)
{
	const char *t = getenv("TMP");

	return t && *t ? t : "/tmp";
}

/* A fresh image of @size bytes, every byte 0xee. */
static const char *make_image(const char *name, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	int fd;

	snprintf(img_path, sizeof(img_path), "%s/vblk-%d-%s.img", tmp_dir(),
		 (int)getpid(), name);
	memset(buf, 0xee, size);
	fd = open(img_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, buf, size), size);
	close(fd);
	free(buf);
	return img_path;
}

static void file_read(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	memset(buf, 0x5a, len);
	CHECK_EQ(pread(fd, buf, len, (off_t)off), len);
	close(fd);
}

static int all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* ---- the driver --------------------------------------------------------- */

static uint32_t rd(uint64_t off)
{
	return vt_rd(win, off);
}

static void wr(uint64_t off, uint32_t v)
{
	vt_wr(win, off, v);
}

static uint64_t device_features(void)
{
	uint64_t f;

	wr(VT_DEV_FEATURES_SEL, 0);
	f = rd(VT_DEV_FEATURES);
	wr(VT_DEV_FEATURES_SEL, 1);
	return f | (uint64_t)rd(VT_DEV_FEATURES) << 32;
}

static uint32_t cfg32(unsigned int off)
{
	return rd(VT_CONFIG + off);
}

static uint64_t cfg64(unsigned int off)
{
	return cfg32(off) | (uint64_t)cfg32(off + 4) << 32;
}

/* Reset, negotiate @want (of what the device offers, plus VERSION_1),
 * set up queue 0, DRIVER_OK.  Returns the status register. */
static uint32_t driver_setup(uint64_t want)
{
	const uint32_t st = VT_ST_ACK | VT_ST_DRIVER | VT_ST_FEATURES_OK;

	CHECK(vt_negotiate(win, want) & VT_ST_FEATURES_OK);
	wr(VT_QUEUE_SEL, 0);
	CHECK(rd(VT_QUEUE_NUM_MAX) >= QSIZE);
	vt_queue_setup(&q, win, 0, QSIZE, RING_GPA);
	wr(VT_STATUS, st | VT_ST_DRIVER_OK);
	return rd(VT_STATUS);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run the device's completions until the used index reaches @want, for
 * at most 10 s.  Returns 0, or -1 on the deadline. */
static int wait_used(uint16_t want)
{
	double deadline = now_s() + 10;

	while (vt_used_idx(&q) != want) {
		if (now_s() > deadline)
			return -1;
		harness_poll_wait(1);
	}
	return 0;
}

/* Completions for a bounded while, with nothing expected. */
static void settle(double secs)
{
	double end = now_s() + secs;

	while (now_s() < end)
		harness_poll_wait(1);
}

/* One chain, submitted and completed; its used length in *@used_len. */
static int run_chain(const struct vt_buf *bufs, int n, uint32_t *used_len)
{
	uint32_t id = 0, len = 0;
	uint16_t head = vt_add(&q, bufs, n);

	vt_kick(&q);
	if (wait_used((uint16_t)(q.used_seen + 1))) {
		printf("#   no completion within 10 s\n");
		unit_failed_checks++;
		return -1;
	}
	CHECK(vt_take_used(&q, &id, &len));
	CHECK_EQ(id, head);
	if (used_len)
		*used_len = len;
	return 0;
}

static void put_hdr(unsigned int slot, uint32_t type, uint64_t sector)
{
	uint8_t *h = harness_mem(HDR_GPA + 32 * slot, 16);
	uint32_t t = htole32(type), z = 0;
	uint64_t s = htole64(sector);

	memcpy(h, &t, 4);
	memcpy(h + 4, &z, 4);
	memcpy(h + 8, &s, 8);
}

static uint8_t *status_byte(unsigned int slot)
{
	return harness_mem(ST_GPA + slot, 1);
}

/* A request in the usual three-part layout: header, data, status.  Returns
 * the status byte, or 0xff when it never completed. */
static uint8_t blk_req(uint32_t type, uint64_t sector, uint64_t data,
		       uint32_t len, int writable, uint32_t *used_len)
{
	struct vt_buf segs[3];
	int n = 0;

	put_hdr(0, type, sector);
	*status_byte(0) = 0xff;
	segs[n++] = (struct vt_buf){ HDR_GPA, 16, 0 };
	if (len)
		segs[n++] = (struct vt_buf){ data, len, writable };
	segs[n++] = (struct vt_buf){ ST_GPA, 1, 1 };
	if (run_chain(segs, n, used_len))
		return 0xff;
	return *status_byte(0);
}

static uint8_t blk_write(uint64_t sector, uint64_t data, uint32_t len)
{
	return blk_req(VIRTIO_BLK_T_OUT, sector, data, len, 0, NULL);
}

static uint8_t blk_read(uint64_t sector, uint64_t data, uint32_t len)
{
	return blk_req(VIRTIO_BLK_T_IN, sector, data, len, 1, NULL);
}

/* A discard / write zeroes request with one segment. */
static uint8_t blk_dwz(uint32_t type, uint64_t sector, uint32_t num,
		       uint32_t flags)
{
	uint8_t *d = harness_mem(DATA2_GPA, 16);
	uint64_t s = htole64(sector);
	uint32_t n = htole32(num), f = htole32(flags);

	memcpy(d, &s, 8);
	memcpy(d + 8, &n, 4);
	memcpy(d + 12, &f, 4);
	return blk_req(type, 0, DATA2_GPA, 16, 0, NULL);
}

static void fill(uint64_t gpa, size_t len, uint8_t seed)
{
	uint8_t *p = harness_mem(gpa, len);
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 9));
}

/* A fresh machine with the device @spec makes; the window found. */
static struct modvmm_dev *start(const char *spec)
{
	struct modvmm_dev *dev;
	struct harness_range r;

	CHECK_EQ(harness_init(RAM_SIZE, getenv("MODULES")), 0);
	dev = harness_device(spec);
	if (!dev) {
		printf("#   %s refused: %s\n", spec, harness_last_error());
		unit_failed_checks++;
		return NULL;
	}
	win = VT_BASE;
	CHECK(harness_range(MODVMM_SPACE_MMIO, VT_BASE, &r));
	CHECK(r.len >= 0x200);
	win = r.base;
	return dev;
}

/* start() on a new image of @sectors sectors, driver set up with all
 * the device's features. */
static struct modvmm_dev *start_disk(const char *name, unsigned int sectors,
				     const char *extra)
{
	char spec[512];
	struct modvmm_dev *dev;

	make_image(name, (size_t)sectors * 512);
	snprintf(spec, sizeof(spec), "virtio-blk,file=%s%s", img_path,
		 extra ? extra : "");
	dev = start(spec);
	if (dev)
		CHECK(!(driver_setup(~0ull) & VT_ST_NEEDS_RESET));
	return dev;
}

static void stop(void)
{
	harness_exit();
	unlink(img_path);
}

/* ---- tests -------------------------------------------------------------- */

UNIT_TEST(virtio_blk_identity_and_config)
{
	uint64_t f;

	if (!start_disk("cfg", IMG_SECTORS, NULL))
		goto out;
	CHECK_EQ(rd(VT_MAGIC), 0x74726976);
	CHECK_EQ(rd(VT_VERSION), 2);
	CHECK_EQ(rd(VT_DEVICE_ID), 2);
	f = device_features();
	CHECK(f & 1ull << VIRTIO_BLK_F_SIZE_MAX);
	CHECK(f & 1ull << VIRTIO_BLK_F_SEG_MAX);
	CHECK(f & 1ull << VIRTIO_BLK_F_BLK_SIZE);
	CHECK(f & 1ull << VIRTIO_BLK_F_FLUSH);
	CHECK(f & 1ull << VIRTIO_BLK_F_DISCARD);
	CHECK(f & 1ull << VIRTIO_BLK_F_WRITE_ZEROES);
	CHECK(f & 1ull << VIRTIO_F_VERSION_1);
	CHECK(!(f & 1ull << VIRTIO_BLK_F_RO));
	CHECK_EQ(cfg64(0), IMG_SECTORS);	/* capacity */
	CHECK_EQ(cfg32(8), 1u << 20);		/* size_max */
	CHECK_EQ(cfg32(12), 254);		/* seg_max */
	CHECK_EQ(cfg32(20), 512);		/* blk_size */
	CHECK_EQ(cfg32(36), 1u << 22);		/* max_discard_sectors */
	CHECK_EQ(cfg32(40), 32);		/* max_discard_seg */
	CHECK_EQ(cfg32(44), 8);			/* discard_sector_alignment */
	CHECK_EQ(cfg32(48), 1u << 18);		/* max_write_zeroes_sectors */
	CHECK_EQ(cfg32(52), 32);		/* max_write_zeroes_seg */
	CHECK_EQ(cfg32(56) & 0xff, 1);		/* write_zeroes_may_unmap */
	CHECK_EQ(rd(VT_QUEUE_NUM_MAX), 256);
out:
	stop();
}

UNIT_TEST(virtio_blk_write_flush_read)
{
	struct modvmm_dev *dev = start_disk("wfr", IMG_SECTORS, NULL);
	uint8_t file[1024], before[512];
	uint32_t len = 0;

	if (!dev)
		goto out;
	fill(DATA_GPA, 1024, 0x11);
	CHECK_EQ(blk_write(3, DATA_GPA, 1024), VIRTIO_BLK_S_OK);
	file_read(img_path, 3 * 512, file, sizeof(file));
	CHECK(!memcmp(file, harness_mem(DATA_GPA, 1024), 1024));
	file_read(img_path, 2 * 512, before, sizeof(before));
	CHECK(all_bytes(before, sizeof(before), 0xee));
	file_read(img_path, 5 * 512, before, sizeof(before));
	CHECK(all_bytes(before, sizeof(before), 0xee));

	CHECK_EQ(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0, &len), VIRTIO_BLK_S_OK);
	CHECK_EQ(len, 1);

	memset(harness_mem(DATA2_GPA, 1024), 0, 1024);
	CHECK_EQ(blk_req(VIRTIO_BLK_T_IN, 3, DATA2_GPA, 1024, 1, &len), VIRTIO_BLK_S_OK);
	CHECK_EQ(len, 1025);
	CHECK(!memcmp(harness_mem(DATA2_GPA, 1024), harness_mem(DATA_GPA, 1024),
		      1024));
	/* The interrupt: InterruptStatus bit 0 until acknowledged. */
	CHECK(rd(VT_INT_STATUS) & 1);
	wr(VT_INT_ACK, 1);
	CHECK(!(rd(VT_INT_STATUS) & 1));

	CHECK_EQ(harness_stat(dev, "writes"), 1);
	CHECK_EQ(harness_stat(dev, "reads"), 1);
	CHECK_EQ(harness_stat(dev, "flushes"), 1);
	CHECK_EQ(harness_stat(dev, "write_bytes"), 1024);
	CHECK_EQ(harness_stat(dev, "read_bytes"), 1024);
out:
	stop();
}

/* Header and data in one buffer, data and status in one, data split
 * over several buffers: any framing works. */
UNIT_TEST(virtio_blk_any_layout)
{
	struct vt_buf segs[4];
	uint8_t file[1536];
	uint8_t *h;
	uint32_t len = 0;

	if (!start_disk("layout", IMG_SECTORS, NULL))
		goto out;
	/* OUT: 16-byte header followed by 1024 data bytes in one buffer,
	 * then 512 more in a second, then the status. */
	h = harness_mem(DATA_GPA, 16);
	fill(DATA_GPA + 16, 1536, 0x42);
	memcpy(h, &(uint32_t){ htole32(VIRTIO_BLK_T_OUT) }, 4);
	memset(h + 4, 0, 4);
	memcpy(h + 8, &(uint64_t){ htole64(10) }, 8);
	segs[0] = (struct vt_buf){ DATA_GPA, 16 + 1024, 0 };
	segs[1] = (struct vt_buf){ DATA_GPA + 16 + 1024, 512, 0 };
	segs[2] = (struct vt_buf){ ST_GPA, 1, 1 };
	*status_byte(0) = 0xff;
	CHECK_EQ(run_chain(segs, 3, &len), 0);
	CHECK_EQ(*status_byte(0), VIRTIO_BLK_S_OK);
	CHECK_EQ(len, 1);
	file_read(img_path, 10 * 512, file, sizeof(file));
	CHECK(!memcmp(file, harness_mem(DATA_GPA + 16, 1536), 1536));

	/* IN: header split in two, data and status in one buffer. */
	put_hdr(0, VIRTIO_BLK_T_IN, 10);
	segs[0] = (struct vt_buf){ HDR_GPA, 8, 0 };
	segs[1] = (struct vt_buf){ HDR_GPA + 8, 8, 0 };
	segs[2] = (struct vt_buf){ DATA2_GPA, 1000, 1 };
	segs[3] = (struct vt_buf){ DATA2_GPA + 1000, 536 + 1, 1 };
	memset(harness_mem(DATA2_GPA, 1537), 0, 1537);
	CHECK_EQ(run_chain(segs, 4, &len), 0);
	CHECK_EQ(len, 1537);
	CHECK_EQ(*(uint8_t *)harness_mem(DATA2_GPA + 1536, 1), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(harness_mem(DATA2_GPA, 1536), file, 1536));
out:
	stop();
}

UNIT_TEST(virtio_blk_get_id)
{
	uint8_t *id;
	uint32_t len = 0;

	if (!start_disk("id", IMG_SECTORS, ",serial=modvmm-disk-7"))
		goto out;
	id = harness_mem(DATA_GPA, 20);
	memset(id, 0xaa, 20);
	CHECK_EQ(blk_req(VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, 1, &len), VIRTIO_BLK_S_OK);
	CHECK_EQ(len, 21);
	CHECK(!memcmp(id, "modvmm-disk-7", 13));
	CHECK(all_bytes(id + 13, 7, 0));
	stop();

	/* 20 bytes: no NUL. */
	if (!start_disk("id20", IMG_SECTORS, ",serial=abcdefghijklmnopqrst"))
		goto out;
	id = harness_mem(DATA_GPA, 21);
	memset(id, 0xaa, 21);
	CHECK_EQ(blk_req(VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, 1, NULL), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(id, "abcdefghijklmnopqrst", 20));
	CHECK_EQ(id[20], 0xaa);
	stop();

	/* No serial: 20 NULs. */
	if (!start_disk("id0", IMG_SECTORS, NULL))
		goto out;
	id = harness_mem(DATA_GPA, 20);
	memset(id, 0xaa, 20);
	CHECK_EQ(blk_req(VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, 1, NULL), VIRTIO_BLK_S_OK);
	CHECK(all_bytes(id, 20, 0));
out:
	stop();
}

UNIT_TEST(virtio_blk_out_of_range_is_ioerr)
{
	uint8_t file[512];
	struct stat st;

	if (!start_disk("range", IMG_SECTORS, NULL))
		goto out;
	fill(DATA_GPA, 1024, 0x33);
	CHECK_EQ(blk_write(IMG_SECTORS - 1, DATA_GPA, 1024), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_write(IMG_SECTORS, DATA_GPA, 512), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_write(~0ull, DATA_GPA, 512), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_read(IMG_SECTORS - 1, DATA_GPA, 1024), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_read(1ull << 60, DATA_GPA, 512), VIRTIO_BLK_S_IOERR);
	/* The last sector itself is fine. */
	CHECK_EQ(blk_write(IMG_SECTORS - 1, DATA_GPA, 512), VIRTIO_BLK_S_OK);
	file_read(img_path, (IMG_SECTORS - 1) * 512, file, 512);
	CHECK(!memcmp(file, harness_mem(DATA_GPA, 512), 512));
	CHECK_EQ(stat(img_path, &st), 0);
	CHECK_EQ(st.st_size, IMG_SECTORS * 512);
	/* Not a multiple of 512 bytes. */
	CHECK_EQ(blk_write(0, DATA_GPA, 100), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_read(0, DATA_GPA, 513), VIRTIO_BLK_S_IOERR);
	file_read(img_path, 0, file, 512);
	CHECK(all_bytes(file, 512, 0xee));
out:
	stop();
}

UNIT_TEST(virtio_blk_discard_and_write_zeroes)
{
	uint8_t file[8192];
	struct stat st;

	if (!start_disk("dwz", IMG_SECTORS, NULL))
		goto out;
	fill(DATA_GPA, 8192, 0x77);
	CHECK_EQ(blk_write(0, DATA_GPA, 8192), VIRTIO_BLK_S_OK);

	/* Discard: fine, contents unspecified, size kept. */
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_DISCARD, 8, 8, 0), VIRTIO_BLK_S_OK);
	CHECK_EQ(stat(img_path, &st), 0);
	CHECK_EQ(st.st_size, IMG_SECTORS * 512);
	/* The unmap flag or unknown flags on a discard: unsupported. */
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_DISCARD, 8, 8, 1), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_DISCARD, 8, 8, 4), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_WRITE_ZEROES, 0, 1, 2), VIRTIO_BLK_S_UNSUPP);
	/* Out of range or too long: I/O error. */
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_DISCARD, IMG_SECTORS - 1, 2, 0), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_WRITE_ZEROES, 0, (1u << 18) + 1, 0), VIRTIO_BLK_S_IOERR);

	/* Write zeroes, without and with unmap: reads return zeros. */
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_WRITE_ZEROES, 1, 2, 0), VIRTIO_BLK_S_OK);
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_WRITE_ZEROES, 4, 3, 1), VIRTIO_BLK_S_OK);
	file_read(img_path, 0, file, sizeof(file));
	CHECK(!memcmp(file, harness_mem(DATA_GPA, 512), 512));
	CHECK(all_bytes(file + 512, 1024, 0));
	CHECK(!memcmp(file + 1536, harness_mem(DATA_GPA + 1536, 512), 512));
	CHECK(all_bytes(file + 2048, 1536, 0));
	CHECK(!memcmp(file + 3584, harness_mem(DATA_GPA + 3584, 512), 512));
	CHECK_EQ(stat(img_path, &st), 0);
	CHECK_EQ(st.st_size, IMG_SECTORS * 512);

	/* Through the device too. */
	memset(harness_mem(DATA2_GPA + 0x1000, 1024), 0xcc, 1024);
	CHECK_EQ(blk_read(1, DATA2_GPA + 0x1000, 1024), VIRTIO_BLK_S_OK);
	CHECK(all_bytes(harness_mem(DATA2_GPA + 0x1000, 1024), 1024, 0));
out:
	stop();
}

/* Two segments in one write zeroes request; a bad segment length. */
UNIT_TEST(virtio_blk_write_zeroes_segments)
{
	uint8_t *d, file[4096];
	uint64_t s;
	uint32_t n, f = 0;

	if (!start_disk("dwz2", IMG_SECTORS, NULL))
		goto out;
	d = harness_mem(DATA2_GPA, 32);
	s = htole64(0);
	n = htole32(1);
	memcpy(d, &s, 8);
	memcpy(d + 8, &n, 4);
	memcpy(d + 12, &f, 4);
	s = htole64(6);
	n = htole32(2);
	memcpy(d + 16, &s, 8);
	memcpy(d + 24, &n, 4);
	memcpy(d + 28, &f, 4);
	CHECK_EQ(blk_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA2_GPA, 32, 0, NULL), VIRTIO_BLK_S_OK);
	file_read(img_path, 0, file, sizeof(file));
	CHECK(all_bytes(file, 512, 0));
	CHECK(all_bytes(file + 512, 2560, 0xee));
	CHECK(all_bytes(file + 3072, 1024, 0));
	CHECK_EQ(blk_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA2_GPA, 24, 0, NULL), VIRTIO_BLK_S_IOERR);
out:
	stop();
}

UNIT_TEST(virtio_blk_readonly)
{
	struct modvmm_dev *dev;
	uint8_t file[1024];
	uint64_t f;

	dev = start_disk("ro", IMG_SECTORS, ",readonly=on");
	if (!dev)
		goto out;
	f = device_features();
	CHECK(f & 1ull << VIRTIO_BLK_F_RO);
	CHECK(!(f & 1ull << VIRTIO_BLK_F_DISCARD));
	CHECK(!(f & 1ull << VIRTIO_BLK_F_WRITE_ZEROES));
	fill(DATA_GPA, 1024, 0x99);
	CHECK_EQ(blk_write(0, DATA_GPA, 1024), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_DISCARD, 0, 8, 0), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_dwz(VIRTIO_BLK_T_WRITE_ZEROES, 0, 8, 0), VIRTIO_BLK_S_IOERR);
	file_read(img_path, 0, file, sizeof(file));
	CHECK(all_bytes(file, sizeof(file), 0xee));
	/* Reads and flushes work. */
	CHECK_EQ(blk_read(0, DATA2_GPA, 1024), VIRTIO_BLK_S_OK);
	CHECK(all_bytes(harness_mem(DATA2_GPA, 1024), 1024, 0xee));
	CHECK_EQ(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0, NULL), VIRTIO_BLK_S_OK);
	CHECK_EQ(harness_stat(dev, "writes"), 1);
	CHECK_EQ(harness_stat(dev, "write_bytes"), 0);
out:
	stop();
}

/* Two read-only instances may share an image. */
UNIT_TEST(virtio_blk_readonly_shared)
{
	char spec[512];

	if (!start_disk("ro2", IMG_SECTORS, ",readonly=on"))
		goto out;
	snprintf(spec, sizeof(spec),
		 "virtio-blk,file=%s,readonly=on,addr=0xd0001000", img_path);
	CHECK(harness_device(spec) != NULL);
out:
	stop();
}

UNIT_TEST(virtio_blk_unsupported_types)
{
	struct modvmm_dev *dev = start_disk("unsupp", IMG_SECTORS, NULL);

	if (!dev)
		goto out;
	CHECK_EQ(blk_req(VIRTIO_BLK_T_GET_LIFETIME, 0, DATA_GPA, 8, 1, NULL), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(blk_req(14, 0, DATA_GPA, 16, 0, NULL), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(blk_req(0x12345678, 0, 0, 0, 0, NULL), VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(harness_stat(dev, "unsupported"), 3);
out:
	stop();
}

/* Without FLUSH negotiated writes are write-through; they still work. */
UNIT_TEST(virtio_blk_no_flush_negotiated)
{
	uint8_t file[512];

	make_image("wt", IMG_SECTORS * 512);
	{
		char spec[512];

		snprintf(spec, sizeof(spec), "virtio-blk,file=%s", img_path);
		if (!start(spec))
			goto out;
	}
	CHECK(!(driver_setup(1ull << VIRTIO_BLK_F_BLK_SIZE) & VT_ST_NEEDS_RESET));
	fill(DATA_GPA, 512, 0x21);
	CHECK_EQ(blk_write(7, DATA_GPA, 512), VIRTIO_BLK_S_OK);
	file_read(img_path, 7 * 512, file, 512);
	CHECK(!memcmp(file, harness_mem(DATA_GPA, 512), 512));
out:
	stop();
}

/* size_max: a data buffer above 1 MiB is refused; exactly 1 MiB works. */
UNIT_TEST(virtio_blk_size_max)
{
	const uint32_t mib = 1u << 20;
	uint8_t *file;

	if (!start_disk("sizemax", 2 * 2048 + 8, NULL))
		goto out;
	fill(BIG_GPA, mib + 512, 0x5);
	CHECK_EQ(blk_write(0, BIG_GPA, mib + 512), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_write(0, BIG_GPA, mib), VIRTIO_BLK_S_OK);
	file = malloc(mib);
	file_read(img_path, 0, file, mib);
	CHECK(!memcmp(file, harness_mem(BIG_GPA, mib), mib));
	free(file);
out:
	stop();
}

/* Many requests in flight at once: all complete, in any order. */
UNIT_TEST(virtio_blk_many_in_flight)
{
	uint8_t seen[16] = { 0 };
	uint8_t file[512];
	unsigned int i;

	if (!start_disk("many", IMG_SECTORS, NULL))
		goto out;
	for (i = 0; i < 16; i++) {
		struct vt_buf segs[3] = {
			{ HDR_GPA + 32 * i, 16, 0 },
			{ DATA_GPA + 512 * i, 512, 0 },
			{ ST_GPA + i, 1, 1 },
		};

		put_hdr(i, VIRTIO_BLK_T_OUT, 20 + i);
		fill(DATA_GPA + 512 * i, 512, (uint8_t)(0x40 + i));
		*status_byte(i) = 0xff;
		vt_add(&q, segs, 3);
	}
	vt_kick(&q);
	CHECK_EQ(wait_used(16), 0);
	for (i = 0; i < 16; i++) {
		uint32_t id = ~0u, len = 0;

		CHECK(vt_take_used(&q, &id, &len));
		CHECK(id % 3 == 0 && id / 3 < 16);
		if (id % 3 == 0 && id / 3 < 16)
			seen[id / 3]++;
		CHECK_EQ(len, 1);
	}
	for (i = 0; i < 16; i++) {
		CHECK_EQ(seen[i], 1);
		CHECK_EQ(*status_byte(i), VIRTIO_BLK_S_OK);
		file_read(img_path, (20 + i) * 512, file, 512);
		CHECK(!memcmp(file, harness_mem(DATA_GPA + 512 * i, 512), 512));
	}
out:
	stop();
}

/* A chain with no room for a status byte: DEVICE_NEEDS_RESET, nothing
 * served until the driver resets; after that it works again. */
UNIT_TEST(virtio_blk_malformed_chain_needs_reset)
{
	struct vt_buf segs[1] = { { HDR_GPA, 16, 0 } };

	if (!start_disk("bad", IMG_SECTORS, NULL))
		goto out;
	put_hdr(0, VIRTIO_BLK_T_FLUSH, 0);
	vt_add(&q, segs, 1);
	vt_kick(&q);
	settle(0.05);
	CHECK(rd(VT_STATUS) & VT_ST_NEEDS_RESET);
	CHECK_EQ(vt_used_idx(&q), 0);
	CHECK(!(driver_setup(~0ull) & VT_ST_NEEDS_RESET));
	CHECK_EQ(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0, NULL), VIRTIO_BLK_S_OK);
out:
	stop();
}

/* A driver reset while requests are queued: none of them is pushed into
 * the old rings afterwards, and the device works after setup. */
UNIT_TEST(virtio_blk_reset_drops_in_flight)
{
	unsigned int i;

	if (!start_disk("reset", IMG_SECTORS, NULL))
		goto out;
	/* Writes and flushes, alternately. */
	for (i = 0; i < 16; i++) {
		struct vt_buf segs[3] = {
			{ HDR_GPA + 32 * i, 16, 0 },
			{ DATA_GPA + 512 * i, 512, 0 },
			{ ST_GPA + i, 1, 1 },
		};

		put_hdr(i, i % 2 ? VIRTIO_BLK_T_FLUSH : VIRTIO_BLK_T_OUT, i);
		if (i % 2)
			segs[1] = segs[2];
		vt_add(&q, segs, i % 2 ? 2 : 3);
	}
	vt_kick(&q);
	wr(VT_STATUS, 0);
	CHECK_EQ(rd(VT_STATUS), 0);
	settle(0.1);
	CHECK_EQ(vt_used_idx(&q), 0);

	CHECK(!(driver_setup(~0ull) & VT_ST_NEEDS_RESET));
	fill(DATA_GPA, 512, 1);
	CHECK_EQ(blk_write(40, DATA_GPA, 512), VIRTIO_BLK_S_OK);
	CHECK_EQ(blk_read(40, DATA2_GPA, 512), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(harness_mem(DATA2_GPA, 512), harness_mem(DATA_GPA, 512),
		      512));
out:
	stop();
}

/* The machine reset (--reboot) goes through the transport too. */
UNIT_TEST(virtio_blk_machine_reset)
{
	if (!start_disk("mreset", IMG_SECTORS, NULL))
		goto out;
	fill(DATA_GPA, 512, 3);
	CHECK_EQ(blk_write(2, DATA_GPA, 512), VIRTIO_BLK_S_OK);
	harness_reset();
	CHECK_EQ(rd(VT_STATUS), 0);
	CHECK(!(driver_setup(~0ull) & VT_ST_NEEDS_RESET));
	CHECK_EQ(blk_read(2, DATA2_GPA, 512), VIRTIO_BLK_S_OK);
	CHECK(!memcmp(harness_mem(DATA2_GPA, 512), harness_mem(DATA_GPA, 512),
		      512));
out:
	stop();
}

/*
 * Paused (the vCPUs stopped, guest RAM about to be cleared), the device
 * starts no request: one made available meanwhile waits, with nothing
 * written to the image or to guest RAM, until the machine resumes.
 */
UNIT_TEST(virtio_blk_pause_holds_requests_until_resume)
{
	struct vt_buf segs[3] = {
		{ HDR_GPA, 16, 0 }, { DATA_GPA, 512, 0 }, { ST_GPA, 1, 1 },
	};
	uint8_t back[512];
	uint32_t id = 0, len = 0;
	uint16_t head;

	if (!start_disk("pause", IMG_SECTORS, NULL))
		goto out;
	fill(DATA_GPA, 512, 9);
	put_hdr(0, VIRTIO_BLK_T_OUT, 7);
	*status_byte(0) = 0xff;
	harness_pause();
	head = vt_add(&q, segs, 3);
	vt_kick(&q);
	settle(0.2);
	CHECK_EQ(vt_used_idx(&q), 0);
	CHECK_EQ(*status_byte(0), 0xff);
	file_read(img_path, 7 * 512, back, sizeof(back));
	CHECK(all_bytes(back, sizeof(back), 0xee));
	harness_resume();
	CHECK_EQ(wait_used(1), 0);
	CHECK(vt_take_used(&q, &id, &len));
	CHECK_EQ(id, head);
	CHECK_EQ(*status_byte(0), VIRTIO_BLK_S_OK);
	file_read(img_path, 7 * 512, back, sizeof(back));
	CHECK(!memcmp(back, harness_mem(DATA_GPA, 512), 512));
out:
	stop();
}

/* Exit with requests still queued: the worker is stopped and joined. */
UNIT_TEST(virtio_blk_exit_with_requests_queued)
{
	unsigned int i;

	if (!start_disk("exitq", IMG_SECTORS, NULL))
		goto out;
	for (i = 0; i < 16; i++) {
		struct vt_buf segs[3] = {
			{ HDR_GPA + 32 * i, 16, 0 },
			{ DATA_GPA + 512 * i, 512, 0 },
			{ ST_GPA + i, 1, 1 },
		};

		put_hdr(i, VIRTIO_BLK_T_OUT, i);
		vt_add(&q, segs, 3);
	}
	vt_kick(&q);
out:
	stop();
}

/* The capacity rounds an image down to whole sectors. */
UNIT_TEST(virtio_blk_odd_size_rounds_down)
{
	char spec[512];

	make_image("odd", 10 * 512 + 100);
	snprintf(spec, sizeof(spec), "virtio-blk,file=%s", img_path);
	if (!start(spec))
		goto out;
	CHECK_EQ(cfg64(0), 10);
out:
	stop();
}

/* ---- refused instances ---------------------------------------------------- */

static void refused(const char *spec, const char *why)
{
	struct harness_range r;
	const char *err;

	CHECK_EQ(harness_init(RAM_SIZE, getenv("MODULES")), 0);
	CHECK(harness_device(spec) == NULL);
	err = harness_last_error();
	CHECK_STR_CONTAINS(err, "virtio-blk: init failed: ");
	CHECK_STR_CONTAINS(err, why);
	CHECK(!harness_range(MODVMM_SPACE_MMIO, VT_BASE, &r));
	harness_exit();
}

UNIT_TEST(virtio_blk_refuses_missing_file_option)
{
	refused("virtio-blk", "file= is required");
	refused("virtio-blk,file=", "file= is required");
}

UNIT_TEST(virtio_blk_refuses_nonexistent_file)
{
	char spec[512], path[300];

	snprintf(path, sizeof(path), "%s/vblk-%d-nonexistent.img", tmp_dir(),
		 (int)getpid());
	snprintf(spec, sizeof(spec), "virtio-blk,file=%s", path);
	refused(spec, path);
	refused(spec, strerror(ENOENT));
}

UNIT_TEST(virtio_blk_refuses_directory)
{
	char spec[512];

	snprintf(spec, sizeof(spec), "virtio-blk,file=%s,readonly=on", tmp_dir());
	refused(spec, "not a regular file");
}

UNIT_TEST(virtio_blk_refuses_long_serial)
{
	char spec[512];

	make_image("serial", 512);
	snprintf(spec, sizeof(spec),
		 "virtio-blk,file=%s,serial=abcdefghijklmnopqrstu", img_path);
	refused(spec, "at most 20 bytes");
	unlink(img_path);
}

/* A second instance on an image the first holds: refused, naming the
 * file and the lock; also a read-only one against a writer. */
UNIT_TEST(virtio_blk_refuses_locked_image)
{
	char spec[512];
	const char *err;

	if (!start_disk("locked", IMG_SECTORS, NULL))
		goto out;
	snprintf(spec, sizeof(spec), "virtio-blk,file=%s,addr=0xd0001000",
		 img_path);
	CHECK(harness_device(spec) == NULL);
	err = harness_last_error();
	CHECK_STR_CONTAINS(err, img_path);
	CHECK_STR_CONTAINS(err, "another process holds a lock");
	snprintf(spec, sizeof(spec),
		 "virtio-blk,file=%s,readonly=on,addr=0xd0001000", img_path);
	CHECK(harness_device(spec) == NULL);
	CHECK_STR_CONTAINS(harness_last_error(), "another process holds a lock");
	/* The first still works. */
	CHECK_EQ(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0, NULL), VIRTIO_BLK_S_OK);
out:
	stop();
}

/* The lock goes with the instance. */
UNIT_TEST(virtio_blk_lock_released_at_exit)
{
	char spec[512];

	if (!start_disk("relock", IMG_SECTORS, NULL))
		goto out;
	harness_exit();
	snprintf(spec, sizeof(spec), "virtio-blk,file=%s", img_path);
	CHECK(start(spec) != NULL);
out:
	stop();
}

/* The image shrank under the device: reads past its new end are I/O
 * errors, warned about once. */
UNIT_TEST(virtio_blk_io_error_warns_once)
{
	struct modvmm_dev *dev = start_disk("shrunk", IMG_SECTORS, NULL);
	const char *log, *first;

	if (!dev)
		goto out;
	harness_log_clear();
	CHECK_EQ(truncate(img_path, 512), 0);
	CHECK_EQ(blk_read(3, DATA_GPA, 512), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_read(4, DATA_GPA, 1024), VIRTIO_BLK_S_IOERR);
	CHECK_EQ(blk_read(0, DATA_GPA, 512), VIRTIO_BLK_S_OK);
	CHECK_EQ(harness_stat(dev, "io_errors"), 2);
	log = harness_log();
	CHECK_STR_CONTAINS(log, "cannot read sector 3");
	CHECK_STR_CONTAINS(log, "further errors are not logged");
	first = strstr(log, "cannot read");
	CHECK(first && !strstr(first + 1, "cannot read"));
out:
	stop();
}
