// SPDX-License-Identifier: MIT
/* abi3 - a plugin that claims plugin ABI 3, which this modvmm does not speak. */
#include <modvmm/device.h>

static int abi3_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	(void)dev;
	(void)host;
	*priv = NULL;
	return 0;
}

MODVMM_DEVICE(abi3) = {
	.abi_version = 3,
	.struct_size = sizeof(struct modvmm_device_desc),
	.name = "abi3",
	.license = "MIT",
	.description = "test plugin from the future",
	.init = abi3_init,
};
