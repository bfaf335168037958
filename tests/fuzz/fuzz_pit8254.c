// SPDX-License-Identifier: MIT
/* fuzz_pit8254 - the 8254 timer: control words, counts and time steps. */
#include "devfuzz.h"

static const struct devfuzz_opt opts[] = {
	{ "", 0 },
	{ "port=0xfffc,irq=23", 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("pit8254", opts, 2, data, size);
}
