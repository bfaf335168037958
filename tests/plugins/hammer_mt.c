// SPDX-License-Identifier: MIT
/* hammer_mt - hammer.c declared MODVMM_DEVF_CONCURRENT: an atomic add. */
#define HAMMER_NAME	"hammer-mt"
#define HAMMER_FLAGS	MODVMM_DEVF_CONCURRENT
#include "hammer.c"
