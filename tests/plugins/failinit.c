// SPDX-License-Identifier: MIT
/*
 * failinit - a plugin whose init claims ports (port=, default 0x5a0, 4
 * of them) and a timer, then fails with its own message.  The host must
 * print that message, release the ports and the timer, and never call
 * exit(): so that another device can take the same ports afterwards.
 */
#include <stdio.h>

#include <modvmm/device.h>

static uint64_t failinit_read(void *opaque, const struct modvmm_access *a)
{
	(void)opaque;
	(void)a;
	return 0;
}

static const struct modvmm_range_ops failinit_ops = {
	.read = failinit_read,
	.sizes = MODVMM_SIZE_1,
};

static void failinit_timer(void *opaque, uint64_t expired)
{
	(void)opaque;
	(void)expired;
	fprintf(stderr, "failinit: timer of a failed device fired\n");
}

static int failinit_init(struct modvmm_dev *dev, const struct modvmm_host *host,
			 void **priv)
{
	struct modvmm_timer *t;
	uint64_t port;

	*priv = NULL;
	if (host->opt_u64(dev, "port", 0x5a0, &port))
		return -1;
	if (host->register_range(dev, MODVMM_SPACE_PIO, port, 4, &failinit_ops,
				 NULL))
		return -1;
	/* A timer about to fire: it must die with the device. */
	t = host->timer_new(dev, failinit_timer, NULL);
	if (t)
		host->timer_arm(t, 1000, 1000);
	host->set_error(dev, "refusing on purpose after claiming ports 0x%llx-0x%llx",
			(unsigned long long)port, (unsigned long long)port + 3);
	return -1;
}

/* Never called: init failed. */
static void failinit_exit(void *priv)
{
	(void)priv;
	fprintf(stderr, "failinit: exit called after a failed init\n");
}

static const struct modvmm_option failinit_options[] = {
	{ "port", "first of the 4 ports claimed before failing", "0x5a0" },
	{ NULL, NULL, NULL }
};

MODVMM_DEVICE(failinit) = {
	MODVMM_DESC_HEADER,
	.name = "failinit",
	.license = "MIT",
	.description = "test plugin whose init fails",
	.options = failinit_options,
	.init = failinit_init,
	.exit = failinit_exit,
};
