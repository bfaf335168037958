// SPDX-License-Identifier: MIT
/*
 * Device output files: which options name one (out=PATH, file=PATH), the
 * checks that one can be written without creating or truncating it, and
 * the claims that keep two devices from writing the same file.  The dry
 * run claims every instance's outputs before /dev/kvm is opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev/device_priv.h"
#include "modvmm.h"

#define MAX_OUTPUTS	80

struct dev_output {
	char owner[64];
	char *path;
	const char *key;
	int fifo_fd;		/* our writer end of a FIFO output, or -1 */
};

static struct dev_output outputs[MAX_OUTPUTS];
static int nr_outputs;

/*
 * out=PATH names an output file, out=stdout|stderr|null do not; file=PATH
 * does only for a device that also takes out= (serial8250's and
 * virtio-console's "same as out=PATH"): elsewhere it is an input, like
 * virtio-blk's disk image, which the dry run must neither mask nor claim.
 */
static int type_has_option(const struct device_type *t, const char *key)
{
	const struct modvmm_option *o;

	for (o = t->desc.options; o && o->name; o++)
		if (!strcmp(o->name, key))
			return 1;
	return 0;
}

int opt_is_output_path(const struct device_type *t, const char *key,
		       const char *v)
{
	if (!strcmp(key, "file"))
		return v[0] != '\0' && type_has_option(t, "out");
	if (strcmp(key, "out"))
		return 0;
	return v[0] && strcmp(v, "stdout") && strcmp(v, "stderr") &&
	       strcmp(v, "null");
}

void device_outputs_free(void)
{
	while (nr_outputs) {
		struct dev_output *o = &outputs[--nr_outputs];

		if (o->fifo_fd >= 0)
			close(o->fifo_fd);
		free(o->path);
	}
}

/* Same file: the same string, or the same inode once it exists. */
static int output_same(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!strcmp(a, b))
		return 1;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * Could @path be opened for writing, without creating or truncating it?
 * A FIFO is tried with O_NONBLOCK: without a reader, a plain open()
 * would block modvmm for good.  That writer end stays open in *@fifo_fd
 * until exit: closing it would send the reader EOF (cat would quit)
 * before the device opens the FIFO itself.  Returns NULL or the reason.
 */
static const char *output_check_path(const char *path, int *fifo_fd)
{
	char dir[PATH_MAX], *slash;
	struct stat st;

	*fifo_fd = -1;
	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			return "is a directory";
		if (S_ISFIFO(st.st_mode)) {
			*fifo_fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (*fifo_fd < 0)
				return errno == ENXIO ?
				       "is a FIFO that nobody reads; start its reader first" :
				       strerror(errno);
			return NULL;
		}
		return access(path, W_OK) ? strerror(errno) : NULL;
	}
	if (errno != ENOENT)
		return strerror(errno);
	str_join3(dir, sizeof(dir), path, "", "");
	slash = strrchr(dir, '/');
	if (!slash)
		str_join3(dir, sizeof(dir), ".", "", "");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st))
		return strerror(errno);
	if (!S_ISDIR(st.st_mode))
		return strerror(ENOTDIR);
	return access(dir, W_OK | X_OK) ? strerror(errno) : NULL;
}

int device_output_claim(const char *owner, const char *key, const char *path)
{
	const char *why;
	int i, fifo_fd;

	for (i = 0; i < nr_outputs; i++) {
		if (!output_same(outputs[i].path, path))
			continue;
		pr_err("%s: option %s=%s: %s writes to that file too (%s=%s); give each its own file",
		       owner, key, path, outputs[i].owner, outputs[i].key,
		       outputs[i].path);
		return -1;
	}
	if (nr_outputs == MAX_OUTPUTS) {
		pr_err("%s: option %s=%s: more than %d output files", owner,
		       key, path, MAX_OUTPUTS);
		return -1;
	}
	why = output_check_path(path, &fifo_fd);
	if (why) {
		pr_err("%s: option %s=%s: %s", owner, key, path, why);
		return -1;
	}
	outputs[nr_outputs].fifo_fd = fifo_fd;
	outputs[nr_outputs].path = strdup(path);
	if (!outputs[nr_outputs].path) {
		if (fifo_fd >= 0)
			close(fifo_fd);
		pr_err("%s: out of memory", owner);
		return -1;
	}
	str_join3(outputs[nr_outputs].owner, sizeof(outputs[0].owner), owner,
		  "", "");
	outputs[nr_outputs].key = strcmp(key, "file") ? "out" : "file";
	nr_outputs++;
	return 0;
}

/* Dry run: check the output files a new instance @name would write. */
int device_claim_outputs(const struct device_type *t, const char *name,
			 const struct opt_list *ol)
{
	int i;

	for (i = 0; i < ol->count; i++)
		if (opt_is_output_path(t, ol->kv[i].key, ol->kv[i].value) &&
		    device_output_claim(name, ol->kv[i].key, ol->kv[i].value))
			return -1;
	return 0;
}
