// SPDX-License-Identifier: MIT
/*
 * loader_elf.c - ELF executables.
 *
 * The ELF64 loader: static x86-64 executables started in long mode.
 * PT_LOAD segments go to p_paddr (p_filesz bytes copied, the rest of
 * p_memsz zeroed); the vCPU starts at e_entry in 64-bit mode with the
 * core's identity map of the low 4 GiB and RSP = BOOT_STACK_TOP.
 * probe() claims every file with the ELF magic, so that a broken ELF gets
 * an ELF error instead of being run as a flat binary; ELF32 kernels boot
 * through the multiboot loader.
 *
 * Also here, for both loaders (see loader.h): the ELF parser, which reads
 * either class into the ELF64 structures, and the segment checks.
 */
#include <elf.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "boot/loader.h"
#include "modvmm.h"

#define ELF_4G			0x100000000ull

/* What differs between the classes, for reading and for messages. */
struct elf_layout {
	const char *name;		/* "ELF32" */
	const char *class_name;		/* "ELFCLASS32 (1)" */
	size_t ehdr_size, phdr_size;
	size_t off_phentsize, off_phnum;
	uint16_t machine;
	const char *machine_name;
};

static const struct elf_layout elf_class32 = {
	"ELF32", "ELFCLASS32 (1)", sizeof(Elf32_Ehdr), sizeof(Elf32_Phdr),
	offsetof(Elf32_Ehdr, e_phentsize), offsetof(Elf32_Ehdr, e_phnum),
	EM_386, "EM_386 (3)",
};

static const struct elf_layout elf_class64 = {
	"ELF64", "ELFCLASS64 (2)", sizeof(Elf64_Ehdr), sizeof(Elf64_Phdr),
	offsetof(Elf64_Ehdr, e_phentsize), offsetof(Elf64_Ehdr, e_phnum),
	EM_X86_64, "EM_X86_64 (62)",
};

/* Guest regions an ELF64 image must stay out of: modvmm's tables. */
static const struct loader_region elf_reserved[] = {
	{ 0, BOOT_GDT_ADDR, "page 0 [0x0-0xfff], which modvmm keeps free" },
	{ BOOT_GDT_ADDR, BOOT_TABLES_END, "the boot tables at [0x1000-0x7fff]" },
};

/*
 * "0x..." for @start + @len, with the carry when the sum passes 2^64, so
 * that a lying offset is shown as the huge number it is.
 */
static const char *elf_fmt_end(char *buf, size_t size, uint64_t start,
			       uint64_t len)
{
	if (start + len < start)
		snprintf(buf, size, "0x1%016" PRIx64, start + len);
	else
		snprintf(buf, size, "0x%" PRIx64, start + len);
	return buf;
}

static void elf_read_ehdr(const struct load_opts *o, const struct elf_layout *c,
			  Elf64_Ehdr *eh)
{
	Elf32_Ehdr e;

	if (c == &elf_class64) {
		memcpy(eh, o->data, sizeof(*eh));
		return;
	}
	memcpy(&e, o->data, sizeof(e));
	memcpy(eh->e_ident, e.e_ident, EI_NIDENT);
	eh->e_type = e.e_type;
	eh->e_machine = e.e_machine;
	eh->e_entry = e.e_entry;
	eh->e_phoff = e.e_phoff;
	eh->e_phentsize = e.e_phentsize;
	eh->e_phnum = e.e_phnum;
}

static void elf_read_phdr(const struct load_opts *o, const struct elf_layout *c,
			  uint64_t at, Elf64_Phdr *ph)
{
	Elf32_Phdr p;

	if (c == &elf_class64) {
		memcpy(ph, o->data + at, sizeof(*ph));
		return;
	}
	memcpy(&p, o->data + at, sizeof(p));
	ph->p_type = p.p_type;
	ph->p_flags = p.p_flags;
	ph->p_offset = p.p_offset;
	ph->p_vaddr = p.p_vaddr;
	ph->p_paddr = p.p_paddr;
	ph->p_filesz = p.p_filesz;
	ph->p_memsz = p.p_memsz;
}

static int elf_check_ident(const struct load_opts *o, const struct elf_layout *c,
			   int elf_class)
{
	if (o->size < SELFMAG || memcmp(o->data, ELFMAG, SELFMAG)) {
		loader_error(o, "offset 0x0: not an ELF file (no \\x7fELF magic)");
		return -1;
	}
	if (o->size < c->ehdr_size) {
		loader_error(o, "offset 0x0: file is %zu bytes, too short for an %s header (%zu bytes)",
			     o->size, c->name, c->ehdr_size);
		return -1;
	}
	if (o->data[EI_CLASS] != elf_class) {
		loader_error(o, "offset 0x%x: EI_CLASS %u is not %s",
			     EI_CLASS, o->data[EI_CLASS], c->class_name);
		return -1;
	}
	if (o->data[EI_DATA] != ELFDATA2LSB) {
		loader_error(o, "offset 0x%x: EI_DATA %u is not ELFDATA2LSB (1): x86 images are little-endian",
			     EI_DATA, o->data[EI_DATA]);
		return -1;
	}
	return 0;
}

static int elf_check_header(const struct load_opts *o, const struct elf_layout *c,
			    const Elf64_Ehdr *eh)
{
	if (eh->e_type == ET_DYN) {
		loader_error(o, "offset 0x10: e_type ET_DYN (position-independent executable or shared object) is not supported: link a static ET_EXEC (-static -no-pie)");
		return -1;
	}
	if (eh->e_type != ET_EXEC) {
		loader_error(o, "offset 0x10: e_type %u is not ET_EXEC (2)", eh->e_type);
		return -1;
	}
	if (eh->e_machine != c->machine) {
		loader_error(o, "offset 0x12: e_machine %u is not %s",
			     eh->e_machine, c->machine_name);
		return -1;
	}
	return 0;
}

static int elf_check_phdrs(const struct load_opts *o, const struct elf_layout *c,
			   const Elf64_Ehdr *eh)
{
	uint64_t len = (uint64_t)eh->e_phnum * eh->e_phentsize;
	char end[24];

	if (eh->e_phentsize < c->phdr_size) {
		loader_error(o, "offset 0x%zx: e_phentsize %u is smaller than an %s program header (%zu bytes)",
			     c->off_phentsize, eh->e_phentsize, c->name, c->phdr_size);
		return -1;
	}
	if (!eh->e_phnum) {
		loader_error(o, "offset 0x%zx: no program headers (e_phnum is 0)",
			     c->off_phnum);
		return -1;
	}
	if (eh->e_phnum == PN_XNUM) {
		loader_error(o, "offset 0x%zx: e_phnum 0xffff (extended numbering) is not supported",
			     c->off_phnum);
		return -1;
	}
	if (eh->e_phoff > o->size || len > o->size - eh->e_phoff) {
		loader_error(o, "offset 0x%" PRIx64 ": %u program headers of %u bytes [0x%" PRIx64 ", %s) run past the end of the file (size 0x%zx)",
			     eh->e_phoff, eh->e_phnum, eh->e_phentsize, eh->e_phoff,
			     elf_fmt_end(end, sizeof(end), eh->e_phoff, len),
			     o->size);
		return -1;
	}
	return 0;
}

static int elf_check_load(const struct load_opts *o, const Elf64_Phdr *ph,
			  uint64_t at, unsigned int i)
{
	char end[24];

	if (ph->p_filesz > ph->p_memsz) {
		loader_error(o, "offset 0x%" PRIx64 ": program header %u: p_filesz 0x%" PRIx64 " is larger than p_memsz 0x%" PRIx64,
			     at, i, ph->p_filesz, ph->p_memsz);
		return -1;
	}
	/* an empty file range reads nothing, wherever it says it is */
	if (ph->p_filesz && (ph->p_offset > o->size ||
			     ph->p_filesz > o->size - ph->p_offset)) {
		loader_error(o, "offset 0x%" PRIx64 ": program header %u file range [0x%" PRIx64 ", %s) runs past the end of the file (size 0x%zx)",
			     at, i, ph->p_offset,
			     elf_fmt_end(end, sizeof(end), ph->p_offset, ph->p_filesz),
			     o->size);
		return -1;
	}
	if (ph->p_paddr + ph->p_memsz < ph->p_paddr) {
		loader_error(o, "offset 0x%" PRIx64 ": program header %u: segment at 0x%" PRIx64 " of 0x%" PRIx64 " bytes wraps around the address space",
			     at, i, ph->p_paddr, ph->p_memsz);
		return -1;
	}
	return 0;
}

static int elf_add_segment(const struct load_opts *o, const struct elf_layout *c,
			   const Elf64_Ehdr *eh, unsigned int i,
			   struct loader_image *img)
{
	uint64_t at = eh->e_phoff + (uint64_t)i * eh->e_phentsize;
	struct loader_segment *s;
	Elf64_Phdr ph;

	elf_read_phdr(o, c, at, &ph);
	if (ph.p_type == PT_INTERP) {
		loader_error(o, "offset 0x%" PRIx64 ": program header %u is PT_INTERP: the image is dynamically linked; link it with -static",
			     at, i);
		return -1;
	}
	if (ph.p_type != PT_LOAD)
		return 0;
	if (elf_check_load(o, &ph, at, i))
		return -1;
	if (!ph.p_memsz)
		return 0;
	if (img->nr_seg == LOADER_MAX_SEGMENTS) {
		loader_error(o, "offset 0x%" PRIx64 ": more than %d PT_LOAD program headers",
			     at, LOADER_MAX_SEGMENTS);
		return -1;
	}
	s = &img->seg[img->nr_seg++];
	snprintf(s->name, sizeof(s->name), "program header %u", i);
	s->addr = ph.p_paddr;
	s->vaddr = ph.p_vaddr;
	s->offset = ph.p_offset;
	s->filesz = ph.p_filesz;
	s->memsz = ph.p_memsz;
	s->flags = ph.p_flags;
	return 0;
}

/* The segment @e lies in: by virtual address if @virt, else physical. */
static const struct loader_segment *elf_entry_segment(const struct loader_image *img,
						      uint64_t e, int virt)
{
	int i;

	for (i = 0; i < img->nr_seg; i++) {
		const struct loader_segment *s = &img->seg[i];
		uint64_t base = virt ? s->vaddr : s->addr;

		if (e >= base && e - base < s->memsz)
			return s;
	}
	return NULL;
}

/*
 * e_entry is a virtual address; where a segment is linked elsewhere than
 * it is loaded (higher-half kernels), enter at its physical copy, as
 * GRUB 2 does.  A physical e_entry (Linux's vmlinux) works as it is.
 */
static int elf_set_entry(const struct load_opts *o, uint64_t e,
			 struct loader_image *img)
{
	const struct loader_segment *s = elf_entry_segment(img, e, 1);

	if (s) {
		img->entry = s->addr + (e - s->vaddr);
	} else {
		s = elf_entry_segment(img, e, 0);
		img->entry = e;
	}
	if (!s) {
		loader_error(o, "offset 0x18: entry point 0x%" PRIx64 " is outside every loaded segment",
			     e);
		return -1;
	}
	if (!(s->flags & PF_X)) {
		loader_error(o, "offset 0x18: entry point 0x%" PRIx64 " is in %s, which is not executable (no PF_X)",
			     e, s->name);
		return -1;
	}
	if (img->entry >= ELF_4G) {
		loader_error(o, "offset 0x18: entry point 0x%" PRIx64 " is at physical 0x%" PRIx64 ", above the identity-mapped 4 GiB",
			     e, img->entry);
		return -1;
	}
	return 0;
}

int loader_elf_parse(const struct load_opts *o, int elf_class,
		     struct loader_image *img)
{
	const struct elf_layout *c = elf_class == ELFCLASS64 ? &elf_class64 : &elf_class32;
	Elf64_Ehdr eh;
	unsigned int i;

	memset(img, 0, sizeof(*img));
	if (elf_check_ident(o, c, elf_class))
		return -1;
	elf_read_ehdr(o, c, &eh);
	if (elf_check_header(o, c, &eh) || elf_check_phdrs(o, c, &eh))
		return -1;
	for (i = 0; i < eh.e_phnum; i++)
		if (elf_add_segment(o, c, &eh, i, img))
			return -1;
	if (!img->nr_seg) {
		loader_error(o, "offset 0x%" PRIx64 ": no PT_LOAD program header with bytes to load",
			     eh.e_phoff);
		return -1;
	}
	return elf_set_entry(o, eh.e_entry, img);
}

void loader_ram_list(const struct guestmem *gm, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < gm->nr_slots && n < len; i++)
		n += snprintf(buf + n, len - n, "%s[0x%" PRIx64 "-0x%" PRIx64 "]",
			      i ? ", " : "", gm->slot[i].gpa,
			      gm->slot[i].gpa + gm->slot[i].size - 1);
}

/* In RAM and clear of @reserved; remembers the host address. */
static int loader_check_segment(const struct guestmem *gm,
				const struct load_opts *o, struct loader_segment *s,
				const struct loader_region *reserved,
				int nr_reserved)
{
	uint64_t end = s->addr + s->memsz;
	char ram[160];
	int i;

	for (i = 0; i < nr_reserved; i++) {
		if (s->addr < reserved[i].end && end > reserved[i].start) {
			loader_error(o, "%s: segment [0x%" PRIx64 "-0x%" PRIx64 ") overlaps %s",
				     s->name, s->addr, end, reserved[i].what);
			return -1;
		}
	}
	s->host = guestmem_ptr(gm, s->addr, s->memsz);
	if (!s->host) {
		loader_ram_list(gm, ram, sizeof(ram));
		loader_error(o, "%s: segment [0x%" PRIx64 "-0x%" PRIx64 ") is not in guest RAM (RAM: %s)",
			     s->name, s->addr, end, ram);
		return -1;
	}
	return 0;
}

int loader_check_segments(const struct guestmem *gm, const struct load_opts *o,
			  struct loader_image *img,
			  const struct loader_region *reserved, int nr_reserved)
{
	int i, j;

	img->end = 0;
	for (i = 0; i < img->nr_seg; i++) {
		struct loader_segment *a = &img->seg[i];
		uint64_t a_end = a->addr + a->memsz;

		if (loader_check_segment(gm, o, a, reserved, nr_reserved))
			return -1;
		for (j = 0; j < i; j++) {
			const struct loader_segment *b = &img->seg[j];
			uint64_t b_end = b->addr + b->memsz;

			if (a->addr < b_end && b->addr < a_end) {
				loader_error(o, "%s: segment [0x%" PRIx64 "-0x%" PRIx64 ") overlaps %s at [0x%" PRIx64 "-0x%" PRIx64 ")",
					     a->name, a->addr, a_end, b->name,
					     b->addr, b_end);
				return -1;
			}
		}
		if (a_end > img->end)
			img->end = a_end;
	}
	return 0;
}

void loader_copy_segments(const struct load_opts *o,
			  const struct loader_image *img)
{
	int i;

	for (i = 0; i < img->nr_seg; i++) {
		const struct loader_segment *s = &img->seg[i];

		memcpy(s->host, o->data + s->offset, s->filesz);
		memset(s->host + s->filesz, 0, s->memsz - s->filesz);
	}
}

/* ---- the ELF64 loader ------------------------------------------------- */

static int elf_probe(const struct load_opts *o)
{
	return o->size >= SELFMAG && !memcmp(o->data, ELFMAG, SELFMAG);
}

static int elf_check_opts(const struct load_opts *o)
{
	if (o->mode >= 0 && o->mode != BOOT_LONG) {
		loader_error(o, "--mode applies to flat images: an ELF64 image starts in long mode");
		return -1;
	}
	if (o->have_load_addr || o->have_entry) {
		loader_error(o, "--load-addr and --entry apply to flat images: an ELF image says where it goes");
		return -1;
	}
	return loader_boot_files_check(o, "an ELF64 image");
}

/* ELF32 boots only as a multiboot kernel: say which case this is. */
static int elf_check_not_elf32(const struct load_opts *o)
{
	if (!elf_probe(o) || o->size <= EI_CLASS || o->data[EI_CLASS] != ELFCLASS32)
		return 0;
	if (loader_multiboot.probe(o))
		loader_error(o, "ELF32 multiboot kernel: boot it with --format multiboot (or auto)");
	else
		loader_error(o, "ELF32 image without a multiboot header: not bootable (modvmm boots multiboot ELF32, ELF64 and flat images)");
	return -1;
}

static int elf_load(struct guestmem *gm, const struct load_opts *o,
		    struct boot_state *bs)
{
	struct loader_image img;

	if (elf_check_opts(o) || elf_check_not_elf32(o) ||
	    loader_elf_parse(o, ELFCLASS64, &img) ||
	    loader_check_segments(gm, o, &img, elf_reserved, ARRAY_SIZE(elf_reserved)))
		return -1;
	loader_copy_segments(o, &img);
	memset(bs, 0, sizeof(*bs));
	bs->mode = BOOT_LONG;
	bs->rip = img.entry;
	bs->rsp = BOOT_STACK_TOP;
	loader_boot_files_via_device(o, bs, "an ELF64 image");
	return 0;
}

const struct loader_ops loader_elf = {
	.name = "elf",
	.probe = elf_probe,
	.load = elf_load,
};
