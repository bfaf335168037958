// SPDX-License-Identifier: MIT
/*
 * --list-devices: every built-in type and every plugin on the search
 * path, with its options and the ranges its descriptor declares, as text
 * or JSON.  Listing runs no device code (a plugin's constructors aside,
 * which dlopen runs): with --probe it also creates a probe instance of
 * each with default options, to show the ranges it really claims.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "dev/device_priv.h"
#include "dev/dev_state.h"
#include "modvmm.h"
#include "vm/vm.h"

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


int device_list_probing(void)
{
	return vm.dev->listing;
}

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

/* The most entries of a descriptor's range list that are shown. */
#define DECL_RANGES_MAX		16

/* The ranges @t's descriptor declares, as "io 0x3f8-0x3ff, ...". */
static void device_decl_ranges(const struct device_type *t, char *buf,
			       size_t len)
{
	const struct modvmm_range_decl *r = t->desc.ranges;
	int i;

	buf[0] = '\0';
	if (!t->desc.init) {
		snprintf(buf, len, "(a library module: other devices require it)");
		return;
	}
	if (!r) {
		snprintf(buf, len, "(not declared; --probe creates one to see)");
		return;
	}
	for (i = 0; r[i].len && i < DECL_RANGES_MAX; i++) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%s%s 0x%llx-0x%llx", n ? ", " : "",
			 r[i].space == MODVMM_SPACE_PIO ? "io" : "mmio",
			 (unsigned long long)r[i].base,
			 (unsigned long long)(r[i].base + r[i].len - 1));
	}
	if (r[i].len)
		snprintf(buf + strlen(buf), len - strlen(buf), ", ...");
	if (!buf[0])
		snprintf(buf, len, "none");
}

/*
 * The ranges a device claims with its default options: create a probe
 * instance (no console, no KVM behind it), read the buses, and destroy it.
 */
static void device_probe_ranges(struct device_type *t, char *buf, size_t len)
{
	struct modvmm_dev *dev;

	buf[0] = '\0';
	if (!t->desc.init) {
		snprintf(buf, len, "(a library module: other devices require it)");
		return;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return;
	if (device_type_requires(t)) {
		snprintf(buf, len, "(none: a module it requires is missing)");
		free(dev);
		return;
	}
	dev->type = t;
	device_lock_init(dev);
	snprintf(dev->name, sizeof(dev->name), "%s", t->desc.name);
	vm.dev->listing = 1;
	if (t->desc.init(dev, &device_host, &dev->priv)) {
		snprintf(buf, len, "(none with default options: %s)",
			 dev->error[0] ? dev->error : dev->reg_error);
	} else {
		bus_ranges_of(&vm.pio, dev, buf, len);
		bus_ranges_of(&vm.mmio, dev, buf, len);
		if (!buf[0])
			snprintf(buf, len, "none");
		if (t->desc.exit)
			t->desc.exit(dev->priv);
	}
	vm.dev->listing = 0;
	device_release(dev);
	free(dev);
}

static void device_list_one(struct device_type *t, int json, int probe,
			    int first)
{
	const struct modvmm_option *o;
	char ranges[512], probed[512];

	device_decl_ranges(t, ranges, sizeof(ranges));
	if (probe)
		device_probe_ranges(t, probed, sizeof(probed));
	if (!json) {
		printf("%-12s %-8s %s\n", t->desc.name, t->dl ? "module" : "built-in",
		       t->desc.description ? t->desc.description : "");
		if (t->path)
			printf("%12s path: %s\n", "", t->path);
		printf("%12s ranges: %s\n", "", ranges);
		if (probe)
			printf("%12s probed: %s\n", "", probed);
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
	if (probe) {
		printf(", \"probed\": ");
		json_str(stdout, probed);
	}
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

int device_list(int json, int probe)
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
	for (t = device_types(); t; t = t->next) {
		device_list_one(t, json, probe, first);
		first = 0;
	}
	if (json)
		printf("\n]\n");
	return 0;
}
