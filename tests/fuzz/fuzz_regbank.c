// SPDX-License-Identifier: MIT
/* fuzz_regbank - the example MMIO plugin (plugins/regbank), DMA included. */
#include "devfuzz.h"

static const struct devfuzz_opt opts[] = {
	{ "", 0 },
	{ "regs=1", 0 },
	{ "regs=1024,base=0xffffffffffffe000,irq=23", 0 },
	{ "regs=3,base=0", 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("regbank", opts, 4, data, size);
}
