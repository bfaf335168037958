// SPDX-License-Identifier: MIT
/*
 * fuzz_serial8250 - the 16550A UART under fuzzed register accesses, with
 * input from a pipe, the console (stdin) or a file, and output to a pipe.
 */
#include "devfuzz.h"

static const struct devfuzz_opt opts[] = {
	{ "out=null,in=null", 0 },
	{ "out=null", DEVFUZZ_IN_PIPE },
	{ "in=null,port=0xfff8,irq=23", DEVFUZZ_OUT_PIPE },
	{ "", DEVFUZZ_IN_STDIN | DEVFUZZ_OUT_PIPE },	/* console escape */
	{ "out=null", DEVFUZZ_IN_FILE },		/* read on demand */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("serial8250", opts, 5, data, size);
}
