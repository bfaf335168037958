/* SPDX-License-Identifier: MIT */
/* Guest RAM helpers shared by the loader unit tests. */
#ifndef MODVMM_GUESTMEM_UTIL_H
#define MODVMM_GUESTMEM_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "../../core/boot/guestmem.h"

static inline void ram_init(struct guestmem *gm, uint64_t size)
{
	int rc = guestmem_init(gm, size);

	CHECK_EQ(rc, 0);
	if (rc)
		exit(1);
}

/* 1 if no byte of guest RAM was written. */
static inline int ram_is_zero(const struct guestmem *gm)
{
	const uint64_t *p = (const uint64_t *)gm->base;
	uint64_t i;

	for (i = 0; i < gm->size / 8; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Host pointer to guest RAM the test expects to exist. */
static inline uint8_t *gp(const struct guestmem *gm, uint64_t gpa, uint64_t len)
{
	uint8_t *p = guestmem_ptr(gm, gpa, len);

	CHECK(p != NULL);
	if (!p)
		exit(1);
	return p;
}

#endif
