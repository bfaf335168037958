// SPDX-License-Identifier: MIT
/*
 * loader_bzimage.c - Linux x86 bzImage kernels, through the 64-bit boot
 * protocol of Documentation/arch/x86/boot.rst.
 *
 * Why 64-bit: the 32-bit protocol wants __BOOT_CS = 0x10 and __BOOT_DS =
 * 0x18, which modvmm's GDT (0x08 code32, 0x10 data, 0x18 code64) does not
 * have, while its long-mode entry (identity map of 4 GiB, interrupts off)
 * is what the 64-bit protocol asks for.  The protocol names the same
 * selectors there too, but a 64-bit kernel's startup_64 zeroes its data
 * segments and loads its own GDT before any far transfer, so modvmm's CS
 * 0x18 / DS 0x10 serve it.  A kernel without XLF_KERNEL_64 (a 32-bit
 * kernel, or protocol < 2.12) is refused with a message saying so.
 *
 * What the loader does:
 *  - the protected-mode kernel, the file from (setup_sects + 1) * 512
 *    (setup_sects 0 means 4) for syssize * 16 bytes, goes to 1 MiB;
 *    a kernel that is not relocatable goes to its pref_address instead,
 *    where it would move itself anyway.  The real-mode setup code is not
 *    loaded: it never runs;
 *  - the kernel decompresses itself at its run address, which boot.rst
 *    defines as align_up(load, kernel_alignment) for a relocatable kernel
 *    (and Linux never goes below its LOAD_PHYSICAL_ADDR, which it puts in
 *    pref_address), else pref_address; it needs init_size bytes of RAM
 *    there, which the loader checks;
 *  - the zero page (struct boot_params) goes in the first free page after
 *    the kernel's run range, the command line (--append, else empty)
 *    in the page after it, with room to grow to the kernel's
 *    cmdline_size (at most BZ_CMDLINE_CAP) for what devices add: RAM
 *    that neither the image nor the decompressor touch, as bootloaders
 *    choose it (the kernel copies both before it uses that memory);
 *  - the first --module (or --initrd) is the initrd, put page-aligned as
 *    high as RAM below 4 GiB and initrd_addr_max allow, above the
 *    kernel's run range and the zero page, as bootloaders do;
 *  - the e820 map is guestmem_map()'s: RAM (type 1), and the BIOS area
 *    0xe0000-0xfffff as reserved (type 2); the VGA hole is not listed;
 *  - the vCPU starts in long mode at load + 0x200 with RSI = the zero
 *    page and RSP = BOOT_STACK_TOP.
 * Everything is checked before the first byte of guest memory is written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modvmm/device.h>
#include "boot/loader.h"
#include "modvmm.h"

/* Setup header fields: offsets in the file and in the zero page alike. */
#define HDR_START		0x1f1
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200	/* 0xEB, then the header's length */
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_SETUP_DATA		0x250
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_NEEDED_END		0x264	/* up to init_size's end */

#define BZ_BOOT_FLAG		0xaa55
#define BZ_MAGIC		0x53726448u	/* "HdrS" */
#define BZ_MIN_VERSION		0x0206		/* cmdline_size */
#define BZ_64BIT_VERSION	0x020c		/* xloadflags */
#define BZ_LOADER_ID		0xff		/* no assigned id */
#define BZ_LOADED_HIGH		(1u << 0)
#define BZ_CAN_USE_HEAP		(1u << 7)
#define BZ_XLF_KERNEL_64	(1u << 0)
#define BZ_SECTOR		512
#define BZ_ENTRY_64		0x200		/* startup_64 - startup_32 */

/* struct boot_params, the "zero page" (Documentation/arch/x86/zero-page.rst) */
#define BP_EXT_MEM_K		0x002
#define BP_ALT_MEM_K		0x1e0
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_E820_ENTRY_SIZE	20	/* u64 addr, u64 size, u32 type */
#define BP_SIZE			0x1000
#define EXT_MEM_K_MAX		0xfc00	/* the most INT 15h AH=88h says */

/* Where the loader puts its pieces. */
#define BZ_LOAD_ADDR		BOOT_DEFAULT_LOAD
#define BZ_CMDLINE_CAP		0xffffu	/* the most room a command line gets */
#define BZ_PAGE			0x1000ull
#define BZ_4G			0x100000000ull

/* What the setup header says, and where things go. */
struct bz_kernel {
	uint8_t loadflags;
	size_t hdr_end;			/* 0x202 + the byte at 0x201 */
	size_t koff, ksize;		/* protected-mode kernel in the file */
	uint32_t cmdline_size, init_size, align, initrd_max;
	int relocatable;
	uint64_t pref;
	uint64_t load, run, run_end;	/* guest physical */
	uint64_t zero_page, cmdline;	/* the boot information, after run_end */
	uint32_t cmdline_max;		/* room at cmdline, NUL excluded */
};

struct bz_initrd {
	uint8_t *data;			/* from loader_read_file(), or NULL */
	size_t size;
	uint64_t addr;
};

static uint16_t bz_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t bz_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t bz_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void bz_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void bz_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void bz_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static int bz_probe(const struct load_opts *o)
{
	return o->size >= HDR_MAGIC + 4 &&
	       bz_get16(o->data + HDR_BOOT_FLAG) == BZ_BOOT_FLAG &&
	       bz_get32(o->data + HDR_MAGIC) == BZ_MAGIC;
}

static int bz_check_opts(const struct load_opts *o)
{
	if (o->mode >= 0 && o->mode != BOOT_LONG) {
		loader_error(o, "--mode applies to flat images: a bzImage starts in long mode (64-bit boot protocol)");
		return -1;
	}
	if (o->have_load_addr || o->have_entry) {
		loader_error(o, "--load-addr and --entry apply to flat images: a bzImage says where it goes");
		return -1;
	}
	if (o->nr_modules > 1) {
		loader_error(o, "%d modules given: a bzImage takes one initrd (--initrd FILE)",
			     o->nr_modules);
		return -1;
	}
	if (o->nr_modules == 1 && o->modules[0].cmdline) {
		loader_error(o, "--module %s,%s: an initrd has no command line; put kernel arguments in --append",
			     o->modules[0].path, o->modules[0].cmdline);
		return -1;
	}
	return 0;
}

/* Magic numbers, and a setup header that lies inside the file. */
static int bz_check_magic(const struct load_opts *o, struct bz_kernel *k)
{
	if (o->size < HDR_MAGIC + 4) {
		loader_error(o, "offset 0x0: file is %zu bytes, too short for a Linux setup header (\"HdrS\" at 0x202-0x205)",
			     o->size);
		return -1;
	}
	if (bz_get16(o->data + HDR_BOOT_FLAG) != BZ_BOOT_FLAG) {
		loader_error(o, "offset 0x%x: boot flag 0x%04x is not 0xAA55: not a Linux bzImage",
			     HDR_BOOT_FLAG, bz_get16(o->data + HDR_BOOT_FLAG));
		return -1;
	}
	if (bz_get32(o->data + HDR_MAGIC) != BZ_MAGIC) {
		loader_error(o, "offset 0x%x: no \"HdrS\" magic: not a Linux bzImage (or a kernel older than boot protocol 2.00)",
			     HDR_MAGIC);
		return -1;
	}
	if (o->data[HDR_JUMP + 1] & 0x80) {
		loader_error(o, "offset 0x%x: jump offset 0x%02x is negative, so the setup header has no length",
			     HDR_JUMP + 1, o->data[HDR_JUMP + 1]);
		return -1;
	}
	k->hdr_end = HDR_MAGIC + o->data[HDR_JUMP + 1];
	if (k->hdr_end > o->size) {
		loader_error(o, "offset 0x%x: the setup header ends at 0x%zx, past the end of the file (size 0x%zx): truncated image",
			     HDR_JUMP + 1, k->hdr_end, o->size);
		return -1;
	}
	if (k->hdr_end < HDR_VERSION + 2) {
		loader_error(o, "offset 0x%x: the setup header ends at 0x%zx, before its version field at 0x%x",
			     HDR_JUMP + 1, k->hdr_end, HDR_VERSION);
		return -1;
	}
	return 0;
}

/* Protocol version, header length and the flags the 64-bit entry needs. */
static int bz_check_version(const struct load_opts *o, struct bz_kernel *k)
{
	uint16_t v = bz_get16(o->data + HDR_VERSION), xlf;

	if (v < BZ_MIN_VERSION) {
		loader_error(o, "offset 0x%x: boot protocol %u.%02u is too old: modvmm needs 2.06 or later",
			     HDR_VERSION, v >> 8, v & 0xff);
		return -1;
	}
	if (v < BZ_64BIT_VERSION) {
		loader_error(o, "offset 0x%x: boot protocol %u.%02u has no 64-bit entry point: modvmm uses the 64-bit boot protocol, which needs 2.12 or later",
			     HDR_VERSION, v >> 8, v & 0xff);
		return -1;
	}
	if (k->hdr_end < HDR_NEEDED_END) {
		loader_error(o, "offset 0x%x: the setup header ends at 0x%zx, but boot protocol %u.%02u has fields up to init_size at 0x%x-0x%x",
			     HDR_JUMP + 1, k->hdr_end, v >> 8, v & 0xff,
			     HDR_INIT_SIZE, HDR_NEEDED_END - 1);
		return -1;
	}
	k->loadflags = o->data[HDR_LOADFLAGS];
	if (!(k->loadflags & BZ_LOADED_HIGH)) {
		loader_error(o, "offset 0x%x: loadflags 0x%02x lack LOADED_HIGH (bit 0): a zImage loaded at 0x10000 is not supported",
			     HDR_LOADFLAGS, k->loadflags);
		return -1;
	}
	xlf = bz_get16(o->data + HDR_XLOADFLAGS);
	if (!(xlf & BZ_XLF_KERNEL_64)) {
		loader_error(o, "offset 0x%x: xloadflags 0x%04x lack XLF_KERNEL_64 (bit 0): no 64-bit entry point (a 32-bit kernel?); modvmm boots bzImages through the 64-bit boot protocol only",
			     HDR_XLOADFLAGS, xlf);
		return -1;
	}
	return 0;
}

/* Where the protected-mode kernel is in the file. */
static int bz_check_kernel(const struct load_opts *o, struct bz_kernel *k)
{
	unsigned int setup_sects = o->data[HDR_SETUP_SECTS];
	unsigned int sects = setup_sects ? setup_sects : 4;
	uint64_t syssize = bz_get32(o->data + HDR_SYSSIZE);

	k->koff = (size_t)(sects + 1) * BZ_SECTOR;
	if (k->koff >= o->size) {
		loader_error(o, "offset 0x%x: setup_sects %u puts the protected-mode kernel at 0x%zx, at or past the end of the file (size 0x%zx)",
			     HDR_SETUP_SECTS, setup_sects, k->koff, o->size);
		return -1;
	}
	k->ksize = o->size - k->koff;
	if (syssize * 16 > k->ksize) {
		loader_error(o, "offset 0x%x: syssize 0x%" PRIx64 " (0x%" PRIx64 " bytes) is more than the 0x%zx bytes after the setup sectors at 0x%zx: truncated image",
			     HDR_SYSSIZE, syssize, syssize * 16, k->ksize,
			     k->koff);
		return -1;
	}
	if (syssize)
		k->ksize = syssize * 16;
	if (k->ksize <= BZ_ENTRY_64) {
		loader_error(o, "offset 0x%zx: the protected-mode kernel is 0x%zx bytes, so its 64-bit entry point at +0x%x is outside it",
			     k->koff, k->ksize, BZ_ENTRY_64);
		return -1;
	}
	return 0;
}

/* Load address, run address and alignment. */
static int bz_check_placement(const struct load_opts *o, struct bz_kernel *k)
{
	const uint8_t *d = o->data;

	k->relocatable = d[HDR_RELOCATABLE] != 0;
	k->align = bz_get32(d + HDR_KERNEL_ALIGNMENT);
	k->pref = bz_get64(d + HDR_PREF_ADDRESS);
	k->init_size = bz_get32(d + HDR_INIT_SIZE);
	k->cmdline_size = bz_get32(d + HDR_CMDLINE_SIZE);
	k->initrd_max = bz_get32(d + HDR_INITRD_ADDR_MAX);
	if (k->pref >= BZ_4G) {
		loader_error(o, "offset 0x%x: pref_address 0x%" PRIx64 " is above the 4 GiB that modvmm identity-maps",
			     HDR_PREF_ADDRESS, k->pref);
		return -1;
	}
	if (k->relocatable && (!k->align || (k->align & (k->align - 1)))) {
		loader_error(o, "offset 0x%x: kernel_alignment 0x%x of a relocatable kernel is not a power of two",
			     HDR_KERNEL_ALIGNMENT, k->align);
		return -1;
	}
	if (k->relocatable) {
		k->load = BZ_LOAD_ADDR;
		k->run = (k->load + k->align - 1) & ~(uint64_t)(k->align - 1);
		if (k->run < k->pref)
			k->run = k->pref;
	} else {
		k->load = k->pref ? k->pref : BZ_LOAD_ADDR;
		k->run = k->load;
	}
	k->run_end = k->run + k->init_size;
	if (k->init_size < k->ksize)
		k->run_end = k->run + k->ksize;
	return 0;
}

/* The loaded bytes and the run range are RAM, clear of modvmm's areas. */
static int bz_check_ram(const struct guestmem *gm, const struct load_opts *o,
			const struct bz_kernel *k)
{
	uint64_t end = k->load + k->ksize;
	char ram[160];

	loader_ram_list(gm, ram, sizeof(ram));
	if (k->load < BOOT_DEFAULT_LOAD) {
		loader_error(o, "offset 0x%x: pref_address 0x%" PRIx64 " of a kernel that is not relocatable is below 1 MiB, where modvmm keeps its boot tables and stack (a LOADED_HIGH kernel loads at 1 MiB or above)",
			     HDR_PREF_ADDRESS, k->pref);
		return -1;
	}
	if (!guestmem_ptr(gm, k->load, k->ksize)) {
		loader_error(o, "the protected-mode kernel [0x%" PRIx64 "-0x%" PRIx64 ") is not in guest RAM (RAM: %s); use a larger -m",
			     k->load, end, ram);
		return -1;
	}
	if (!guestmem_ptr(gm, k->run, k->run_end - k->run)) {
		loader_error(o, "offset 0x%x: the kernel needs RAM at [0x%" PRIx64 "-0x%" PRIx64 ") (init_size 0x%x from its run address 0x%" PRIx64 "), which guest RAM does not have (RAM: %s); use a larger -m",
			     HDR_INIT_SIZE, k->run, k->run_end, k->init_size,
			     k->run, ram);
		return -1;
	}
	return 0;
}

/* The page-aligned address after @a. */
static uint64_t bz_page_up(uint64_t a)
{
	return (a + BZ_PAGE - 1) & ~(BZ_PAGE - 1);
}

/*
 * The zero page and the command line, in the pages after the run range;
 * the command line gets room for the kernel's cmdline_size, which is what
 * the devices' additions may grow it to.
 */
static int bz_place_info(const struct guestmem *gm, const struct load_opts *o,
			 struct bz_kernel *k)
{
	size_t len = o->append ? strlen(o->append) : 0;
	char ram[160];

	if (len > k->cmdline_size) {
		loader_error(o, "offset 0x%x: the command line (--append) is %zu bytes, longer than the kernel's cmdline_size %u",
			     HDR_CMDLINE_SIZE, len, k->cmdline_size);
		return -1;
	}
	if (len > BZ_CMDLINE_CAP) {
		loader_error(o, "the command line (--append) is %zu bytes, longer than the %u bytes modvmm passes to a kernel",
			     len, BZ_CMDLINE_CAP);
		return -1;
	}
	k->cmdline_max = k->cmdline_size < BZ_CMDLINE_CAP ? k->cmdline_size :
			 BZ_CMDLINE_CAP;
	k->zero_page = bz_page_up(k->run_end);
	k->cmdline = k->zero_page + BP_SIZE;
	if (!guestmem_ptr(gm, k->zero_page, BP_SIZE + k->cmdline_max + 1)) {
		loader_ram_list(gm, ram, sizeof(ram));
		loader_error(o, "guest RAM has no room for the zero page and command line after the kernel at [0x%" PRIx64 "-0x%" PRIx64 "] (RAM: %s); use a larger -m",
			     k->zero_page, k->cmdline + k->cmdline_max, ram);
		return -1;
	}
	return 0;
}

/* Top of the RAM slot below 4 GiB that holds @addr, else 0. */
static uint64_t bz_ram_top(const struct guestmem *gm, uint64_t addr)
{
	int i;

	for (i = 0; i < gm->nr_slots; i++) {
		const struct guestmem_slot *s = &gm->slot[i];

		uint64_t end = s->gpa + s->size;

		if (addr >= s->gpa && addr < end)
			return end < BZ_4G ? end : BZ_4G;
	}
	return 0;
}

/*
 * As high as the kernel's RAM slot and initrd_addr_max allow (that is
 * the highest byte it may use), page-aligned, above the run range.
 */
static int bz_place_initrd(const struct guestmem *gm, const struct load_opts *o,
			   const struct bz_kernel *k, struct bz_initrd *rd)
{
	uint64_t low = bz_page_up(k->cmdline + k->cmdline_max + 1);
	uint64_t top = bz_ram_top(gm, k->run);

	if (top > (uint64_t)k->initrd_max + 1)
		top = (uint64_t)k->initrd_max + 1;
	if (rd->size <= top && ((top - rd->size) & ~(BZ_PAGE - 1)) >= low) {
		rd->addr = (top - rd->size) & ~(BZ_PAGE - 1);
		if (guestmem_ptr(gm, rd->addr, rd->size))
			return 0;
	}
	loader_error(o, "initrd %s (0x%zx bytes) does not fit between 0x%" PRIx64 " (after the kernel and its boot information) and 0x%" PRIx64 " (the end of RAM or initrd_addr_max 0x%x + 1); use a larger -m",
		     o->modules[0].path, rd->size, low, top, k->initrd_max);
	return -1;
}

static int bz_read_initrd(const struct guestmem *gm, const struct load_opts *o,
			  const struct bz_kernel *k, struct bz_initrd *rd)
{
	memset(rd, 0, sizeof(*rd));
	if (!o->nr_modules)
		return 0;
	if (loader_read_file(o->modules[0].path, &rd->data, &rd->size,
			     gm->size))
		return -1;
	if (bz_place_initrd(gm, o, k, rd)) {
		loader_free_file(rd->data, rd->size);
		rd->data = NULL;
		return -1;
	}
	return 0;
}

static void bz_put_e820(uint8_t *zp, int i, uint64_t addr, uint64_t size,
			uint32_t type)
{
	uint8_t *e = zp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;

	bz_put64(e, addr);
	bz_put64(e + 8, size);
	bz_put32(e + 16, type);
}

/* The machine's memory map; e820 types are the map's. */
static void bz_write_memory(const struct guestmem *gm, uint8_t *zp)
{
	struct modvmm_mem_range map[MODVMM_MAX_MEM_RANGES];
	uint64_t upper_k = guestmem_upper_bytes(gm) / 1024;
	int i, n = guestmem_map(gm, map, MODVMM_MAX_MEM_RANGES);

	for (i = 0; i < n; i++)
		bz_put_e820(zp, i, map[i].addr, map[i].size, map[i].type);
	zp[BP_E820_ENTRIES] = (uint8_t)n;
	bz_put16(zp + BP_EXT_MEM_K,
		 (uint16_t)(upper_k < EXT_MEM_K_MAX ? upper_k : EXT_MEM_K_MAX));
	bz_put32(zp + BP_ALT_MEM_K, (uint32_t)upper_k);
}

/*
 * The image's setup header, then what a loader writes.  CAN_USE_HEAP
 * stays clear: it promises a heap for the real-mode setup code, which
 * does not run.  setup_data is cleared: modvmm passes none, and the
 * kernel would follow whatever pointer the file had.
 */
static void bz_write_zero_page(const struct guestmem *gm,
			       const struct load_opts *o,
			       const struct bz_kernel *k,
			       const struct bz_initrd *rd, uint8_t *zp)
{
	memset(zp, 0, BP_SIZE);
	memcpy(zp + HDR_START, o->data + HDR_START, k->hdr_end - HDR_START);
	zp[HDR_TYPE_OF_LOADER] = BZ_LOADER_ID;
	zp[HDR_LOADFLAGS] = k->loadflags & ~BZ_CAN_USE_HEAP;
	bz_put32(zp + HDR_CODE32_START, (uint32_t)k->load);
	bz_put32(zp + HDR_RAMDISK_IMAGE, (uint32_t)rd->addr);
	bz_put32(zp + HDR_RAMDISK_SIZE, (uint32_t)rd->size);
	bz_put16(zp + HDR_HEAP_END_PTR, 0);
	bz_put32(zp + HDR_CMD_LINE_PTR, (uint32_t)k->cmdline);
	bz_put64(zp + HDR_SETUP_DATA, 0);
	bz_write_memory(gm, zp);
}

static void bz_write(const struct guestmem *gm, const struct load_opts *o,
		     const struct bz_kernel *k, const struct bz_initrd *rd)
{
	const char *cmdline = o->append ? o->append : "";
	size_t len = strlen(cmdline);
	uint8_t *info = guestmem_ptr(gm, k->zero_page, BP_SIZE + len + 1);
	uint8_t *kernel = guestmem_ptr(gm, k->load, k->ksize);

	memcpy(kernel, o->data + k->koff, k->ksize);
	bz_write_zero_page(gm, o, k, rd, info);
	memcpy(info + BP_SIZE, cmdline, len + 1);
	if (rd->data)
		memcpy(guestmem_ptr(gm, rd->addr, rd->size), rd->data,
		       rd->size);
}

static int bz_load(struct guestmem *gm, const struct load_opts *o,
		   struct boot_state *bs)
{
	struct bz_kernel k;
	struct bz_initrd rd;

	memset(&k, 0, sizeof(k));
	if (bz_check_opts(o) || bz_check_magic(o, &k) ||
	    bz_check_version(o, &k) || bz_check_kernel(o, &k) ||
	    bz_check_placement(o, &k) || bz_check_ram(gm, o, &k) ||
	    bz_place_info(gm, o, &k) || bz_read_initrd(gm, o, &k, &rd))
		return -1;
	bz_write(gm, o, &k, &rd);
	loader_free_file(rd.data, rd.size);

	memset(bs, 0, sizeof(*bs));
	bs->mode = BOOT_LONG;
	bs->linux_selectors = 1;
	bs->rip = k.load + BZ_ENTRY_64;
	bs->rsi = k.zero_page;
	bs->rsp = BOOT_STACK_TOP;
	bs->cmdline_addr = k.cmdline;
	bs->cmdline_max = k.cmdline_max;
	return 0;
}

const struct loader_ops loader_bzimage = {
	.name = "bzimage",
	.probe = bz_probe,
	.load = bz_load,
};
