// SPDX-License-Identifier: MIT
/*
 * good - a well-formed test plugin: the control for the broken ones, and
 * the device that claims failinit's ports after failinit is gone.
 * Four ports at port= (default 0x5a0) that read 0x60 + offset.
 */
#include <modvmm/device.h>

static uint64_t good_read(void *opaque, const struct modvmm_access *a)
{
	(void)opaque;
	return 0x60 + a->offset;
}

static const struct modvmm_range_ops good_ops = {
	.read = good_read,
	.sizes = MODVMM_SIZE_1,
};

static int good_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	uint64_t port;

	*priv = NULL;
	if (host->opt_u64(dev, "port", 0x5a0, &port))
		return -1;
	if (host->register_range(dev, MODVMM_SPACE_PIO, port, 4, &good_ops,
				 NULL)) {
		host->set_error(dev, "cannot claim ports 0x%llx-0x%llx",
				(unsigned long long)port,
				(unsigned long long)port + 3);
		return -1;
	}
	return 0;
}

static const struct modvmm_option good_options[] = {
	{ "port", "first of the 4 ports", "0x5a0" },
	{ NULL, NULL, NULL }
};

MODVMM_DEVICE(good) = {
	MODVMM_DESC_HEADER,
	.name = "good",
	.license = "MIT",
	.description = "test plugin that works",
	.options = good_options,
	.init = good_init,
};
