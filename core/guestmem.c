// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "guestmem.h"

static void guestmem_add_slot(struct guestmem *gm, uint64_t gpa, uint64_t size,
			      uint64_t host_off)
{
	struct guestmem_slot *s = &gm->slot[gm->nr_slots++];

	s->gpa = gpa;
	s->size = size;
	s->host = gm->base + host_off;
}

/*
 * One host mapping of @size bytes; guest addresses in the holes have no
 * host bytes behind them, so RAM "lost" under the holes (384 KiB under
 * the legacy hole, as on a PC) is simply not mapped into the guest.
 */
int guestmem_init(struct guestmem *gm, uint64_t size)
{
	void *p;

	memset(gm, 0, sizeof(*gm));
	if (size < 4096 || size & 0xfff) {
		errno = EINVAL;
		return -1;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	gm->base = p;
	gm->size = size;
	if (size <= GUESTMEM_HOLE_START) {
		guestmem_add_slot(gm, 0, size, 0);
		return 0;
	}
	guestmem_add_slot(gm, 0, GUESTMEM_HOLE_START, 0);
	if (size <= GUESTMEM_HOLE_END)
		return 0;
	if (size <= GUESTMEM_LOW_END) {
		guestmem_add_slot(gm, GUESTMEM_HOLE_END, size - GUESTMEM_HOLE_END,
				  GUESTMEM_HOLE_END);
		return 0;
	}
	guestmem_add_slot(gm, GUESTMEM_HOLE_END,
			  GUESTMEM_LOW_END - GUESTMEM_HOLE_END, GUESTMEM_HOLE_END);
	guestmem_add_slot(gm, GUESTMEM_HIGH_START, size - GUESTMEM_LOW_END,
			  GUESTMEM_LOW_END);
	return 0;
}

void guestmem_free(struct guestmem *gm)
{
	if (gm->base)
		munmap(gm->base, gm->size);
	memset(gm, 0, sizeof(*gm));
}

void *guestmem_ptr(const struct guestmem *gm, uint64_t gpa, uint64_t len)
{
	int i;

	for (i = 0; i < gm->nr_slots; i++) {
		const struct guestmem_slot *s = &gm->slot[i];

		if (gpa >= s->gpa && gpa - s->gpa <= s->size &&
		    len <= s->size - (gpa - s->gpa))
			return s->host + (gpa - s->gpa);
	}
	return NULL;
}

int guestmem_overlaps_ram(const struct guestmem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t last;
	int i;

	if (!len)
		return 0;
	last = gpa + len - 1;
	if (last < gpa)
		last = UINT64_MAX;
	for (i = 0; i < gm->nr_slots; i++) {
		const struct guestmem_slot *s = &gm->slot[i];

		if (gpa <= s->gpa + s->size - 1 && s->gpa <= last)
			return 1;
	}
	return 0;
}

uint64_t guestmem_lower_bytes(const struct guestmem *gm)
{
	return gm->nr_slots ? gm->slot[0].size : 0;
}

uint64_t guestmem_upper_bytes(const struct guestmem *gm)
{
	return gm->nr_slots > 1 ? gm->slot[1].size : 0;
}
