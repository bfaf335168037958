// SPDX-License-Identifier: MIT
/*
 * abi1 - a plugin as ABI 1 built it: its range ops end at .sizes.  The
 * .valid written here stands for whatever bytes follow an ABI 1 plugin's
 * ops in memory; an ABI 2 host must not read it, so a word read of its
 * byte ports still works (split into bytes).  Ports 0x5b0-0x5b3 read
 * 0x70 + offset.
 */
#include <modvmm/device.h>

static uint64_t abi1_read(void *opaque, const struct modvmm_access *a)
{
	(void)opaque;
	return 0x70 + a->offset;
}

static const struct modvmm_range_ops abi1_ops = {
	.read = abi1_read,
	.sizes = MODVMM_SIZE_1,
	.valid = MODVMM_SIZE_8,
};

static int abi1_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	*priv = NULL;
	return host->register_range(dev, MODVMM_SPACE_PIO, 0x5b0, 4, &abi1_ops,
				    NULL);
}

MODVMM_DEVICE(abi1) = {
	.abi_version = 1,
	.struct_size = sizeof(struct modvmm_device_desc),
	.name = "abi1",
	.license = "MIT",
	.description = "test plugin built for plugin ABI 1",
	.init = abi1_init,
};
