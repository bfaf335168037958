// SPDX-License-Identifier: MIT
/*
 * fuzz_loader_multiboot - multiboot v1 kernels (ELF32 and a.out kludge).
 *
 * The input is the kernel.  It is loaded bare, then with a command line
 * and two modules (100 and 5000 bytes), which the loader places after the
 * kernel and describes in the information structure.
 */
#include "loadfuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_opts o;

	loadfuzz_opts(&o, data, size);
	loadfuzz_load("multiboot", &o);
	o.append = "console=ttyS0 quiet";
	o.mode = BOOT_PROTECTED;
	o.modules[0].path = loadfuzz_module_path(0);
	o.modules[0].cmdline = "initrd args";
	o.modules[1].path = loadfuzz_module_path(1);
	o.nr_modules = 2;
	loadfuzz_load("multiboot", &o);
	return 0;
}
