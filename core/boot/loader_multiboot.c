// SPDX-License-Identifier: MIT
/*
 * loader_multiboot.c - multiboot v1 kernels: ELF32, or any format with the
 * a.out kludge (header flags bit 16).
 *
 * Follows the Multiboot Specification 0.6.96.  Where it leaves a choice we
 * do what GRUB 2 and QEMU do:
 *  - info flag MODS is always set; with no modules mods_count and
 *    mods_addr are 0, which says "no modules" rather than "unknown";
 *  - modules are page-aligned and placed after the kernel's highest
 *    address (bss included), whether or not header flags bit 0 asks;
 *    mod_end is exclusive; a module's string is its path, then a space and
 *    its command line if it has one;
 *  - the kernel command line is the image path as given, then a space and
 *    --append's text if any;
 *  - an ELF entry point inside a segment's virtual range is moved to that
 *    segment's physical address (kernels linked higher-half);
 *  - the video bit (2) is accepted and ignored: there is no framebuffer and
 *    the VBE/framebuffer fields stay zero.
 *  - the information structure, its memory map and strings go in the
 *    first free page after the kernel and its modules, so that a kernel
 *    may use any RAM but page 0 and the boot tables (0x1000-0x7fff).
 * The memory map is guestmem_map()'s: RAM as available (type 1), the
 * BIOS area 0xe0000-0xfffff as reserved (type 2); addresses that are not
 * listed are not RAM.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modvmm/device.h>
#include "boot/loader.h"
#include "modvmm.h"

#define MB_HEADER_MAGIC		0x1badb002u
#define MB_BOOT_MAGIC		0x2badb002u	/* EAX at entry */
#define MB_SEARCH_END		8192	/* header lies within these bytes */
#define MB_HEADER_SIZE		12	/* magic, flags, checksum */
#define MB_AOUT_HEADER_SIZE	32	/* + header/load/load_end/bss_end/entry */

#define MB_FLAG_PAGE_ALIGN	(1u << 0)
#define MB_FLAG_MEMORY		(1u << 1)
#define MB_FLAG_VIDEO		(1u << 2)
#define MB_FLAG_AOUT_KLUDGE	(1u << 16)
#define MB_FLAGS_REQUIRED	0xffffu	/* a loader must refuse unknown ones */
#define MB_FLAGS_KNOWN		(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY | MB_FLAG_VIDEO)

/* header word indices */
enum { MBH_MAGIC, MBH_FLAGS, MBH_CHECKSUM, MBH_HEADER_ADDR, MBH_LOAD_ADDR,
       MBH_LOAD_END_ADDR, MBH_BSS_END_ADDR, MBH_ENTRY_ADDR, MBH_WORDS };

/* struct multiboot_info: flags and field offsets */
#define MBI_F_MEMORY		(1u << 0)
#define MBI_F_CMDLINE		(1u << 2)
#define MBI_F_MODS		(1u << 3)
#define MBI_F_MMAP		(1u << 6)
#define MBI_F_LOADER_NAME	(1u << 9)
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		0x80	/* up to the framebuffer fields, zeroed */
#define MB_MOD_SIZE		16	/* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY_SIZE	24	/* u32 size (= 20), u64 base, u64 len, u32 type */
#define MB_MMAP_AVAILABLE	1
#define MB_MMAP_RESERVED	2

#define MB_LOADER_NAME		"modvmm"
#define MB_PAGE			0x1000ull

struct mb_kernel {
	size_t hoff;			/* header offset in the file */
	uint32_t h[MBH_WORDS];		/* address fields only with bit 16 */
	struct loader_image img;
};

struct mb_module {
	uint8_t *data;		/* the file, from loader_read_file() */
	size_t size;
	uint64_t addr;		/* guest physical, page-aligned */
	uint8_t *host;
};

/*
 * Where the info structure's pieces go: [base, end), in the first free
 * page after the kernel and its modules (as GRUB and QEMU place it), so
 * that the image may use any RAM but page 0 and the boot tables.
 */
struct mb_layout {
	uint64_t base, mmap, mods, name, cmdline, end;
	uint64_t modstr[LOADER_MAX_MODULES];
	uint8_t *host;			/* guestmem_ptr(base) */
	struct modvmm_mem_range map[MODVMM_MAX_MEM_RANGES];
	int nr_map;
};

/* Guest regions a kernel segment must stay out of. */
static const struct loader_region mb_reserved[] = {
	{ 0, BOOT_GDT_ADDR, "page 0 [0x0-0xfff], which modvmm keeps free" },
	{ BOOT_GDT_ADDR, BOOT_TABLES_END, "the boot tables at [0x1000-0x7fff]" },
};

static uint32_t mb_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void mb_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void mb_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint64_t mb_align_page(uint64_t a)
{
	return (a + MB_PAGE - 1) & ~(MB_PAGE - 1);
}

static int mb_checksum_ok(const uint8_t *h)
{
	return (uint32_t)(mb_get32(h) + mb_get32(h + 4) + mb_get32(h + 8)) == 0;
}

/*
 * Offset of the first header with a right checksum, else of the first
 * magic (so that load can say the checksum is wrong), else -1.
 */
static long mb_find_header(const struct load_opts *o)
{
	size_t limit = o->size < MB_SEARCH_END ? o->size : MB_SEARCH_END;
	long first = -1;
	size_t off;

	for (off = 0; off + MB_HEADER_SIZE <= limit; off += 4) {
		if (mb_get32(o->data + off) != MB_HEADER_MAGIC)
			continue;
		if (mb_checksum_ok(o->data + off))
			return (long)off;
		if (first < 0)
			first = (long)off;
	}
	return first;
}

static int mb_probe(const struct load_opts *o)
{
	return mb_find_header(o) >= 0;
}

static int mb_check_opts(const struct load_opts *o)
{
	if (o->mode >= 0 && o->mode != BOOT_PROTECTED) {
		loader_error(o, "--mode applies to flat images: a multiboot kernel starts in 32-bit protected mode");
		return -1;
	}
	if (o->have_load_addr || o->have_entry) {
		loader_error(o, "--load-addr and --entry apply to flat images: a multiboot kernel says where it goes");
		return -1;
	}
	if (o->nr_modules < 0 || o->nr_modules > LOADER_MAX_MODULES) {
		loader_error(o, "%d modules given, at most %d are supported",
			     o->nr_modules, LOADER_MAX_MODULES);
		return -1;
	}
	return 0;
}

static int mb_parse_header(const struct load_opts *o, struct mb_kernel *k)
{
	long off = mb_find_header(o);
	uint32_t flags, unknown;
	size_t avail;
	int i;

	if (off < 0) {
		loader_error(o, "no multiboot header (magic 0x%08x, 4-byte aligned) in the first %d bytes",
			     MB_HEADER_MAGIC, MB_SEARCH_END);
		return -1;
	}
	k->hoff = (size_t)off;
	avail = (o->size < MB_SEARCH_END ? o->size : MB_SEARCH_END) - k->hoff;
	for (i = 0; i < MBH_WORDS && (size_t)i * 4 + 4 <= avail; i++)
		k->h[i] = mb_get32(o->data + k->hoff + i * 4);
	if (!mb_checksum_ok(o->data + k->hoff)) {
		loader_error(o, "offset 0x%zx: multiboot header checksum 0x%08x is wrong: magic + flags + checksum = 0x%08x, must be 0",
			     k->hoff + 8, k->h[MBH_CHECKSUM],
			     (uint32_t)(k->h[MBH_MAGIC] + k->h[MBH_FLAGS] +
					k->h[MBH_CHECKSUM]));
		return -1;
	}
	flags = k->h[MBH_FLAGS];
	unknown = flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_KNOWN;
	if (unknown) {
		loader_error(o, "offset 0x%zx: multiboot header flags 0x%08x require features modvmm does not support (bits 0x%04x; it knows bits 0-2 and 16)",
			     k->hoff + 4, flags, unknown);
		return -1;
	}
	if ((flags & MB_FLAG_AOUT_KLUDGE) && avail < MB_AOUT_HEADER_SIZE) {
		loader_error(o, "offset 0x%zx: multiboot header is truncated: with the a.out kludge (flags bit 16) it needs %d bytes, only %zu are in the file's first %d bytes",
			     k->hoff, MB_AOUT_HEADER_SIZE, avail, MB_SEARCH_END);
		return -1;
	}
	return 0;
}

/*
 * The a.out kludge: header_addr is where the header itself lands, so the
 * file bytes loaded at load_addr start header_addr - load_addr before it.
 */
static int mb_parse_aout(const struct load_opts *o, struct mb_kernel *k)
{
	uint64_t header = k->h[MBH_HEADER_ADDR], load = k->h[MBH_LOAD_ADDR];
	uint64_t load_end = k->h[MBH_LOAD_END_ADDR], bss_end = k->h[MBH_BSS_END_ADDR];
	uint64_t entry = k->h[MBH_ENTRY_ADDR];
	size_t at = k->hoff + 12;	/* offset of header_addr, for messages */
	uint64_t skip, foff, len, end;

	if (header < load) {
		loader_error(o, "offset 0x%zx: a.out kludge header_addr 0x%" PRIx64 " is below load_addr 0x%" PRIx64,
			     at, header, load);
		return -1;
	}
	skip = header - load;
	if (skip > k->hoff) {
		loader_error(o, "offset 0x%zx: a.out kludge header_addr 0x%" PRIx64 " is 0x%" PRIx64 " bytes above load_addr 0x%" PRIx64 ", but the header is only 0x%zx bytes into the file",
			     at, header, skip, load, k->hoff);
		return -1;
	}
	foff = k->hoff - skip;
	if (!load_end) {
		len = o->size - foff;
	} else if (load_end < load) {
		loader_error(o, "offset 0x%zx: a.out kludge load_end_addr 0x%" PRIx64 " is below load_addr 0x%" PRIx64,
			     at + 8, load_end, load);
		return -1;
	} else {
		len = load_end - load;
		if (len > o->size - foff) {
			loader_error(o, "offset 0x%zx: a.out kludge load range [0x%" PRIx64 "-0x%" PRIx64 ") needs file bytes [0x%" PRIx64 ", 0x%" PRIx64 "), past the end of the file (size 0x%zx)",
				     at + 8, load, load_end, foff, foff + len, o->size);
			return -1;
		}
	}
	end = load + len;
	if (header + MB_AOUT_HEADER_SIZE > end) {
		loader_error(o, "offset 0x%zx: a.out kludge header_addr 0x%" PRIx64 " puts the header outside the loaded range [0x%" PRIx64 "-0x%" PRIx64 ")",
			     at, header, load, end);
		return -1;
	}
	if (bss_end && bss_end < end) {
		loader_error(o, "offset 0x%zx: a.out kludge bss_end_addr 0x%" PRIx64 " is below the end of the loaded image 0x%" PRIx64,
			     at + 12, bss_end, end);
		return -1;
	}
	if (entry < load || entry >= end) {
		loader_error(o, "offset 0x%zx: a.out kludge entry_addr 0x%" PRIx64 " is outside the loaded image [0x%" PRIx64 "-0x%" PRIx64 ")",
			     at + 16, entry, load, end);
		return -1;
	}
	k->img.seg[0] = (struct loader_segment){ .name = "a.out kludge image",
		.addr = load, .vaddr = load, .offset = foff, .filesz = len,
		.memsz = (bss_end ? bss_end : end) - load };
	k->img.nr_seg = 1;
	k->img.entry = entry;
	return 0;
}

/* Without the a.out kludge the kernel must be ELF32. */
static int mb_parse_elf32(const struct load_opts *o, struct mb_kernel *k)
{
	if (o->size < SELFMAG || memcmp(o->data, ELFMAG, SELFMAG)) {
		loader_error(o, "offset 0x0: not an ELF file, and the multiboot header at 0x%zx has no a.out kludge (flags bit 16): set bit 16 and the address fields, or link an ELF32 kernel",
			     k->hoff);
		return -1;
	}
	if (o->size > EI_CLASS && o->data[EI_CLASS] == ELFCLASS64) {
		loader_error(o, "offset 0x%x: ELF64 image with a multiboot header but without the a.out kludge (flags bit 16): multiboot kernels are ELF32; use --format elf to start it in long mode",
			     EI_CLASS);
		return -1;
	}
	return loader_elf_parse(o, ELFCLASS32, &k->img);
}

/* "A", or "A B" when B is given: the kernel's and each module's string. */
static size_t mb_string_size(const char *a, const char *b)
{
	return strlen(a) + (b && *b ? 1 + strlen(b) : 0) + 1;
}

static void mb_put_string(uint8_t *p, const char *a, const char *b)
{
	size_t n = strlen(a);

	memcpy(p, a, n);
	if (b && *b) {
		p[n++] = ' ';
		memcpy(p + n, b, strlen(b));
		n += strlen(b);
	}
	p[n] = '\0';
}

/* The pieces' addresses from @l->base on; returns the end. */
static uint64_t mb_layout_at(const struct load_opts *o, struct mb_layout *l,
			     uint64_t base)
{
	uint64_t p = base + MBI_SIZE;
	int i;

	l->base = base;
	l->mmap = p;
	p += (uint64_t)l->nr_map * MB_MMAP_ENTRY_SIZE;
	l->mods = p;
	p += (uint64_t)o->nr_modules * MB_MOD_SIZE;
	l->name = p;
	p += sizeof(MB_LOADER_NAME);
	l->cmdline = p;
	p += mb_string_size(o->path, o->append);
	for (i = 0; i < o->nr_modules; i++) {
		l->modstr[i] = p;
		p += mb_string_size(o->modules[i].path, o->modules[i].cmdline);
	}
	l->end = p;
	return p;
}

/*
 * The information goes in the first page after @after (the end of the
 * kernel and its modules); from conventional memory it may move over the
 * legacy hole to 1 MiB, as the modules do.
 */
static int mb_layout_info(const struct guestmem *gm, const struct load_opts *o,
			  uint64_t after, struct mb_layout *l)
{
	uint64_t base = mb_align_page(after), end;
	char ram[160];

	l->nr_map = guestmem_map(gm, l->map, MODVMM_MAX_MEM_RANGES);
	end = mb_layout_at(o, l, base);
	l->host = guestmem_ptr(gm, base, end - base);
	if (!l->host && base < GUESTMEM_HOLE_END) {
		end = mb_layout_at(o, l, GUESTMEM_HOLE_END);
		l->host = guestmem_ptr(gm, l->base, end - l->base);
	}
	if (!l->host) {
		loader_ram_list(gm, ram, sizeof(ram));
		loader_error(o, "the multiboot information (0x%" PRIx64 " bytes: command line, module strings, memory map) does not fit in guest RAM after the kernel and modules at 0x%" PRIx64 " (RAM: %s); give more memory with -m",
			     end - l->base, base, ram);
		return -1;
	}
	return 0;
}

static void mb_free_modules(struct mb_module *m, int n)
{
	while (n--)
		loader_free_file(m[n].data, m[n].size);
}

static int mb_read_modules(const struct guestmem *gm,
			   const struct load_opts *o, struct mb_module *m)
{
	int i;

	for (i = 0; i < o->nr_modules; i++) {
		if (loader_read_file(o->modules[i].path, &m[i].data, &m[i].size,
				     gm->size)) {
			mb_free_modules(m, i);
			return -1;
		}
	}
	return 0;
}

/*
 * Page-aligned, one after the other above the kernel; a kernel in
 * conventional memory may push them over the legacy hole to 1 MiB.
 * RAM ends at 3 GiB below 4 GiB, so the 32-bit mod_end cannot overflow.
 * Returns the end of the last one (the kernel's without modules), or 0
 * after loader_error().
 */
static uint64_t mb_place_modules(const struct guestmem *gm,
				 const struct load_opts *o,
				 const struct mb_kernel *k, struct mb_module *m)
{
	uint64_t addr = mb_align_page(k->img.end), end = k->img.end;
	char ram[160];
	int i;

	for (i = 0; i < o->nr_modules; i++) {
		m[i].host = guestmem_ptr(gm, addr, m[i].size);
		if (!m[i].host && addr < GUESTMEM_HOLE_END) {
			addr = GUESTMEM_HOLE_END;
			m[i].host = guestmem_ptr(gm, addr, m[i].size);
		}
		if (!m[i].host) {
			loader_ram_list(gm, ram, sizeof(ram));
			loader_error(o, "module %s (0x%zx bytes) does not fit in guest RAM at 0x%" PRIx64 " (RAM: %s)",
				     o->modules[i].path, m[i].size, addr, ram);
			return 0;
		}
		m[i].addr = addr;
		end = addr + m[i].size;
		addr = mb_align_page(end);
	}
	return end;
}

static void mb_copy(const struct load_opts *o, const struct mb_kernel *k,
		    const struct mb_module *m)
{
	int i;

	loader_copy_segments(o, &k->img);
	for (i = 0; i < o->nr_modules; i++)
		memcpy(m[i].host, m[i].data, m[i].size);
}

static uint8_t *mb_info_at(const struct mb_layout *l, uint64_t gpa)
{
	return l->host + (gpa - l->base);
}

/* The machine's memory map: RAM available, the BIOS area reserved. */
static void mb_write_mmap(const struct mb_layout *l)
{
	int i;

	for (i = 0; i < l->nr_map; i++) {
		uint8_t *e = mb_info_at(l, l->mmap + (uint64_t)i * MB_MMAP_ENTRY_SIZE);

		mb_put32(e, MB_MMAP_ENTRY_SIZE - 4);
		mb_put64(e + 4, l->map[i].addr);
		mb_put64(e + 12, l->map[i].size);
		mb_put32(e + 20, l->map[i].type == MODVMM_MEM_RAM ?
			 MB_MMAP_AVAILABLE : MB_MMAP_RESERVED);
	}
	mb_put32(l->host + MBI_MMAP_LENGTH, l->nr_map * MB_MMAP_ENTRY_SIZE);
	mb_put32(l->host + MBI_MMAP_ADDR, l->mmap);
}

static void mb_write_mods(const struct load_opts *o, const struct mb_module *m,
			  const struct mb_layout *l)
{
	int i;

	for (i = 0; i < o->nr_modules; i++) {
		uint8_t *e = mb_info_at(l, l->mods + (uint64_t)i * MB_MOD_SIZE);

		mb_put32(e, m[i].addr);
		mb_put32(e + 4, m[i].addr + m[i].size);
		mb_put32(e + 8, l->modstr[i]);
		mb_put_string(mb_info_at(l, l->modstr[i]), o->modules[i].path,
			      o->modules[i].cmdline);
	}
	mb_put32(l->host + MBI_MODS_COUNT, o->nr_modules);
	mb_put32(l->host + MBI_MODS_ADDR, o->nr_modules ? l->mods : 0);
}

static void mb_write_info(const struct guestmem *gm, const struct load_opts *o,
			  const struct mb_module *m, const struct mb_layout *l)
{
	memset(l->host, 0, l->end - l->base);
	mb_put32(l->host + MBI_FLAGS, MBI_F_MEMORY | MBI_F_CMDLINE | MBI_F_MODS |
		 MBI_F_MMAP | MBI_F_LOADER_NAME);
	mb_put32(l->host + MBI_MEM_LOWER, guestmem_lower_bytes(gm) / 1024);
	mb_put32(l->host + MBI_MEM_UPPER, guestmem_upper_bytes(gm) / 1024);
	mb_put_string(mb_info_at(l, l->cmdline), o->path, o->append);
	mb_put32(l->host + MBI_CMDLINE, l->cmdline);
	memcpy(mb_info_at(l, l->name), MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	mb_put32(l->host + MBI_LOADER_NAME, l->name);
	mb_write_mods(o, m, l);
	mb_write_mmap(l);
}

/* Everything is checked (modules read and placed) before the first write. */
static int mb_load(struct guestmem *gm, const struct load_opts *o,
		   struct boot_state *bs)
{
	struct mb_module mods[LOADER_MAX_MODULES];
	struct mb_kernel k;
	struct mb_layout l;
	uint64_t end;
	int aout;

	memset(&k, 0, sizeof(k));
	memset(mods, 0, sizeof(mods));
	if (mb_check_opts(o) || mb_parse_header(o, &k))
		return -1;
	aout = !!(k.h[MBH_FLAGS] & MB_FLAG_AOUT_KLUDGE);
	if (aout ? mb_parse_aout(o, &k) : mb_parse_elf32(o, &k))
		return -1;
	if (loader_check_segments(gm, o, &k.img, mb_reserved,
				  ARRAY_SIZE(mb_reserved)) ||
	    mb_read_modules(gm, o, mods))
		return -1;
	end = mb_place_modules(gm, o, &k, mods);
	if (!end || mb_layout_info(gm, o, end, &l)) {
		mb_free_modules(mods, o->nr_modules);
		return -1;
	}
	mb_copy(o, &k, mods);
	mb_write_info(gm, o, mods, &l);
	mb_free_modules(mods, o->nr_modules);

	memset(bs, 0, sizeof(*bs));
	bs->mode = BOOT_PROTECTED;
	bs->rip = k.img.entry;
	bs->rax = MB_BOOT_MAGIC;
	bs->rbx = l.base;
	bs->rsp = BOOT_STACK_TOP;
	return 0;
}

const struct loader_ops loader_multiboot = {
	.name = "multiboot",
	.probe = mb_probe,
	.load = mb_load,
};
