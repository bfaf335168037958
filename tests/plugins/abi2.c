// SPDX-License-Identifier: MIT
/*
 * abi2 - abi1's ports as an ABI 2 plugin declares them: valid for byte
 * accesses only (.valid), so the host refuses a word read instead of
 * splitting it.  Ports 0x5b0-0x5b3 read 0x70 + offset.
 */
#include <modvmm/device.h>

static uint64_t abi2_read(void *opaque, const struct modvmm_access *a)
{
	(void)opaque;
	return 0x70 + a->offset;
}

static const struct modvmm_range_ops abi2_ops = {
	.read = abi2_read,
	.sizes = MODVMM_SIZE_1,
	.valid = MODVMM_SIZE_1,
};

static int abi2_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	*priv = NULL;
	return host->register_range(dev, MODVMM_SPACE_PIO, 0x5b0, 4, &abi2_ops,
				    NULL);
}

MODVMM_DEVICE(abi2) = {
	MODVMM_DESC_HEADER,
	.name = "abi2",
	.license = "MIT",
	.description = "test plugin with valid access sizes (ABI 2)",
	.init = abi2_init,
};
