// SPDX-License-Identifier: MIT
/*
 * Device types and instances: the built-in table, the plugin loader and
 * the host function table that devices call.
 *
 * A built-in device's descriptor pointer sits in the "modvmm_devices"
 * section (MODVMM_DEVICE() without -DMODULE); a plugin exports one
 * symbol, modvmm_device_descriptor.  Both end up as a struct device_type,
 * so everything after lookup treats them alike.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "device.h"
#include "event.h"
#include "machine.h"
#include "modvmm.h"
#include "options.h"
#include "output.h"
#include "platform.h"

#define DEV_MAX_STATS	16

struct device_type {
	struct modvmm_device_desc desc;	/* zero-extended copy */
	void *dl;			/* dlopen handle; NULL if built in */
	char *path;			/* resolved .so path */
	int instances;
	struct device_type *next;
};

struct dev_stat {
	const char *name;
	uint64_t value;
};

struct modvmm_dev {
	struct device_type *type;
	char name[64];
	struct opt_list opts;
	void *priv;
	char error[256];
	char reg_error[256];
	uint64_t accesses;
	uint32_t irq_asserted;		/* lines this instance holds high */
	struct dev_stat stats[DEV_MAX_STATS];
	int nr_stats;
	struct modvmm_dev *next;
};

/* weak: a binary with no built-in device has no such section */
extern const struct modvmm_device_desc *const __start_modvmm_devices[]
	__attribute__((weak));
extern const struct modvmm_device_desc *const __stop_modvmm_devices[]
	__attribute__((weak));

volatile struct device_ctx device_running;
volatile uint64_t device_enter_seq;
const char *volatile device_loading;

static struct device_type *types;
static struct modvmm_dev *instances;
static struct plugin_search search;
static int builtins_loaded;

/* The directory of the running binary (modvmm, modvmm-harness), or NULL. */
static const char *device_exe_dir(void)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return dirname(buf);
}

void device_set_search(const struct plugin_search *s)
{
	search = *s;
	if (!search.exe_dir)
		search.exe_dir = device_exe_dir();
}

const char *device_name(const struct modvmm_dev *dev)
{
	return dev->name;
}

/* Smallest descriptor an ABI-1 plugin can have: up to and with exit. */
#define DESC_MIN_SIZE \
	(offsetof(struct modvmm_device_desc, exit) + sizeof(void (*)(void *)))

static int device_name_valid(const char *name)
{
	const char *p;

	if (!name || !*name || strlen(name) > 40)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static struct device_type *device_type_by_name(const char *name)
{
	struct device_type *t;

	for (t = types; t; t = t->next)
		if (!strcmp(t->desc.name, name))
			return t;
	return NULL;
}

/*
 * Check a descriptor and copy it, zero-extended, so fields appended in a
 * later ABI read as NULL for older plugins.  @what names the source in
 * messages (a path or "built-in").
 */
static struct device_type *device_type_new(const struct modvmm_device_desc *d,
					   const char *what)
{
	struct device_type *t;
	size_t n;

	if (d->abi_version < MODVMM_ABI_MIN_VERSION ||
	    d->abi_version > MODVMM_ABI_VERSION) {
		pr_err("%s: plugin ABI %u, this modvmm speaks %d-%d; rebuild it against this modvmm's include/modvmm/device.h",
		       what, d->abi_version, MODVMM_ABI_MIN_VERSION,
		       MODVMM_ABI_VERSION);
		return NULL;
	}
	if (d->struct_size < DESC_MIN_SIZE) {
		pr_err("%s: descriptor is %u bytes, ABI %u needs at least %zu; rebuild it against this modvmm's include/modvmm/device.h",
		       what, d->struct_size, d->abi_version, DESC_MIN_SIZE);
		return NULL;
	}
	if (!device_name_valid(d->name)) {
		pr_err("%s: device name '%s' is invalid (want 1-40 of [a-z0-9_-])",
		       what, d->name ? d->name : "(null)");
		return NULL;
	}
	if (!d->init) {
		pr_err("%s: device %s has no init function", what, d->name);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		pr_err("%s: out of memory", what);
		return NULL;
	}
	n = d->struct_size < sizeof(t->desc) ? d->struct_size : sizeof(t->desc);
	memcpy(&t->desc, d, n);
	return t;
}

static void device_type_add(struct device_type *t)
{
	struct device_type **p = &types;

	while (*p)
		p = &(*p)->next;
	*p = t;
}

static int device_load_builtins(void)
{
	const struct modvmm_device_desc *const *d;

	if (builtins_loaded)
		return 0;
	builtins_loaded = 1;
	for (d = __start_modvmm_devices; d < __stop_modvmm_devices; d++) {
		struct device_type *t;

		if (device_type_by_name((*d)->name)) {
			pr_err("built-in device %s is defined twice", (*d)->name);
			return -1;
		}
		t = device_type_new(*d, "built-in device");
		if (!t)
			return -1;
		device_type_add(t);
	}
	return 0;
}

/*
 * dst = a b c, truncated to @len.  Start-up paths avoid the printf family:
 * the first snprintf() of a process faults in some 300 KiB of libc, which
 * shows in peak RSS (see bench/README.md).
 */
static void str_join3(char *dst, size_t len, const char *a, const char *b,
		      const char *c)
{
	const char *parts[3] = { a, b, c };
	size_t n = 0;
	int i;

	for (i = 0; i < 3 && len; i++) {
		size_t l = strlen(parts[i]);

		if (l > len - 1 - n)
			l = len - 1 - n;
		memcpy(dst + n, parts[i], l);
		n += l;
	}
	if (len)
		dst[n] = '\0';
}

/* "name" for the first instance, "name.N" for the next ones. */
static void device_instance_name(char *dst, size_t len, const char *name, int n)
{
	char num[16];
	int i = (int)sizeof(num) - 1;

	if (!n) {
		str_join3(dst, len, name, "", "");
		return;
	}
	num[i] = '\0';
	do {
		num[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n && i > 0);
	str_join3(dst, len, name, ".", num + i);
}

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Fill @dirs with the plugin search path, in order; returns the count. */
static int device_search_dirs(const char **dirs, char (*bufs)[PATH_MAX])
{
	const char *env = getenv("MODVMM_PLUGIN_DIR");
	int n = 0;

	if (search.plugin_dir)
		dirs[n++] = search.plugin_dir;
	if (env && *env)
		dirs[n++] = env;
	dirs[n++] = CONFIG_PLUGIN_DIR;
	if (search.exe_dir) {
		str_join3(bufs[0], PATH_MAX, search.exe_dir, "/modules", "");
		dirs[n++] = bufs[0];
		str_join3(bufs[1], PATH_MAX, search.exe_dir, "/../lib/modvmm", "");
		dirs[n++] = bufs[1];
	}
	return n;
}

/*
 * Loading a plugin runs its code as modvmm's user, so, as ssh does with
 * key files, refuse one that someone else could have put there: the file
 * and its directory must belong to root or to us, and not be writable by
 * group or others (a sticky directory such as /tmp may be).
 */
static int plugin_untrusted(const char *what, const char *path, int dir)
{
	struct stat st;

	if (stat(path, &st))
		return 0;	/* the open that follows says why */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		pr_err("%s: refusing a plugin %s owned by uid %u (neither root nor you); pass --insecure-plugins to load it anyway",
		       what, dir ? "directory" : "file", (unsigned int)st.st_uid);
		return 1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(dir && (st.st_mode & S_ISVTX))) {
		pr_err("%s: refusing a plugin %s others can write (mode %04o); chmod go-w %s, or pass --insecure-plugins",
		       what, dir ? "directory" : "file",
		       (unsigned int)(st.st_mode & 07777), path);
		return 1;
	}
	return 0;
}

static int plugin_trusted(const char *real)
{
	char dir[PATH_MAX];

	if (search.insecure)
		return 1;
	snprintf(dir, sizeof(dir), "%s", real);
	return !plugin_untrusted(real, real, 0) &&
	       !plugin_untrusted(real, dirname(dir), 1);
}

/* dlopen one plugin, with the crash handler told which. */
static void *plugin_dlopen(const char *real)
{
	void *dl;

	device_loading = real;
	dl = dlopen(real, RTLD_NOW | RTLD_LOCAL);
	device_loading = NULL;
	return dl;
}

static void plugin_dlclose(void *dl, const char *real)
{
	device_loading = real ? real : "(a plugin)";
	dlclose(dl);
	device_loading = NULL;
}

/*
 * dlopen a plugin and turn its descriptor into a type (not yet added).
 * The plugin is opened by its absolute path, never by a bare name that
 * dlopen() would look up in LD_LIBRARY_PATH and the system's directories.
 */
static struct device_type *device_open_plugin(const char *path)
{
	const struct modvmm_device_desc *d;
	struct device_type *t;
	char *real;
	void *dl;

	real = file_exists(path) ? realpath(path, NULL) : NULL;
	if (!real) {
		pr_err("%s: no such plugin file", path);
		return NULL;
	}
	if (!plugin_trusted(real)) {
		free(real);
		return NULL;
	}
	pr_info("%s: loading plugin %s", path, real);
	dl = plugin_dlopen(real);
	if (!dl) {
		pr_err("%s: cannot load plugin: %s", path, dlerror());
		free(real);
		return NULL;
	}
	d = dlsym(dl, MODVMM_DESCRIPTOR_SYMBOL);
	if (!d) {
		pr_err("%s: not a modvmm plugin (no %s symbol); build it with MODVMM_DEVICE() from <modvmm/device.h>",
		       path, MODVMM_DESCRIPTOR_SYMBOL);
		plugin_dlclose(dl, real);
		free(real);
		return NULL;
	}
	t = device_type_new(d, path);
	if (!t) {
		plugin_dlclose(dl, real);
		free(real);
		return NULL;
	}
	t->dl = dl;
	t->path = real;
	return t;
}

static void device_type_free(struct device_type *t)
{
	if (t->dl)
		plugin_dlclose(t->dl, t->path);
	free(t->path);
	free(t);
}

/* An explicit path: anything with a slash or ending in .so. */
static int spec_is_path(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') || (n > 3 && !strcmp(name + n - 3, ".so"));
}

static struct device_type *device_type_from_path(const char *path, int explicit)
{
	char *real = realpath(path, NULL);
	struct device_type *t, *old;

	if (real) {
		for (t = types; t; t = t->next)
			if (t->path && !strcmp(t->path, real)) {
				free(real);
				return t;
			}
		free(real);
	}
	t = device_open_plugin(path);
	if (!t)
		return NULL;
	old = device_type_by_name(t->desc.name);
	/* An explicit path may stand in for a built-in device of that name:
	 * -d NAME still means the built-in one. */
	if (old && !old->dl && explicit) {
		pr_info("%s: plugin %s shadows the built-in device only when named by path",
			path, t->desc.name);
		old = NULL;
	}
	if (old) {
		pr_err("%s: duplicate device name '%s': already provided by %s",
		       path, t->desc.name, old->path ? old->path : "a built-in device");
		device_type_free(t);
		return NULL;
	}
	device_type_add(t);
	return t;
}

/* Resolve NAME: built in, or NAME.so on the search path. */
static struct device_type *device_type_lookup(const char *name)
{
	char bufs[2][PATH_MAX], path[PATH_MAX], tried[1024] = "";
	const char *dirs[8];
	struct device_type *t;
	int i, n;

	if (spec_is_path(name))
		return device_type_from_path(name, 1);
	t = device_type_by_name(name);
	if (t)
		return t;
	if (!device_name_valid(name)) {
		pr_err("device '%s': invalid name (want [a-z0-9_-]+, or a path to a .so)",
		       name);
		return NULL;
	}
	n = device_search_dirs(dirs, bufs);
	for (i = 0; i < n; i++) {
		str_join3(path, sizeof(path), dirs[i], "/", name);
		str_join3(path + strlen(path), sizeof(path) - strlen(path), ".so", "", "");
		if (file_exists(path))
			return device_type_from_path(path, 0);
		str_join3(tried + strlen(tried), sizeof(tried) - strlen(tried),
			  i ? ", " : "", dirs[i], "");
	}
	pr_err("device '%s': not built in and no %s.so in %s; see --list-devices, or give a path",
	       name, name, tried);
	return NULL;
}

/* Reject option keys the device does not declare. */
static int device_check_options(struct device_type *t,
				const struct opt_list *ol)
{
	const struct modvmm_option *o;
	char accepted[512] = "";
	int i;

	for (i = 0; i < ol->count; i++) {
		int known = 0;

		for (o = t->desc.options; o && o->name; o++)
			if (!strcmp(o->name, ol->kv[i].key))
				known = 1;
		if (known)
			continue;
		for (o = t->desc.options; o && o->name; o++)
			snprintf(accepted + strlen(accepted),
				 sizeof(accepted) - strlen(accepted), "%s%s",
				 accepted[0] ? ", " : "", o->name);
		pr_err("%s: unknown option '%s' (accepted: %s)", t->desc.name,
		       ol->kv[i].key, accepted[0] ? accepted : "none");
		return -1;
	}
	return 0;
}

static void device_release_irqs(struct modvmm_dev *dev);

static void device_release(struct modvmm_dev *dev)
{
	console_release(dev);
	device_release_irqs(dev);
	bus_unregister_owner(&machine.pio, dev);
	bus_unregister_owner(&machine.mmio, dev);
	event_free_owner(dev);
	if (machine.chip_opaque && machine.irqchip == IRQCHIP_USER &&
	    machine.chip_owner == dev) {
		machine.chip_ops = NULL;
		machine.chip_opaque = NULL;
		machine.chip_owner = NULL;
	}
}

static void device_unload_if_unused(struct device_type *t)
{
	struct device_type **p;

	if (!t->dl || t->instances)
		return;
	for (p = &types; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	device_type_free(t);
}

/* ---- dry run and output files -------------------------------------------- */

#define MAX_OUTPUTS	80

static int dry_run;

struct dev_output {
	char owner[64];
	char *path;
	const char *key;
	int fifo_fd;		/* our writer end of a FIFO output, or -1 */
};

static struct dev_output outputs[MAX_OUTPUTS];
static int nr_outputs;

/*
 * out=PATH and file=PATH name output files (the convention of
 * serial8250 and debugport); out=stdout|stderr|null do not.
 */
static int opt_is_output_path(const char *key, const char *v)
{
	if (!strcmp(key, "file"))
		return v[0] != '\0';
	if (strcmp(key, "out"))
		return 0;
	return v[0] && strcmp(v, "stdout") && strcmp(v, "stderr") &&
	       strcmp(v, "null");
}

static void device_outputs_free(void)
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
static int device_claim_outputs(const char *name, const struct opt_list *ol)
{
	int i;

	for (i = 0; i < ol->count; i++)
		if (opt_is_output_path(ol->kv[i].key, ol->kv[i].value) &&
		    device_output_claim(name, ol->kv[i].key, ol->kv[i].value))
			return -1;
	return 0;
}

/* The value a dry-run instance sees instead of an output file, or NULL. */
static int dry_run_masks(const struct modvmm_dev *dev, const char *key,
			 const char *v)
{
	if (!dry_run || !opt_is_output_path(key, v))
		return 0;
	/* both given: a device refuses that itself, before opening either */
	return !(opt_list_get(&dev->opts, "out") &&
		 opt_list_get(&dev->opts, "file"));
}

/* Firmware files the dry run's instances published, dropped at its end. */
static unsigned int dry_run_files;

void device_dry_run_begin(void)
{
	dry_run = 1;
	dry_run_files = platform_file_count();
}

static void device_destroy_instances(void);

void device_dry_run_end(void)
{
	struct device_type *t;

	device_destroy_instances();
	for (t = types; t; t = t->next)
		t->instances = 0;
	platform_file_truncate(dry_run_files);
	dry_run = 0;
}

int device_create(const char *spec)
{
	return device_spawn(spec) ? 0 : -1;
}

struct modvmm_dev *device_spawn(const char *spec)
{
	struct modvmm_dev *dev, **p;
	struct device_type *t;
	struct device_ctx ctx;
	struct opt_list ol;
	char err[256];
	unsigned int files;
	int failed;

	if (device_load_builtins())
		return NULL;
	if (opt_list_parse(&ol, spec, err, sizeof(err))) {
		pr_err("-d %s: %s", spec, err);
		return NULL;
	}
	t = device_type_lookup(ol.name);
	if (!t)
		goto fail_opts;
	if (device_check_options(t, &ol))
		goto fail_type;
	if (dry_run) {
		char name[64];

		device_instance_name(name, sizeof(name), t->desc.name,
				     t->instances);
		if (device_claim_outputs(name, &ol))
			goto fail_type;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		pr_err("%s: out of memory", t->desc.name);
		goto fail_type;
	}
	dev->type = t;
	dev->opts = ol;
	device_instance_name(dev->name, sizeof(dev->name), t->desc.name,
			     t->instances);
	t->instances++;
	files = platform_file_count();
	ctx = device_enter(dev, "in its init function");
	failed = t->desc.init(dev, &device_host, &dev->priv);
	device_leave(ctx);
	if (failed) {
		/* what it published goes with it, as its ranges do */
		platform_file_truncate(files);
		const char *why = dev->error[0] ? dev->error : dev->reg_error;

		if (dev->error[0] && dev->reg_error[0])
			pr_err("%s: init failed: %s: %s", dev->name, dev->error,
			       dev->reg_error);
		else
			pr_err("%s: init failed: %s", dev->name,
			       why[0] ? why : "(the device gave no reason)");
		device_release(dev);
		t->instances--;
		opt_list_free(&dev->opts);
		free(dev);
		device_unload_if_unused(t);
		return NULL;
	}
	for (p = &instances; *p; p = &(*p)->next)
		;
	*p = dev;
	return dev;
fail_type:
	device_unload_if_unused(t);
fail_opts:
	opt_list_free(&ol);
	return NULL;
}

void device_sync_all(void)
{
	device_sync_others(NULL);
}

void device_sync_others(const void *skip)
{
	struct modvmm_dev *d;

	for (d = instances; d; d = d->next) {
		if (d != skip && d->type->desc.sync) {
			struct device_ctx ctx = device_enter(d, "in its sync hook");

			d->type->desc.sync(d->priv);
			device_leave(ctx);
		}
	}
}

void device_reset_all(void)
{
	struct modvmm_dev *d;

	for (d = instances; d; d = d->next) {
		if (d->type->desc.reset) {
			struct device_ctx ctx = device_enter(d, "in its reset hook");

			d->type->desc.reset(d->priv);
			device_leave(ctx);
		}
	}
}

/* Exit every instance, newest first; the types stay. */
/* Exit @dev, unlinked from the instance list by the caller, and free it. */
static void device_exit_one(struct modvmm_dev *dev)
{
	if (dev->type->desc.exit) {
		struct device_ctx ctx = device_enter(dev, "in its exit hook");

		dev->type->desc.exit(dev->priv);
		device_leave(ctx);
	}
	device_release(dev);
	opt_list_free(&dev->opts);
	free(dev);
}

static void device_destroy_instances(void)
{
	while (instances) {
		struct modvmm_dev *last = instances, **pp = &instances;

		while (last->next) {
			pp = &last->next;
			last = last->next;
		}
		*pp = NULL;
		device_exit_one(last);
	}
}

void device_destroy(struct modvmm_dev *dev)
{
	struct modvmm_dev **pp;
	struct device_type *t = dev->type;

	for (pp = &instances; *pp && *pp != dev; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	*pp = dev->next;
	device_exit_one(dev);
	/* The last of its type gone: names start again at NAME, and a
	 * plugin nobody uses is closed. */
	for (pp = &instances; *pp; pp = &(*pp)->next)
		if ((*pp)->type == t)
			return;
	t->instances = 0;
	device_unload_if_unused(t);
}

void *device_priv(const struct modvmm_dev *dev)
{
	return dev->priv;
}

void device_exit_all(void)
{
	struct device_type *t;

	device_destroy_instances();
	device_outputs_free();
	while (types) {
		t = types;
		types = t->next;
		device_type_free(t);
	}
	builtins_loaded = 0;
}

void device_print_stats(FILE *f)
{
	struct modvmm_dev *d;
	int i;

	for (d = instances; d; d = d->next) {
		uint64_t ticks, lost;

		fprintf(f, "  %-16s accesses %llu", d->name,
			(unsigned long long)d->accesses);
		event_irq_timer_stats(d, &ticks, &lost);
		if (ticks || lost)
			fprintf(f, ", ticks %llu, ticks_lost %llu",
				(unsigned long long)ticks, (unsigned long long)lost);
		for (i = 0; i < d->nr_stats; i++)
			fprintf(f, ", %s %llu", d->stats[i].name,
				(unsigned long long)d->stats[i].value);
		fputc('\n', f);
	}
}

/* ---- --list-devices ---------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static int device_listing;	/* --list-devices: instances are probes */

static void bus_ranges_of(const struct bus *b, const void *owner, char *buf,
			  size_t len)
{
	int i;

	for (i = 0; i < b->nr; i++) {
		size_t n = strlen(buf);

		if (b->ranges[i].owner != owner)
			continue;
		snprintf(buf + n, len - n, "%s%s 0x%llx-0x%llx", n ? ", " : "",
			 b->name, (unsigned long long)b->ranges[i].base,
			 (unsigned long long)b->ranges[i].last);
	}
}

/*
 * The ranges a device claims with its default options: create a probe
 * instance (no console, no KVM behind it), read the buses, and destroy it.
 */
static void device_probe_ranges(struct device_type *t, char *buf, size_t len)
{
	struct modvmm_dev *dev = calloc(1, sizeof(*dev));

	buf[0] = '\0';
	if (!dev)
		return;
	dev->type = t;
	snprintf(dev->name, sizeof(dev->name), "%s", t->desc.name);
	device_listing = 1;
	if (t->desc.init(dev, &device_host, &dev->priv)) {
		snprintf(buf, len, "(none with default options: %s)",
			 dev->error[0] ? dev->error : dev->reg_error);
	} else {
		bus_ranges_of(&machine.pio, dev, buf, len);
		bus_ranges_of(&machine.mmio, dev, buf, len);
		if (t->desc.exit)
			t->desc.exit(dev->priv);
	}
	device_listing = 0;
	device_release(dev);
	free(dev);
}

static void device_list_one(struct device_type *t, int json, int first)
{
	const struct modvmm_option *o;
	char ranges[512];

	device_probe_ranges(t, ranges, sizeof(ranges));
	if (!json) {
		printf("%-12s %-8s %s\n", t->desc.name, t->dl ? "module" : "built-in",
		       t->desc.description ? t->desc.description : "");
		if (t->path)
			printf("%12s path: %s\n", "", t->path);
		printf("%12s ranges: %s\n", "", ranges[0] ? ranges : "none");
		for (o = t->desc.options; o && o->name; o++)
			printf("%12s %s=%s  %s\n", "", o->name,
			       o->def ? o->def : "", o->help ? o->help : "");
		return;
	}
	printf("%s\n  {\"name\": ", first ? "" : ",");
	json_str(stdout, t->desc.name);
	printf(", \"built\": \"%s\", \"path\": ", t->dl ? "module" : "built-in");
	if (t->path)
		json_str(stdout, t->path);
	else
		printf("null");
	printf(", \"ranges\": ");
	json_str(stdout, ranges);
	printf(", \"abi\": %u, \"license\": ", t->desc.abi_version);
	json_str(stdout, t->desc.license);
	printf(", \"description\": ");
	json_str(stdout, t->desc.description);
	printf(", \"options\": [");
	for (o = t->desc.options; o && o->name; o++) {
		printf("%s{\"name\": ", o == t->desc.options ? "" : ", ");
		json_str(stdout, o->name);
		printf(", \"default\": ");
		json_str(stdout, o->def);
		printf(", \"help\": ");
		json_str(stdout, o->help);
		printf("}");
	}
	printf("]}");
}

/* Load every NAME.so of every search directory that is not shadowed. */
static void device_scan_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char name[64];

		if (n < 4 || n >= sizeof(name) + 3 || strcmp(e->d_name + n - 3, ".so"))
			continue;
		memcpy(name, e->d_name, n - 3);
		name[n - 3] = '\0';
		if (device_type_by_name(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		device_type_from_path(path, 0);
	}
	closedir(d);
}

int device_list(int json)
{
	char bufs[2][PATH_MAX];
	const char *dirs[8];
	struct device_type *t;
	int i, n, first = 1;

	if (device_load_builtins())
		return EXIT_DEVICE;
	n = device_search_dirs(dirs, bufs);
	for (i = 0; i < n; i++)
		device_scan_dir(dirs[i]);
	if (json)
		printf("[");
	for (t = types; t; t = t->next) {
		device_list_one(t, json, first);
		first = 0;
	}
	if (json)
		printf("\n]\n");
	return 0;
}

/* ---- the host function table -------------------------------------------- */

static int host_register_range(struct modvmm_dev *dev, enum modvmm_space space,
			       uint64_t base, uint64_t len,
			       const struct modvmm_range_ops *ops, void *opaque)
{
	struct bus *b = space == MODVMM_SPACE_MMIO ? &machine.mmio : &machine.pio;

	if (space != MODVMM_SPACE_PIO && space != MODVMM_SPACE_MMIO) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "unknown address space %d", (int)space);
		return -1;
	}
	if (bus_register(b, base, len, ops, opaque, dev, dev->name,
			 &dev->accesses, dev->reg_error, sizeof(dev->reg_error)))
		return -1;
	return 0;
}

static int host_unregister_range(struct modvmm_dev *dev, enum modvmm_space space,
				 uint64_t base)
{
	struct bus *b = space == MODVMM_SPACE_MMIO ? &machine.mmio : &machine.pio;

	return bus_unregister(b, dev, base);
}

/*
 * Lines are shared (COM1 and COM3 both on IRQ 4): a line is high while
 * any device holds it high, so count the holders per line.
 */
#define DEV_IRQ_LINES	24
static unsigned int irq_holders[DEV_IRQ_LINES];

static void host_irq_set(struct modvmm_dev *dev, unsigned int irq, int level)
{
	uint32_t bit;

	if (irq >= DEV_IRQ_LINES)
		return;
	bit = 1u << irq;
	if (level && !(dev->irq_asserted & bit)) {
		dev->irq_asserted |= bit;
		if (irq_holders[irq]++ == 0)
			irq_line_set(irq, 1);
	} else if (!level && (dev->irq_asserted & bit)) {
		dev->irq_asserted &= ~bit;
		if (--irq_holders[irq] == 0)
			irq_line_set(irq, 0);
	}
}

void irq_line_pulse_shared(unsigned int irq)
{
	if (irq < DEV_IRQ_LINES && !irq_holders[irq])
		irq_line_pulse(irq);
}

static void host_irq_pulse(struct modvmm_dev *dev, unsigned int irq)
{
	(void)dev;
	irq_line_pulse_shared(irq);
}

/* A device that goes away lets go of its lines. */
static void device_release_irqs(struct modvmm_dev *dev)
{
	unsigned int irq;

	for (irq = 0; irq < DEV_IRQ_LINES; irq++)
		if (dev->irq_asserted & (1u << irq))
			host_irq_set(dev, irq, 0);
}

static int host_mem_read(struct modvmm_dev *dev, uint64_t gpa, void *buf,
			 size_t len)
{
	void *p = guestmem_ptr(&machine.mem, gpa, len);

	(void)dev;
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static int host_mem_write(struct modvmm_dev *dev, uint64_t gpa, const void *buf,
			  size_t len)
{
	void *p = guestmem_ptr(&machine.mem, gpa, len);

	(void)dev;
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

static void host_log(struct modvmm_dev *dev, enum modvmm_log_level level,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if ((int)level > log_verbosity + 1)
		return;
	/* the real instance says it again; only errors may explain a failure */
	if (dry_run && level != MODVMM_LOG_ERROR)
		return;
	char line[600];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "modvmm: %s: %s", dev->name, msg);
	log_line(line);
}

static const char *host_opt_str(struct modvmm_dev *dev, const char *key,
				const char *def)
{
	const char *v = opt_list_get(&dev->opts, key);

	if (v && dry_run_masks(dev, key, v))
		return strcmp(key, "out") ? def : "null";
	return v ? v : def;
}

static int host_opt_u64(struct modvmm_dev *dev, const char *key, uint64_t def,
			uint64_t *out)
{
	const char *v = opt_list_get(&dev->opts, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (opt_parse_u64(v, out)) {
		snprintf(dev->error, sizeof(dev->error),
			 "option %s=%s: not a number (want decimal, 0x hex or a K/M/G size)",
			 key, v);
		return -1;
	}
	return 0;
}

static int host_opt_bool(struct modvmm_dev *dev, const char *key, int def,
			 int *out)
{
	const char *v = opt_list_get(&dev->opts, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (opt_parse_bool(v, out)) {
		snprintf(dev->error, sizeof(dev->error),
			 "option %s=%s: not a boolean (want on/off, yes/no, 1/0)",
			 key, v);
		return -1;
	}
	return 0;
}

/* The first reason recorded wins: it is usually the most precise. */
static void host_set_error(struct modvmm_dev *dev, const char *fmt, ...)
{
	va_list ap;

	if (dev->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(dev->error, sizeof(dev->error), fmt, ap);
	va_end(ap);
}

static struct modvmm_timer *host_timer_new(struct modvmm_dev *dev,
					   modvmm_timer_fn fn, void *opaque)
{
	return event_timer_new(dev, fn, opaque);
}

static int host_fd_watch(struct modvmm_dev *dev, int fd, modvmm_fd_fn fn,
			 void *opaque)
{
	return event_fd_watch(dev, fd, fn, opaque);
}

static void host_fd_unwatch(struct modvmm_dev *dev, int fd)
{
	event_fd_unwatch(dev, fd);
}

static void host_request_stop(struct modvmm_dev *dev, int status)
{
	(void)dev;
	machine_request_stop(status & 0xff);
}

static int host_console_acquire(struct modvmm_dev *dev)
{
	if (device_listing)
		return 0;
	if (dry_run)
		return 1;	/* as if it got it, leaving the terminal alone */
	return console_acquire(dev);
}

static int host_out_open(struct modvmm_dev *dev, const char *spec)
{
	(void)dev;
	return output_open(spec);
}

static void host_stat_add(struct modvmm_dev *dev, const char *name, uint64_t n)
{
	int i;

	for (i = 0; i < dev->nr_stats; i++) {
		if (dev->stats[i].name == name || !strcmp(dev->stats[i].name, name)) {
			dev->stats[i].value += n;
			return;
		}
	}
	if (dev->nr_stats < DEV_MAX_STATS)
		dev->stats[dev->nr_stats++] = (struct dev_stat){ name, n };
}

static int host_irqchip_register(struct modvmm_dev *dev,
				 const struct modvmm_irqchip_ops *ops,
				 void *opaque)
{
	if (machine.irqchip != IRQCHIP_USER) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "this machine's interrupt controller is not the userspace one (set CONFIG_IRQCHIP_USER)");
		return -1;
	}
	if (machine.chip_ops) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "%s is already the interrupt controller",
			 machine.chip_owner->name);
		return -1;
	}
	if (!ops || !ops->set_irq || !ops->pending || !ops->ack) {
		snprintf(dev->reg_error, sizeof(dev->reg_error),
			 "incomplete irqchip ops");
		return -1;
	}
	machine.chip_ops = ops;
	machine.chip_opaque = opaque;
	machine.chip_owner = dev;
	return 0;
}

static struct modvmm_timer *host_irq_timer_new(struct modvmm_dev *dev,
					       unsigned int irq)
{
	if (irq >= DEV_IRQ_LINES)
		return NULL;
	return event_irq_timer_new(dev, irq, machine.irqchip == IRQCHIP_KVM);
}

static void host_irqchip_update(struct modvmm_dev *dev)
{
	(void)dev;
	/* the run loop polls the chip before every KVM_RUN */
}

static int host_machine_info(struct modvmm_dev *dev,
			     struct modvmm_machine_info *info)
{
	(void)dev;
	platform_machine_info(&machine.mem, info);
	return 0;
}

static int host_fw_file_add(struct modvmm_dev *dev, const char *name,
			    const void *data, size_t len)
{
	return platform_file_add(name, data, len, dev->error, sizeof(dev->error));
}

static int host_fw_file_get(struct modvmm_dev *dev, unsigned int index,
			    const char **name, const void **data, size_t *len)
{
	(void)dev;
	return platform_file_get(index, name, data, len);
}

const struct modvmm_host device_host = {
	.abi_version = MODVMM_ABI_VERSION,
	.struct_size = sizeof(struct modvmm_host),
	.register_range = host_register_range,
	.unregister_range = host_unregister_range,
	.irq_set = host_irq_set,
	.irq_pulse = host_irq_pulse,
	.mem_read = host_mem_read,
	.mem_write = host_mem_write,
	.log = host_log,
	.opt_str = host_opt_str,
	.opt_u64 = host_opt_u64,
	.opt_bool = host_opt_bool,
	.set_error = host_set_error,
	.timer_new = host_timer_new,
	.timer_arm = event_timer_arm,
	.timer_free = event_timer_free,
	.fd_watch = host_fd_watch,
	.fd_unwatch = host_fd_unwatch,
	.clock_ns = clock_now_ns,
	.request_stop = host_request_stop,
	.console_acquire = host_console_acquire,
	.stat_add = host_stat_add,
	.out_open = host_out_open,
	.irqchip_register = host_irqchip_register,
	.irqchip_update = host_irqchip_update,
	.irq_timer_new = host_irq_timer_new,
	.machine_info = host_machine_info,
	.fw_file_add = host_fw_file_add,
	.fw_file_get = host_fw_file_get,
};
