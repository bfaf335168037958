/* SPDX-License-Identifier: MIT */
/*
 * guestmem.h - guest physical memory.
 *
 * Layout (see README "Memory layout"), as on a PC: RAM of size S is
 *   [0, min(S, 0xa0000))                 conventional memory
 *   [0xe0000, 0x100000)                  the BIOS area (always)
 *   [0x100000, min(S, 0xc0000000))       extended memory (when S > 1 MiB)
 *   [0x100000000, 0x100000000 + S - 3G)  high memory (when S > 3 GiB)
 * The VGA and option ROM hole 0xa0000-0xdffff and the PCI hole 3-4 GiB
 * are never RAM: accesses there reach the MMIO bus.  The BIOS area is
 * RAM (firmware tables live there, and images may load there) that the
 * memory map reports as reserved.
 */
#ifndef MODVMM_GUESTMEM_H
#define MODVMM_GUESTMEM_H

#include <stddef.h>
#include <stdint.h>

#define GUESTMEM_MAX_SLOTS	4
#define GUESTMEM_HOLE_START	0xa0000ull
#define GUESTMEM_BIOS_START	0xe0000ull
#define GUESTMEM_HOLE_END	0x100000ull
#define GUESTMEM_LOW_END	0xc0000000ull
#define GUESTMEM_HIGH_START	0x100000000ull

struct guestmem_slot {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
	uint32_t type;		/* MODVMM_MEM_RAM or _RESERVED (BIOS area) */
};

struct guestmem {
	uint8_t *base;		/* one host mapping behind every slot */
	uint64_t map_size;	/* its length: at least 1 MiB */
	uint64_t size;		/* requested RAM size (-m) */
	struct guestmem_slot slot[GUESTMEM_MAX_SLOTS];
	int nr_slots;
};

/* mmap RAM (MAP_NORESERVE) and compute the slots; -1 with errno. */
int guestmem_init(struct guestmem *gm, uint64_t size);
/* All of RAM back to zeros, its host pages given back (a reboot). */
void guestmem_clear(struct guestmem *gm);
void guestmem_free(struct guestmem *gm);

/*
 * Host pointer for [@gpa, @gpa + @len) if the whole range is RAM within
 * one slot, else NULL.  The bounds check cannot overflow.
 */
void *guestmem_ptr(const struct guestmem *gm, uint64_t gpa, uint64_t len);

/* 1 if any byte of [@gpa, @gpa + @len) is RAM. */
int guestmem_overlaps_ram(const struct guestmem *gm, uint64_t gpa, uint64_t len);

/* Bytes of RAM below the hole (KiB-based mem_lower) and from 1 MiB up to
 * the first gap (mem_upper), as multiboot reports them. */
uint64_t guestmem_lower_bytes(const struct guestmem *gm);
uint64_t guestmem_upper_bytes(const struct guestmem *gm);

struct modvmm_mem_range;

/*
 * The memory map the guest is told (e820, multiboot, fw_cfg), in address
 * order: each slot with its type.  At most @max entries into @map;
 * returns how many.
 */
int guestmem_map(const struct guestmem *gm, struct modvmm_mem_range *map,
		 int max);

#endif
