// SPDX-License-Identifier: MIT
/*
 * loader_elf.c - static x86-64 ELF executables, started in long mode.
 *
 * PT_LOAD segments go to p_paddr (p_filesz bytes copied, the rest of
 * p_memsz zeroed); the vCPU starts at e_entry in 64-bit mode with the
 * core's identity map of the low 4 GiB and RSP = BOOT_STACK_TOP.  An
 * e_entry inside a segment's virtual range is moved to that segment's
 * physical copy, as for multiboot kernels.
 *
 * probe() claims every file with the ELF magic, so that a broken ELF gets
 * an ELF error instead of being run as a flat binary; ELF32 kernels boot
 * through the multiboot loader.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"

#define ELF_MAX_SEGMENTS	64
#define ELF_4G			0x100000000ull

struct elf_segment {
	uint64_t addr;		/* p_paddr */
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
	uint32_t flags;		/* PF_X etc */
	unsigned int phdr;	/* program header index, for messages */
	uint8_t *host;		/* guestmem_ptr() of the whole segment */
};

struct elf_image {
	Elf64_Ehdr eh;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	int nr_seg;
	uint64_t entry;		/* physical */
};

/* Guest regions a segment must stay out of: modvmm builds its tables there. */
static const struct {
	uint64_t start, end;
	const char *what;
} elf_reserved[] = {
	{ 0, BOOT_GDT_ADDR, "page 0 [0x0-0xfff], which modvmm keeps free" },
	{ BOOT_GDT_ADDR, BOOT_INFO_END, "the boot tables at [0x1000-0x1ffff]" },
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

static int elf_probe(const struct load_opts *o)
{
	return o->size >= SELFMAG && !memcmp(o->data, ELFMAG, SELFMAG);
}

/* "[0x0-0x9ffff], [0x100000-0x3ffffff]" */
static void elf_ram_list(const struct guestmem *gm, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < gm->nr_slots && n < len; i++)
		n += snprintf(buf + n, len - n, "%s[0x%" PRIx64 "-0x%" PRIx64 "]",
			      i ? ", " : "", gm->slot[i].gpa,
			      gm->slot[i].gpa + gm->slot[i].size - 1);
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
	if (o->append || o->nr_modules) {
		loader_error(o, "--append, --initrd and --module are for multiboot kernels, not ELF64 images");
		return -1;
	}
	return 0;
}

static int elf_check_ident(const struct load_opts *o)
{
	if (!elf_probe(o)) {
		loader_error(o, "offset 0x0: not an ELF file (no \\x7fELF magic)");
		return -1;
	}
	if (o->size <= EI_CLASS) {
		loader_error(o, "offset 0x0: file is %zu bytes, too short for an ELF header",
			     o->size);
		return -1;
	}
	if (o->data[EI_CLASS] == ELFCLASS32) {
		if (loader_multiboot.probe(o))
			loader_error(o, "ELF32 multiboot kernel: boot it with --format multiboot (or auto)");
		else
			loader_error(o, "ELF32 image without a multiboot header: not bootable (modvmm boots multiboot ELF32, ELF64 and flat images)");
		return -1;
	}
	if (o->data[EI_CLASS] != ELFCLASS64) {
		loader_error(o, "offset 0x%x: EI_CLASS %u is neither ELFCLASS32 nor ELFCLASS64",
			     EI_CLASS, o->data[EI_CLASS]);
		return -1;
	}
	return 0;
}

static int elf_check_header(const struct load_opts *o, const Elf64_Ehdr *eh)
{
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		loader_error(o, "offset 0x%x: EI_DATA %u is not ELFDATA2LSB (1): x86-64 images are little-endian",
			     EI_DATA, eh->e_ident[EI_DATA]);
		return -1;
	}
	if (eh->e_type == ET_DYN) {
		loader_error(o, "offset 0x10: e_type ET_DYN (position-independent executable or shared object) is not supported: link a static ET_EXEC (-static -no-pie)");
		return -1;
	}
	if (eh->e_type != ET_EXEC) {
		loader_error(o, "offset 0x10: e_type %u is not ET_EXEC (2)", eh->e_type);
		return -1;
	}
	if (eh->e_machine != EM_X86_64) {
		loader_error(o, "offset 0x12: e_machine %u is not EM_X86_64 (62)",
			     eh->e_machine);
		return -1;
	}
	return 0;
}

static int elf_check_phdrs(const struct load_opts *o, const Elf64_Ehdr *eh)
{
	uint64_t len = (uint64_t)eh->e_phnum * eh->e_phentsize;
	char end[24];

	if (eh->e_phentsize < sizeof(Elf64_Phdr)) {
		loader_error(o, "offset 0x36: e_phentsize %u is smaller than an ELF64 program header (%zu bytes)",
			     eh->e_phentsize, sizeof(Elf64_Phdr));
		return -1;
	}
	if (!eh->e_phnum) {
		loader_error(o, "offset 0x38: no program headers (e_phnum is 0)");
		return -1;
	}
	if (eh->e_phnum == PN_XNUM) {
		loader_error(o, "offset 0x38: e_phnum 0xffff (extended numbering) is not supported");
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

static int elf_add_segment(const struct load_opts *o, struct elf_image *img,
			   unsigned int i)
{
	uint64_t at = img->eh.e_phoff + (uint64_t)i * img->eh.e_phentsize;
	Elf64_Phdr ph;

	memcpy(&ph, o->data + at, sizeof(ph));
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
	if (img->nr_seg == ELF_MAX_SEGMENTS) {
		loader_error(o, "offset 0x%" PRIx64 ": more than %d PT_LOAD program headers",
			     at, ELF_MAX_SEGMENTS);
		return -1;
	}
	img->seg[img->nr_seg++] = (struct elf_segment){ .addr = ph.p_paddr,
		.vaddr = ph.p_vaddr, .offset = ph.p_offset,
		.filesz = ph.p_filesz, .memsz = ph.p_memsz,
		.flags = ph.p_flags, .phdr = i };
	return 0;
}

/* The segment e_entry lies in: by virtual address first, then physical. */
static const struct elf_segment *elf_entry_segment(const struct elf_image *img,
						   int virt)
{
	uint64_t e = img->eh.e_entry;
	int i;

	for (i = 0; i < img->nr_seg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t base = virt ? s->vaddr : s->addr;

		if (e >= base && e - base < s->memsz)
			return s;
	}
	return NULL;
}

static int elf_set_entry(const struct load_opts *o, struct elf_image *img)
{
	uint64_t e = img->eh.e_entry;
	const struct elf_segment *s = elf_entry_segment(img, 1);

	if (s) {
		img->entry = s->addr + (e - s->vaddr);
	} else {
		s = elf_entry_segment(img, 0);
		img->entry = e;
	}
	if (!s) {
		loader_error(o, "offset 0x18: entry point 0x%" PRIx64 " is outside every loaded segment",
			     e);
		return -1;
	}
	if (!(s->flags & PF_X)) {
		loader_error(o, "offset 0x18: entry point 0x%" PRIx64 " is in program header %u, which is not executable (no PF_X)",
			     e, s->phdr);
		return -1;
	}
	if (img->entry >= ELF_4G) {
		loader_error(o, "offset 0x18: entry point 0x%" PRIx64 " is at physical 0x%" PRIx64 ", above the identity-mapped 4 GiB",
			     e, img->entry);
		return -1;
	}
	return 0;
}

static int elf_parse(const struct load_opts *o, struct elf_image *img)
{
	unsigned int i;

	if (elf_check_ident(o))
		return -1;
	if (o->size < sizeof(img->eh)) {
		loader_error(o, "offset 0x0: file is %zu bytes, too short for an ELF64 header (%zu bytes)",
			     o->size, sizeof(img->eh));
		return -1;
	}
	memcpy(&img->eh, o->data, sizeof(img->eh));
	if (elf_check_header(o, &img->eh) || elf_check_phdrs(o, &img->eh))
		return -1;
	for (i = 0; i < img->eh.e_phnum; i++)
		if (elf_add_segment(o, img, i))
			return -1;
	if (!img->nr_seg) {
		loader_error(o, "offset 0x%" PRIx64 ": no PT_LOAD program header with bytes to load",
			     img->eh.e_phoff);
		return -1;
	}
	return elf_set_entry(o, img);
}

/* In RAM, clear of what modvmm builds; remembers the host address. */
static int elf_check_segment(const struct guestmem *gm, const struct load_opts *o,
			     struct elf_segment *s)
{
	uint64_t end = s->addr + s->memsz;
	char ram[160];
	size_t i;

	for (i = 0; i < sizeof(elf_reserved) / sizeof(elf_reserved[0]); i++) {
		if (s->addr < elf_reserved[i].end && end > elf_reserved[i].start) {
			loader_error(o, "program header %u: segment [0x%" PRIx64 "-0x%" PRIx64 ") overlaps %s",
				     s->phdr, s->addr, end, elf_reserved[i].what);
			return -1;
		}
	}
	s->host = guestmem_ptr(gm, s->addr, s->memsz);
	if (!s->host) {
		elf_ram_list(gm, ram, sizeof(ram));
		loader_error(o, "program header %u: segment [0x%" PRIx64 "-0x%" PRIx64 ") is not in guest RAM (RAM: %s)",
			     s->phdr, s->addr, end, ram);
		return -1;
	}
	return 0;
}

static int elf_check_segments(const struct guestmem *gm, const struct load_opts *o,
			      struct elf_image *img)
{
	int i, j;

	for (i = 0; i < img->nr_seg; i++) {
		struct elf_segment *a = &img->seg[i];

		if (elf_check_segment(gm, o, a))
			return -1;
		for (j = 0; j < i; j++) {
			const struct elf_segment *b = &img->seg[j];

			if (a->addr < b->addr + b->memsz && b->addr < a->addr + a->memsz) {
				loader_error(o, "program headers %u and %u overlap: segments [0x%" PRIx64 "-0x%" PRIx64 ") and [0x%" PRIx64 "-0x%" PRIx64 ")",
					     b->phdr, a->phdr, b->addr,
					     b->addr + b->memsz, a->addr,
					     a->addr + a->memsz);
				return -1;
			}
		}
	}
	return 0;
}

static int elf_load(struct guestmem *gm, const struct load_opts *o,
		    struct boot_state *bs)
{
	struct elf_image img;
	int i;

	memset(&img, 0, sizeof(img));
	if (elf_check_opts(o) || elf_parse(o, &img) ||
	    elf_check_segments(gm, o, &img))
		return -1;
	for (i = 0; i < img.nr_seg; i++) {
		const struct elf_segment *s = &img.seg[i];

		memcpy(s->host, o->data + s->offset, s->filesz);
		memset(s->host + s->filesz, 0, s->memsz - s->filesz);
	}
	memset(bs, 0, sizeof(*bs));
	bs->mode = BOOT_LONG;
	bs->rip = img.entry;
	bs->rsp = BOOT_STACK_TOP;
	return 0;
}

const struct loader_ops loader_elf = {
	.name = "elf",
	.probe = elf_probe,
	.load = elf_load,
};
