// SPDX-License-Identifier: MIT
/*
 * ctorcrash - a plugin whose ELF constructor crashes while dlopen() runs
 * it, before modvmm has seen its descriptor.  Only when
 * $MODVMM_TEST_CTOR_CRASH is set, so that listing the test plugins'
 * directory stays possible.
 */
#include <signal.h>
#include <stdlib.h>

#include <modvmm/device.h>

__attribute__((constructor)) static void ctorcrash_ctor(void)
{
	if (getenv("MODVMM_TEST_CTOR_CRASH"))
		raise(SIGSEGV);
}

static int ctorcrash_init(struct modvmm_dev *dev, const struct modvmm_host *host,
			  void **priv)
{
	(void)dev;
	(void)host;
	*priv = NULL;
	return 0;
}

MODVMM_DEVICE(ctorcrash) = {
	MODVMM_DESC_HEADER,
	.name = "ctorcrash",
	.license = "MIT",
	.description = "test plugin whose constructor crashes on request",
	.init = ctorcrash_init,
};
