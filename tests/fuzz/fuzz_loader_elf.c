// SPDX-License-Identifier: MIT
/* fuzz_loader_elf - static x86-64 ELF executables, the input as the image. */
#include "loadfuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_opts o;

	loadfuzz_opts(&o, data, size);
	loadfuzz_load("elf", &o);
	return 0;
}
