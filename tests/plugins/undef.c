// SPDX-License-Identifier: MIT
/*
 * undef - a plugin that calls a function nothing defines.  It is linked
 * without -Wl,--no-undefined (which would have caught it), so only
 * dlopen(RTLD_NOW) can, and modvmm must pass dlerror()'s text on.
 */
#include <modvmm/device.h>

__attribute__((visibility("default"))) void modvmm_no_such_function(void);

static int undef_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		      void **priv)
{
	(void)dev;
	(void)host;
	*priv = NULL;
	modvmm_no_such_function();
	return 0;
}

MODVMM_DEVICE(undef) = {
	MODVMM_DESC_HEADER,
	.name = "undef",
	.license = "MIT",
	.description = "test plugin with an undefined symbol",
	.init = undef_init,
};
