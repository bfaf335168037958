// SPDX-License-Identifier: MIT
/*
 * order_b - copy B of the plugin "ordertest" (order_a/b/c.so), for
 * the search order test: each is installed as ordertest.so in another
 * directory, and its init fails saying which copy was loaded.
 */
#include <modvmm/device.h>

static int order_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		      void **priv)
{
	*priv = NULL;
	host->set_error(dev, "this is copy B");
	return -1;
}

MODVMM_DEVICE(ordertest) = {
	MODVMM_DESC_HEADER,
	.name = "ordertest",
	.license = "MIT",
	.description = "search order test plugin, copy B",
	.init = order_init,
};
