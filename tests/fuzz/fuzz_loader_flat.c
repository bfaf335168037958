// SPDX-License-Identifier: MIT
/*
 * fuzz_loader_flat - the flat loader, and the format probe.
 *
 * The whole input is loaded three times: as a flat real-mode image, with
 * --format auto (so ELF and multiboot inputs reach their loaders through
 * the probes), and with command-line options taken from its first 17
 * bytes (mode, --load-addr, --entry; each present or not) over the rest.
 */
#include <string.h>

#include "loadfuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_opts o;
	uint8_t k;

	loadfuzz_opts(&o, data, size);
	loadfuzz_load("flat", &o);
	loadfuzz_load("auto", &o);
	if (size < 17)
		return 0;
	k = data[0];
	loadfuzz_opts(&o, data + 17, size - 17);
	o.mode = k % 4 == 3 ? -1 : k % 4;
	o.have_load_addr = (k >> 2) & 1;
	o.have_entry = (k >> 3) & 1;
	memcpy(&o.load_addr, data + 1, 8);
	memcpy(&o.entry, data + 9, 8);
	if (k & 0x10)		/* mostly small addresses, now and then any */
		o.load_addr &= 0x7fffff;
	if (k & 0x20)
		o.entry &= 0x7fffff;
	loadfuzz_load("flat", &o);
	return 0;
}
