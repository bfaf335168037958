// SPDX-License-Identifier: MIT
/*
 * order_c - copy C of the plugin "ordertest" (order_a/b/c.so), for
 * the search order test: each is installed as ordertest.so in another
 * directory, and its init fails saying which copy was loaded.
 */
#include <modvmm/device.h>

static int order_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		      void **priv)
{
	*priv = NULL;
	host->set_error(dev, "this is copy C");
	return -1;
}

MODVMM_DEVICE(ordertest) = {
	MODVMM_DESC_HEADER,
	.name = "ordertest",
	.license = "MIT",
	.description = "search order test plugin, copy C",
	.init = order_init,
};
