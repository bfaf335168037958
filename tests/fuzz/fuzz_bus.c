// SPDX-License-Identifier: MIT
/*
 * fuzz_bus - core/bus.c against a reference model.
 *
 * The input is a program of registrations, unregistrations, lookups and
 * accesses on the I/O bus and the MMIO bus.  A plain array with linear
 * scans models each bus; after every operation the real bus must hold
 * the same ranges in sorted order, give the same answers and, for an
 * access, make exactly the device calls the model predicts (every piece
 * with a size its range declared) and return the same bytes.
 */
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "../../core/bus/bus.h"

#define NR_OWNERS	4
#define MODEL_MAX	128
#define MAX_CALLS	64

struct mrange {
	uint64_t base, last;
	int owner;
	uint32_t sizes;		/* normalised, as the bus stores it */
};

struct model {
	struct mrange r[MODEL_MAX];	/* sorted by base */
	int nr;
};

struct call {
	int owner;
	uint64_t addr, offset;
	uint32_t size;
	int is_write;
	uint64_t val;
};

struct calls {
	struct call c[MAX_CALLS];
	int n;
	int overflow;
};

struct owner {
	int id;
	char name[8];
};

static struct owner owners[NR_OWNERS];
static struct bus buses[2];
static struct model models[2];
static struct calls seen;		/* made by the bus */
static struct model *cur_model;		/* of the bus being accessed */
static FILE *devnull;

/* ---- device side: record and check every call ----------------------- */

static int size_ok(uint32_t size, uint32_t sizes)
{
	return size && !(size & (size - 1)) && (sizes & size);
}

static uint64_t read_value(int owner, uint64_t offset, uint32_t size)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)(uint8_t)(owner * 0x40 + offset + i) << (8 * i);
	return v;
}

/* The call must fit a range of this owner in the model, with its size. */
static void check_call(const struct owner *o, const struct modvmm_access *a)
{
	uint64_t base = a->addr - a->offset;
	int i, ok = 0;

	for (i = 0; i < cur_model->nr; i++) {
		const struct mrange *r = &cur_model->r[i];

		if (r->base == base && r->owner == o->id &&
		    a->offset <= r->last - r->base &&
		    a->size - 1 <= r->last - a->addr &&
		    size_ok(a->size, r->sizes))
			ok = 1;
	}
	FUZZ_ASSERT(ok);
}

static void record(const struct owner *o, const struct modvmm_access *a,
		   uint64_t val)
{
	check_call(o, a);
	if (seen.n == MAX_CALLS) {
		seen.overflow = 1;
		return;
	}
	seen.c[seen.n++] = (struct call){ o->id, a->addr, a->offset, a->size,
					  a->is_write, val };
}

static uint64_t dev_read(void *opaque, const struct modvmm_access *a)
{
	const struct owner *o = opaque;
	uint64_t v = read_value(o->id, a->offset, a->size);

	FUZZ_ASSERT(bus_current_range && bus_current_range->opaque == o);
	record(o, a, v);
	/* junk above the access size must not reach the guest */
	return v | (a->size < 8 ? ~0ull << (8 * a->size) : 0);
}

static void dev_write(void *opaque, const struct modvmm_access *a,
		      uint64_t val)
{
	const struct owner *o = opaque;

	FUZZ_ASSERT(a->size == 8 || val >> (8 * a->size) == 0);
	record(o, a, val);
}

/* One ops table per sizes mask 0-15, and one without handlers. */
static struct modvmm_range_ops ops[17];

static uint32_t norm_sizes(const struct modvmm_range_ops *op)
{
	return op->sizes ? op->sizes & MODVMM_SIZE_ANY : MODVMM_SIZE_1;
}

/* ---- the reference model ---------------------------------------------- */

static const struct mrange *model_find(const struct model *m, uint64_t addr)
{
	int i;

	for (i = 0; i < m->nr; i++)
		if (addr >= m->r[i].base && addr <= m->r[i].last)
			return &m->r[i];
	return NULL;
}

static int ops_index_of[2][MODEL_MAX];	/* per model slot: ops used */

/*
 * The access as the bus should make it: whole if one range takes it,
 * else split (halves; odd sizes lose a power-of-two head) down to bytes;
 * a byte nobody takes reads all ones.
 */
static void model_access(int bi, uint64_t addr, uint32_t size, int is_write,
			 uint8_t *data, struct calls *want, uint64_t *unclaimed)
{
	const struct model *m = &models[bi];
	const struct mrange *r = model_find(m, addr);

	if (r && size - 1 <= r->last - addr && size_ok(size, r->sizes)) {
		int oi = ops_index_of[bi][r - m->r];
		uint64_t val = 0;

		if (oi == 16) {		/* no handlers: all ones, drop */
			if (!is_write)
				memset(data, 0xff, size);
			return;
		}
		if (is_write)
			memcpy(&val, data, size);
		else
			val = read_value(r->owner, addr - r->base, size);
		if (want->n < MAX_CALLS)
			want->c[want->n++] = (struct call){ r->owner, addr,
				addr - r->base, size, is_write, val };
		else
			want->overflow = 1;
		if (!is_write)
			memcpy(data, &val, size);
		return;
	}
	if (size > 1) {
		uint32_t head = size / 2;

		if (size & (size - 1))
			head = size > 4 ? 4 : 2;
		model_access(bi, addr, head, is_write, data, want, unclaimed);
		model_access(bi, addr + head, size - head, is_write, data + head,
			     want, unclaimed);
		return;
	}
	if (!is_write)
		data[0] = 0xff;
	(*unclaimed)++;
}

static int model_overlap(const struct model *m, uint64_t base, uint64_t last)
{
	int i;

	for (i = 0; i < m->nr; i++)
		if (base <= m->r[i].last && m->r[i].base <= last)
			return i;
	return -1;
}

static void model_insert(int bi, struct mrange nr, int oi)
{
	struct model *m = &models[bi];
	int pos = 0;

	while (pos < m->nr && m->r[pos].base < nr.base)
		pos++;
	memmove(&m->r[pos + 1], &m->r[pos], sizeof(m->r[0]) * (m->nr - pos));
	memmove(&ops_index_of[bi][pos + 1], &ops_index_of[bi][pos],
		sizeof(int) * (m->nr - pos));
	m->r[pos] = nr;
	ops_index_of[bi][pos] = oi;
	m->nr++;
}

static void model_remove(int bi, int i)
{
	struct model *m = &models[bi];

	memmove(&m->r[i], &m->r[i + 1], sizeof(m->r[0]) * (m->nr - i - 1));
	memmove(&ops_index_of[bi][i], &ops_index_of[bi][i + 1],
		sizeof(int) * (m->nr - i - 1));
	m->nr--;
}

/* ---- comparing bus and model ------------------------------------------ */

static void check_same(int bi)
{
	const struct bus *b = &buses[bi];
	const struct model *m = &models[bi];
	int i;

	FUZZ_ASSERT(b->nr == m->nr);
	for (i = 0; i < m->nr; i++) {
		const struct bus_range *r = &b->ranges[i];
		const struct owner *o = r->owner;

		FUZZ_ASSERT(r->base == m->r[i].base);
		FUZZ_ASSERT(r->last == m->r[i].last);
		FUZZ_ASSERT(o->id == m->r[i].owner);
		FUZZ_ASSERT(r->sizes == m->r[i].sizes);
		FUZZ_ASSERT(r->opaque == o);
		FUZZ_ASSERT(!strcmp(r->owner_name, o->name));
		if (i)
			FUZZ_ASSERT(b->ranges[i - 1].last < r->base);
	}
}

static int fake_ram(void *ctx, uint64_t base, uint64_t len)
{
	(void)ctx;
	return len && base < 0xa0000;
}

/* ---- operations ------------------------------------------------------ */

static uint64_t pick_addr(struct fuzz_in *in, int bi)
{
	uint64_t limit = buses[bi].limit;

	switch (fuzz_u8(in) & 3) {
	case 0:	return fuzz_u8(in);
	case 1:	return fuzz_u16(in);
	case 2:	return limit - fuzz_u16(in) % (bi ? 0x10000 : 0x100);
	default: return fuzz_u64(in);
	}
}

static uint64_t pick_len(struct fuzz_in *in)
{
	switch (fuzz_u8(in) & 3) {
	case 0:	return fuzz_u8(in) % 16 + 1;
	case 1:	return fuzz_u16(in);
	case 2:	return 0;
	default: return fuzz_u64(in);
	}
}

static void op_register(struct fuzz_in *in, int bi)
{
	struct bus *b = &buses[bi];
	struct model *m = &models[bi];
	uint64_t base = pick_addr(in, bi), len = pick_len(in), last;
	int owner = fuzz_u8(in) % NR_OWNERS, oi = fuzz_u8(in) % 17;
	const struct owner *o = &owners[owner];
	char err[256], want[256];
	int rc, expect_ok, ov = -1;

	if (m->nr == MODEL_MAX)
		return;
	last = base + len - 1;
	expect_ok = len && last >= base && last <= b->limit &&
		    !(b->is_ram && b->is_ram(NULL, base, len));
	if (expect_ok) {
		ov = model_overlap(m, base, last);
		expect_ok = ov < 0;
	}
	err[0] = '\0';
	rc = bus_register(b, base, len, &ops[oi], ops[oi].valid, (void *)o,
			  (void *)o, o->name, NULL, NULL, err, sizeof(err));
	FUZZ_ASSERT(rc == (expect_ok ? 0 : -1));
	if (!expect_ok) {
		FUZZ_ASSERT(err[0] && !strchr(err, '\n'));
		if (ov >= 0) {
			snprintf(want, sizeof(want),
				 "%s [0x%" PRIx64 "-0x%" PRIx64 "] overlaps %s [0x%"
				 PRIx64 "-0x%" PRIx64 "]",
				 owners[m->r[ov].owner].name, m->r[ov].base,
				 m->r[ov].last, o->name, base, last);
			FUZZ_ASSERT(!strcmp(err, want));
		}
		return;
	}
	model_insert(bi, (struct mrange){ base, last, owner,
					  norm_sizes(&ops[oi]) }, oi);
}

static void op_unregister(struct fuzz_in *in, int bi)
{
	struct model *m = &models[bi];
	int owner = fuzz_u8(in) % NR_OWNERS, i, want = -1;
	uint64_t base;

	/* mostly a base that exists, so that removals happen */
	if (m->nr && (fuzz_u8(in) & 1))
		base = m->r[fuzz_u8(in) % m->nr].base;
	else
		base = pick_addr(in, bi);
	for (i = 0; i < m->nr; i++)
		if (m->r[i].base == base && m->r[i].owner == owner)
			want = i;
	FUZZ_ASSERT(bus_unregister(&buses[bi], &owners[owner], base) ==
		    (want >= 0 ? 0 : -1));
	if (want >= 0)
		model_remove(bi, want);
}

static void op_unregister_owner(struct fuzz_in *in, int bi)
{
	int owner = fuzz_u8(in) % NR_OWNERS, i;

	bus_unregister_owner(&buses[bi], &owners[owner]);
	for (i = models[bi].nr - 1; i >= 0; i--)
		if (models[bi].r[i].owner == owner)
			model_remove(bi, i);
}

static void op_find(struct fuzz_in *in, int bi)
{
	uint64_t addr;
	const struct bus_range *r;
	const struct mrange *mr;

	if (models[bi].nr && (fuzz_u8(in) & 1)) {
		/* near a boundary of an existing range */
		const struct mrange *x = &models[bi].r[fuzz_u8(in) % models[bi].nr];
		uint8_t k = fuzz_u8(in);

		addr = (k & 1 ? x->last : x->base) +
		       (uint64_t)(int64_t)((k >> 1) % 8 - 4);
	} else {
		addr = pick_addr(in, bi);
	}
	r = bus_find(&buses[bi], addr);
	mr = model_find(&models[bi], addr);
	FUZZ_ASSERT(!r == !mr);
	if (r)
		FUZZ_ASSERT(r->base == mr->base && r->last == mr->last);
}

static void op_access(struct fuzz_in *in, int bi)
{
	static const uint32_t sizes[8] = { 1, 2, 4, 8, 3, 5, 6, 7 };
	struct bus *b = &buses[bi];
	uint8_t k = fuzz_u8(in);
	uint32_t size = sizes[k & 7];
	int is_write = (k >> 3) & 1, i;
	uint64_t addr, val = fuzz_u64(in), unclaimed = 0, before;
	uint8_t got[8], want_data[8];
	static struct calls want;

	if (models[bi].nr && (k & 0x10)) {
		const struct mrange *x = &models[bi].r[fuzz_u8(in) % models[bi].nr];

		addr = x->base + (uint64_t)(int64_t)((int8_t)fuzz_u8(in) / 16);
	} else {
		addr = pick_addr(in, bi);
	}
	memcpy(got, &val, 8);
	memcpy(want_data, &val, 8);
	memset(&want, 0, sizeof(want));
	memset(&seen, 0, sizeof(seen));
	cur_model = &models[bi];
	model_access(bi, addr, size, is_write, want_data, &want, &unclaimed);
	before = b->unclaimed;
	bus_access(b, addr, size, is_write, got, (uint16_t)k);
	FUZZ_ASSERT(bus_current_range == NULL);
	FUZZ_ASSERT(b->unclaimed - before == unclaimed);
	FUZZ_ASSERT(!memcmp(got, want_data, 8));	/* bytes past size kept */
	FUZZ_ASSERT(seen.n == want.n && seen.overflow == want.overflow);
	for (i = 0; i < seen.n; i++) {
		const struct call *s = &seen.c[i], *w = &want.c[i];

		FUZZ_ASSERT(s->owner == w->owner && s->addr == w->addr &&
			    s->offset == w->offset && s->size == w->size &&
			    s->is_write == w->is_write && s->val == w->val);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NR_OWNERS; i++) {
		owners[i].id = i;
		snprintf(owners[i].name, sizeof(owners[i].name), "dev%d", i);
	}
	for (i = 0; i < 16; i++)
		ops[i] = (struct modvmm_range_ops){
			.read = dev_read, .write = dev_write, .sizes = (uint32_t)i,
		};
	ops[16] = (struct modvmm_range_ops){ .sizes = MODVMM_SIZE_ANY };
	devnull = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t flags = fuzz_u8(&in);
	int bi;

	bus_init(&buses[0], "io", MODVMM_SPACE_PIO, 0xffff);
	bus_init(&buses[1], "mmio", MODVMM_SPACE_MMIO, UINT64_MAX);
	memset(models, 0, sizeof(models));
	if (flags & 1) {
		buses[1].is_ram = fake_ram;
	}
	for (bi = 0; bi < 2; bi++) {
		buses[bi].log_all_unclaimed = (flags >> 1) & 1;
		buses[bi].trace = devnull && ((flags >> 2) & 1);
		buses[bi].trace_file = devnull;
	}
	while (fuzz_more(&in)) {
		uint8_t op = fuzz_u8(&in);

		bi = op >> 7;
		switch (op & 7) {
		case 0: case 1:	op_register(&in, bi); break;
		case 2:		op_unregister(&in, bi); break;
		case 3:		op_unregister_owner(&in, bi); break;
		case 4:		op_find(&in, bi); break;
		default:	op_access(&in, bi); break;
		}
		check_same(bi);
	}
	bus_free(&buses[0]);
	bus_free(&buses[1]);
	return 0;
}
