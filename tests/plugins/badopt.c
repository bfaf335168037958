// SPDX-License-Identifier: MIT
/*
 * badopt - a plugin with a number option and a boolean option, for the
 * host's messages about unknown keys and malformed values.  It sets no
 * error of its own: opt_u64/opt_bool say what was wrong.
 */
#include <modvmm/device.h>

static int badopt_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		       void **priv)
{
	uint64_t count;
	int verbose;

	*priv = NULL;
	if (host->opt_u64(dev, "count", 1, &count) ||
	    host->opt_bool(dev, "verbose", 0, &verbose))
		return -1;
	return 0;
}

static const struct modvmm_option badopt_options[] = {
	{ "count", "a number", "1" },
	{ "verbose", "a boolean", "off" },
	{ NULL, NULL, NULL }
};

MODVMM_DEVICE(badopt) = {
	MODVMM_DESC_HEADER,
	.name = "badopt",
	.license = "MIT",
	.description = "test plugin with options",
	.options = badopt_options,
	.init = badopt_init,
};
