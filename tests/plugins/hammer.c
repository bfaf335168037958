// SPDX-License-Identifier: MIT
/*
 * hammer - a counter that every vCPU writes at once (guests/smp_hammer,
 * tests/integration/smp.sh): a write to port 0x5d0 adds one, a dword
 * read gives the count.  The add is a plain read-modify-write with a
 * little work in between, which loses counts as soon as two calls
 * overlap: exact counts show that the host runs this instance's calls
 * one at a time, as the SDK promises by default.  hammer_mt.c builds the
 * same device declared MODVMM_DEVF_CONCURRENT, with an atomic add.
 */
#include <stdlib.h>

#include <modvmm/device.h>

#ifndef HAMMER_NAME
#define HAMMER_NAME	"hammer"
#define HAMMER_FLAGS	0
#endif

struct hammer {
	uint64_t count;
};

static void hammer_add(struct hammer *h)
{
#if HAMMER_FLAGS & MODVMM_DEVF_CONCURRENT
	__atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED);
#else
	uint64_t c = h->count;
	volatile unsigned int i;

	for (i = 0; i < 200; i++)
		;
	h->count = c + 1;
#endif
}

static uint64_t hammer_read(void *opaque, const struct modvmm_access *a)
{
	struct hammer *h = opaque;

	(void)a;
#if HAMMER_FLAGS & MODVMM_DEVF_CONCURRENT
	return __atomic_load_n(&h->count, __ATOMIC_RELAXED);
#else
	return h->count;
#endif
}

static void hammer_write(void *opaque, const struct modvmm_access *a,
			 uint64_t val)
{
	(void)a;
	(void)val;
	hammer_add(opaque);
}

static const struct modvmm_range_ops hammer_ops = {
	.read = hammer_read,
	.write = hammer_write,
	.sizes = MODVMM_SIZE_1 | MODVMM_SIZE_4,
};

static int hammer_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		       void **priv)
{
	struct hammer *h = calloc(1, sizeof(*h));

	if (!h) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	*priv = h;
	if (host->register_range(dev, MODVMM_SPACE_PIO, 0x5d0, 4, &hammer_ops,
				 h)) {
		free(h);
		return -1;
	}
	return 0;
}

static void hammer_exit(void *priv)
{
	free(priv);
}

MODVMM_DEVICE(hammer) = {
	MODVMM_DESC_HEADER,
	.name = HAMMER_NAME,
	.license = "MIT",
	.description = "test counter every vCPU writes at once",
	.init = hammer_init,
	.exit = hammer_exit,
	.flags = HAMMER_FLAGS,
};
