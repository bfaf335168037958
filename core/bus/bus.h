/* SPDX-License-Identifier: MIT */
/*
 * bus.h - port I/O and MMIO dispatch by address range.
 *
 * Each bus is a sorted array of non-overlapping ranges; lookup is a
 * binary search for the last range starting at or below the address.
 * Registration happens at set-up or from device callbacks, both on the
 * vCPU thread, so the hot path takes no lock and allocates nothing.
 */
#ifndef MODVMM_BUS_H
#define MODVMM_BUS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <modvmm/device.h>

#include "modvmm.h"

struct bus_range {
	uint64_t base;
	uint64_t last;		/* inclusive: a range may end at 2^64 - 1 */
	const struct modvmm_range_ops *ops;
	void *opaque;
	void *owner;		/* the device instance, for unregister_owner */
	const char *owner_name;
	uint32_t sizes;		/* MODVMM_SIZE_* mask; MODVMM_SIZE_n == n */
	uint32_t valid;		/* sizes the guest may use (SIZE_ANY: all) */
	uint32_t whole;		/* sizes & valid: served without the slow path */
	uint64_t *hits;		/* owner's access counter, or NULL */
	pthread_mutex_t *lock;	/* held around the handlers, or NULL */
};

struct bus {
	const char *name;	/* "io" or "mmio", for messages */
	enum modvmm_space space;
	uint64_t limit;		/* highest valid address */
	struct bus_range *ranges;
	const struct bus_range *last_hit;	/* reset whenever ranges change */
	int nr, cap;
	int log_all_unclaimed;
	int locking;		/* take the ranges' locks (several threads) */
	int trace;		/* print every access */
	FILE *trace_file;
	int trace_errno;	/* the first write to it that failed */
	uint64_t unclaimed;	/* count of unclaimed accesses */
	/* log-once state: a bitmap of ports, or a small set of MMIO pages */
	uint8_t *logged_ports;
	uint64_t logged_pages[256];
	int nr_logged_pages;
	/* refuses registrations overlapping guest RAM (MMIO); may be NULL */
	int (*is_ram)(void *ctx, uint64_t base, uint64_t len);
	void *is_ram_ctx;
};

void bus_init(struct bus *b, const char *name, enum modvmm_space space,
	      uint64_t limit);
void bus_free(struct bus *b);

/*
 * 0, or -1 with a one-line reason in @err ("A [..] overlaps B [..]").
 * @valid is the MODVMM_SIZE_* mask of sizes the guest may use (0: any);
 * the caller reads it from @ops only when the owner's ABI has it.
 */
int bus_register(struct bus *b, uint64_t base, uint64_t len,
		 const struct modvmm_range_ops *ops, uint32_t valid, void *opaque,
		 void *owner, const char *owner_name, uint64_t *hits,
		 pthread_mutex_t *lock, char *err, size_t errlen);
int bus_unregister(struct bus *b, void *owner, uint64_t base);
void bus_unregister_owner(struct bus *b, void *owner);

/*
 * The access this thread is serving right now (for the crash handler,
 * on the thread that crashed) and how many it served (progress, for the
 * watchdog, which reads them through ctx_slot).
 */
extern __thread const struct bus_range *volatile bus_current_range;
extern __thread volatile uint64_t bus_current_addr;
extern __thread volatile uint64_t bus_dispatches;

static inline const struct bus_range *bus_find(const struct bus *b,
					       uint64_t addr)
{
	const struct bus_range *r = b->ranges;
	int lo = 0, hi = b->nr - 1, found = -1;

	while (lo <= hi) {
		int mid = (lo + hi) >> 1;

		if (r[mid].base <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (found < 0 || addr > r[found].last)
		return NULL;
	return &r[found];
}

/*
 * A guest hammers one register at a time: try the range that took the
 * last access before searching.
 */
static inline const struct bus_range *bus_lookup(struct bus *b, uint64_t addr)
{
	/* every vCPU thread reads and updates the cache */
	const struct bus_range *r = READ_ONCE(b->last_hit);

	if (likely(r && addr - r->base <= r->last - r->base))
		return r;
	r = bus_find(b, addr);
	if (r)
		WRITE_ONCE(b->last_hit, r);
	return r;
}

/* Fixed-size copies compile to one move; memcpy(size) is a libc call. */
static inline uint64_t bus_load(const uint8_t *p, uint32_t size)
{
	uint64_t v8;
	uint32_t v4;
	uint16_t v2;

	switch (size) {
	case 1: return *p;
	case 2: memcpy(&v2, p, 2); return v2;
	case 4: memcpy(&v4, p, 4); return v4;
	default: memcpy(&v8, p, 8); return v8;
	}
}

static inline void bus_store(uint8_t *p, uint32_t size, uint64_t v)
{
	uint32_t v4 = (uint32_t)v;
	uint16_t v2 = (uint16_t)v;

	switch (size) {
	case 1: *p = (uint8_t)v; break;
	case 2: memcpy(p, &v2, 2); break;
	case 4: memcpy(p, &v4, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

void bus_trace(struct bus *b, const char *owner_name, uint64_t addr,
	       uint32_t size, int is_write, uint64_t val);

/*
 * Dispatch one access of @size bytes at @addr; @data holds the value to
 * write or receives the value read (little-endian, as KVM lays it out).
 */
void bus_access_slow(struct bus *b, uint64_t addr, uint32_t size,
		     int is_write, uint8_t *data, uint16_t vcpu, int whole);

/*
 * One access: the guest's own (@whole 1, its size checked against the
 * range's valid sizes) or a piece the slow path split off (@whole 0).
 */
static inline void bus_access_one(struct bus *b, uint64_t addr, uint32_t size,
				  int is_write, uint8_t *data, uint16_t vcpu,
				  int whole)
{
	const struct bus_range *r = bus_lookup(b, addr);
	pthread_mutex_t *lock;
	struct modvmm_access a;
	uint64_t val = 0;

	/* sizes holds MODVMM_SIZE_n == n: a size must also be a power of
	 * two, or 3 would pass a device that takes 1 and 2 */
	if (unlikely(!r || size - 1 > r->last - addr ||
		     !((whole ? r->whole : r->sizes) & size) ||
		     (size & (size - 1)))) {
		bus_access_slow(b, addr, size, is_write, data, vcpu, whole);
		return;
	}
	a.addr = addr;
	a.offset = addr - r->base;
	a.size = size;
	a.is_write = (uint8_t)is_write;
	a.space = (uint8_t)b->space;
	a.vcpu = vcpu;
	const char *owner_name = r->owner_name;

	lock = unlikely(b->locking) ? r->lock : NULL;
	if (lock)
		pthread_mutex_lock(lock);
	if (r->hits) {
		/* a concurrent device's accesses overlap on several vCPUs */
		if (unlikely(b->locking) && !lock)
			__atomic_fetch_add(r->hits, 1, __ATOMIC_RELAXED);
		else
			(*r->hits)++;
	}
	/* the watchdog samples these from its thread */
	WRITE_ONCE(bus_dispatches, bus_dispatches + 1);
	WRITE_ONCE(bus_current_addr, addr);
	WRITE_ONCE(bus_current_range, r);
	if (is_write) {
		val = bus_load(data, size);
		if (r->ops->write)
			r->ops->write(r->opaque, &a, val);
	} else {
		val = r->ops->read ? r->ops->read(r->opaque, &a) : ~0ull;
		bus_store(data, size, val);
	}
	WRITE_ONCE(bus_current_range, NULL);
	if (lock)
		pthread_mutex_unlock(lock);
	if (unlikely(b->trace))
		bus_trace(b, owner_name, addr, size, is_write, val);
}

/* A guest access of @size bytes at @addr (@data: little-endian). */
static inline void bus_access(struct bus *b, uint64_t addr, uint32_t size,
			      int is_write, uint8_t *data, uint16_t vcpu)
{
	bus_access_one(b, addr, size, is_write, data, vcpu, 1);
}

#endif
