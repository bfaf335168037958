/* SPDX-License-Identifier: MIT */
/*
 * platform_state.h - one machine's platform facts, firmware files,
 * --fw-cfg items, platform devices and command-line words (platform.c).
 * Only platform.c and the machine's definition (dev/machine.c) include
 * it; the rest of the core knows it as vm.platform, an incomplete type,
 * and reaches the facts through platform_facts().
 */
#ifndef MODVMM_PLATFORM_STATE_H
#define MODVMM_PLATFORM_STATE_H

#include <stddef.h>

#include <modvmm/device.h>

#include "dev/platform.h"

#define PLATFORM_MAX_FILES	64
#define PLATFORM_MAX_USER	16
#define PLATFORM_MAX_DEVS	32
#define PLATFORM_CMDLINE_MAX	1024

struct fw_file {
	char name[MODVMM_FW_NAME_MAX];
	void *data;
	size_t len;
};

/* --fw-cfg items, checked at parse time and read once RAM is known. */
struct user_file {
	char *buf;
	const char *name, *path, *text;
};

struct platform_state {
	struct platform facts;
	struct fw_file files[PLATFORM_MAX_FILES];
	unsigned int nr_files;
	struct user_file user_files[PLATFORM_MAX_USER];
	unsigned int nr_user;
	struct modvmm_platform_dev pdevs[PLATFORM_MAX_DEVS];
	unsigned int nr_pdevs;
	char cmdline_extra[PLATFORM_CMDLINE_MAX];
	size_t cmdline_extra_len;
};

#define PLATFORM_STATE_INIT {					\
	.facts = { .nr_cpus = 1, .cmdline = "" },		\
}

#endif
