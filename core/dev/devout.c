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
#include "dev/dev_state.h"
#include "modvmm.h"
#include "vm/vm.h"


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
	while (vm.dev->nr_outputs) {
		struct dev_output *o = &vm.dev->outputs[--vm.dev->nr_outputs];

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
	struct dev_state *ds = vm.dev;
	struct dev_output *o;
	const char *why;
	int i, fifo_fd;

	for (i = 0; i < ds->nr_outputs; i++) {
		if (!output_same(ds->outputs[i].path, path))
			continue;
		pr_err("%s: option %s=%s: %s writes to that file too (%s=%s); give each its own file",
		       owner, key, path, ds->outputs[i].owner, ds->outputs[i].key,
		       ds->outputs[i].path);
		return -1;
	}
	if (ds->nr_outputs == DEV_MAX_OUTPUTS) {
		pr_err("%s: option %s=%s: more than %d output files", owner,
		       key, path, DEV_MAX_OUTPUTS);
		return -1;
	}
	why = output_check_path(path, &fifo_fd);
	if (why) {
		pr_err("%s: option %s=%s: %s", owner, key, path, why);
		return -1;
	}
	o = &ds->outputs[ds->nr_outputs];
	o->fifo_fd = fifo_fd;
	o->path = strdup(path);
	if (!o->path) {
		if (fifo_fd >= 0)
			close(fifo_fd);
		pr_err("%s: out of memory", owner);
		return -1;
	}
	str_join3(o->owner, sizeof(o->owner), owner, "", "");
	o->key = strcmp(key, "file") ? "out" : "file";
	ds->nr_outputs++;
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
