// SPDX-License-Identifier: MIT
/*
 * dup_b - one of two different plugins (dup_a.so, dup_b.so) that both
 * call themselves "dupdev": loading both must be refused.
 */
#include <modvmm/device.h>

static int dup_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		    void **priv)
{
	(void)dev;
	(void)host;
	*priv = NULL;
	return 0;
}

MODVMM_DEVICE(dupdev) = {
	MODVMM_DESC_HEADER,
	.name = "dupdev",
	.license = "MIT",
	.description = "test plugin, copy B",
	.init = dup_init,
};
