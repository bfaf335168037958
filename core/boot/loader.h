/* SPDX-License-Identifier: MIT */
/*
 * loader.h - guest image loaders.
 *
 * Each loader says whether it recognises an image (probe) and loads it
 * into guest RAM (load), filling a &struct boot_state with the entry
 * conditions.  A loader validates everything before it writes a byte of
 * guest memory, so a rejected image leaves RAM untouched.  Errors go
 * through loader_error() as one line: "IMAGE: [offset 0x..: ]reason".
 */
#ifndef MODVMM_LOADER_H
#define MODVMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "boot/guestmem.h"

enum boot_mode {
	BOOT_REAL = 0,		/* 16-bit real mode */
	BOOT_PROTECTED = 1,	/* 32-bit flat protected mode, paging off */
	BOOT_LONG = 2,		/* 64-bit long mode, identity-mapped 4 GiB */
};

#define LOADER_MAX_MODULES	16

struct loader_module {
	const char *path;
	const char *cmdline;	/* NULL: none */
};

/**
 * struct load_opts - what the command line says about the image.
 */
struct load_opts {
	const char *path;		/* image path as given */
	const uint8_t *data;		/* whole image file */
	size_t size;
	int mode;			/* -1: loader default; else enum boot_mode */
	int have_load_addr, have_entry;
	uint64_t load_addr, entry;	/* flat images */
	const char *append;		/* multiboot: after the path; bzImage: all */
	struct loader_module modules[LOADER_MAX_MODULES];
	int nr_modules;
};

/**
 * struct boot_state - how the vCPU starts.
 * @mode: &enum boot_mode.
 * @rip:  entry; in real mode the linear address, split into CS:IP by the
 *        core (CS = (rip >> 4) & 0xf000, IP = rip & 0xffff).
 * @rax, @rbx, @rsi, @rdi: initial general registers (multiboot: EAX magic,
 *        EBX info address).
 * @rsp:  initial stack pointer (BOOT_STACK_TOP unless a loader changes it).
 * @linux_selectors: use the Linux boot protocol's GDT layout (__BOOT_CS
 *        0x10, __BOOT_DS 0x18) instead of modvmm's (0x08, 0x10, 0x18).
 * @cmdline_addr: where a Linux image's command line is (0: the format
 *        takes no words from devices, see loader_cmdline_append()).
 * @cmdline_max: the longest command line it may grow to, NUL excluded.
 * @boot_files_via_device: the format's name ("a flat image") when it has
 *        no protocol of its own for the --append, --initrd and --module
 *        it was given: a device must pass them on (MODVMM_DEVF_BOOT_FILES).
 */
struct boot_state {
	int mode;
	int linux_selectors;	/* Linux boot protocol: CS 0x10, DS/ES/SS 0x18 */
	uint64_t rip, rax, rbx, rsi, rdi, rsp;
	uint64_t cmdline_addr;
	uint32_t cmdline_max;
	const char *boot_files_via_device;
};

/*
 * Physical layout of VMM-built structures (documented in README "Memory
 * layout").  Page 0 (real-mode IVT) is left alone.
 */
#define BOOT_GDT_ADDR		0x1000ull	/* GDT for protected/long mode */
#define BOOT_PML4_ADDR		0x2000ull	/* long-mode page tables: */
#define BOOT_PDPT_ADDR		0x3000ull	/*   PML4, PDPT and 4 PDs */
#define BOOT_PD_ADDR		0x4000ull	/*   0x4000-0x7fff */
#define BOOT_TABLES_END		0x8000ull	/* (boot information follows the
						 *   image: see each loader) */
#define BOOT_STACK_TOP		0x9fff0ull	/* initial stack, grows down */
#define BOOT_DEFAULT_LOAD	0x100000ull	/* flat protected/long images */

struct loader_ops {
	const char *name;	/* --format NAME */
	/* 1 if @o->data looks like this format (cheap header check) */
	int (*probe)(const struct load_opts *o);
	/* 0, or -1 after loader_error() */
	int (*load)(struct guestmem *gm, const struct load_opts *o,
		    struct boot_state *bs);
};

extern const struct loader_ops loader_flat;
extern const struct loader_ops loader_multiboot;
extern const struct loader_ops loader_elf;
extern const struct loader_ops loader_bzimage;

/* Print "modvmm: PATH: MESSAGE" as one line. */
void loader_error(const struct load_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Append @words (devices' "virtio_mmio.device=..." and the like) to the
 * command line of the image @bs describes, after a space.  Images that
 * take none (@bs->cmdline_addr 0) are left alone.  Returns 0, or -1 after
 * printing why (the line would exceed the kernel's cmdline_size).
 */
int loader_cmdline_append(struct guestmem *gm, const struct boot_state *bs,
			  const char *words);
/* The same, with @dry only checking that they fit. */
int loader_cmdline_add(struct guestmem *gm, const struct boot_state *bs,
		       const char *words, int dry);

/*
 * For a format with no boot protocol (@what: "a flat image"): at most one
 * --initrd and no module command line, since a device passes them on;
 * then note in @bs that one must (boot_files_via_device).
 */
int loader_boot_files_check(const struct load_opts *o, const char *what);
void loader_boot_files_via_device(const struct load_opts *o,
				  struct boot_state *bs, const char *what);

/* Choose a loader by --format name (NULL/"auto": probe) and load. */
int loader_load(struct guestmem *gm, const char *format,
		const struct load_opts *o, struct boot_state *bs);

/*
 * Map a whole file read-only.  Returns 0, or -1 after printing
 * "modvmm: PATH: reason": not a regular file (a FIFO is refused without
 * waiting for a writer), empty, or larger than @ram bytes (from its size:
 * nothing is read).  Used for images, multiboot modules and initrds;
 * loader_free_file() gives it back.
 */
int loader_read_file(const char *path, uint8_t **data, size_t *size,
		     uint64_t ram);
void loader_free_file(uint8_t *data, size_t size);

/*
 * Helpers shared by the ELF64 and multiboot loaders (core/loader_elf.c):
 * one ELF parser for both classes and the checks every loaded piece of an
 * image goes through.
 */

#define LOADER_MAX_SEGMENTS	64

/**
 * struct loader_segment - one piece of an image to load.
 * @name:   how messages call it ("program header 2", "a.out kludge image").
 * @addr:   guest physical address.
 * @vaddr:  where it is linked (ELF p_vaddr; else @addr).
 * @offset: file offset of the @filesz bytes copied to @addr.
 * @memsz:  @filesz, then zeroes up to @memsz (bss).
 * @flags:  ELF PF_* bits.
 * @host:   host address of @addr, set by loader_check_segments().
 */
struct loader_segment {
	char name[24];
	uint64_t addr, vaddr, offset, filesz, memsz;
	uint32_t flags;
	uint8_t *host;
};

/**
 * struct loader_image - the segments of an image and where it starts.
 * @entry: physical entry point.
 * @end:   highest @addr + @memsz of any segment, set by
 *         loader_check_segments().
 */
struct loader_image {
	struct loader_segment seg[LOADER_MAX_SEGMENTS];
	int nr_seg;
	uint64_t entry, end;
};

/* A guest range segments must stay out of, named for messages. */
struct loader_region {
	uint64_t start, end;
	const char *what;	/* "the boot tables at [0x1000-0x7fff]" */
};

/*
 * Parse the ELF executable @o of class @elf_class (ELFCLASS32: EM_386,
 * ELFCLASS64: EM_X86_64) into @img: its PT_LOAD segments, each checked
 * against the file, and its entry point, which must lie in an executable
 * segment (an e_entry in a segment's virtual range moves to its physical
 * copy).  Returns 0, or -1 after loader_error().
 */
int loader_elf_parse(const struct load_opts *o, int elf_class,
		     struct loader_image *img);

/*
 * Check that each segment is in guest RAM, clear of every @reserved range
 * and of the other segments; set each @host and @img->end.  Returns 0, or
 * -1 after loader_error().
 */
int loader_check_segments(const struct guestmem *gm, const struct load_opts *o,
			  struct loader_image *img,
			  const struct loader_region *reserved, int nr_reserved);

/* Copy checked segments into guest RAM, zeroing each bss. */
void loader_copy_segments(const struct load_opts *o,
			  const struct loader_image *img);

/* Guest RAM as "[0x0-0x9ffff], [0x100000-0x3ffffff]", for messages. */
void loader_ram_list(const struct guestmem *gm, char *buf, size_t len);

#endif
