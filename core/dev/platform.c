// SPDX-License-Identifier: MIT
/*
 * The platform facts and firmware files a machine shows its guest; see
 * platform.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/loader.h"
#include "bus/bus.h"
#include "dev/platform.h"
#include "dev/platform_state.h"
#include "modvmm.h"
#include "vm/vm.h"

struct platform *platform_facts(void)
{
	return &vm.platform->facts;
}

void platform_machine_info(const struct guestmem *gm,
			   struct modvmm_machine_info *info)
{
	const struct platform *pf = &vm.platform->facts;
	struct modvmm_machine_info full;
	size_t n = info->struct_size;

	memset(&full, 0, sizeof(full));
	full.struct_size = sizeof(full);
	full.nr_cpus = pf->nr_cpus;
	full.ram_size = gm->size;
	full.nr_map = (uint32_t)guestmem_map(gm, full.map, MODVMM_MAX_MEM_RANGES);
	full.cmdline = pf->cmdline ? pf->cmdline : "";
	full.kernel_size = pf->kernel_size;
	full.initrd_size = pf->initrd_size;
	full.kernel_path = pf->kernel_path;
	full.initrd_path = pf->initrd_path;
	if (n > sizeof(full))
		n = sizeof(full);
	memcpy(info, &full, n);
	info->struct_size = (uint32_t)n;
}

int platform_file_add(const char *name, const void *data, size_t len,
		      char *err, size_t errlen)
{
	struct fw_file *f;
	unsigned int i;

	if (!name || !name[0] || strlen(name) >= MODVMM_FW_NAME_MAX) {
		snprintf(err, errlen, "firmware file name '%.*s' must have 1 to %d characters",
			 MODVMM_FW_NAME_MAX + 8, name ? name : "",
			 MODVMM_FW_NAME_MAX - 1);
		return -1;
	}
	for (i = 0; i < vm.platform->nr_files; i++) {
		if (!strcmp(vm.platform->files[i].name, name)) {
			snprintf(err, errlen, "firmware file '%s' already exists", name);
			return -1;
		}
	}
	if (vm.platform->nr_files == PLATFORM_MAX_FILES) {
		snprintf(err, errlen, "firmware file '%s': at most %d files",
			 name, PLATFORM_MAX_FILES);
		return -1;
	}
	f = &vm.platform->files[vm.platform->nr_files];
	f->data = malloc(len ? len : 1);
	if (!f->data) {
		snprintf(err, errlen, "firmware file '%s': out of memory", name);
		return -1;
	}
	if (len)
		memcpy(f->data, data, len);
	f->len = len;
	strcpy(f->name, name);
	vm.platform->nr_files++;
	return 0;
}

int platform_file_get(unsigned int index, const char **name,
		      const void **data, size_t *len)
{
	if (index >= vm.platform->nr_files)
		return -1;
	*name = vm.platform->files[index].name;
	*data = vm.platform->files[index].data;
	*len = vm.platform->files[index].len;
	return 0;
}

static void platform_file_truncate(unsigned int n)
{
	while (vm.platform->nr_files > n)
		free(vm.platform->files[--vm.platform->nr_files].data);
}

int platform_add_e820(const struct guestmem *gm)
{
	struct modvmm_mem_range map[MODVMM_MAX_MEM_RANGES];
	uint8_t buf[MODVMM_MAX_MEM_RANGES * 20];
	int i, n = guestmem_map(gm, map, MODVMM_MAX_MEM_RANGES);

	for (i = 0; i < n; i++) {
		bus_store(buf + i * 20, 8, map[i].addr);
		bus_store(buf + i * 20 + 8, 8, map[i].size);
		bus_store(buf + i * 20 + 16, 4, map[i].type);
	}
	char err[128];

	if (platform_file_add("etc/e820", buf, (size_t)n * 20, err, sizeof(err))) {
		pr_err("%s", err);
		return -1;
	}
	return 0;
}

int platform_user_file(const char *spec)
{
	struct user_file *u;
	char *tok, *save = NULL;

	if (vm.platform->nr_user == PLATFORM_MAX_USER) {
		pr_err("--fw-cfg %s: at most %d items", spec, PLATFORM_MAX_USER);
		return -1;
	}
	u = &vm.platform->user_files[vm.platform->nr_user];
	memset(u, 0, sizeof(*u));
	u->buf = strdup(spec);
	if (!u->buf)
		return -1;
	for (tok = strtok_r(u->buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "name=", 5) && !u->name)
			u->name = tok + 5;
		else if (!strncmp(tok, "file=", 5) && !u->path && !u->text)
			u->path = tok + 5;
		else if (!strncmp(tok, "string=", 7) && !u->path && !u->text)
			u->text = tok + 7;
		else
			break;
	}
	if (tok || !u->name || !u->name[0] || (!u->path && !u->text) ||
	    (u->path && !u->path[0])) {
		pr_err("--fw-cfg %s: want name=NAME,file=PATH or name=NAME,string=TEXT",
		       spec);
		free(u->buf);
		return -1;
	}
	if (strlen(u->name) >= MODVMM_FW_NAME_MAX) {
		pr_err("--fw-cfg %s: name '%s' is longer than %d characters",
		       spec, u->name, MODVMM_FW_NAME_MAX - 1);
		free(u->buf);
		return -1;
	}
	vm.platform->nr_user++;
	return 0;
}

int platform_add_user_files(uint64_t max_size)
{
	char err[128];
	unsigned int i;
	int r;

	for (i = 0; i < vm.platform->nr_user; i++) {
		struct user_file *u = &vm.platform->user_files[i];
		uint8_t *data;
		size_t size;

		if (u->text) {
			r = platform_file_add(u->name, u->text, strlen(u->text),
					      err, sizeof(err));
		} else {
			if (loader_read_file(u->path, &data, &size, max_size))
				return -1;
			r = platform_file_add(u->name, data, size, err,
					      sizeof(err));
			loader_free_file(data, size);
		}
		if (r) {
			pr_err("--fw-cfg name=%s: %s", u->name, err);
			return -1;
		}
	}
	return 0;
}

/* ---- platform devices and command-line words ------------------------- */

int platform_dev_add(const struct modvmm_platform_dev *pd, char *err,
		     size_t errlen)
{
	if (!memchr(pd->hid, '\0', sizeof(pd->hid)) || !pd->hid[0]) {
		snprintf(err, errlen, "platform device: _HID must have 1 to %zu characters",
			 sizeof(pd->hid) - 1);
		return -1;
	}
	if (pd->mmio_base + pd->mmio_len > 0x100000000ull ||
	    pd->mmio_base + pd->mmio_len < pd->mmio_base) {
		snprintf(err, errlen, "platform device %s: window 0x%llx+0x%llx is not below 4 GiB",
			 pd->hid, (unsigned long long)pd->mmio_base,
			 (unsigned long long)pd->mmio_len);
		return -1;
	}
	if (vm.platform->nr_pdevs == PLATFORM_MAX_DEVS) {
		snprintf(err, errlen, "platform device %s: at most %d", pd->hid,
			 PLATFORM_MAX_DEVS);
		return -1;
	}
	vm.platform->pdevs[vm.platform->nr_pdevs++] = *pd;
	return 0;
}

int platform_dev_get(unsigned int index, struct modvmm_platform_dev *pd)
{
	if (index >= vm.platform->nr_pdevs)
		return -1;
	*pd = vm.platform->pdevs[index];
	return 0;
}

int platform_cmdline_append(const char *text, char *err, size_t errlen)
{
	struct platform_state *ps = vm.platform;
	size_t n = strlen(text);

	if (!n || strpbrk(text, " \t\n")) {
		snprintf(err, errlen, "command line word '%.64s' is empty or has blanks",
			 text);
		return -1;
	}
	if (ps->cmdline_extra_len + 1 + n >= sizeof(ps->cmdline_extra)) {
		snprintf(err, errlen, "command line word '%.64s': the added words exceed %d bytes",
			 text, PLATFORM_CMDLINE_MAX - 1);
		return -1;
	}
	if (ps->cmdline_extra_len)
		ps->cmdline_extra[ps->cmdline_extra_len++] = ' ';
	memcpy(ps->cmdline_extra + ps->cmdline_extra_len, text, n + 1);
	ps->cmdline_extra_len += n;
	return 0;
}

const char *platform_cmdline_extra(void)
{
	return vm.platform->cmdline_extra;
}

struct platform_mark platform_mark(void)
{
	const struct platform_state *ps = vm.platform;
	struct platform_mark m = { ps->nr_files, ps->nr_pdevs,
				   ps->cmdline_extra_len };

	return m;
}

void platform_rollback(struct platform_mark m)
{
	platform_file_truncate(m.files);
	if (vm.platform->nr_pdevs > m.pdevs)
		vm.platform->nr_pdevs = m.pdevs;
	if (vm.platform->cmdline_extra_len > m.cmdline_len) {
		vm.platform->cmdline_extra_len = m.cmdline_len;
		vm.platform->cmdline_extra[m.cmdline_len] = '\0';
	}
}

void platform_free(void)
{
	unsigned int i;

	platform_rollback((struct platform_mark){ 0, 0, 0 });
	for (i = 0; i < vm.platform->nr_user; i++)
		free(vm.platform->user_files[i].buf);
	vm.platform->nr_user = 0;
}
