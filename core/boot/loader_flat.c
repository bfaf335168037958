// SPDX-License-Identifier: MIT
/*
 * Flat binaries: the bytes of the file at --load-addr, entered at
 * --entry in --mode.  The default is the classic KVM demo: real mode,
 * loaded at 0, CS:IP = 0:0.  Flat is the fallback for any image the
 * other loaders do not recognise.
 */
#include <inttypes.h>
#include <string.h>

#include "boot/loader.h"
#include "modvmm.h"

static int flat_probe(const struct load_opts *o)
{
	(void)o;
	return 1;
}

static int flat_load(struct guestmem *gm, const struct load_opts *o,
		     struct boot_state *bs)
{
	int mode = o->mode < 0 ? BOOT_REAL : o->mode;
	uint64_t load = o->have_load_addr ? o->load_addr :
			(mode == BOOT_REAL ? 0 : BOOT_DEFAULT_LOAD);
	uint64_t entry = o->have_entry ? o->entry : load;
	uint64_t end = load + o->size;
	void *dst;

	if (loader_boot_files_check(o, "a flat image"))
		return -1;
	if (end < load) {
		loader_error(o, "load address 0x%" PRIx64 " plus size wraps", load);
		return -1;
	}
	if (mode == BOOT_REAL && (entry > 0xfffff || end > 0xa0000)) {
		loader_error(o, "real-mode image [0x%" PRIx64 "-0x%" PRIx64 ") with entry 0x%" PRIx64 " must lie below 0xa0000",
			     load, end, entry);
		return -1;
	}
	dst = guestmem_ptr(gm, load, o->size);
	if (!dst) {
		loader_error(o, "%zu bytes at 0x%" PRIx64 " do not fit in guest RAM (0-0x9ffff, then 0x100000 up to -m); use --load-addr or a larger -m",
			     o->size, load);
		return -1;
	}
	if (mode != BOOT_REAL && load < BOOT_TABLES_END && end > BOOT_GDT_ADDR) {
		loader_error(o, "image [0x%" PRIx64 "-0x%" PRIx64 ") overlaps the boot tables at [0x1000-0x7fff]; use --load-addr 0x100000",
			     load, end);
		return -1;
	}
	if (!guestmem_ptr(gm, entry, 1)) {
		char ram[160];

		/* KVM cannot run code from MMIO: the guest would only crash */
		loader_ram_list(gm, ram, sizeof(ram));
		loader_error(o, "entry 0x%" PRIx64 " is not in guest RAM (RAM: %s)",
			     entry, ram);
		return -1;
	}
	if (mode != BOOT_REAL && entry > 0xffffffffull) {
		loader_error(o, "entry 0x%" PRIx64 " is above 4 GiB in %s", entry,
			     mode == BOOT_PROTECTED ? "protected mode" :
			     "long mode (the boot page tables map the first 4 GiB)");
		return -1;
	}
	memcpy(dst, o->data, o->size);
	bs->mode = mode;
	bs->rip = entry;
	loader_boot_files_via_device(o, bs, "a flat image");
	return 0;
}

const struct loader_ops loader_flat = {
	.name = "flat",
	.probe = flat_probe,
	.load = flat_load,
};
