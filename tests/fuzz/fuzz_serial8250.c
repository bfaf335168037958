// SPDX-License-Identifier: MIT
/* fuzz_serial8250 - the 16550A UART under fuzzed register accesses and input. */
#include "devfuzz.h"

static const struct devfuzz_opt opts[] = {
	{ "out=null,in=null", 0 },
	{ "out=null", 1 },
	{ "out=null,in=null,port=0xfff8,irq=23", 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("serial8250", opts, 3, data, size);
}
