// SPDX-License-Identifier: MIT
/*
 * fuzz_pic8259 - the 8259A pair: ICW/OCW sequences, ELCR, and the core's
 * side of an interrupt controller (lines driven, pending, ack).
 */
#include "devfuzz.h"

static const struct devfuzz_opt opts[] = {
	{ "", 0 },
	{ "elcr=off", 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("pic8259", opts, 2, data, size);
}
