// SPDX-License-Identifier: MIT
/*
 * fuzz_loader_bzimage - Linux bzImage kernels (64-bit boot protocol).
 *
 * The input is the kernel.  It is loaded bare, then with a command line
 * and an initrd (the 5000-byte module file), which the loader places
 * high in RAM and describes in the zero page.
 */
#include "loadfuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_opts o;

	loadfuzz_opts(&o, data, size);
	loadfuzz_load("bzimage", &o);
	o.append = "console=ttyS0 earlyprintk=serial root=/dev/ram0";
	o.mode = BOOT_LONG;
	o.modules[0].path = loadfuzz_module_path(1);
	o.nr_modules = 1;
	loadfuzz_load("bzimage", &o);
	return 0;
}
