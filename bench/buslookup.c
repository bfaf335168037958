// SPDX-License-Identifier: MIT
/*
 * buslookup - the bus's dispatch cost alone, without KVM: nanoseconds
 * per bus_find() and per bus_access() with 1, 16, 256 and 4096 ranges
 * registered, linked against modvmm's own core/bus.o.
 *
 * Three loops per bus size:
 *   find_random    bus_find() at addresses spread over every range, in
 *                  an order the branch predictor cannot learn (the worst
 *                  case: each lookup walks the whole binary search);
 *   find_same      bus_find() at one address over and over (a guest
 *                  hammering one register, the common case);
 *   access_random  bus_access() writes at the random addresses: lookup,
 *                  the access record, the hit counter and the callback;
 *   access_same    bus_access() writes at one address (a guest's loop).
 * Time is the thread's CPU time (steady on a shared machine); each loop
 * runs REPEATS times and the fastest is kept.  Results are summed into
 * a volatile sink so the compiler cannot drop the work.
 *
 * Prints one JSON object per bus size on stdout:
 *   {"ranges": 256, "find_random_ns": 9.1, "find_same_ns": 2.0, ...}
 *
 *   buslookup [LOOKUPS]      (default 2000000 per loop)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bus/bus.h"

#define RANGE_STRIDE	0x1000ull	/* ranges of half a stride, gaps between */
#define RANGE_LEN	0x800ull
#define RANGE_BASE	0x10000000ull
#define NR_ADDRS	4096		/* a power of two; 32 KiB of addresses */
#define REPEATS		5

static volatile uint64_t sink;
static uint64_t addrs[NR_ADDRS];
static uint64_t hits;

/* bus.c logs unclaimed accesses through the core's pr_info(). */
void pr_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void bench_write(void *opaque, const struct modvmm_access *a,
			uint64_t val)
{
	(void)opaque;
	sink += val + a->offset;
}

static const struct modvmm_range_ops bench_ops = {
	.write = bench_write,
	.sizes = MODVMM_SIZE_ANY,
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int bench_fill(struct bus *b, int nr)
{
	char err[256];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int i;

	bus_init(b, "mmio", MODVMM_SPACE_MMIO, UINT64_MAX);
	for (i = 0; i < nr; i++) {
		if (bus_register(b, RANGE_BASE + i * RANGE_STRIDE, RANGE_LEN,
				 &bench_ops, 0, NULL, NULL, "bench", &hits,
				 NULL, err, sizeof(err))) {
			fprintf(stderr, "buslookup: %s\n", err);
			return -1;
		}
	}
	for (i = 0; i < NR_ADDRS; i++) {
		uint64_t r = xorshift(&seed);

		addrs[i] = RANGE_BASE + (r % nr) * RANGE_STRIDE +
			   ((r >> 32) % RANGE_LEN & ~3ull);
	}
	return 0;
}

static double loop_find_random(struct bus *b, long n)
{
	uint64_t acc = 0;
	double t = thread_ns();
	long i;

	for (i = 0; i < n; i++)
		acc += (uintptr_t)bus_find(b, addrs[i & (NR_ADDRS - 1)]);
	t = thread_ns() - t;
	sink += acc;
	return t / n;
}

static double loop_find_same(struct bus *b, long n)
{
	volatile uint64_t addr = addrs[0];
	uint64_t acc = 0;
	double t = thread_ns();
	long i;

	for (i = 0; i < n; i++)
		acc += (uintptr_t)bus_find(b, addr);
	t = thread_ns() - t;
	sink += acc;
	return t / n;
}

static double loop_access_random(struct bus *b, long n)
{
	double t = thread_ns();
	long i;

	for (i = 0; i < n; i++) {
		uint32_t v = (uint32_t)i;

		bus_access(b, addrs[i & (NR_ADDRS - 1)], 4, 1, (uint8_t *)&v, 0);
	}
	t = thread_ns() - t;
	return t / n;
}

static double loop_access_same(struct bus *b, long n)
{
	uint64_t addr = addrs[0];
	double t = thread_ns();
	long i;

	for (i = 0; i < n; i++) {
		uint32_t v = (uint32_t)i;

		bus_access(b, addr, 4, 1, (uint8_t *)&v, 0);
	}
	t = thread_ns() - t;
	return t / n;
}

static double best_of(double (*fn)(struct bus *, long), struct bus *b, long n)
{
	double best = 1e30;
	int i;

	for (i = 0; i < REPEATS; i++) {
		double v = fn(b, n);

		if (v < best)
			best = v;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 1, 16, 256, 4096 };
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	unsigned int i;

	if (n <= 0) {
		fprintf(stderr, "usage: buslookup [LOOKUPS]\n");
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct bus b;

		if (bench_fill(&b, sizes[i]))
			return 1;
		printf("{\"ranges\": %d, \"lookups\": %ld, \"find_random_ns\": %.2f, "
		       "\"find_same_ns\": %.2f, \"access_random_ns\": %.2f, "
		       "\"access_same_ns\": %.2f}\n",
		       sizes[i], n, best_of(loop_find_random, &b, n),
		       best_of(loop_find_same, &b, n),
		       best_of(loop_access_random, &b, n),
		       best_of(loop_access_same, &b, n));
		bus_free(&b);
	}
	return sink == 42 ? 3 : 0;
}
