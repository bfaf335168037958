// SPDX-License-Identifier: MIT
/*
 * The device type registry and the plugin loader: built-in types from the
 * linker section, types by name, the plugin search path, the ownership
 * and mode checks on plugin files and directories, and dlopen/dlclose
 * with the crash handler told which plugin runs its constructors.
 *
 * A built-in device's descriptor pointer sits in the "modvmm_devices"
 * section (MODVMM_DEVICE() without -DMODULE); a plugin exports one
 * symbol, modvmm_device_descriptor.  Both end up as a struct device_type,
 * so everything after lookup treats them alike.
 */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev/device_priv.h"
#include "modvmm.h"

/* weak: a binary with no built-in device has no such section */
extern const struct modvmm_device_desc *const __start_modvmm_devices[]
	__attribute__((weak));
extern const struct modvmm_device_desc *const __stop_modvmm_devices[]
	__attribute__((weak));

static struct device_type *types;
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

struct device_type *device_type_by_name(const char *name)
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
	if (!d->init && (d->struct_size <= offsetof(struct modvmm_device_desc,
						   exports) || !d->exports)) {
		pr_err("%s: device %s has no init function (and exports nothing)",
		       what, d->name);
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

int device_load_builtins(void)
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
void str_join3(char *dst, size_t len, const char *a, const char *b,
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

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Fill @dirs with the plugin search path, in order; returns the count. */
int device_search_dirs(const char **dirs, char (*bufs)[PATH_MAX])
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

	ctx_loading = real;
	dl = dlopen(real, RTLD_NOW | RTLD_LOCAL);
	ctx_loading = NULL;
	return dl;
}

static void plugin_dlclose(void *dl, const char *real)
{
	ctx_loading = real ? real : "(a plugin)";
	dlclose(dl);
	ctx_loading = NULL;
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

struct device_type *device_type_from_path(const char *path, int explicit)
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

/* The module that needs the one being looked up, for its message. */
static const char *needed_by;

/*
 * DIR/NAME.so, or, as modprobe treats them alike, DIR/NAME.so with each
 * '-' written '_' (virtio-blk is virtio_blk.so): 1 and @path if found.
 */
static int plugin_file_in(const char *dir, const char *name,
			  char path[PATH_MAX])
{
	char alt[64];
	size_t i;

	str_join3(path, PATH_MAX, dir, "/", name);
	str_join3(path + strlen(path), PATH_MAX - strlen(path), ".so", "", "");
	if (file_exists(path) || !strchr(name, '-') || strlen(name) >= sizeof(alt))
		return file_exists(path);
	for (i = 0; name[i]; i++)
		alt[i] = name[i] == '-' ? '_' : name[i];
	alt[i] = '\0';
	str_join3(path, PATH_MAX, dir, "/", alt);
	str_join3(path + strlen(path), PATH_MAX - strlen(path), ".so", "", "");
	return file_exists(path);
}

/* Resolve NAME: built in, or NAME.so on the search path. */
struct device_type *device_type_lookup(const char *name)
{
	char bufs[2][PATH_MAX], path[PATH_MAX], tried[1024] = "";
	char who[96] = "";
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
		if (plugin_file_in(dirs[i], name, path))
			return device_type_from_path(path, 0);
		str_join3(tried + strlen(tried), sizeof(tried) - strlen(tried),
			  i ? ", " : "", dirs[i], "");
	}
	if (needed_by)
		str_join3(who, sizeof(who), " (needed by ", needed_by, ")");
	pr_err("device '%s'%s: not built in and no %s.so in %s; see --list-devices, or give a path",
	       name, who, name, tried);
	return NULL;
}

/* The longest chain of requires followed, against cycles of plugins. */
#define REQUIRES_DEPTH	8
#define REQUIRES_MAX	8

/*
 * Make every module @t requires available, as modprobe does from
 * modules.dep: built in, or loaded from the same search path, and what
 * those require in turn.  Returns 0, or -1 after one line naming the
 * missing module and who needs it.
 */
static int device_type_requires_depth(struct device_type *t, int depth)
{
	const char *const *r = t->desc.depends;
	struct device_type *dep;
	int i;

	if (!r || t->requires_done)
		return 0;
	if (depth > REQUIRES_DEPTH) {
		pr_err("%s: modules require each other more than %d deep",
		       t->desc.name, REQUIRES_DEPTH);
		return -1;
	}
	for (i = 0; r[i]; i++) {
		if (i == REQUIRES_MAX) {
			pr_err("%s: requires more than %d modules", t->desc.name,
			       REQUIRES_MAX);
			return -1;
		}
		if (!device_name_valid(r[i])) {
			pr_err("%s: requires module '%.48s', which is not a valid name",
			       t->desc.name, r[i]);
			return -1;
		}
		needed_by = t->desc.name;
		dep = device_type_lookup(r[i]);
		needed_by = NULL;
		if (!dep || device_type_requires_depth(dep, depth + 1))
			return -1;
	}
	t->requires_done = 1;
	return 0;
}

int device_type_requires(struct device_type *t)
{
	return device_type_requires_depth(t, 0);
}

/* What module @name, which @t requires, exports; NULL if not required. */
const void *device_type_export(const struct device_type *t, const char *name)
{
	const char *const *r = t->desc.depends;
	const struct device_type *dep;
	int i;

	for (i = 0; r && r[i] && i < REQUIRES_MAX; i++) {
		if (strcmp(r[i], name))
			continue;
		dep = device_type_by_name(name);
		return dep ? dep->desc.exports : NULL;
	}
	return NULL;
}

void device_unload_if_unused(struct device_type *t)
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

struct device_type *device_types(void)
{
	return types;
}

void device_types_free(void)
{
	struct device_type *t;

	while (types) {
		t = types;
		types = t->next;
		device_type_free(t);
	}
	builtins_loaded = 0;
}
