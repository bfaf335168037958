// SPDX-License-Identifier: MIT
/* Loader selection, file reading and error reporting shared by loaders. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
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

int loader_read_file(const char *path, uint8_t **data, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pr_err("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		pr_err("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		pr_err("%s: empty file", path);
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > LOADER_MAX_FILE) {
		pr_err("%s: %lld bytes is larger than the 4 GiB modvmm loads",
		       path, (long long)st.st_size);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		pr_err("%s: out of memory for %lld bytes", path, (long long)st.st_size);
		close(fd);
		return -1;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_err("%s: read failed: %s", path, n ? strerror(errno) : "file shrank");
			free(buf);
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	close(fd);
	*data = buf;
	*size = done;
	return 0;
}

static const struct loader_ops *const loaders[] = {
	&loader_multiboot,
	&loader_elf,
	&loader_bzimage,
	&loader_flat,
};

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
