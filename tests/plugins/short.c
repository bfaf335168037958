// SPDX-License-Identifier: MIT
/*
 * short - a plugin whose descriptor says it is 8 bytes long: only the
 * version fields, as if built against a header without name and init.
 */
#include <modvmm/device.h>

MODVMM_DEVICE(short) = {
	.abi_version = MODVMM_ABI_VERSION,
	.struct_size = 8,
	.name = "short",
};
