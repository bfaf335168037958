// SPDX-License-Identifier: MIT
/* The loader harnesses' common part: see loadfuzz.h. */
#include <string.h>
#include <unistd.h>

#include "loadfuzz.h"

#define FUZZ_RAM	(4ull << 20)

static struct guestmem gm;
static char module_path[2][64];

static void loadfuzz_cleanup(void);

static void loadfuzz_setup(void)
{
	static const size_t sizes[2] = { 100, 5000 };
	int i;

	if (gm.base)
		return;
	FUZZ_ASSERT(!guestmem_init(&gm, FUZZ_RAM));
	for (i = 0; i < 2; i++) {
		char buf[5000];
		FILE *f;

		snprintf(module_path[i], sizeof(module_path[i]),
			 "/tmp/modvmm-fuzz-module%d.%d", i, (int)getpid());
		memset(buf, 'a' + i, sizes[i]);
		f = fopen(module_path[i], "w");
		FUZZ_ASSERT(f);
		FUZZ_ASSERT(fwrite(buf, 1, sizes[i], f) == sizes[i]);
		fclose(f);
	}
	atexit(loadfuzz_cleanup);
}

static void loadfuzz_cleanup(void)
{
	unlink(module_path[0]);
	unlink(module_path[1]);
}

const char *loadfuzz_module_path(int i)
{
	loadfuzz_setup();
	return module_path[i];
}

void loadfuzz_opts(struct load_opts *o, const uint8_t *data, size_t size)
{
	memset(o, 0, sizeof(*o));
	o->path = "fuzz.img";
	o->data = data;
	o->size = size;
	o->mode = -1;
}

static int ram_is_zero(void)
{
	static const uint8_t zero[4096];
	uint64_t off;

	for (off = 0; off < FUZZ_RAM; off += sizeof(zero))
		if (memcmp(gm.base + off, zero, sizeof(zero)))
			return 0;
	return 1;
}

int loadfuzz_load(const char *format, const struct load_opts *o)
{
	struct boot_state bs;
	int rc;

	loadfuzz_setup();
	rc = loader_load(&gm, format, o, &bs);
	if (rc) {
		FUZZ_ASSERT(rc == -1);
		FUZZ_ASSERT(ram_is_zero());
		return rc;
	}
	FUZZ_ASSERT(bs.mode == BOOT_REAL || bs.mode == BOOT_PROTECTED ||
		    bs.mode == BOOT_LONG);
	if (bs.mode == BOOT_REAL)
		FUZZ_ASSERT(bs.rip <= 0xfffff);
	if (bs.mode == BOOT_PROTECTED)
		FUZZ_ASSERT(bs.rip <= 0xffffffffull);
	memset(gm.base, 0, FUZZ_RAM);
	return rc;
}
