/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - shared helpers of the libFuzzer harnesses in tests/fuzz/.
 *
 * A harness turns libFuzzer's byte string into a sequence of operations
 * with a struct fuzz_in cursor: every getter returns 0 once the input is
 * used up, so any input, even an empty one, is a valid program.
 */
#ifndef MODVMM_FUZZ_H
#define MODVMM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline int fuzz_more(const struct fuzz_in *in)
{
	return in->n > 0;
}

static inline uint64_t fuzz_bytes(struct fuzz_in *in, unsigned int count)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < count && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	return (uint8_t)fuzz_bytes(in, 1);
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	return (uint16_t)fuzz_bytes(in, 2);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_bytes(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	return fuzz_bytes(in, 8);
}

/* A broken invariant is a crash: libFuzzer saves the input. */
#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n", __FILE__, \
			__LINE__, #cond); \
		abort(); \
	} \
} while (0)

#endif
