// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <modvmm/device.h>
#include "boot/guestmem.h"

static void guestmem_add_slot(struct guestmem *gm, uint64_t gpa, uint64_t size,
			      uint64_t host_off, uint32_t type)
{
	struct guestmem_slot *s = &gm->slot[gm->nr_slots++];

	s->gpa = gpa;
	s->size = size;
	s->host = gm->base + host_off;
	s->type = type;
}

/*
 * One host mapping of @size bytes (at least 1 MiB, so that the BIOS area
 * has its own bytes behind it whatever -m says); guest addresses in the
 * holes have no host bytes behind them, so RAM "lost" under the holes
 * (as on a PC) is simply not mapped into the guest.  The slot of each
 * range sits at its own guest address in the mapping.
 */
int guestmem_init(struct guestmem *gm, uint64_t size)
{
	uint64_t map_size = size < GUESTMEM_HOLE_END ? GUESTMEM_HOLE_END : size;
	void *p;

	memset(gm, 0, sizeof(*gm));
	if (size < 4096 || size & 0xfff) {
		errno = EINVAL;
		return -1;
	}
	p = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	gm->base = p;
	gm->map_size = map_size;
	gm->size = size;
	guestmem_add_slot(gm, 0, size < GUESTMEM_HOLE_START ? size :
			  GUESTMEM_HOLE_START, 0, MODVMM_MEM_RAM);
	guestmem_add_slot(gm, GUESTMEM_BIOS_START,
			  GUESTMEM_HOLE_END - GUESTMEM_BIOS_START,
			  GUESTMEM_BIOS_START, MODVMM_MEM_RESERVED);
	if (size <= GUESTMEM_HOLE_END)
		return 0;
	if (size <= GUESTMEM_LOW_END) {
		guestmem_add_slot(gm, GUESTMEM_HOLE_END, size - GUESTMEM_HOLE_END,
				  GUESTMEM_HOLE_END, MODVMM_MEM_RAM);
		return 0;
	}
	guestmem_add_slot(gm, GUESTMEM_HOLE_END,
			  GUESTMEM_LOW_END - GUESTMEM_HOLE_END, GUESTMEM_HOLE_END,
			  MODVMM_MEM_RAM);
	guestmem_add_slot(gm, GUESTMEM_HIGH_START, size - GUESTMEM_LOW_END,
			  GUESTMEM_LOW_END, MODVMM_MEM_RAM);
	return 0;
}

void guestmem_clear(struct guestmem *gm)
{
	/* a private anonymous mapping reads as zeros after MADV_DONTNEED */
	if (gm->base && madvise(gm->base, gm->map_size, MADV_DONTNEED))
		memset(gm->base, 0, gm->map_size);
}

void guestmem_free(struct guestmem *gm)
{
	if (gm->base)
		munmap(gm->base, gm->map_size);
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
	int i;

	for (i = 0; i < gm->nr_slots; i++)
		if (gm->slot[i].gpa == GUESTMEM_HOLE_END)
			return gm->slot[i].size;
	return 0;
}

int guestmem_map(const struct guestmem *gm, struct modvmm_mem_range *map,
		 int max)
{
	int i, n = 0;

	for (i = 0; i < gm->nr_slots && n < max; i++, n++) {
		memset(&map[n], 0, sizeof(map[n]));
		map[n].addr = gm->slot[i].gpa;
		map[n].size = gm->slot[i].size;
		map[n].type = gm->slot[i].type;
	}
	return n;
}
