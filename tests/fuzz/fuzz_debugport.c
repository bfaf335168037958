// SPDX-License-Identifier: MIT
/* fuzz_debugport - the 0xE9 console and the exit port. */
#include "devfuzz.h"

static const struct devfuzz_opt opts[] = {
	{ "out=null", 0 },
	{ "exit-size=1", DEVFUZZ_OUT_PIPE },
	{ "out=null,exit-size=2,exit-port=0xfffe,port=0", 0 },
	{ "out=null,exit-port=0", 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("debugport", opts, 4, data, size);
}
