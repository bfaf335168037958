// SPDX-License-Identifier: MIT
/*
 * Unit tests for devices/fw_cfg.c, for what tests/harness/fw_cfg.mh
 * cannot say: machine facts other than the harness's (through a shim
 * device that hands fw_cfg a host table with its own machine_info), an
 * older host, long DMA transfers, 64-bit register writes, a directory
 * with many files.
 */
#include "harness_util.h"

#define SEL		0x510
#define DATA		0x511
#define DMA_HI		0x514
#define DMA_LO		0x518
#define DESC		0x1000

#define CTL_ERROR	0x01
#define CTL_READ	0x02
#define CTL_SKIP	0x04
#define CTL_SELECT	0x08

/* ---- a shim device: fw_cfg with a host table the test controls --------- */

static struct modvmm_machine_info shim_info;
static int shim_old_host;
static struct modvmm_host shim_host;
static const struct modvmm_device_desc *real_desc;

static int shim_machine_info(struct modvmm_dev *dev,
			     struct modvmm_machine_info *info)
{
	size_t n = info->struct_size;

	(void)dev;
	if (n > sizeof(shim_info))
		n = sizeof(shim_info);
	memcpy(info, &shim_info, n);
	info->struct_size = (uint32_t)n;
	return 0;
}

static int shim_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	shim_host = *host;
	shim_host.machine_info = shim_machine_info;
	if (shim_old_host)
		shim_host.struct_size = offsetof(struct modvmm_host, machine_info);
	return real_desc->init(dev, &shim_host, priv);
}

/* Writable, so that it takes fw_cfg's options and exit before use. */
static struct modvmm_device_desc shim_desc;
static const struct modvmm_device_desc *const shim_desc_ptr
	__attribute__((section("modvmm_devices"), used,
		       aligned(sizeof(void *)))) = &shim_desc;

extern const struct modvmm_device_desc *const __start_modvmm_devices[];
extern const struct modvmm_device_desc *const __stop_modvmm_devices[];

/* Before any test makes a machine: the core checks every built-in then. */
__attribute__((constructor)) static void shim_setup(void)
{
	const struct modvmm_device_desc *const *d;

	for (d = __start_modvmm_devices; d < __stop_modvmm_devices; d++)
		if (*d != &shim_desc && !strcmp((*d)->name, "fw_cfg"))
			real_desc = *d;
	shim_desc = *real_desc;
	shim_desc.name = "fwshim";
	shim_desc.init = shim_init;
}

/* A fresh machine with fw_cfg seeing @info; NULL if it was refused. */
static struct modvmm_dev *start_with(const struct modvmm_machine_info *info,
				     int old_host)
{
	shim_info = *info;
	shim_info.struct_size = sizeof(shim_info);
	shim_old_host = old_host;
	return unit_start("fwshim");
}

/* ---- guest side --------------------------------------------------------- */

static void select_key(uint16_t key)
{
	harness_write(MODVMM_SPACE_PIO, SEL, 2, key);
}

/* The next @n bytes of the selected item, little-endian, by the port. */
static uint64_t read_le(unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)harness_inb(DATA) << (8 * i);
	return v;
}

static void put_be(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* A port write of the bytes @v has big-endian, as the guest does it. */
static uint64_t be_port(uint64_t v, unsigned int n)
{
	uint8_t b[8];
	uint64_t r = 0;
	unsigned int i;

	put_be(b, v, n);
	for (i = 0; i < n; i++)
		r |= (uint64_t)b[i] << (8 * i);
	return r;
}

/* Put an FWCfgDmaAccess at DESC and start it; the control word after. */
static uint32_t dma(uint32_t control, uint32_t len, uint64_t addr)
{
	uint8_t *d = harness_mem(DESC, 16);

	put_be(d, control, 4);
	put_be(d + 4, len, 4);
	put_be(d + 8, addr, 8);
	harness_write(MODVMM_SPACE_PIO, DMA_HI, 4, 0);
	harness_write(MODVMM_SPACE_PIO, DMA_LO, 4, be_port(DESC, 4));
	return get_be32(d);
}

/* ---- tests ---------------------------------------------------------------- */

UNIT_TEST(fw_cfg_items_come_from_machine_info)
{
	struct modvmm_machine_info info = {
		.nr_cpus = 3, .ram_size = 0x123456789aull,
		.cmdline = "console=ttyS0", .kernel_size = 0x123456,
		.initrd_size = 0x100000001ull,
	};
	char buf[32];
	unsigned int i;

	CHECK(start_with(&info, 0) != NULL);
	select_key(0x03);
	CHECK_EQ(read_le(8), 0x123456789aull);
	select_key(0x05);
	CHECK_EQ(read_le(2), 3);
	select_key(0x0f);
	CHECK_EQ(read_le(2), 3);
	select_key(0x08);
	CHECK_EQ(read_le(4), 0x123456);
	select_key(0x0b);		/* 32 bits: clamped, not wrapped */
	CHECK_EQ(read_le(4), 0xffffffffu);
	select_key(0x14);
	CHECK_EQ(read_le(4), 14);	/* with the NUL */
	select_key(0x15);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)harness_inb(DATA);
	CHECK_STR_EQ(buf, "console=ttyS0");
	CHECK(buf[sizeof(buf) - 1] == 0);
	harness_exit();
}

UNIT_TEST(fw_cfg_refuses_an_older_host)
{
	struct modvmm_machine_info info = { .nr_cpus = 1 };
	struct harness_range r;

	CHECK(start_with(&info, 1) == NULL);
	CHECK_STR_CONTAINS(harness_last_error(), "fwshim: init failed: ");
	CHECK_STR_CONTAINS(harness_last_error(), "older than the plugin");
	CHECK(!harness_range(MODVMM_SPACE_PIO, SEL, &r));
	harness_exit();
}

/* 200000 bytes of the 4-byte signature: the rest zeros, nothing beyond. */
UNIT_TEST(fw_cfg_dma_long_read_fills_zeros)
{
	struct modvmm_dev *dev = unit_start("fw_cfg");
	uint8_t *p = harness_mem(0x10000, 200001), ok = 1;
	uint32_t i;

	CHECK(dev != NULL);
	memset(p, 0xff, 200001);
	CHECK_EQ(dma(CTL_SELECT | CTL_READ, 200000, 0x10000), 0);
	CHECK(!memcmp(p, "QEMU", 4));
	for (i = 4; i < 200000; i++)
		ok &= p[i] == 0;
	CHECK(ok);
	CHECK_EQ(p[200000], 0xff);
	CHECK_EQ(harness_stat(dev, "dma"), 1);
	CHECK_EQ(harness_stat(dev, "dma_errors"), 0);
	harness_exit();
}

/* A buffer that runs off the end of RAM: the error bit, RAM below kept. */
UNIT_TEST(fw_cfg_dma_buffer_past_ram_end)
{
	struct modvmm_dev *dev = unit_start("fw_cfg");
	uint8_t *end = harness_mem(0x100000 - 8, 8);

	CHECK(dev != NULL);
	memset(end, 0xaa, 8);
	CHECK_EQ(dma(CTL_SELECT | CTL_READ, 16, 0x100000 - 6), CTL_ERROR);
	CHECK_EQ(end[0], 0xaa);
	CHECK_EQ(end[1], 0xaa);
	CHECK_EQ(harness_stat(dev, "dma_errors"), 1);
	/* a descriptor past the end of RAM: nothing to do, nothing broken */
	harness_write(MODVMM_SPACE_PIO, DMA_LO, 4, be_port(0x200000, 4));
	select_key(0);
	CHECK_EQ(harness_inb(DATA), 'Q');
	harness_exit();
}

/* One 64-bit write of the address register starts the transfer too. */
UNIT_TEST(fw_cfg_dma_64bit_register_write)
{
	uint8_t *d, *buf;

	CHECK(unit_start("fw_cfg") != NULL);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, DMA_HI, 8), 0x47464320554d4551ull);
	d = harness_mem(DESC, 16);
	buf = harness_mem(0x3000, 4);
	put_be(d, 0x00010000 | CTL_SELECT | CTL_READ, 4);
	put_be(d + 4, 4, 4);
	put_be(d + 8, 0x3000, 8);
	harness_write(MODVMM_SPACE_PIO, DMA_HI, 8, be_port(DESC, 8));
	CHECK_EQ(get_be32(d), 0);
	CHECK_EQ(buf[0], 0x03);		/* ID: traditional and DMA */
	/* odd widths and offsets of the register do nothing */
	put_be(d, CTL_SKIP, 4);
	harness_write(MODVMM_SPACE_PIO, DMA_LO, 2, 0x1000);
	harness_write(MODVMM_SPACE_PIO, DMA_LO + 1, 1, 0x10);
	CHECK_EQ(get_be32(d), CTL_SKIP);
	harness_exit();
}

/* Many files, one with the longest name: keys in order, names ended. */
UNIT_TEST(fw_cfg_directory_of_many_files)
{
	char name[64], want[56];
	uint8_t *dir, *e;
	unsigned int i;

	CHECK_EQ(harness_init(0, NULL), 0);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "opt/f%02u", i);
		CHECK_EQ(harness_fw_file_add(name, name, i), 0);
	}
	memset(want, 'n', 55);
	want[55] = '\0';
	CHECK_EQ(harness_fw_file_add(want, "x", 1), 0);
	CHECK(harness_device("fw_cfg") != NULL);
	CHECK_EQ(dma(0x00190000 | CTL_SELECT | CTL_READ, 4 + 42 * 64, 0x4000), 0);
	dir = harness_mem(0x4000, 4 + 42 * 64);
	CHECK_EQ(get_be32(dir), 42);	/* etc/e820, 40 files, the long one */
	for (i = 0; i < 42; i++) {
		e = dir + 4 + i * 64;
		CHECK_EQ(e[4] << 8 | e[5], 0x20 + i);
		CHECK_EQ(e[63], 0);
	}
	e = dir + 4 + 5 * 64;		/* opt/f04 holds 4 bytes */
	CHECK_EQ(get_be32(e), 4);
	CHECK_STR_EQ((char *)e + 8, "opt/f04");
	e = dir + 4 + 41 * 64;
	CHECK_STR_EQ((char *)e + 8, want);
	/* file 0x25 is opt/f04 */
	select_key(0x25);
	CHECK_EQ(read_le(4), 0x2f74706f);	/* "opt/" */
	harness_exit();
}
