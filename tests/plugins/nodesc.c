// SPDX-License-Identifier: MIT
/*
 * nodesc - a shared object that is not a modvmm plugin: it exports a
 * function but no modvmm_device_descriptor.
 */
#include <modvmm/device.h>

__attribute__((visibility("default"))) int nodesc_answer(void);

int nodesc_answer(void)
{
	return 42;
}
