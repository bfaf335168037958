// SPDX-License-Identifier: MIT
/*
 * Unit tests of the multiboot v1 and ELF64 loaders against a real
 * guestmem (no KVM).  Images are built in memory; every rejected load must
 * print exactly the expected one-line error and leave guest RAM all zero.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "unit.h"
#include "../../core/boot/loader.h"
#include "guestmem_util.h"

#define RAM_SIZE	(8ull << 20)
#define RAM_LIST	"RAM: [0x0-0x9ffff], [0xe0000-0xfffff], [0x100000-0x7fffff]"
#define IMG_PATH	"test.img"
#define IMG_MAX		0x10000

/*
 * The core objects linked into core tests include plugin.c, which walks
 * the built-in device section; this test links no device, so it brings an
 * empty section for __start/__stop_modvmm_devices to exist.
 */
static const void *const no_builtin_devices[0]
	__attribute__((section("modvmm_devices"), used));

static uint8_t img[IMG_MAX] __attribute__((aligned(16)));
static char errbuf[4096];

struct seg_spec {
	uint32_t type, flags;
	uint64_t paddr, vaddr;		/* vaddr 0: same as paddr */
	uint64_t filesz, memsz;
};

/* ---- helpers -------------------------------------------------------- */

static uint32_t g32(const struct guestmem *gm, uint64_t gpa)
{
	uint32_t v = 0;
	uint8_t *p = guestmem_ptr(gm, gpa, 4);

	if (p)
		memcpy(&v, p, 4);
	return v;
}

static uint64_t g64(const struct guestmem *gm, uint64_t gpa)
{
	uint64_t v = 0;
	uint8_t *p = guestmem_ptr(gm, gpa, 8);

	if (p)
		memcpy(&v, p, 8);
	return v;
}

static int all_bytes(const uint8_t *p, uint64_t len, uint8_t v)
{
	if (!p)
		return 0;
	while (len--)
		if (*p++ != v)
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
static int load(const struct loader_ops *l, struct guestmem *gm,
		const struct load_opts *o, struct boot_state *bs)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	if (!tmp)
		exit(1);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	rc = l->load(gm, o, bs);
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

#define CHECK_LOADED(rc) do { \
	CHECK_EQ((rc), 0); \
	CHECK_EQ(errbuf[0], 0); \
	if (errbuf[0]) \
		printf("#   stderr: %s", errbuf); \
} while (0)

/* Load @o into fresh guest RAM @gm (the caller frees it), expecting success. */
static void load_good(const struct loader_ops *l, struct guestmem *gm,
		      const struct load_opts *o, struct boot_state *bs)
{
	ram_init(gm, RAM_SIZE);
	CHECK_LOADED(load(l, gm, o, bs));
}

static uint8_t pattern(int seg, uint64_t j)
{
	return (uint8_t)(0x11 * (seg + 1) + j * 7 + 1);
}

/* Segment @i's file bytes go at 0x1000 * (i + 1), filled with pattern(). */
static uint64_t seg_offset(int i)
{
	return 0x1000ull * (i + 1);
}

static size_t fill_segment(int i, uint64_t filesz, size_t size)
{
	uint64_t j, off = seg_offset(i);

	if (!filesz)
		return size;
	for (j = 0; j < filesz && off + j < IMG_MAX; j++)
		img[off + j] = pattern(i, j);
	return off + filesz > size ? off + filesz : size;
}

/* ELF64 ET_EXEC: header, program headers at 0x40, segment bytes. */
static size_t build_elf64(uint64_t entry, const struct seg_spec *s, int n)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	size_t size = 0x40 + n * sizeof(Elf64_Phdr);
	int i;

	memset(img, 0, sizeof(img));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = 0x40;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = n;
	for (i = 0; i < n; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + 0x40) + i;

		ph->p_type = s[i].type;
		ph->p_flags = s[i].flags;
		ph->p_offset = seg_offset(i);
		ph->p_paddr = s[i].paddr;
		ph->p_vaddr = s[i].vaddr ? s[i].vaddr : s[i].paddr;
		ph->p_filesz = s[i].filesz;
		ph->p_memsz = s[i].memsz;
		ph->p_align = 0x1000;
		size = fill_segment(i, s[i].filesz, size);
	}
	return size;
}

static Elf64_Phdr *phdr64(int i)
{
	return (Elf64_Phdr *)(img + ((Elf64_Ehdr *)img)->e_phoff) + i;
}

#define MB_MAGIC	0x1badb002u
#define MB_AOUT		(1u << 16)

static void put_mb_header(size_t off, uint32_t flags)
{
	uint32_t h[3] = { MB_MAGIC, flags, -(MB_MAGIC + flags) };

	memcpy(img + off, h, sizeof(h));
}

/*
 * Multiboot ELF32: program headers at 0x34, segment bytes at
 * 0x1000 * (i + 1), the multiboot header at the start of segment 0.
 */
static size_t build_mb_elf32(uint32_t entry, const struct seg_spec *s, int n)
{
	Elf32_Ehdr *eh = (Elf32_Ehdr *)img;
	size_t size = 0x34 + n * sizeof(Elf32_Phdr);
	int i;

	memset(img, 0, sizeof(img));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = 0x34;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf32_Phdr);
	eh->e_phnum = n;
	for (i = 0; i < n; i++) {
		Elf32_Phdr *ph = (Elf32_Phdr *)(img + 0x34) + i;

		ph->p_type = s[i].type;
		ph->p_flags = s[i].flags;
		ph->p_offset = seg_offset(i);
		ph->p_paddr = s[i].paddr;
		ph->p_vaddr = s[i].vaddr ? s[i].vaddr : s[i].paddr;
		ph->p_filesz = s[i].filesz;
		ph->p_memsz = s[i].memsz;
		ph->p_align = 0x1000;
		size = fill_segment(i, s[i].filesz, size);
	}
	put_mb_header(seg_offset(0), 0x3);
	return size;
}

static Elf32_Phdr *phdr32(int i)
{
	return (Elf32_Phdr *)(img + 0x34) + i;
}

/* The usual kernel: text at 1 MiB, data + bss after it. */
static const struct seg_spec mb_segs[] = {
	{ PT_LOAD, PF_R | PF_X, 0x100000, 0, 0x800, 0x800 },
	{ PT_LOAD, PF_R | PF_W, 0x101000, 0, 0x100, 0x3000 },
};
#define MB_ENTRY	0x100020
#define MB_KERNEL_END	0x104000

static size_t build_mb_default(void)
{
	return build_mb_elf32(MB_ENTRY, mb_segs, 2);
}

/*
 * a.out kludge, laid out like guests/mb_aout.asm: 8 bytes of code, the
 * header at offset 8, 0x200 bytes of file.
 */
#define AOUT_SIZE	0x200
static size_t build_aout(uint32_t header_addr, uint32_t load_addr,
			 uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	uint32_t f[5] = { header_addr, load_addr, load_end, bss_end, entry };
	size_t j;

	memset(img, 0, sizeof(img));
	for (j = 0; j < AOUT_SIZE; j++)
		img[j] = pattern(9, j);
	put_mb_header(8, MB_AOUT | 0x2);
	memcpy(img + 20, f, sizeof(f));
	return AOUT_SIZE;
}

static size_t build_aout_default(void)
{
	return build_aout(0x100008, 0x100000, 0x100100, 0x101000, 0x100040);
}

/* A temporary module file of @size bytes: "MODULE-n" then pattern bytes. */
static void make_module(char *path, size_t len, uint64_t size, int n)
{
	uint8_t buf[256];
	uint64_t j;
	int fd;

	snprintf(path, len, "/tmp/modvmm-loader-mod-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		exit(1);
	if (size <= sizeof(buf)) {
		for (j = 0; j < size; j++)
			buf[j] = pattern(n, j);
		if (size >= 8)
			snprintf((char *)buf, 9, "MODULE-%d", n);
		if (write(fd, buf, size) != (ssize_t)size)
			exit(1);
	} else if (ftruncate(fd, size)) {
		exit(1);
	}
	close(fd);
}

/* ---- multiboot: probe ----------------------------------------------- */

UNIT_TEST(mb_probe)
{
	struct load_opts o = opts(build_mb_default());

	CHECK_EQ(loader_multiboot.probe(&o), 1);
	o = opts(build_aout_default());
	CHECK_EQ(loader_multiboot.probe(&o), 1);

	memset(img, 0, sizeof(img));
	o = opts(IMG_MAX);
	CHECK_EQ(loader_multiboot.probe(&o), 0);
	put_mb_header(8190, 0);		/* not 4-byte aligned */
	CHECK_EQ(loader_multiboot.probe(&o), 0);
	memset(img, 0, sizeof(img));
	put_mb_header(8192, 0);		/* past the first 8192 bytes */
	CHECK_EQ(loader_multiboot.probe(&o), 0);
	put_mb_header(8180, 0);		/* the last place it fits */
	CHECK_EQ(loader_multiboot.probe(&o), 1);
	o = opts(8188);			/* header cut by the end of file */
	CHECK_EQ(loader_multiboot.probe(&o), 0);
	o = opts(0);
	CHECK_EQ(loader_multiboot.probe(&o), 0);
}

/* A magic with a bad checksum is still claimed, so load can say why. */
UNIT_TEST(mb_probe_bad_checksum)
{
	struct load_opts o = opts(build_mb_default());

	img[0x1008] ^= 1;
	CHECK_EQ(loader_multiboot.probe(&o), 1);
}

/* ---- multiboot: good loads ------------------------------------------ */

/*
 * The information at @i: memory, command line, modules, and the memory
 * map inside the structure's own pages (RAM, the reserved BIOS area, RAM
 * from 1 MiB).
 */
static void check_mb_info(const struct guestmem *gm, uint64_t i,
			  const char *cmdline, uint32_t nr_mods)
{
	uint64_t mmap = g32(gm, i + 48);
	char *s;

	CHECK_EQ(g32(gm, i), 0x24d);	/* MEM CMDLINE MODS MMAP LOADER_NAME */
	CHECK_EQ(g32(gm, i + 4), 640);
	CHECK_EQ(g32(gm, i + 8), 7 * 1024);
	CHECK_EQ(g32(gm, i + 12), 0);	/* no boot_device */
	s = (char *)gp(gm, g32(gm, i + 16), 1);
	CHECK(s && !strcmp(s, cmdline));
	CHECK_EQ(g32(gm, i + 20), nr_mods);
	if (!nr_mods)
		CHECK_EQ(g32(gm, i + 24), 0);
	CHECK_EQ(g32(gm, i + 44), 3 * 24);
	CHECK(mmap > i && mmap < i + 0x1000);
	CHECK_EQ(g32(gm, mmap), 20);
	CHECK_EQ(g64(gm, mmap + 4), 0);
	CHECK_EQ(g64(gm, mmap + 12), 0xa0000);
	CHECK_EQ(g32(gm, mmap + 20), 1);
	CHECK_EQ(g32(gm, mmap + 24), 20);
	CHECK_EQ(g64(gm, mmap + 28), 0xe0000);
	CHECK_EQ(g64(gm, mmap + 36), 0x20000);
	CHECK_EQ(g32(gm, mmap + 44), 2);
	CHECK_EQ(g32(gm, mmap + 48), 20);
	CHECK_EQ(g64(gm, mmap + 52), 0x100000);
	CHECK_EQ(g64(gm, mmap + 60), RAM_SIZE - 0x100000);
	CHECK_EQ(g32(gm, mmap + 68), 1);
	s = (char *)gp(gm, g32(gm, i + 64), 1);
	CHECK(s && !strcmp(s, "modvmm"));
	CHECK(all_bytes(gp(gm, i + 72, 0x80 - 72), 0x80 - 72, 0)); /* VBE, fb */
}

UNIT_TEST(mb_elf32_load)
{
	struct load_opts o = opts(build_mb_default());
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	ram_init(&gm, RAM_SIZE);
	/* bss must be zeroed even where RAM was not */
	memset(gp(&gm, 0x101100, 0x2f00), 0xaa, 0x2f00);
	rc = load(&loader_multiboot, &gm, &o, &bs);
	CHECK_LOADED(rc);
	CHECK_EQ(bs.mode, BOOT_PROTECTED);
	CHECK_EQ(bs.rip, MB_ENTRY);
	CHECK_EQ(bs.rax, 0x2badb002);
	/* the information follows the kernel's bss, in its next page */
	CHECK_EQ(bs.rbx, MB_KERNEL_END);
	CHECK_EQ(bs.rsp, BOOT_STACK_TOP);
	CHECK(!memcmp(gp(&gm, 0x100000, 0x800), img + 0x1000, 0x800));
	CHECK_EQ(g32(&gm, 0x100000), MB_MAGIC);
	CHECK(!memcmp(gp(&gm, 0x101000, 0x100), img + 0x2000, 0x100));
	CHECK(all_bytes(gp(&gm, 0x101100, 0x2f00), 0x2f00, 0));
	check_mb_info(&gm, bs.rbx, IMG_PATH, 0);
	guestmem_free(&gm);
}

UNIT_TEST(mb_cmdline_append)
{
	struct load_opts o = opts(build_mb_default());
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	ram_init(&gm, RAM_SIZE);
	o.append = "foo=bar console=ttyS0";
	rc = load(&loader_multiboot, &gm, &o, &bs);
	CHECK_LOADED(rc);
	check_mb_info(&gm, bs.rbx, IMG_PATH " foo=bar console=ttyS0", 0);
	guestmem_free(&gm);
}

/* GRUB 2: an entry in a segment's virtual range goes to its physical copy. */
UNIT_TEST(mb_elf32_higher_half_entry)
{
	static const struct seg_spec s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x200000, 0xc0200000, 0x100, 0x100 },
	};
	struct load_opts o = opts(build_mb_elf32(0xc0200010, s, 1));
	struct boot_state bs;
	struct guestmem gm;

	load_good(&loader_multiboot, &gm, &o, &bs);
	CHECK_EQ(bs.rip, 0x200010);
	guestmem_free(&gm);
}

/* Non-PT_LOAD headers and empty PT_LOADs are skipped. */
UNIT_TEST(mb_elf32_skips_other_phdrs)
{
	static const struct seg_spec s[] = {
		{ PT_NOTE, 0, 0, 0, 0x10, 0x10 },
		{ PT_LOAD, PF_R | PF_X, 0x100000, 0, 0x100, 0x100 },
		{ PT_LOAD, PF_R, 0, 0, 0, 0 },
		{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0 },
	};
	struct load_opts o = opts(build_mb_elf32(0x100010, s, 4));
	struct boot_state bs;
	struct guestmem gm;

	put_mb_header(seg_offset(1), 0x3);
	load_good(&loader_multiboot, &gm, &o, &bs);
	CHECK_EQ(g32(&gm, 0x100000), MB_MAGIC);
	CHECK(all_bytes(gp(&gm, 0, 0x1000), 0x1000, 0));
	guestmem_free(&gm);
}

UNIT_TEST(mb_modules)
{
	struct load_opts o = opts(build_mb_default());
	char m0[64], m1[64], want[128];
	uint64_t list, start;
	struct boot_state bs;
	struct guestmem gm;

	make_module(m0, sizeof(m0), 100, 0);
	make_module(m1, sizeof(m1), 0x20, 1);
	o.modules[0] = (struct loader_module){ m0, "arg1 arg2" };
	o.modules[1] = (struct loader_module){ m1, NULL };
	o.nr_modules = 2;
	load_good(&loader_multiboot, &gm, &o, &bs);
	/* after the last module's page */
	CHECK_EQ(bs.rbx, MB_KERNEL_END + 0x2000);
	check_mb_info(&gm, bs.rbx, IMG_PATH, 2);
	list = g32(&gm, bs.rbx + 24);
	CHECK(list > bs.rbx && list < bs.rbx + 0x1000);

	start = g32(&gm, list);
	CHECK_EQ(start, MB_KERNEL_END);		/* page-aligned, after bss */
	CHECK_EQ(g32(&gm, list + 4), start + 100);	/* mod_end exclusive */
	CHECK(!memcmp(gp(&gm, start, 8), "MODULE-0", 8));
	CHECK_EQ(*gp(&gm, start + 99, 1), pattern(0, 99));
	snprintf(want, sizeof(want), "%s arg1 arg2", m0);
	CHECK(!strcmp((char *)gp(&gm, g32(&gm, list + 8), 1), want));
	CHECK_EQ(g32(&gm, list + 12), 0);

	start = g32(&gm, list + 16);
	CHECK_EQ(start, MB_KERNEL_END + 0x1000);
	CHECK_EQ(g32(&gm, list + 20), start + 0x20);
	CHECK(!memcmp(gp(&gm, start, 8), "MODULE-1", 8));
	CHECK(!strcmp((char *)gp(&gm, g32(&gm, list + 24), 1), m1));
	guestmem_free(&gm);
	unlink(m0);
	unlink(m1);
}

/* A kernel in conventional memory: a module too big for it goes to 1 MiB. */
UNIT_TEST(mb_module_skips_legacy_hole)
{
	static const struct seg_spec s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x20000, 0, 0x100, 0x100 },
	};
	struct load_opts o = opts(build_mb_elf32(0x20010, s, 1));
	struct boot_state bs;
	struct guestmem gm;
	char m0[64], m1[64];
	uint64_t list;

	make_module(m0, sizeof(m0), 0x10, 0);
	make_module(m1, sizeof(m1), 0x100000, 1);
	o.modules[0] = (struct loader_module){ m0, NULL };
	o.modules[1] = (struct loader_module){ m1, NULL };
	o.nr_modules = 2;
	load_good(&loader_multiboot, &gm, &o, &bs);
	list = g32(&gm, bs.rbx + 24);
	CHECK_EQ(g32(&gm, list), 0x21000);
	CHECK_EQ(g32(&gm, list + 16), 0x100000);
	CHECK_EQ(g32(&gm, list + 20), 0x200000);
	CHECK_EQ(bs.rbx, 0x200000);
	guestmem_free(&gm);
	unlink(m0);
	unlink(m1);
}

UNIT_TEST(mb_aout_load)
{
	struct load_opts o = opts(build_aout_default());
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	ram_init(&gm, RAM_SIZE);
	memset(gp(&gm, 0x100100, 0xf00), 0xaa, 0xf00);
	rc = load(&loader_multiboot, &gm, &o, &bs);
	CHECK_LOADED(rc);
	CHECK_EQ(bs.mode, BOOT_PROTECTED);
	CHECK_EQ(bs.rip, 0x100040);
	CHECK_EQ(bs.rax, 0x2badb002);
	CHECK_EQ(bs.rbx, 0x101000);		/* the page after bss_end_addr */
	/* the file from offset 8 - (0x100008 - 0x100000) = 0, up to load_end */
	CHECK(!memcmp(gp(&gm, 0x100000, 0x100), img, 0x100));
	/* bytes past load_end_addr are not loaded; bss is zero */
	CHECK(all_bytes(gp(&gm, 0x100100, 0xf00), 0xf00, 0));
	check_mb_info(&gm, bs.rbx, IMG_PATH, 0);
	guestmem_free(&gm);
}

/* load_end_addr 0: the rest of the file; bss_end_addr 0: no bss. */
UNIT_TEST(mb_aout_to_end_of_file)
{
	struct load_opts o = opts(build_aout(0x200010, 0x200008, 0, 0, 0x2001f0));
	struct boot_state bs;
	struct guestmem gm;

	load_good(&loader_multiboot, &gm, &o, &bs);
	CHECK(!memcmp(gp(&gm, 0x200008, AOUT_SIZE), img, AOUT_SIZE));
	CHECK_EQ(*gp(&gm, 0x200007, 1), 0);
	CHECK_EQ(*gp(&gm, 0x200008 + AOUT_SIZE, 1), 0);
	CHECK_EQ(bs.rip, 0x2001f0);
	guestmem_free(&gm);
}

/* ---- multiboot: rejected images ------------------------------------- */

/* Load @size bytes of img with the multiboot loader, expecting @msg. */
static void mb_reject(size_t size, const char *msg, int line)
{
	struct load_opts o = opts(size);
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	ram_init(&gm, RAM_SIZE);
	rc = load(&loader_multiboot, &gm, &o, &bs);
	check_rejected(rc, &gm, msg, line);
	guestmem_free(&gm);
}

#define MB_REJECT(size, msg) mb_reject((size), (msg), __LINE__)

UNIT_TEST(mb_no_header)
{
	memset(img, 0x90, sizeof(img));
	MB_REJECT(0x100, "no multiboot header (magic 0x1badb002, 4-byte aligned) in the first 8192 bytes");
}

UNIT_TEST(mb_bad_checksum)
{
	size_t size = build_mb_default();

	img[0x1008] ^= 0x10;
	MB_REJECT(size, "offset 0x1008: multiboot header checksum 0xe4524feb is wrong: magic + flags + checksum = 0xfffffff0, must be 0");
}

UNIT_TEST(mb_unsupported_flags)
{
	size_t size = build_mb_default();

	put_mb_header(0x1000, 0x3 | (1 << 3) | (1 << 12));
	MB_REJECT(size, "offset 0x1004: multiboot header flags 0x0000100b require features modvmm does not support (bits 0x1008; it knows bits 0-2 and 16)");
}

/* Video (bit 2) is accepted and ignored; optional bits 17-31 too. */
UNIT_TEST(mb_ignored_flags)
{
	struct load_opts o = opts(build_mb_default());
	struct boot_state bs;
	struct guestmem gm;

	put_mb_header(0x1000, 0x7 | (1u << 20));
	load_good(&loader_multiboot, &gm, &o, &bs);
	CHECK_EQ(g32(&gm, bs.rbx + 88), 0);	/* no framebuffer */
	guestmem_free(&gm);
}

UNIT_TEST(mb_not_elf_without_kludge)
{
	memset(img, 0x90, sizeof(img));
	put_mb_header(0x40, 0x3);
	MB_REJECT(0x100, "offset 0x0: not an ELF file, and the multiboot header at 0x40 has no a.out kludge (flags bit 16): set bit 16 and the address fields, or link an ELF32 kernel");
}

UNIT_TEST(mb_elf64_without_kludge)
{
	static const struct seg_spec s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x100000, 0, 0x100, 0x100 },
	};
	size_t size = build_elf64(0x100000, s, 1);

	put_mb_header(0x1000, 0x3);
	MB_REJECT(size, "offset 0x4: ELF64 image with a multiboot header but without the a.out kludge (flags bit 16): multiboot kernels are ELF32; use --format elf to start it in long mode");
}

UNIT_TEST(mb_elf32_truncated_header)
{
	memset(img, 0, sizeof(img));
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = ELFCLASS32;
	put_mb_header(24, 0x3);
	MB_REJECT(36, "offset 0x0: file is 36 bytes, too short for an ELF32 header (52 bytes)");
}

UNIT_TEST(mb_elf32_bad_header_fields)
{
	size_t size = build_mb_default();

	((Elf32_Ehdr *)img)->e_machine = EM_X86_64;
	MB_REJECT(size, "offset 0x12: e_machine 62 is not EM_386 (3)");
	size = build_mb_default();
	((Elf32_Ehdr *)img)->e_type = ET_REL;
	MB_REJECT(size, "offset 0x10: e_type 1 is not ET_EXEC (2)");
	size = build_mb_default();
	img[EI_DATA] = ELFDATA2MSB;
	MB_REJECT(size, "offset 0x5: EI_DATA 2 is not ELFDATA2LSB (1): x86 images are little-endian");
	size = build_mb_default();
	img[EI_CLASS] = 7;
	MB_REJECT(size, "offset 0x4: EI_CLASS 7 is not ELFCLASS32 (1)");
}

UNIT_TEST(mb_elf32_lying_phdrs)
{
	size_t size = build_mb_default();

	((Elf32_Ehdr *)img)->e_phnum = 400;
	MB_REJECT(size, "offset 0x34: 400 program headers of 32 bytes [0x34, 0x3234) run past the end of the file (size 0x2100)");
	size = build_mb_default();
	((Elf32_Ehdr *)img)->e_phoff = 0xfffffff0;
	MB_REJECT(size, "offset 0xfffffff0: 2 program headers of 32 bytes [0xfffffff0, 0x100000030) run past the end of the file (size 0x2100)");
	size = build_mb_default();
	((Elf32_Ehdr *)img)->e_phentsize = 16;
	MB_REJECT(size, "offset 0x2a: e_phentsize 16 is smaller than an ELF32 program header (32 bytes)");
	size = build_mb_default();
	((Elf32_Ehdr *)img)->e_phnum = 0;
	MB_REJECT(size, "offset 0x2c: no program headers (e_phnum is 0)");
}

UNIT_TEST(mb_elf32_segment_past_eof)
{
	size_t size = build_mb_default();

	phdr32(1)->p_filesz = 0x2000;
	MB_REJECT(size, "offset 0x54: program header 1 file range [0x2000, 0x4000) runs past the end of the file (size 0x2100)");
	size = build_mb_default();
	phdr32(1)->p_offset = 0xffffff00;
	MB_REJECT(size, "offset 0x54: program header 1 file range [0xffffff00, 0x100000000) runs past the end of the file (size 0x2100)");
	/* the table ends exactly at the end of the file: fine up to there */
	size = build_mb_default();
	MB_REJECT(size - 1, "offset 0x54: program header 1 file range [0x2000, 0x2100) runs past the end of the file (size 0x20ff)");
}

UNIT_TEST(mb_elf32_filesz_above_memsz)
{
	size_t size = build_mb_default();

	phdr32(0)->p_memsz = 0x7ff;
	MB_REJECT(size, "offset 0x34: program header 0: p_filesz 0x800 is larger than p_memsz 0x7ff");
}

UNIT_TEST(mb_elf32_segment_outside_ram)
{
	size_t size = build_mb_default();

	phdr32(1)->p_paddr = 0x7fff000;
	MB_REJECT(size, "program header 1: segment [0x7fff000-0x8002000) is not in guest RAM (" RAM_LIST ")");
	size = build_mb_default();
	phdr32(1)->p_paddr = 0x7fe000;		/* bss runs past the end of RAM */
	MB_REJECT(size, "program header 1: segment [0x7fe000-0x801000) is not in guest RAM (" RAM_LIST ")");
	size = build_mb_default();
	phdr32(0)->p_paddr = 0xa0000;		/* in the legacy hole */
	MB_REJECT(size, "program header 0: segment [0xa0000-0xa0800) is not in guest RAM (" RAM_LIST ")");
	size = build_mb_default();
	phdr32(0)->p_paddr = 0x9f900;
	MB_REJECT(size, "program header 0: segment [0x9f900-0xa0100) is not in guest RAM (" RAM_LIST ")");
}

UNIT_TEST(mb_elf32_segment_over_vmm_areas)
{
	size_t size = build_mb_default();

	phdr32(0)->p_paddr = 0x800;
	MB_REJECT(size, "program header 0: segment [0x800-0x1000) overlaps page 0 [0x0-0xfff], which modvmm keeps free");
	size = build_mb_default();
	phdr32(0)->p_paddr = 0x7900;
	MB_REJECT(size, "program header 0: segment [0x7900-0x8100) overlaps the boot tables at [0x1000-0x7fff]");
}

/*
 * Code at 0x8000, where modvmm once kept the information: it loads, and
 * the information goes after it.
 */
UNIT_TEST(mb_elf32_code_at_0x8000)
{
	static const struct seg_spec s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x8000, 0, 0x100, 0x1800 },
	};
	struct load_opts o = opts(build_mb_elf32(0x8010, s, 1));
	struct boot_state bs;
	struct guestmem gm;

	load_good(&loader_multiboot, &gm, &o, &bs);
	CHECK_EQ(bs.rip, 0x8010);
	CHECK(!memcmp(gp(&gm, 0x8000, 0x100), img + 0x1000, 0x100));
	CHECK(all_bytes(gp(&gm, 0x8100, 0x1700), 0x1700, 0));
	CHECK_EQ(bs.rbx, 0xa000);
	check_mb_info(&gm, bs.rbx, IMG_PATH, 0);
	guestmem_free(&gm);
}

/*
 * GNU ld 2.40 links a kernel at 1 MiB with a first, headers-only segment
 * in the page below it: the BIOS area is RAM, so that segment loads.
 */
UNIT_TEST(mb_elf32_segment_in_bios_area)
{
	static const struct seg_spec s[] = {
		{ PT_LOAD, PF_R, 0xff000, 0, 0x100, 0x100 },
		{ PT_LOAD, PF_R | PF_X, 0x100000, 0, 0x800, 0x800 },
	};
	struct load_opts o = opts(build_mb_elf32(0x100020, s, 2));
	struct boot_state bs;
	struct guestmem gm;

	load_good(&loader_multiboot, &gm, &o, &bs);
	CHECK(!memcmp(gp(&gm, 0xff000, 0x100), img + 0x1000, 0x100));
	CHECK(!memcmp(gp(&gm, 0x100000, 0x800), img + 0x2000, 0x800));
	CHECK_EQ(bs.rbx, 0x101000);
	check_mb_info(&gm, bs.rbx, IMG_PATH, 0);
	guestmem_free(&gm);
}

UNIT_TEST(mb_elf32_segments_overlap)
{
	size_t size = build_mb_default();

	phdr32(1)->p_paddr = 0x100400;
	MB_REJECT(size, "program header 1: segment [0x100400-0x103400) overlaps program header 0 at [0x100000-0x100800)");
}

UNIT_TEST(mb_elf32_entry_outside)
{
	size_t size = build_mb_default();

	((Elf32_Ehdr *)img)->e_entry = 0x100800;
	MB_REJECT(size, "offset 0x18: entry point 0x100800 is outside every loaded segment");
	((Elf32_Ehdr *)img)->e_entry = 0x101000;
	MB_REJECT(size, "offset 0x18: entry point 0x101000 is in program header 1, which is not executable (no PF_X)");
}

UNIT_TEST(mb_aout_truncated_header)
{
	memset(img, 0, sizeof(img));
	put_mb_header(0x100, MB_AOUT);
	MB_REJECT(0x118, "offset 0x100: multiboot header is truncated: with the a.out kludge (flags bit 16) it needs 32 bytes, only 24 are in the file's first 8192 bytes");
}

UNIT_TEST(mb_aout_bad_addresses)
{
	MB_REJECT(build_aout(0x100008, 0x100000, 0xfff00, 0x101000, 0x100040),
		  "offset 0x1c: a.out kludge load_end_addr 0xfff00 is below load_addr 0x100000");
	MB_REJECT(build_aout(0x0ffff8, 0x100000, 0x100100, 0x101000, 0x100040),
		  "offset 0x14: a.out kludge header_addr 0xffff8 is below load_addr 0x100000");
	MB_REJECT(build_aout(0x100010, 0x100000, 0x100100, 0x101000, 0x100040),
		  "offset 0x14: a.out kludge header_addr 0x100010 is 0x10 bytes above load_addr 0x100000, but the header is only 0x8 bytes into the file");
	MB_REJECT(build_aout(0x100008, 0x100000, 0x100020, 0x101000, 0x100010),
		  "offset 0x14: a.out kludge header_addr 0x100008 puts the header outside the loaded range [0x100000-0x100020)");
	MB_REJECT(build_aout(0x100008, 0x100000, 0x100300, 0x101000, 0x100040),
		  "offset 0x1c: a.out kludge load range [0x100000-0x100300) needs file bytes [0x0, 0x300), past the end of the file (size 0x200)");
	MB_REJECT(build_aout(0x100008, 0x100000, 0x100100, 0x1000ff, 0x100040),
		  "offset 0x20: a.out kludge bss_end_addr 0x1000ff is below the end of the loaded image 0x100100");
	MB_REJECT(build_aout(0x100008, 0x100000, 0x100100, 0x101000, 0x100100),
		  "offset 0x24: a.out kludge entry_addr 0x100100 is outside the loaded image [0x100000-0x100100)");
	MB_REJECT(build_aout(0x100008, 0x100000, 0x100100, 0x101000, 0xfffff),
		  "offset 0x24: a.out kludge entry_addr 0xfffff is outside the loaded image [0x100000-0x100100)");
}

UNIT_TEST(mb_aout_outside_ram)
{
	MB_REJECT(build_aout(0x7ff008, 0x7ff000, 0x7ff100, 0x801000, 0x7ff040),
		  "a.out kludge image: segment [0x7ff000-0x801000) is not in guest RAM (" RAM_LIST ")");
	MB_REJECT(build_aout(0x7008, 0x7000, 0, 0, 0x7040),
		  "a.out kludge image: segment [0x7000-0x7200) overlaps the boot tables at [0x1000-0x7fff]");
}

UNIT_TEST(mb_module_too_large)
{
	struct load_opts o = opts(build_mb_default());
	char m0[64], want[256];
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	make_module(m0, sizeof(m0), 8 << 20, 0);
	o.modules[0] = (struct loader_module){ m0, "big" };
	o.nr_modules = 1;
	ram_init(&gm, RAM_SIZE);
	rc = load(&loader_multiboot, &gm, &o, &bs);
	snprintf(want, sizeof(want), "module %s (0x800000 bytes) does not fit in guest RAM at 0x104000 (" RAM_LIST ")", m0);
	CHECK_REJECTED(rc, &gm, want);
	guestmem_free(&gm);
	unlink(m0);
}

/* loader_read_file() reports a missing module itself; RAM stays clean. */
UNIT_TEST(mb_module_missing)
{
	struct load_opts o = opts(build_mb_default());
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	o.modules[0] = (struct loader_module){ "/nonexistent/modvmm-module", NULL };
	o.nr_modules = 1;
	ram_init(&gm, RAM_SIZE);
	rc = load(&loader_multiboot, &gm, &o, &bs);
	CHECK_EQ(rc, -1);
	CHECK_STR_CONTAINS(errbuf, "/nonexistent/modvmm-module");
	CHECK(ram_is_zero(&gm));
	guestmem_free(&gm);
}

UNIT_TEST(mb_cmdline_too_long)
{
	struct load_opts o = opts(build_mb_default());
	static char longarg[0x20000];
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	memset(longarg, 'x', sizeof(longarg) - 1);
	o.append = longarg;
	/* RAM ends right after the kernel: no room for the information */
	ram_init(&gm, MB_KERNEL_END + 0x10000);
	rc = load(&loader_multiboot, &gm, &o, &bs);
	CHECK_REJECTED(rc, &gm, "the multiboot information (0x200d8 bytes: command line, module strings, memory map) does not fit in guest RAM after the kernel and modules at 0x104000 (RAM: [0x0-0x9ffff], [0xe0000-0xfffff], [0x100000-0x113fff]); give more memory with -m");
	guestmem_free(&gm);
	/* with RAM for it, the same line is passed whole */
	ram_init(&gm, RAM_SIZE);
	rc = load(&loader_multiboot, &gm, &o, &bs);
	CHECK_LOADED(rc);
	CHECK_EQ(strlen((char *)gp(&gm, g32(&gm, bs.rbx + 16), 1)),
		 strlen(IMG_PATH) + 1 + sizeof(longarg) - 1);
	guestmem_free(&gm);
}

UNIT_TEST(mb_flat_options_refused)
{
	struct load_opts o = opts(build_mb_default());
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	ram_init(&gm, RAM_SIZE);
	o.mode = BOOT_LONG;
	rc = load(&loader_multiboot, &gm, &o, &bs);
	CHECK_REJECTED(rc, &gm, "--mode applies to flat images: a multiboot kernel starts in 32-bit protected mode");
	o.mode = -1;
	o.have_entry = 1;
	rc = load(&loader_multiboot, &gm, &o, &bs);
	CHECK_REJECTED(rc, &gm, "--load-addr and --entry apply to flat images: a multiboot kernel says where it goes");
	guestmem_free(&gm);
}

/* ---- ELF64 ----------------------------------------------------------- */

static const struct seg_spec elf_segs[] = {
	{ PT_LOAD, PF_R | PF_X, 0x200000, 0, 0x300, 0x300 },
	{ PT_LOAD, PF_R, 0x201000, 0, 0x80, 0x80 },
	{ PT_LOAD, PF_R | PF_W, 0x202000, 0, 0x40, 0x2000 },
	{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0 },
};
#define ELF_ENTRY	0x200010

static size_t build_elf_default(void)
{
	return build_elf64(ELF_ENTRY, elf_segs, 4);
}

UNIT_TEST(elf_probe)
{
	struct load_opts o = opts(build_elf_default());

	CHECK_EQ(loader_elf.probe(&o), 1);
	o.size = 4;			/* any ELF magic: ELF errors, not flat */
	CHECK_EQ(loader_elf.probe(&o), 1);
	o.size = 3;
	CHECK_EQ(loader_elf.probe(&o), 0);
	o = opts(build_mb_default());
	CHECK_EQ(loader_elf.probe(&o), 1);
	memset(img, 0x90, 16);
	o = opts(16);
	CHECK_EQ(loader_elf.probe(&o), 0);
}

UNIT_TEST(elf_load)
{
	struct load_opts o = opts(build_elf_default());
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	ram_init(&gm, RAM_SIZE);
	memset(gp(&gm, 0x202040, 0x1fc0), 0xaa, 0x1fc0);
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK_LOADED(rc);
	CHECK_EQ(bs.mode, BOOT_LONG);
	CHECK_EQ(bs.rip, ELF_ENTRY);
	CHECK_EQ(bs.rsp, BOOT_STACK_TOP);
	CHECK_EQ(bs.rax, 0);
	CHECK_EQ(bs.rbx, 0);
	CHECK(!memcmp(gp(&gm, 0x200000, 0x300), img + 0x1000, 0x300));
	CHECK(!memcmp(gp(&gm, 0x201000, 0x80), img + 0x2000, 0x80));
	CHECK(!memcmp(gp(&gm, 0x202000, 0x40), img + 0x3000, 0x40));
	CHECK(all_bytes(gp(&gm, 0x202040, 0x1fc0), 0x1fc0, 0));
	CHECK(all_bytes(gp(&gm, 0, 0xa0000), 0xa0000, 0));
	CHECK(all_bytes(gp(&gm, 0x100000, 0x100000), 0x100000, 0));
	CHECK(all_bytes(gp(&gm, 0x204000, 0x1000), 0x1000, 0));
	guestmem_free(&gm);
}

UNIT_TEST(elf_vaddr_entry)
{
	static const struct seg_spec s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x300000, 0xffffffff80300000ull, 0x100, 0x100 },
	};
	struct load_opts o = opts(build_elf64(0xffffffff80300040ull, s, 1));
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	load_good(&loader_elf, &gm, &o, &bs);
	CHECK_EQ(bs.rip, 0x300040);
	/* and a physical e_entry, as Linux's vmlinux has it */
	((Elf64_Ehdr *)img)->e_entry = 0x300080;
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK_LOADED(rc);
	CHECK_EQ(bs.rip, 0x300080);
	guestmem_free(&gm);
}

/*
 * The BIOS area (0xe0000-0xfffff) is RAM: an ELF64 segment there loads,
 * as GNU ld 2.40 places a headers-only segment just below 1 MiB.
 */
UNIT_TEST(elf_segment_in_the_bios_area)
{
	static const struct seg_spec s[] = {
		{ PT_LOAD, PF_R, 0xff000, 0, 0x100, 0x1000 },
		{ PT_LOAD, PF_R | PF_X, 0x100000, 0, 0x200, 0x200 },
	};
	struct load_opts o = opts(build_elf64(0x100000, s, 2));
	struct boot_state bs;
	struct guestmem gm;

	load_good(&loader_elf, &gm, &o, &bs);
	CHECK_EQ(bs.rip, 0x100000);
	CHECK(!memcmp(gp(&gm, 0xff000, 0x100), img + seg_offset(0), 0x100));
	CHECK(all_bytes(gp(&gm, 0xff100, 0xf00), 0xf00, 0));
	CHECK(!memcmp(gp(&gm, 0x100000, 0x200), img + seg_offset(1), 0x200));
	guestmem_free(&gm);
}

static void elf_reject(size_t size, const char *msg, int line)
{
	struct load_opts o = opts(size);
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	ram_init(&gm, RAM_SIZE);
	rc = load(&loader_elf, &gm, &o, &bs);
	check_rejected(rc, &gm, msg, line);
	guestmem_free(&gm);
}

#define ELF_REJECT(size, msg) elf_reject((size), (msg), __LINE__)

UNIT_TEST(elf_not_elf)
{
	memset(img, 0x90, sizeof(img));
	ELF_REJECT(0x200, "offset 0x0: not an ELF file (no \\x7fELF magic)");
	ELF_REJECT(0, "offset 0x0: not an ELF file (no \\x7fELF magic)");
}

UNIT_TEST(elf_truncated)
{
	build_elf_default();
	ELF_REJECT(4, "offset 0x0: file is 4 bytes, too short for an ELF64 header (64 bytes)");
	ELF_REJECT(40, "offset 0x0: file is 40 bytes, too short for an ELF64 header (64 bytes)");
	/* what `head -c 100` leaves */
	ELF_REJECT(100, "offset 0x40: 4 program headers of 56 bytes [0x40, 0x120) run past the end of the file (size 0x64)");
}

UNIT_TEST(elf_lying_phdrs)
{
	size_t size = build_elf_default();

	((Elf64_Ehdr *)img)->e_phnum = 0x4000;
	ELF_REJECT(size, "offset 0x40: 16384 program headers of 56 bytes [0x40, 0xe0040) run past the end of the file (size 0x3040)");
	size = build_elf_default();
	((Elf64_Ehdr *)img)->e_phoff = 0xffffffffffffffc0ull;
	ELF_REJECT(size, "offset 0xffffffffffffffc0: 4 program headers of 56 bytes [0xffffffffffffffc0, 0x100000000000000a0) run past the end of the file (size 0x3040)");
	size = build_elf_default();
	((Elf64_Ehdr *)img)->e_phentsize = 32;
	ELF_REJECT(size, "offset 0x36: e_phentsize 32 is smaller than an ELF64 program header (56 bytes)");
	size = build_elf_default();
	((Elf64_Ehdr *)img)->e_phnum = 0;
	ELF_REJECT(size, "offset 0x38: no program headers (e_phnum is 0)");
	size = build_elf_default();
	((Elf64_Ehdr *)img)->e_phnum = PN_XNUM;
	ELF_REJECT(size, "offset 0x38: e_phnum 0xffff (extended numbering) is not supported");
}

UNIT_TEST(elf_bad_header_fields)
{
	size_t size = build_elf_default();

	((Elf64_Ehdr *)img)->e_type = ET_DYN;
	ELF_REJECT(size, "offset 0x10: e_type ET_DYN (position-independent executable or shared object) is not supported: link a static ET_EXEC (-static -no-pie)");
	((Elf64_Ehdr *)img)->e_type = ET_REL;
	ELF_REJECT(size, "offset 0x10: e_type 1 is not ET_EXEC (2)");
	size = build_elf_default();
	((Elf64_Ehdr *)img)->e_machine = EM_AARCH64;
	ELF_REJECT(size, "offset 0x12: e_machine 183 is not EM_X86_64 (62)");
	size = build_elf_default();
	img[EI_DATA] = ELFDATA2MSB;
	ELF_REJECT(size, "offset 0x5: EI_DATA 2 is not ELFDATA2LSB (1): x86 images are little-endian");
	size = build_elf_default();
	img[EI_CLASS] = ELFCLASSNONE;
	ELF_REJECT(size, "offset 0x4: EI_CLASS 0 is not ELFCLASS64 (2)");
}

UNIT_TEST(elf_elf32)
{
	size_t size = build_mb_default();

	ELF_REJECT(size, "ELF32 multiboot kernel: boot it with --format multiboot (or auto)");
	memset(img + 0x1000, 0, 12);	/* no multiboot header */
	ELF_REJECT(size, "ELF32 image without a multiboot header: not bootable (modvmm boots multiboot ELF32, ELF64 and flat images)");
}

UNIT_TEST(elf_dynamic)
{
	static const struct seg_spec s[] = {
		{ PT_LOAD, PF_R | PF_X, 0x200000, 0, 0x300, 0x300 },
		{ PT_INTERP, PF_R, 0x200100, 0, 0x1c, 0x1c },
	};

	ELF_REJECT(build_elf64(0x200000, s, 2),
		   "offset 0x78: program header 1 is PT_INTERP: the image is dynamically linked; link it with -static");
}

UNIT_TEST(elf_segment_past_eof)
{
	size_t size = build_elf_default();

	phdr64(2)->p_filesz = 0x2000;
	ELF_REJECT(size, "offset 0xb0: program header 2 file range [0x3000, 0x5000) runs past the end of the file (size 0x3040)");
	size = build_elf_default();
	phdr64(0)->p_offset = 0xfffffffffffffff0ull;	/* offset + filesz wraps */
	ELF_REJECT(size, "offset 0x40: program header 0 file range [0xfffffffffffffff0, 0x100000000000002f0) runs past the end of the file (size 0x3040)");
	size = build_elf_default();
	phdr64(1)->p_offset = 0x3041;
	ELF_REJECT(size, "offset 0x78: program header 1 file range [0x3041, 0x30c1) runs past the end of the file (size 0x3040)");
}

UNIT_TEST(elf_filesz_above_memsz)
{
	size_t size = build_elf_default();

	phdr64(1)->p_memsz = 0x10;
	ELF_REJECT(size, "offset 0x78: program header 1: p_filesz 0x80 is larger than p_memsz 0x10");
}

UNIT_TEST(elf_segment_wraps)
{
	size_t size = build_elf_default();

	phdr64(2)->p_paddr = 0xfffffffffffff000ull;
	ELF_REJECT(size, "offset 0xb0: program header 2: segment at 0xfffffffffffff000 of 0x2000 bytes wraps around the address space");
}

UNIT_TEST(elf_segment_outside_ram)
{
	size_t size = build_elf_default();

	phdr64(2)->p_paddr = 0x7ff000;
	ELF_REJECT(size, "program header 2: segment [0x7ff000-0x801000) is not in guest RAM (" RAM_LIST ")");
	size = build_elf_default();
	phdr64(1)->p_paddr = 0xc0000000;
	ELF_REJECT(size, "program header 1: segment [0xc0000000-0xc0000080) is not in guest RAM (" RAM_LIST ")");
	size = build_elf_default();
	phdr64(1)->p_paddr = 0xb0000;			/* legacy hole */
	ELF_REJECT(size, "program header 1: segment [0xb0000-0xb0080) is not in guest RAM (" RAM_LIST ")");
}

UNIT_TEST(elf_segment_over_vmm_tables)
{
	size_t size = build_elf_default();

	phdr64(1)->p_paddr = 0;
	ELF_REJECT(size, "program header 1: segment [0x0-0x80) overlaps page 0 [0x0-0xfff], which modvmm keeps free");
	size = build_elf_default();
	phdr64(1)->p_paddr = 0x7fc0;
	ELF_REJECT(size, "program header 1: segment [0x7fc0-0x8040) overlaps the boot tables at [0x1000-0x7fff]");
	size = build_elf_default();
	phdr64(2)->p_paddr = 0x1000;
	ELF_REJECT(size, "program header 2: segment [0x1000-0x3000) overlaps the boot tables at [0x1000-0x7fff]");
}

UNIT_TEST(elf_segments_overlap)
{
	size_t size = build_elf_default();

	phdr64(2)->p_paddr = 0x200200;
	ELF_REJECT(size, "program header 2: segment [0x200200-0x202200) overlaps program header 0 at [0x200000-0x200300)");
}

UNIT_TEST(elf_entry_outside)
{
	size_t size = build_elf_default();

	((Elf64_Ehdr *)img)->e_entry = 0x200300;
	ELF_REJECT(size, "offset 0x18: entry point 0x200300 is outside every loaded segment");
	((Elf64_Ehdr *)img)->e_entry = 0x201010;
	ELF_REJECT(size, "offset 0x18: entry point 0x201010 is in program header 1, which is not executable (no PF_X)");
}

UNIT_TEST(elf_no_loadable_segment)
{
	static const struct seg_spec s[] = {
		{ PT_NOTE, PF_R, 0, 0, 0x10, 0x10 },
	};

	ELF_REJECT(build_elf64(0x200000, s, 1),
		   "offset 0x40: no PT_LOAD program header with bytes to load");
}

/*
 * An ELF64 image has no boot protocol: --append and one --initrd are
 * noted for a device to pass on (the CLI refuses them without one); two
 * modules or a module command line have nowhere to go.
 */
UNIT_TEST(elf_multiboot_options_refused)
{
	struct load_opts o = opts(build_elf_default());
	struct loader_module m = { "initrd.img", NULL };
	struct loader_module m_args = { "initrd.img", "x=1" };
	struct boot_state bs;
	struct guestmem gm;
	int rc;

	ram_init(&gm, RAM_SIZE);
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK(rc == 0 && !bs.boot_files_via_device);
	o.append = "foo=bar";
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK(rc == 0 && bs.boot_files_via_device &&
	      !strcmp(bs.boot_files_via_device, "an ELF64 image"));
	o.append = NULL;
	o.modules[0] = m;
	o.nr_modules = 1;
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK(rc == 0 && bs.boot_files_via_device);
	guestmem_free(&gm);
	ram_init(&gm, RAM_SIZE);	/* the refusals must write nothing */
	o.modules[1] = m;
	o.nr_modules = 2;
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK_REJECTED(rc, &gm, "2 modules given: an ELF64 image takes one initrd (--initrd FILE), passed on by a device such as fw_cfg");
	o.modules[0] = m_args;
	o.nr_modules = 1;
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK_REJECTED(rc, &gm, "--module initrd.img,x=1: an ELF64 image has no module command lines; put arguments in --append");
	o.nr_modules = 0;
	o.mode = BOOT_REAL;
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK_REJECTED(rc, &gm, "--mode applies to flat images: an ELF64 image starts in long mode");
	o.mode = BOOT_LONG;
	o.have_load_addr = 1;
	rc = load(&loader_elf, &gm, &o, &bs);
	CHECK_REJECTED(rc, &gm, "--load-addr and --entry apply to flat images: an ELF image says where it goes");
	guestmem_free(&gm);
}
