/* SPDX-License-Identifier: MIT */
/*
 * platform.h - what the machine tells its guest about itself: the vCPU
 * count, the memory map and the firmware files (fw_cfg's "etc/e820",
 * ACPI tables, the user's --fw-cfg items).  The memory map itself is
 * guestmem_map()'s, which the loaders also use; devices read all of it
 * through
 * &modvmm_host.machine_info and &modvmm_host.fw_file_get.
 */
#ifndef MODVMM_PLATFORM_H
#define MODVMM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <modvmm/device.h>
#include "boot/guestmem.h"

/* The facts set by main.c as the machine is built. */
struct platform {
	uint32_t nr_cpus;
	const char *cmdline;
	uint64_t kernel_size;
	uint64_t initrd_size;
	const char *kernel_path;
	const char *initrd_path;	/* NULL: none */
};

/* The machine's facts, for main.c and the test harness to fill in. */
struct platform *platform_facts(void);

/* Fill @info (up to its struct_size) from @gm and the platform facts. */
void platform_machine_info(const struct guestmem *gm,
			   struct modvmm_machine_info *info);

/*
 * Add firmware file @name (copied).  Returns 0, or -1 with the reason in
 * @err (name empty or too long, already taken, too many, out of memory).
 */
int platform_file_add(const char *name, const void *data, size_t len,
		      char *err, size_t errlen);
/* The @index-th file; 0, or -1 past the last. */
int platform_file_get(unsigned int index, const char **name,
		      const void **data, size_t *len);
/* "etc/e820" from @gm: 20-byte entries (address, length, type), as QEMU. */
int platform_add_e820(const struct guestmem *gm);
/*
 * --fw-cfg name=NAME,file=PATH or name=NAME,string=TEXT (QEMU's -fw_cfg):
 * check @spec now, read the file later (platform_add_user_files).
 * Returns 0, or -1 after printing why.
 */
int platform_user_file(const char *spec);
/* Read and add the --fw-cfg items; 0, or -1 after printing why. */
int platform_add_user_files(uint64_t max_size);
/*
 * Memory-mapped devices for the firmware tables (&modvmm_host.
 * platform_dev_add): add one (copied; 0, or -1 with the reason in @err),
 * get the @index-th (0, or -1 past the last).
 */
int platform_dev_add(const struct modvmm_platform_dev *pd, char *err,
		     size_t errlen);
int platform_dev_get(unsigned int index, struct modvmm_platform_dev *pd);
/*
 * Words devices add to a Linux kernel's command line (&modvmm_host.
 * cmdline_append), space-separated, after the user's --append.
 */
int platform_cmdline_append(const char *text, char *err, size_t errlen);
const char *platform_cmdline_extra(void);

/* What devices published so far, to take back what a failed init or the
 * dry run added: files, platform devices, command-line words. */
struct platform_mark {
	unsigned int files;
	unsigned int pdevs;
	size_t cmdline_len;
};

struct platform_mark platform_mark(void);
void platform_rollback(struct platform_mark m);
void platform_free(void);

#endif
