// SPDX-License-Identifier: MIT
/*
 * The I/O and MMIO buses: checked registration, and the slow paths of
 * dispatch (splitting, unclaimed accesses, tracing).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"

__thread const struct bus_range *volatile bus_current_range;
__thread volatile uint64_t bus_current_addr;
__thread volatile uint64_t bus_dispatches;

void bus_init(struct bus *b, const char *name, enum modvmm_space space,
	      uint64_t limit)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
	b->space = space;
	b->limit = limit;
}

void bus_free(struct bus *b)
{
	free(b->ranges);
	free(b->logged_ports);
	b->ranges = NULL;
	b->last_hit = NULL;
	b->logged_ports = NULL;
	b->nr = b->cap = 0;
}

/* Addresses print unpadded: 0x3f8, 0xd0000000. */
static int bus_hex_width(const struct bus *b)
{
	(void)b;
	return 0;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len,
		 const struct modvmm_range_ops *ops, uint32_t valid, void *opaque,
		 void *owner, const char *owner_name, uint64_t *hits,
		 pthread_mutex_t *lock, char *err, size_t errlen)
{
	int w = bus_hex_width(b);
	uint64_t last;
	int i, pos;

	if (!len) {
		snprintf(err, errlen, "%s: zero-length %s range at 0x%0*" PRIx64,
			 owner_name, b->name, w, base);
		return -1;
	}
	if (!ops) {
		snprintf(err, errlen, "%s: %s range at 0x%0*" PRIx64 " has no ops",
			 owner_name, b->name, w, base);
		return -1;
	}
	last = base + len - 1;
	if (last < base || base > b->limit || last > b->limit) {
		snprintf(err, errlen,
			 "%s: %s range at 0x%0*" PRIx64 " of length 0x%" PRIx64
			 " goes past the end of the %s space (0x%" PRIx64 ")",
			 owner_name, b->name, w, base, len, b->name, b->limit);
		return -1;
	}
	if (b->is_ram && b->is_ram(b->is_ram_ctx, base, len)) {
		snprintf(err, errlen,
			 "%s: %s range [0x%0*" PRIx64 "-0x%0*" PRIx64 "] overlaps guest RAM;"
			 " use an address in the 3-4 GiB hole",
			 owner_name, b->name, w, base, w, last);
		return -1;
	}
	for (i = 0; i < b->nr; i++) {
		const struct bus_range *r = &b->ranges[i];

		if (base <= r->last && r->base <= last) {
			snprintf(err, errlen,
				 "%s [0x%0*" PRIx64 "-0x%0*" PRIx64 "] overlaps %s [0x%0*"
				 PRIx64 "-0x%0*" PRIx64 "]",
				 r->owner_name, w, r->base, w, r->last,
				 owner_name, w, base, w, last);
			return -1;
		}
	}
	if (b->nr == b->cap) {
		int cap = b->cap ? b->cap * 2 : 16;
		struct bus_range *n = realloc(b->ranges, sizeof(*n) * cap);

		if (!n) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		b->ranges = n;
		b->cap = cap;
	}
	for (pos = 0; pos < b->nr && b->ranges[pos].base < base; pos++)
		;
	b->last_hit = NULL;
	memmove(&b->ranges[pos + 1], &b->ranges[pos],
		sizeof(b->ranges[0]) * (b->nr - pos));
	b->ranges[pos] = (struct bus_range){
		.base = base, .last = last, .ops = ops, .opaque = opaque,
		.owner = owner, .owner_name = owner_name, .hits = hits,
		.lock = lock,
		.sizes = ops->sizes ? ops->sizes & MODVMM_SIZE_ANY : MODVMM_SIZE_1,
		.valid = valid & MODVMM_SIZE_ANY ? valid & MODVMM_SIZE_ANY :
			 MODVMM_SIZE_ANY,
	};
	b->ranges[pos].whole = b->ranges[pos].sizes & b->ranges[pos].valid;
	b->nr++;
	return 0;
}

static void bus_remove_at(struct bus *b, int i)
{
	b->last_hit = NULL;
	memmove(&b->ranges[i], &b->ranges[i + 1],
		sizeof(b->ranges[0]) * (b->nr - i - 1));
	b->nr--;
}

int bus_unregister(struct bus *b, void *owner, uint64_t base)
{
	int i;

	for (i = 0; i < b->nr; i++) {
		if (b->ranges[i].base == base && b->ranges[i].owner == owner) {
			bus_remove_at(b, i);
			return 0;
		}
	}
	return -1;
}

void bus_unregister_owner(struct bus *b, void *owner)
{
	int i = 0;

	while (i < b->nr) {
		if (b->ranges[i].owner == owner)
			bus_remove_at(b, i);
		else
			i++;
	}
}

/* Log an unclaimed access once per port or page, or always when asked. */
static void bus_log_unclaimed(struct bus *b, uint64_t addr, uint32_t size,
			      int is_write, const char *why)
{
	int w = bus_hex_width(b);
	int i;

	b->unclaimed++;
	if (!b->log_all_unclaimed) {
		if (b->space == MODVMM_SPACE_PIO) {
			if (!b->logged_ports)
				b->logged_ports = calloc(1, 65536 / 8);
			if (!b->logged_ports || addr > 0xffff)
				return;
			if (b->logged_ports[addr / 8] & (1u << (addr % 8)))
				return;
			b->logged_ports[addr / 8] |= 1u << (addr % 8);
		} else {
			uint64_t page = addr >> 12;

			for (i = 0; i < b->nr_logged_pages; i++)
				if (b->logged_pages[i] == page)
					return;
			if (b->nr_logged_pages == (int)ARRAY_SIZE(b->logged_pages))
				return;
			b->logged_pages[b->nr_logged_pages++] = page;
		}
	}
	pr_info("%s %s of %u byte%s at 0x%0*" PRIx64 ": %s%s", b->name,
		is_write ? "write" : "read", size, size > 1 ? "s" : "", w, addr, why,
		b->log_all_unclaimed ? "" : " (logged once per port/page)");
}

/*
 * Whether @r, the range the guest's own access starts in, refuses its
 * size (also when it would run past the range's end).
 */
static int bus_invalid(const struct bus_range *r, uint32_t size)
{
	return r && size <= 8 && !(size & (size - 1)) && !(r->valid & size);
}

/*
 * The access is not one a single range takes whole: it is unclaimed,
 * straddles ranges, has a size the device did not declare, or (a guest
 * access, @whole) one the range does not allow at all, which is refused
 * as below without being split.  Split the others into halves
 * (little-endian) until the pieces fit; a single byte that still does
 * not fit behaves like an unclaimed port: reads all ones, writes
 * dropped.  KVM cuts an MMIO access that crosses a page into pieces of
 * any length up to 8: those lose their largest power-of-two head first
 * (3 = 2 + 1, 7 = 4 + 2 + 1).
 */
void bus_access_slow(struct bus *b, uint64_t addr, uint32_t size,
		     int is_write, uint8_t *data, uint16_t vcpu, int whole)
{
	const struct bus_range *r = bus_find(b, addr);
	int invalid = whole && bus_invalid(r, size);

	if (size > 1 && size <= 8 && !invalid) {
		uint32_t head = size / 2;

		if (size & (size - 1))
			head = size > 4 ? 4 : 2;
		bus_access_one(b, addr, head, is_write, data, vcpu, 0);
		bus_access_one(b, addr + head, size - head, is_write,
			       data + head, vcpu, 0);
		return;
	}
	if (!is_write)
		memset(data, 0xff, size > 8 ? 8 : size);
	if (r) {
		char why[96];

		snprintf(why, sizeof(why), "%s refuses %u-byte accesses",
			 r->owner_name, size);
		bus_log_unclaimed(b, addr, size, is_write, why);
	} else {
		bus_log_unclaimed(b, addr, size, is_write, "no device");
	}
	if (unlikely(b->trace)) {
		uint64_t val = 0;

		/* what the guest wrote, or the all ones it reads */
		memcpy(&val, data, size > 8 ? 8 : size);
		bus_trace(b, NULL, addr, size, is_write, val);
	}
}

void bus_trace(struct bus *b, const char *owner_name, uint64_t addr,
	       uint32_t size, int is_write, uint64_t val)
{
	FILE *f = b->trace_file ? b->trace_file : stderr;
	uint64_t mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;

	if (fprintf(f, "%-4s %-12s 0x%0*" PRIx64 " %s %u 0x%0*" PRIx64 "\n",
		    b->name, owner_name ? owner_name : "(unclaimed)",
		    bus_hex_width(b), addr, is_write ? "w" : "r", size,
		    (int)size * 2, val & mask) < 0 && !b->trace_errno)
		b->trace_errno = errno ? errno : EIO;
}
