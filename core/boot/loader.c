// SPDX-License-Identifier: MIT
/* Loader selection, file reading and error reporting shared by loaders. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/loader.h"
#include "modvmm.h"

/* Largest image or module modvmm reads; guests bigger than this are odd. */
#define LOADER_MAX_FILE	(1ull << 32)

void loader_error(const struct load_opts *o, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s: %s", o->path, msg);
}

/* Why @st is no file to load, or NULL for a regular file. */
static const char *loader_file_kind(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return NULL;
	if (S_ISDIR(st->st_mode))
		return "a directory";
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	return "a special file";
}

static int loader_check_size(const char *path, uint64_t size, uint64_t ram)
{
	if (size == 0) {
		pr_err("%s: empty file", path);
		return -1;
	}
	if (size > LOADER_MAX_FILE) {
		pr_err("%s: %llu bytes is larger than the 4 GiB modvmm loads",
		       path, (unsigned long long)size);
		return -1;
	}
	if (size > ram) {
		pr_err("%s: %llu bytes cannot fit in %llu %s of guest RAM; use a larger -m",
		       path, (unsigned long long)size,
		       (unsigned long long)(ram & 0xfffff ? ram >> 10 : ram >> 20),
		       ram & 0xfffff ? "KiB" : "MiB");
		return -1;
	}
	return 0;
}

/*
 * Map the file instead of reading it: the loaders copy what they need
 * straight into guest RAM, so modvmm never holds a second copy.  The
 * size is checked from fstat() before anything is read, and O_NONBLOCK
 * keeps open() of a FIFO from waiting for a writer before we can refuse
 * it.
 */
int loader_read_file(const char *path, uint8_t **data, size_t *size,
		     uint64_t ram)
{
	const char *kind;
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		pr_err("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		pr_err("%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	kind = loader_file_kind(&st);
	if (kind) {
		pr_err("%s: not a regular file (%s)", path, kind);
		close(fd);
		return -1;
	}
	if (loader_check_size(path, (uint64_t)st.st_size, ram)) {
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		pr_err("%s: cannot map %lld bytes: %s", path,
		       (long long)st.st_size, strerror(errno));
		return -1;
	}
	*data = p;
	*size = (size_t)st.st_size;
	return 0;
}

void loader_free_file(uint8_t *data, size_t size)
{
	if (data)
		munmap(data, size);
}

static const struct loader_ops *const loaders[] = {
	&loader_multiboot,
	&loader_elf,
	&loader_bzimage,
	&loader_flat,
};

int loader_boot_files_check(const struct load_opts *o, const char *what)
{
	if (o->nr_modules > 1) {
		loader_error(o, "%d modules given: %s takes one initrd (--initrd FILE), passed on by a device such as fw_cfg",
			     o->nr_modules, what);
		return -1;
	}
	if (o->nr_modules && o->modules[0].cmdline) {
		loader_error(o, "--module %s,%s: %s has no module command lines; put arguments in --append",
			     o->modules[0].path, o->modules[0].cmdline, what);
		return -1;
	}
	return 0;
}

void loader_boot_files_via_device(const struct load_opts *o,
				  struct boot_state *bs, const char *what)
{
	if (o->append || o->nr_modules)
		bs->boot_files_via_device = what;
}

int loader_load(struct guestmem *gm, const char *format,
		const struct load_opts *o, struct boot_state *bs)
{
	size_t i;

	memset(bs, 0, sizeof(*bs));
	bs->rsp = BOOT_STACK_TOP;
	if (format && strcmp(format, "auto")) {
		for (i = 0; i < ARRAY_SIZE(loaders); i++) {
			/* the loader's own checks say precisely what is wrong */
			if (!strcmp(loaders[i]->name, format))
				return loaders[i]->load(gm, o, bs);
		}
		pr_err("--format %s: unknown format (want auto, flat, multiboot, elf or bzimage)",
		       format);
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(loaders); i++)
		if (loaders[i]->probe(o))
			return loaders[i]->load(gm, o, bs);
	loader_error(o, "unrecognised image format");
	return -1;
}

int loader_cmdline_append(struct guestmem *gm, const struct boot_state *bs,
			  const char *words)
{
	return loader_cmdline_add(gm, bs, words, 0);
}

int loader_cmdline_add(struct guestmem *gm, const struct boot_state *bs,
		       const char *words, int dry)
{
	size_t have, add = strlen(words);
	char *line;

	if (!bs->cmdline_addr || !add)
		return 0;
	line = guestmem_ptr(gm, bs->cmdline_addr, (uint64_t)bs->cmdline_max + 1);
	if (!line) {
		pr_err("the kernel command line at 0x%llx is not in guest RAM",
		       (unsigned long long)bs->cmdline_addr);
		return -1;
	}
	have = strnlen(line, bs->cmdline_max + 1);
	if (have + !!have + add > bs->cmdline_max) {
		pr_err("the kernel command line (--append, %zu bytes) plus the devices' '%s' exceeds the kernel's %u bytes; shorten --append",
		       have, words, bs->cmdline_max);
		return -1;
	}
	if (dry)
		return 0;
	if (have)
		line[have++] = ' ';
	memcpy(line + have, words, add + 1);
	return 0;
}
