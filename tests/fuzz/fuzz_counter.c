// SPDX-License-Identifier: MIT
/* fuzz_counter - the example port I/O plugin (plugins/counter). */
#include "devfuzz.h"

static const struct devfuzz_opt opts[] = {
	{ "", 0 },
	{ "port=0xfffc,irq=23", 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("counter", opts, 2, data, size);
}
