// SPDX-License-Identifier: MIT
/*
 * Unit tests of the Linux bzImage loader (64-bit boot protocol) against a
 * real guestmem (no KVM).  Images are built in memory from a setup header
 * spec; every rejected load must print exactly the expected one-line
 * error and leave guest RAM all zero; a good load is checked byte by byte
 * (kernel, zero page, command line, initrd, e820 map, entry state).
 */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "unit.h"
#include "../../core/boot/loader.h"
#include "guestmem_util.h"

#define RAM_SIZE	(8ull << 20)
#define RAM_LIST	"RAM: [0x0-0x9ffff], [0xe0000-0xfffff], [0x100000-0x7fffff]"
#define IMG_PATH	"vmlinuz"
#define IMG_MAX		0x10000
/*
 * The zero page goes in the first page after the run range, the command
 * line in the page after it: ZP_DEFAULT for bz_default().  load_good()
 * sets ZP to the RSI of the load it checks.
 */
#define ZP_DEFAULT	0x300000ull	/* run 0x200000 + init_size 0x100000 */
#define ZP		zp_at
#define CMDLINE		(zp_at + 0x1000)

static uint64_t zp_at;

/* This test links no device: an empty built-in device section. */
static const void *const no_builtin_devices[0]
	__attribute__((section("modvmm_devices"), used));

static uint8_t img[IMG_MAX] __attribute__((aligned(16)));
static char errbuf[4096];

/* What build() puts in the setup header; bz_default() is a good kernel. */
struct bz_spec {
	uint8_t setup_sects, jump_len, loadflags, relocatable;
	uint16_t boot_flag, version, xloadflags;
	uint32_t magic, syssize, cmdline_size, init_size, align, initrd_max;
	uint64_t pref, setup_data;
	size_t ksize;		/* protected-mode bytes in the file */
};

static struct bz_spec bz_default(void)
{
	struct bz_spec s = {
		.setup_sects = 2, .jump_len = 0x6a, .loadflags = 0x01,
		.relocatable = 1, .boot_flag = 0xaa55, .version = 0x020f,
		.xloadflags = 0x0001, .magic = 0x53726448, .cmdline_size = 255,
		.init_size = 0x100000, .align = 0x200000,
		.initrd_max = 0x7fffffff, .pref = 0x200000, .ksize = 0x1000,
	};

	s.syssize = (uint32_t)(s.ksize / 16);
	return s;
}

/* ---- helpers -------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint8_t kbyte(uint64_t j)
{
	return (uint8_t)(j * 13 + 7);
}

static size_t koffset(const struct bz_spec *s)
{
	return ((size_t)(s->setup_sects ? s->setup_sects : 4) + 1) * 512;
}

/* The image: boot sector and setup filled with 0xcc, header, kernel. */
static size_t build(const struct bz_spec *s)
{
	size_t koff = koffset(s), j;

	memset(img, 0, sizeof(img));
	memset(img, 0xcc, koff < IMG_MAX ? koff : IMG_MAX);
	memset(img + 0x1f1, 0, 0x290 - 0x1f1);
	img[0x1f1] = s->setup_sects;
	put32(img + 0x1f4, s->syssize);
	put16(img + 0x1fa, 0xffff);
	put16(img + 0x1fe, s->boot_flag);
	img[0x200] = 0xeb;
	img[0x201] = s->jump_len;
	put32(img + 0x202, s->magic);
	put16(img + 0x206, s->version);
	img[0x211] = s->loadflags;
	put32(img + 0x214, 0x100000);
	put32(img + 0x22c, s->initrd_max);
	put32(img + 0x230, s->align);
	img[0x234] = s->relocatable;
	img[0x235] = 12;
	put16(img + 0x236, s->xloadflags);
	put32(img + 0x238, s->cmdline_size);
	put64(img + 0x250, s->setup_data);
	put64(img + 0x258, s->pref);
	put32(img + 0x260, s->init_size);
	/* bytes after the header's end must not reach the zero page */
	if (0x202 + s->jump_len < 0x290)
		memset(img + 0x202 + s->jump_len, 0xcc,
		       0x290 - 0x202 - s->jump_len);
	for (j = 0; j < s->ksize && koff + j < IMG_MAX; j++)
		img[koff + j] = kbyte(j);
	return koff + s->ksize;
}

static uint16_t g16(const struct guestmem *gm, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, gp(gm, gpa, 2), 2);
	return v;
}

static uint32_t g32(const struct guestmem *gm, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, gp(gm, gpa, 4), 4);
	return v;
}

static uint64_t g64(const struct guestmem *gm, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, gp(gm, gpa, 8), 8);
	return v;
}

static int all_zero(const struct guestmem *gm, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = gp(gm, gpa, len);

	while (len--)
		if (*p++)
			return 0;
	return 1;
}

static struct load_opts opts(size_t size)
{
	struct load_opts o = {
		.path = IMG_PATH, .data = img, .size = size, .mode = -1,
	};

	return o;
}

/* Run a load with stderr captured into errbuf. */
static int load(struct guestmem *gm, const struct load_opts *o,
		struct boot_state *bs)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	if (!tmp)
		exit(1);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	rc = loader_bzimage.load(gm, o, bs);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, tmp);
	errbuf[n] = '\0';
	fclose(tmp);
	return rc;
}

/* The load failed with exactly "modvmm: IMG_PATH: @msg" and wrote nothing. */
static void check_rejected(int rc, const struct guestmem *gm, const char *msg,
			   int line)
{
	char want[2048];

	snprintf(want, sizeof(want), "modvmm: %s: %s\n", IMG_PATH, msg);
	if (rc != -1 || strcmp(errbuf, want) || !ram_is_zero(gm)) {
		printf("#   line %d: rc %d, ram %s\n#   got:  %s#   want: %s",
		       line, rc, ram_is_zero(gm) ? "zero" : "WRITTEN", errbuf, want);
		unit_failed_checks++;
	}
}

#define CHECK_REJECTED(rc, gm, msg) check_rejected((rc), (gm), (msg), __LINE__)

/* Load @o into fresh RAM of @size and expect it to be refused with @msg. */
static void expect_rejected(const struct load_opts *o, uint64_t size,
			    const char *msg, int line)
{
	struct boot_state bs;
	struct guestmem gm;

	ram_init(&gm, size);
	check_rejected(load(&gm, o, &bs), &gm, msg, line);
	guestmem_free(&gm);
}

#define EXPECT_REJECTED(o, msg) expect_rejected((o), RAM_SIZE, (msg), __LINE__)

/* Build @s and expect it to be refused with @msg. */
static void spec_rejected(const struct bz_spec *s, const char *msg, int line)
{
	struct load_opts o = opts(build(s));

	expect_rejected(&o, RAM_SIZE, msg, line);
}

#define SPEC_REJECTED(s, msg) spec_rejected((s), (msg), __LINE__)

static void load_good(struct guestmem *gm, uint64_t size,
		      const struct load_opts *o, struct boot_state *bs)
{
	int rc;

	ram_init(gm, size);
	rc = load(gm, o, bs);
	CHECK_EQ(rc, 0);
	CHECK_EQ(errbuf[0], 0);
	zp_at = bs->rsi;
	if (errbuf[0])
		printf("#   stderr: %s", errbuf);
}

/* A temporary initrd of @size bytes: "INITRD" then kbyte() bytes. */
static void make_initrd(char *path, size_t len, size_t size)
{
	uint8_t buf[4096];
	size_t j;
	int fd;

	snprintf(path, len, "/tmp/modvmm-bz-initrd-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		exit(1);
	if (size <= sizeof(buf)) {
		for (j = 0; j < size; j++)
			buf[j] = kbyte(j + 100);
		memcpy(buf, "INITRD", size < 6 ? size : 6);
		if (write(fd, buf, size) != (ssize_t)size)
			exit(1);
	} else if (ftruncate(fd, (off_t)size)) {
		exit(1);
	}
	close(fd);
}

static void check_e820(const struct guestmem *gm, int i, uint64_t addr,
		       uint64_t size, uint32_t type)
{
	uint64_t e = ZP + 0x2d0 + 20 * (uint64_t)i;

	CHECK_EQ(g64(gm, e), addr);
	CHECK_EQ(g64(gm, e + 8), size);
	CHECK_EQ(g32(gm, e + 16), type);
}

/* The kernel's bytes at @load, nothing right after them. */
static void check_kernel(const struct guestmem *gm, uint64_t load, size_t ksize)
{
	const uint8_t *p = gp(gm, load, ksize);
	size_t j, bad = 0;

	for (j = 0; j < ksize; j++)
		bad += p[j] != kbyte(j);
	CHECK_EQ(bad, 0);
	CHECK(all_zero(gm, load + ksize, 0x1000));
}

/* ---- probe ------------------------------------------------------------ */

UNIT_TEST(bz_probe)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));

	CHECK_EQ(loader_bzimage.probe(&o), 1);
	CHECK_EQ(loader_multiboot.probe(&o), 0);
	CHECK_EQ(loader_elf.probe(&o), 0);
	o.size = 0x205;
	CHECK_EQ(loader_bzimage.probe(&o), 0);
	s.boot_flag = 0x55aa;
	o = opts(build(&s));
	CHECK_EQ(loader_bzimage.probe(&o), 0);
	s = bz_default();
	s.magic = 0x53726449;
	o = opts(build(&s));
	CHECK_EQ(loader_bzimage.probe(&o), 0);
	/* old kernels still probe, so that they get a bzImage message */
	s = bz_default();
	s.version = 0x0204;
	o = opts(build(&s));
	CHECK_EQ(loader_bzimage.probe(&o), 1);
}

/* --format auto finds the bzImage loader before the flat fallback. */
UNIT_TEST(bz_auto_format)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));
	struct boot_state bs;
	struct guestmem gm;

	ram_init(&gm, RAM_SIZE);
	CHECK_EQ(loader_load(&gm, NULL, &o, &bs), 0);
	CHECK_EQ(bs.mode, BOOT_LONG);
	CHECK_EQ(bs.rip, 0x100200);
	guestmem_free(&gm);
	ram_init(&gm, RAM_SIZE);
	CHECK_EQ(loader_load(&gm, "bzimage", &o, &bs), 0);
	CHECK_EQ(bs.rsi, ZP_DEFAULT);
	guestmem_free(&gm);
}

/* ---- good loads ------------------------------------------------------- */

/* Entry state, kernel bytes and every zero page field the loader sets. */
UNIT_TEST(bz_load)
{
	struct bz_spec s = bz_default();
	struct load_opts o;
	struct boot_state bs;
	struct guestmem gm;
	const uint8_t *zp;
	uint64_t j;
	int same = 1;

	s.loadflags = 0x81;		/* CAN_USE_HEAP from the file: cleared */
	s.setup_data = 0x12345678;	/* a stray pointer: cleared */
	o = opts(build(&s));
	load_good(&gm, RAM_SIZE, &o, &bs);
	CHECK_EQ(bs.mode, BOOT_LONG);
	CHECK_EQ(bs.rip, 0x100200);
	CHECK_EQ(bs.rsi, ZP_DEFAULT);
	CHECK_EQ(bs.rsp, 0x9fff0);
	CHECK_EQ(bs.rax | bs.rbx | bs.rdi, 0);
	check_kernel(&gm, 0x100000, s.ksize);

	zp = gp(&gm, ZP, 0x1000);
	CHECK(all_zero(&gm, ZP, 2));
	CHECK(all_zero(&gm, ZP + 4, 0x1e0 - 4));
	CHECK(all_zero(&gm, ZP + 0x1e4, 4));
	CHECK(all_zero(&gm, ZP + 0x1e9, 0x1f1 - 0x1e9));
	CHECK_EQ(g16(&gm, ZP + 0x002), 7168);	/* ext_mem_k: 7 MiB above 1 MiB */
	CHECK_EQ(g32(&gm, ZP + 0x1e0), 7168);	/* alt_mem_k */
	CHECK_EQ(zp[0x1e8], 3);			/* e820_entries */
	CHECK_EQ(zp[0x1ef], 0);			/* sentinel */
	/* the setup header, as in the file but for the fields a loader writes */
	for (j = 0x1f1; j < 0x26c; j++) {
		if ((j >= 0x210 && j <= 0x211) || (j >= 0x214 && j < 0x220) ||
		    (j >= 0x224 && j < 0x22c) || (j >= 0x250 && j < 0x258))
			continue;
		if (zp[j] != img[j])
			same = 0;
	}
	CHECK(same);
	CHECK_EQ(zp[0x210], 0xff);		/* type_of_loader */
	CHECK_EQ(zp[0x211], 0x01);		/* loadflags: LOADED_HIGH only */
	CHECK_EQ(g32(&gm, ZP + 0x214), 0x100000);	/* code32_start */
	CHECK_EQ(g32(&gm, ZP + 0x218), 0);	/* no initrd */
	CHECK_EQ(g32(&gm, ZP + 0x21c), 0);
	CHECK_EQ(g16(&gm, ZP + 0x224), 0);	/* heap_end_ptr */
	CHECK_EQ(g32(&gm, ZP + 0x228), CMDLINE);
	CHECK_EQ(g64(&gm, ZP + 0x250), 0);	/* setup_data */
	/* past the header: nothing of the file (it had 0xcc there) */
	CHECK(all_zero(&gm, ZP + 0x26c, 0x2d0 - 0x26c));
	/* conventional RAM, the BIOS area reserved, RAM from 1 MiB */
	check_e820(&gm, 0, 0, 0xa0000, 1);
	check_e820(&gm, 1, 0xe0000, 0x20000, 2);
	check_e820(&gm, 2, 0x100000, 0x700000, 1);
	CHECK(all_zero(&gm, ZP + 0x2d0 + 3 * 20, 0x1000 - 0x2d0 - 3 * 20));
	/* an empty command line with room for cmdline_size, and nothing
	 * else below 1 MiB or between the run range and the initrd's area */
	CHECK(all_zero(&gm, CMDLINE, 0x1000));
	CHECK(all_zero(&gm, 0, 0xa0000));
	CHECK(all_zero(&gm, 0x100000 + s.ksize, ZP - 0x100000 - s.ksize));
	CHECK(all_zero(&gm, CMDLINE + 0x1000, RAM_SIZE - CMDLINE - 0x1000));
	CHECK_EQ(bs.cmdline_addr, CMDLINE);
	CHECK_EQ(bs.cmdline_max, 255);
	guestmem_free(&gm);
}

UNIT_TEST(bz_setup_sects_zero_means_4)
{
	struct bz_spec s = bz_default();
	struct load_opts o;
	struct boot_state bs;
	struct guestmem gm;

	s.setup_sects = 0;
	o = opts(build(&s));
	CHECK_EQ(o.size, 0xa00 + s.ksize);
	load_good(&gm, RAM_SIZE, &o, &bs);
	check_kernel(&gm, 0x100000, s.ksize);
	guestmem_free(&gm);
}

/* Bytes after syssize * 16 (a signature, say) are not the kernel. */
UNIT_TEST(bz_syssize_bounds_kernel)
{
	struct bz_spec s = bz_default();
	struct load_opts o;
	struct boot_state bs;
	struct guestmem gm;

	s.syssize = 0x80;		/* 0x800 of the 0x1000 bytes */
	o = opts(build(&s));
	load_good(&gm, RAM_SIZE, &o, &bs);
	check_kernel(&gm, 0x100000, 0x800);
	guestmem_free(&gm);
	/* syssize 0: the rest of the file */
	s.syssize = 0;
	o = opts(build(&s));
	load_good(&gm, RAM_SIZE, &o, &bs);
	check_kernel(&gm, 0x100000, s.ksize);
	guestmem_free(&gm);
}

UNIT_TEST(bz_cmdline)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));
	static const char text[] = "console=ttyS0 earlyprintk=serial root=/dev/ram0";
	struct boot_state bs;
	struct guestmem gm;

	o.append = text;
	load_good(&gm, RAM_SIZE, &o, &bs);
	CHECK_EQ(g32(&gm, ZP + 0x228), CMDLINE);
	CHECK(!memcmp(gp(&gm, CMDLINE, sizeof(text)), text, sizeof(text)));
	CHECK(all_zero(&gm, CMDLINE + sizeof(text), 0x100));
	guestmem_free(&gm);
}

/* cmdline_size is the longest command line without its NUL. */
UNIT_TEST(bz_cmdline_size_limit)
{
	struct bz_spec s = bz_default();
	struct load_opts o;
	struct boot_state bs;
	struct guestmem gm;
	char text[300];

	s.cmdline_size = 16;
	o = opts(build(&s));
	memset(text, 'a', sizeof(text));
	text[16] = '\0';
	o.append = text;
	load_good(&gm, RAM_SIZE, &o, &bs);
	CHECK_EQ(strlen((const char *)gp(&gm, CMDLINE, 17)), 16);
	guestmem_free(&gm);
	text[16] = 'a';
	text[17] = '\0';
	EXPECT_REJECTED(&o, "offset 0x238: the command line (--append) is 17 bytes, longer than the kernel's cmdline_size 16");
}

/* A kernel that takes more than modvmm passes gets 65535 bytes of room. */
UNIT_TEST(bz_cmdline_too_long_for_modvmm)
{
	struct bz_spec s = bz_default();
	struct load_opts o;
	static char text[0x10001];

	s.cmdline_size = 0x100000;
	o = opts(build(&s));
	memset(text, 'x', sizeof(text) - 1);
	o.append = text;
	EXPECT_REJECTED(&o, "the command line (--append) is 65536 bytes, longer than the 65535 bytes modvmm passes to a kernel");
	/* one byte less fits, NUL included, and the room ends there */
	text[sizeof(text) - 2] = '\0';
	{
		struct boot_state bs;
		struct guestmem gm;

		load_good(&gm, RAM_SIZE, &o, &bs);
		CHECK_EQ(bs.rsi, ZP_DEFAULT);
		CHECK_EQ(*gp(&gm, CMDLINE + 0xffff, 1), 0);
		CHECK_EQ(*gp(&gm, CMDLINE + 0xfffe, 1), 'x');
		CHECK_EQ(bs.cmdline_max, 0xffff);
		guestmem_free(&gm);
	}
}

/* Page-aligned, as high as RAM allows; the fields say where. */
UNIT_TEST(bz_initrd)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));
	struct boot_state bs;
	struct guestmem gm;
	char path[64];
	const uint8_t *p;
	size_t j, bad = 0;

	make_initrd(path, sizeof(path), 3000);
	o.modules[0] = (struct loader_module){ path, NULL };
	o.nr_modules = 1;
	load_good(&gm, RAM_SIZE, &o, &bs);
	CHECK_EQ(g32(&gm, ZP + 0x218), 0x7ff000);
	CHECK_EQ(g32(&gm, ZP + 0x21c), 3000);
	p = gp(&gm, 0x7ff000, 3000);
	CHECK(!memcmp(p, "INITRD", 6));
	for (j = 6; j < 3000; j++)
		bad += p[j] != kbyte(j + 100);
	CHECK_EQ(bad, 0);
	CHECK(all_zero(&gm, 0x7ff000 + 3000, 0x1000 - 3000));
	check_kernel(&gm, 0x100000, s.ksize);
	guestmem_free(&gm);
	unlink(path);
}

/* initrd_addr_max is the highest byte the initrd may occupy. */
UNIT_TEST(bz_initrd_addr_max)
{
	struct bz_spec s = bz_default();
	struct load_opts o;
	struct boot_state bs;
	struct guestmem gm;
	char path[64];

	s.initrd_max = 0x5fffff;
	o = opts(build(&s));
	make_initrd(path, sizeof(path), 0x1000);
	o.modules[0] = (struct loader_module){ path, NULL };
	o.nr_modules = 1;
	load_good(&gm, RAM_SIZE, &o, &bs);
	CHECK_EQ(g32(&gm, ZP + 0x218), 0x5ff000);
	CHECK(!memcmp(gp(&gm, 0x5ff000, 6), "INITRD", 6));
	guestmem_free(&gm);
	unlink(path);
}

/* Above 3 GiB: the map goes on past the hole, the initrd stays low. */
UNIT_TEST(bz_large_memory)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));
	struct boot_state bs;
	struct guestmem gm;
	char path[64];

	make_initrd(path, sizeof(path), 100);
	o.modules[0] = (struct loader_module){ path, NULL };
	o.nr_modules = 1;
	load_good(&gm, 5ull << 30, &o, &bs);
	CHECK_EQ(*gp(&gm, ZP + 0x1e8, 1), 4);
	check_e820(&gm, 0, 0, 0xa0000, 1);
	check_e820(&gm, 1, 0xe0000, 0x20000, 2);
	check_e820(&gm, 2, 0x100000, 0xc0000000 - 0x100000, 1);
	check_e820(&gm, 3, 0x100000000ull, 0x80000000ull, 1);
	CHECK_EQ(g16(&gm, ZP + 0x002), 0xfc00);
	CHECK_EQ(g32(&gm, ZP + 0x1e0), (0xc0000000 - 0x100000) / 1024);
	/* initrd_addr_max 0x7fffffff: the last page below 2 GiB */
	CHECK_EQ(g32(&gm, ZP + 0x218), 0x7ffff000);
	guestmem_free(&gm);
	unlink(path);
}

/* Not relocatable: at pref_address, entered 0x200 above it. */
UNIT_TEST(bz_not_relocatable)
{
	struct bz_spec s = bz_default();
	struct load_opts o;
	struct boot_state bs;
	struct guestmem gm;

	s.relocatable = 0;
	s.pref = 0x400000;
	o = opts(build(&s));
	load_good(&gm, RAM_SIZE, &o, &bs);
	CHECK_EQ(bs.rip, 0x400200);
	check_kernel(&gm, 0x400000, s.ksize);
	CHECK(all_zero(&gm, 0x100000, 0x1000));
	CHECK_EQ(g32(&gm, ZP + 0x214), 0x400000);
	guestmem_free(&gm);
}

/* A relocatable kernel still loads at 1 MiB; it runs aligned up. */
UNIT_TEST(bz_run_address_aligned_up)
{
	struct bz_spec s = bz_default();
	struct load_opts o;
	struct boot_state bs;
	struct guestmem gm;
	char path[64];

	s.align = 0x400000;
	s.pref = 0x100000;
	s.init_size = 0x2fe000;		/* runs at [0x400000-0x6fe000) */
	o = opts(build(&s));
	make_initrd(path, sizeof(path), 0x100000);
	o.modules[0] = (struct loader_module){ path, NULL };
	o.nr_modules = 1;
	load_good(&gm, RAM_SIZE, &o, &bs);
	CHECK_EQ(bs.rip, 0x100200);
	CHECK_EQ(bs.rsi, 0x6fe000);	/* then the zero page, command line */
	CHECK_EQ(g32(&gm, ZP + 0x218), 0x700000);
	guestmem_free(&gm);
	/* one page more does not fit above the run range */
	s.init_size = 0x2ff000;
	o.data = img;
	o.size = build(&s);
	{
		char want[512];

		snprintf(want, sizeof(want), "initrd %s (0x100000 bytes) does not fit between 0x701000 (after the kernel and its boot information) and 0x800000 (the end of RAM or initrd_addr_max 0x7fffffff + 1); use a larger -m",
			 path);
		EXPECT_REJECTED(&o, want);
	}
	unlink(path);
}

/* ---- refused images ---------------------------------------------------- */

UNIT_TEST(bz_truncated)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));

	o.size = 0x205;
	EXPECT_REJECTED(&o, "offset 0x0: file is 517 bytes, too short for a Linux setup header (\"HdrS\" at 0x202-0x205)");
	o.size = 0x260;
	EXPECT_REJECTED(&o, "offset 0x201: the setup header ends at 0x26c, past the end of the file (size 0x260): truncated image");
	/* cut inside the kernel: syssize says more */
	o.size = koffset(&s) + s.ksize - 16;
	EXPECT_REJECTED(&o, "offset 0x1f4: syssize 0x100 (0x1000 bytes) is more than the 0xff0 bytes after the setup sectors at 0x600: truncated image");
	/* cut right after the setup sectors */
	o.size = koffset(&s);
	EXPECT_REJECTED(&o, "offset 0x1f1: setup_sects 2 puts the protected-mode kernel at 0x600, at or past the end of the file (size 0x600)");
}

UNIT_TEST(bz_setup_sects_past_eof)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));

	img[0x1f1] = 200;
	EXPECT_REJECTED(&o, "offset 0x1f1: setup_sects 200 puts the protected-mode kernel at 0x19200, at or past the end of the file (size 0x1600)");
}

UNIT_TEST(bz_entry_outside_kernel)
{
	struct bz_spec s = bz_default();

	s.ksize = 0x200;
	s.syssize = 0x20;
	SPEC_REJECTED(&s, "offset 0x600: the protected-mode kernel is 0x200 bytes, so its 64-bit entry point at +0x200 is outside it");
}

UNIT_TEST(bz_not_bzimage)
{
	struct bz_spec s = bz_default();

	s.boot_flag = 0x1234;
	SPEC_REJECTED(&s, "offset 0x1fe: boot flag 0x1234 is not 0xAA55: not a Linux bzImage");
	s = bz_default();
	s.magic = 0;
	SPEC_REJECTED(&s, "offset 0x202: no \"HdrS\" magic: not a Linux bzImage (or a kernel older than boot protocol 2.00)");
}

UNIT_TEST(bz_header_length)
{
	struct bz_spec s = bz_default();

	s.jump_len = 0x80;
	SPEC_REJECTED(&s, "offset 0x201: jump offset 0x80 is negative, so the setup header has no length");
	s.jump_len = 0x05;
	SPEC_REJECTED(&s, "offset 0x201: the setup header ends at 0x207, before its version field at 0x206");
	s.jump_len = 0x40;
	SPEC_REJECTED(&s, "offset 0x201: the setup header ends at 0x242, but boot protocol 2.15 has fields up to init_size at 0x260-0x263");
}

UNIT_TEST(bz_old_protocol)
{
	struct bz_spec s = bz_default();

	s.version = 0x0205;
	SPEC_REJECTED(&s, "offset 0x206: boot protocol 2.05 is too old: modvmm needs 2.06 or later");
	s.version = 0x0200;
	SPEC_REJECTED(&s, "offset 0x206: boot protocol 2.00 is too old: modvmm needs 2.06 or later");
	s.version = 0x020b;
	SPEC_REJECTED(&s, "offset 0x206: boot protocol 2.11 has no 64-bit entry point: modvmm uses the 64-bit boot protocol, which needs 2.12 or later");
}

UNIT_TEST(bz_flags)
{
	struct bz_spec s = bz_default();

	s.loadflags = 0x80;
	SPEC_REJECTED(&s, "offset 0x211: loadflags 0x80 lack LOADED_HIGH (bit 0): a zImage loaded at 0x10000 is not supported");
	s = bz_default();
	s.xloadflags = 0x0002;
	SPEC_REJECTED(&s, "offset 0x236: xloadflags 0x0002 lack XLF_KERNEL_64 (bit 0): no 64-bit entry point (a 32-bit kernel?); modvmm boots bzImages through the 64-bit boot protocol only");
}

UNIT_TEST(bz_placement)
{
	struct bz_spec s = bz_default();

	s.pref = 0x100000000ull;
	SPEC_REJECTED(&s, "offset 0x258: pref_address 0x100000000 is above the 4 GiB that modvmm identity-maps");
	s = bz_default();
	s.align = 0x300000;
	SPEC_REJECTED(&s, "offset 0x230: kernel_alignment 0x300000 of a relocatable kernel is not a power of two");
	s.align = 0;
	SPEC_REJECTED(&s, "offset 0x230: kernel_alignment 0x0 of a relocatable kernel is not a power of two");
	s = bz_default();
	s.relocatable = 0;
	s.pref = 0x10000;
	SPEC_REJECTED(&s, "offset 0x258: pref_address 0x10000 of a kernel that is not relocatable is below 1 MiB, where modvmm keeps its boot tables and stack (a LOADED_HIGH kernel loads at 1 MiB or above)");
	/* in the legacy hole, or where it ends the RAM */
	s.pref = 0xa0000;
	SPEC_REJECTED(&s, "offset 0x258: pref_address 0xa0000 of a kernel that is not relocatable is below 1 MiB, where modvmm keeps its boot tables and stack (a LOADED_HIGH kernel loads at 1 MiB or above)");
	s.pref = 0x800000;
	SPEC_REJECTED(&s, "the protected-mode kernel [0x800000-0x801000) is not in guest RAM (" RAM_LIST "); use a larger -m");
}

UNIT_TEST(bz_kernel_not_in_ram)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));

	expect_rejected(&o, 1 << 20, "the protected-mode kernel [0x100000-0x101000) is not in guest RAM (RAM: [0x0-0x9ffff], [0xe0000-0xfffff]); use a larger -m",
			__LINE__);
}

UNIT_TEST(bz_init_size_past_ram)
{
	struct bz_spec s = bz_default();

	s.init_size = 0x600001;
	SPEC_REJECTED(&s, "offset 0x260: the kernel needs RAM at [0x200000-0x800001) (init_size 0x600001 from its run address 0x200000), which guest RAM does not have (" RAM_LIST "); use a larger -m");
	/* up to the end of RAM leaves no room for the zero page after it */
	s.init_size = 0x600000;
	SPEC_REJECTED(&s, "guest RAM has no room for the zero page and command line after the kernel at [0x800000-0x8010ff] (" RAM_LIST "); use a larger -m");
	/* two pages less is enough for them (cmdline_size 255) */
	s.init_size = 0x5fe000;
	{
		struct load_opts o = opts(build(&s));
		struct boot_state bs;
		struct guestmem gm;

		load_good(&gm, RAM_SIZE, &o, &bs);
		CHECK_EQ(bs.rsi, 0x7fe000);
		CHECK_EQ(bs.cmdline_addr, 0x7ff000);
		CHECK_EQ(g32(&gm, ZP + 0x228), 0x7ff000);
		guestmem_free(&gm);
	}
}

UNIT_TEST(bz_initrd_too_large)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));
	char path[64], want[512];

	make_initrd(path, sizeof(path), 0x500001);
	o.modules[0] = (struct loader_module){ path, NULL };
	o.nr_modules = 1;
	snprintf(want, sizeof(want), "initrd %s (0x500001 bytes) does not fit between 0x302000 (after the kernel and its boot information) and 0x800000 (the end of RAM or initrd_addr_max 0x7fffffff + 1); use a larger -m",
		 path);
	EXPECT_REJECTED(&o, want);
	unlink(path);
}

/* loader_read_file() names the missing file itself; RAM stays clean. */
UNIT_TEST(bz_initrd_missing)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));
	struct boot_state bs;
	struct guestmem gm;

	o.modules[0] = (struct loader_module){ "/nonexistent/initrd.img", NULL };
	o.nr_modules = 1;
	ram_init(&gm, RAM_SIZE);
	CHECK_EQ(load(&gm, &o, &bs), -1);
	CHECK_EQ(strcmp(errbuf, "modvmm: /nonexistent/initrd.img: cannot open: No such file or directory\n"), 0);
	CHECK(ram_is_zero(&gm));
	guestmem_free(&gm);
}

UNIT_TEST(bz_options_refused)
{
	struct bz_spec s = bz_default();
	struct load_opts o = opts(build(&s));

	o.mode = BOOT_PROTECTED;
	EXPECT_REJECTED(&o, "--mode applies to flat images: a bzImage starts in long mode (64-bit boot protocol)");
	o.mode = -1;
	o.have_load_addr = 1;
	EXPECT_REJECTED(&o, "--load-addr and --entry apply to flat images: a bzImage says where it goes");
	o.have_load_addr = 0;
	o.have_entry = 1;
	EXPECT_REJECTED(&o, "--load-addr and --entry apply to flat images: a bzImage says where it goes");
	o.have_entry = 0;
	o.modules[0] = (struct loader_module){ "/tmp/a.img", NULL };
	o.modules[1] = (struct loader_module){ "/tmp/b.img", NULL };
	o.nr_modules = 2;
	EXPECT_REJECTED(&o, "2 modules given: a bzImage takes one initrd (--initrd FILE)");
	o.nr_modules = 1;
	o.modules[0].cmdline = "root=/dev/ram0";
	EXPECT_REJECTED(&o, "--module /tmp/a.img,root=/dev/ram0: an initrd has no command line; put kernel arguments in --append");
	/* --mode long is what it does anyway */
	o.nr_modules = 0;
	o.mode = BOOT_LONG;
	{
		struct boot_state bs;
		struct guestmem gm;

		load_good(&gm, RAM_SIZE, &o, &bs);
		guestmem_free(&gm);
	}
}
