// SPDX-License-Identifier: MIT
/*
 * virtiofuzz.c - the virtio driver and virtio-mmio model of virtiofuzz.h.
 *
 * Every write the driver makes to guest RAM goes through put(): the bytes
 * it overwrites are first compared with the driver's copy (shadow[]), so
 * that a device write there is checked before it is lost, and then the
 * copy is updated.  After every step the whole of RAM is compared the
 * same way.  A byte the device changed must lie in a buffer some
 * descriptor marked device-writable or in a used ring:
 *
 *  - a strict queue (the driver laid it out, and never wrote over a
 *    descriptor, ring entry or index the device may still read): the
 *    writable buffers of the chains it published and did not get back;
 *  - a loose queue (the fuzzer rewrote its rings, or set it up through
 *    the registers itself): every writable descriptor its table held
 *    (directly or through an indirect table) before the driver wrote
 *    over it, or now (loose[]);
 *  - chains the driver gave up on (a queue gone loose; a queue reset
 *    under an async device): until the device is reset (zombie[]);
 *  - the used ring of every queue ready before or after the step.
 */
#include <string.h>
#include <time.h>

#include <modvmm/harness.h>

#include "virtiofuzz.h"

#define TRANSPORT_FEATURES ((1ull << VIRTIO_F_VERSION_1) | \
			    (1ull << VIRTIO_F_INDIRECT_DESC) | \
			    (1ull << VIRTIO_F_EVENT_IDX))
#define VF_MAGIC_VALUE	0x74726976u
#define WAIT_NS		2000000000ll	/* for an async device's completions */

struct vq {
	/* registers as the driver wrote them (zero after a queue reset) */
	uint32_t num;
	uint64_t desc, avail, used;
	int ready;
	/* once ready */
	int layout;		/* where the driver lays queue q out */
	int strict;
	int used_bad;		/* the driver wrote its used ring */
	int avail_bad;		/* the device wrote its avail ring */
	uint16_t used_seen;	/* used index up to which entries were checked */
	uint16_t avail_prev;	/* avail index last accounted */
	uint16_t avail_idx;	/* the driver's next avail index */
	uint64_t credits;	/* the most chains the device may have taken */
	uint64_t used_total;
	uint8_t head_seen[VF_QMAX];
	uint8_t desc_busy[VF_QMAX];
	uint16_t next_desc;
	struct vf_chain fifo[VF_QMAX];
	unsigned int fhead, fcount;
	int kick_expect;	/* a kick reached a malformed chain */
};

static struct {
	const struct vf_device *d;
	const struct devfuzz_ctx *c;
	uint64_t base;
	unsigned int irq;
	uint32_t status;	/* as the model predicts it */
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint64_t drv_features;
	int isr_zero;		/* reset, and no DRIVER_OK since */
	int nr_driver;		/* NEEDS_RESET from a status write, this step */
	int nr_new;		/* NEEDS_RESET appeared, the device's doing */
	uint32_t nr_status;
	uint32_t status_prev;
	int indir_owner[VF_INDIR_SLOTS];	/* queue + 1, 0 if free */
	struct { uint64_t used; uint32_t num; int ready; } prev[VF_MAX_QUEUES];
	int any_zombie, any_loose;
	int checking;		/* in vf_check_step(): the device's own doing */
} m;

static struct vq vq[VF_MAX_QUEUES];
static int debug = -1;

/* VF_DEBUG=1: what the model sees, on stderr. */
#define DBG(...) do { \
	if (debug < 0) \
		debug = getenv("VF_DEBUG") != NULL; \
	if (debug) \
		fprintf(stderr, "vf: " __VA_ARGS__); \
} while (0)
static uint8_t shadow[VF_RAM], allow[VF_RAM], zombie[VF_RAM], loose[VF_RAM];

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *ram(void)
{
	uint8_t *r = harness_mem(0, VF_RAM);

	FUZZ_ASSERT(r);
	return r;
}

static uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static int in_ram(uint64_t gpa, uint64_t len)
{
	return gpa <= VF_RAM && len <= VF_RAM - gpa;
}

static int overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen &&
	       a + alen > a && b + blen > b;
}

/* [gpa, gpa + len) clipped to RAM; 0 if nothing is left. */
static int clip(uint64_t *gpa, uint64_t *len)
{
	if (*gpa >= VF_RAM || !*len)
		return 0;
	if (*len > VF_RAM - *gpa)
		*len = VF_RAM - *gpa;
	return 1;
}

static void mark(uint8_t *map, uint64_t gpa, uint64_t len)
{
	if (clip(&gpa, &len))
		memset(map + gpa, 1, len);
}

/* Mark, saying whether a byte was new. */
static int mark_new(uint8_t *map, uint64_t gpa, uint64_t len)
{
	uint64_t i;

	if (!clip(&gpa, &len))
		return 0;
	for (i = 0; i < len; i++)
		if (!map[gpa + i]) {
			memset(map + gpa, 1, len);
			return 1;
		}
	return 0;
}

static int any_marked(const uint8_t *map, uint64_t gpa, uint64_t len)
{
	uint64_t i;

	if (!clip(&gpa, &len))
		return 0;
	for (i = 0; i < len; i++)
		if (map[gpa + i])
			return 1;
	return 0;
}

static uint64_t desc_size(uint32_t num)
{
	return 16ull * num;
}

static uint64_t avail_size(uint32_t num)
{
	return 6 + 2ull * num;
}

static uint64_t used_size(uint32_t num)
{
	return 6 + 8ull * num;
}

/* Where the driver puts queue @q's rings for @num entries. */
static uint64_t layout_desc(unsigned int q)
{
	return VF_RING_BASE + (uint64_t)q * VF_RING_SIZE;
}

static uint64_t layout_avail(unsigned int q, uint32_t num)
{
	return layout_desc(q) + desc_size(num);
}

static uint64_t layout_used(unsigned int q, uint32_t num)
{
	return (layout_avail(q, num) + avail_size(num) + 3) & ~3ull;
}

static uint64_t offered(void)
{
	return m.d->features | TRANSPORT_FEATURES;
}

uint64_t vf_negotiated(void)
{
	return m.drv_features;
}

static int has(unsigned int bit)
{
	return !!(m.drv_features & (1ull << bit));
}

int vf_live(void)
{
	return (m.status & VF_ST_DRIVER_OK) && !(m.status & VF_ST_NEEDS_RESET);
}

int vf_ready(unsigned int q)
{
	return q < VF_MAX_QUEUES && vq[q].ready;
}

int vf_strict(unsigned int q)
{
	return q < VF_MAX_QUEUES && vq[q].ready && vq[q].strict;
}

unsigned int vf_in_flight(unsigned int q)
{
	return vf_strict(q) ? vq[q].fcount : 0;
}

uint32_t vf_rd(uint32_t off)
{
	return (uint32_t)harness_read(MODVMM_SPACE_MMIO, m.base + off, 4);
}

void vf_wr(uint32_t off, uint32_t val)
{
	harness_write(MODVMM_SPACE_MMIO, m.base + off, 4, val);
}

void vf_get(uint64_t gpa, void *buf, size_t len)
{
	FUZZ_ASSERT(in_ram(gpa, len));
	memcpy(buf, ram() + gpa, len);
}

uint64_t vf_buf(uint32_t sel, uint32_t len)
{
	uint32_t room = VF_DATA_END - VF_DATA_BASE;

	if (len > room)
		len = room;
	return VF_DATA_BASE + sel % (room - len + 1);
}

static struct vf_chain *fifo_at(struct vq *q, unsigned int i)
{
	return &q->fifo[(q->fhead + i) % VF_QMAX];
}

/* ---- what the device may write ------------------------------------------- */

static void chain_free(struct vq *q, struct vf_chain *ch)
{
	unsigned int i;

	for (i = 0; i < ch->nr_desc; i++)
		q->desc_busy[ch->desc[i]] = 0;
	if (ch->indir >= 0)
		m.indir_owner[ch->indir] = 0;
}

static void zombie_chain(const struct vf_chain *ch)
{
	unsigned int i;

	for (i = 0; i < ch->nseg; i++)
		if (ch->seg[i].writable) {
			mark(zombie, ch->seg[i].gpa, ch->seg[i].len);
			m.any_zombie = 1;
		}
}

/* Forget @q's chains: the device will not give them back. */
static void drop_chains(unsigned int qi, int keep_writable)
{
	struct vq *q = &vq[qi];
	struct vf_chain *ch;

	while (q->fcount) {
		ch = fifo_at(q, 0);
		if (keep_writable)
			zombie_chain(ch);
		if (m.d->dropped)
			m.d->dropped(qi, ch, m.checking);
		chain_free(q, ch);
		q->fhead = (q->fhead + 1) % VF_QMAX;
		q->fcount--;
	}
}

/* The driver (or the device) wrote over what the device may still read
 * of @q's chains: follow the queue loosely from now on. */
static void go_loose(unsigned int qi)
{
	struct vq *q = &vq[qi];

	if (!q->strict)
		return;
	DBG("queue %u goes loose\n", qi);
	q->strict = 0;
	drop_chains(qi, 1);
	if (m.d->lost)
		m.d->lost(qi);
}

/* Taint strict chains with a buffer where @map is marked. */
static void taint_marked(const uint8_t *map)
{
	unsigned int qi, i, k;

	for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
		if (!vf_strict(qi))
			continue;
		for (i = 0; i < vq[qi].fcount; i++) {
			struct vf_chain *ch = fifo_at(&vq[qi], i);

			for (k = 0; k < ch->nseg && !ch->tainted; k++)
				if (any_marked(map, ch->seg[k].gpa,
					       ch->seg[k].len))
					ch->tainted = 1;
		}
	}
}

/* Taint strict chains with a buffer overlapping [gpa, gpa + len). */
static void taint_range(uint64_t gpa, uint64_t len)
{
	unsigned int qi, i, k;

	for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
		if (!vf_strict(qi))
			continue;
		for (i = 0; i < vq[qi].fcount; i++) {
			struct vf_chain *ch = fifo_at(&vq[qi], i);

			for (k = 0; k < ch->nseg; k++)
				if (overlap(gpa, len, ch->seg[k].gpa,
					    ch->seg[k].len))
					ch->tainted = 1;
		}
	}
}

/* The writable descriptors of loose queue @q's table, as it is now. */
static int scan_queue(const struct vq *q)
{
	const uint8_t *r = ram(), *d, *e;
	uint64_t addr, len, j;
	int added = 0;
	uint32_t i;

	for (i = 0; i < q->num; i++) {
		d = r + q->desc + 16ull * i;
		addr = ld64(d);
		len = ld32(d + 8);
		if (ld16(d + 12) & VF_DESC_INDIRECT) {
			if (!len || len % 16 || !in_ram(addr, len))
				continue;
			for (j = 0; j < len / 16; j++) {
				e = r + addr + 16 * j;
				if (ld16(e + 12) & VF_DESC_WRITE)
					added |= mark_new(loose, ld64(e),
							  ld32(e + 8));
			}
		} else if (ld16(d + 12) & VF_DESC_WRITE) {
			added |= mark_new(loose, addr, len);
		}
	}
	return added;
}

static int scan_loose(void)
{
	unsigned int qi;
	int added = 0;

	for (qi = 0; qi < VF_MAX_QUEUES; qi++)
		if (vq[qi].ready && !vq[qi].strict)
			added |= scan_queue(&vq[qi]);
	if (added) {
		m.any_loose = 1;
		taint_marked(loose);
	}
	return added;
}

/* Whether a write over [gpa, gpa + len) may change a descriptor loose
 * queue @q can still read (its table, or an indirect table it names). */
static int touches_descs(const struct vq *q, uint64_t gpa, uint64_t len)
{
	const uint8_t *r = ram(), *d;
	uint32_t i;

	if (overlap(gpa, len, q->desc, desc_size(q->num)))
		return 1;
	for (i = 0; i < q->num; i++) {
		d = r + q->desc + 16ull * i;
		if ((ld16(d + 12) & VF_DESC_INDIRECT) &&
		    overlap(gpa, len, ld64(d), ld32(d + 8)))
			return 1;
	}
	return 0;
}

static void build_allow(void)
{
	unsigned int qi, i, k;
	size_t j;

	memcpy(allow, zombie, VF_RAM);
	if (m.any_loose)
		for (j = 0; j < VF_RAM; j++)
			allow[j] |= loose[j];
	for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
		struct vq *q = &vq[qi];

		if (m.prev[qi].ready)
			mark(allow, m.prev[qi].used, used_size(m.prev[qi].num));
		if (!q->ready)
			continue;
		mark(allow, q->used, used_size(q->num));
		if (!q->strict)
			continue;
		for (i = 0; i < q->fcount; i++) {
			struct vf_chain *ch = fifo_at(q, i);

			for (k = 0; k < ch->nseg; k++)
				if (ch->seg[k].writable)
					mark(allow, ch->seg[k].gpa,
					     ch->seg[k].len);
		}
	}
}

/* The device changed byte @j: what it may have spoiled. */
static void device_wrote(uint64_t j)
{
	unsigned int qi, s;

	for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
		struct vq *q = &vq[qi];

		if (!q->ready)
			continue;
		if (overlap(j, 1, q->avail, avail_size(q->num))) {
			q->avail_bad = 1;
			go_loose(qi);
		}
		if (q->strict && overlap(j, 1, q->desc, desc_size(q->num)) &&
		    q->desc_busy[(j - q->desc) / 16])
			go_loose(qi);
	}
	if (j >= VF_INDIR_BASE && j < VF_INDIR_BASE + VF_INDIR_SLOTS * VF_INDIR_SLOT) {
		s = (unsigned int)((j - VF_INDIR_BASE) / VF_INDIR_SLOT);
		if (m.indir_owner[s])
			go_loose((unsigned int)m.indir_owner[s] - 1);
	}
}

/* Check the device's writes in [from, to) against the driver's copy. */
static void diff_range(uint64_t from, uint64_t to)
{
	volatile const uint8_t *r = ram();
	uint64_t i, j, n;
	int built = 0;
	uint8_t v;

	for (i = from; i < to; i += n) {
		n = 64 - (i & 63);
		if (n > to - i)
			n = to - i;
		if (!memcmp((const uint8_t *)r + i, shadow + i, n))
			continue;
		for (j = i; j < i + n; j++) {
			v = r[j];
			if (v == shadow[j])
				continue;
			if (!built) {
				build_allow();
				built = 1;
			}
			if (!allow[j] && scan_loose())
				build_allow();
			if (!allow[j]) {
				fprintf(stderr,
					"virtiofuzz: %s wrote 0x%02x over 0x%02x at guest 0x%llx, outside every device-writable buffer and used ring\n",
					m.d->name, v, shadow[j],
					(unsigned long long)j);
				FUZZ_ASSERT(!"device write outside the writable buffers");
			}
			shadow[j] = v;
			device_wrote(j);
		}
	}
}

/* ---- ring accounting ----------------------------------------------------- */

/* The avail ring of @q as the driver left it: the heads it names, and
 * how far the index moved (at most a queue's worth counts: the device
 * refuses an index further ahead). */
static void account_avail(struct vq *q)
{
	const uint8_t *r = ram();
	uint16_t a = ld16(r + q->avail + 2), d = (uint16_t)(a - q->avail_prev);
	uint32_t s, h;

	if (d) {
		q->credits += d < q->num ? d : q->num;
		q->avail_prev = a;
		DBG("avail idx %u: %llu credits\n", a, (unsigned long long)q->credits);
	}
	for (s = 0; s < q->num; s++) {
		h = ld16(r + q->avail + 4 + 2ull * s);
		if (h < q->num)
			q->head_seen[h] = 1;
	}
}

/* What a driver write over [gpa, gpa + len) does to the queues. */
static void classify_before(uint64_t gpa, uint64_t len)
{
	unsigned int qi, i, s;

	DBG("driver writes 0x%llx+%llu\n", (unsigned long long)gpa,
	    (unsigned long long)len);
	for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
		struct vq *q = &vq[qi];

		if (!q->ready)
			continue;
		if (overlap(gpa, len, q->used, used_size(q->num))) {
			q->used_bad = 1;
			go_loose(qi);
		}
		if (!q->strict)
			continue;
		for (i = 0; i < q->fcount && q->strict; i++) {
			struct vf_chain *ch = fifo_at(q, i);
			unsigned int k;

			for (k = 0; k < ch->nr_desc; k++)
				if (overlap(gpa, len, q->desc + 16ull * ch->desc[k], 16))
					go_loose(qi);
			if (!q->strict)
				break;
			s = ch->pos & (q->num - 1);
			if (overlap(gpa, len, q->avail + 4 + 2ull * s, 2))
				go_loose(qi);
		}
	}
	if (overlap(gpa, len, VF_INDIR_BASE, VF_INDIR_SLOTS * VF_INDIR_SLOT))
		for (s = 0; s < VF_INDIR_SLOTS; s++)
			if (m.indir_owner[s] &&
			    overlap(gpa, len, VF_INDIR_BASE + s * VF_INDIR_SLOT,
				    VF_INDIR_SLOT))
				go_loose((unsigned int)m.indir_owner[s] - 1);
	taint_range(gpa, len);
}

/*
 * The driver writes @len bytes at @gpa: check what the device wrote
 * there first, remember the descriptors of loose queues it overwrites,
 * then write and follow the avail rings.
 */
static void put(uint64_t gpa, const void *buf, size_t len)
{
	unsigned int qi;
	uint8_t *r = ram();

	FUZZ_ASSERT(in_ram(gpa, len));
	if (!len)
		return;
	diff_range(gpa, gpa + len);
	classify_before(gpa, len);
	for (qi = 0; qi < VF_MAX_QUEUES; qi++)
		if (vq[qi].ready && !vq[qi].strict &&
		    touches_descs(&vq[qi], gpa, len) && scan_queue(&vq[qi])) {
			m.any_loose = 1;
			taint_marked(loose);
		}
	memcpy(r + gpa, buf, len);
	memcpy(shadow + gpa, buf, len);
	for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
		struct vq *q = &vq[qi];

		if (!q->ready || !overlap(gpa, len, q->avail, avail_size(q->num)))
			continue;
		account_avail(q);
		if (q->strict && ld16(r + q->avail + 2) != q->avail_idx)
			go_loose(qi);
		if (!q->strict)
			q->avail_idx = ld16(r + q->avail + 2);
	}
}

void vf_put(uint64_t gpa, const void *buf, size_t len)
{
	put(gpa, buf, len);
}

void vf_ram_write(const struct devfuzz_ctx *c, uint64_t gpa,
		  const uint8_t *buf, size_t len)
{
	(void)c;
	put(gpa, buf, len);
}

static void put_zeros(uint64_t gpa, size_t len)
{
	static const uint8_t zeros[VF_RING_SIZE];

	while (len) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);

		put(gpa, zeros, n);
		gpa += n;
		len -= n;
	}
}

/* ---- chains --------------------------------------------------------------- */

struct walk {
	int bad;
	unsigned int nseg, total, seen_write;
	struct vf_seg seg[VF_CHAIN_SEGS];
	uint64_t read_len, write_len;
};

/* One descriptor's buffer (2.7.4, 2.7.5): -1 if the chain is malformed. */
static int walk_add(struct walk *w, const uint8_t *d)
{
	uint64_t addr = ld64(d);
	uint32_t len = ld32(d + 8);
	int wr = !!(ld16(d + 12) & VF_DESC_WRITE);

	if (!len)
		return 0;		/* an empty buffer is no buffer */
	if (!wr && w->seen_write)
		return -1;
	if (!in_ram(addr, len) || w->total == MODVMM_VIRTIO_MAX_SEGS)
		return -1;
	w->total++;
	if (w->nseg < VF_CHAIN_SEGS)
		w->seg[w->nseg] = (struct vf_seg){ addr, len, (uint32_t)wr };
	w->nseg++;
	if (wr) {
		w->seen_write = 1;
		w->write_len += len;
	} else {
		w->read_len += len;
	}
	return 0;
}

/* Chain @head of @q as the specification reads it, from RAM. */
static void walk_chain(const struct vq *q, uint32_t head, struct walk *w)
{
	const uint8_t *r = ram(), *d, *e;
	uint32_t budget = q->num, i = head, j, n, len, budget2;
	uint16_t flags;
	uint64_t addr;

	memset(w, 0, sizeof(*w));
	for (;;) {
		if (i >= q->num || !budget--)
			goto bad;
		d = r + q->desc + 16ull * i;
		flags = ld16(d + 12);
		if (flags & VF_DESC_INDIRECT) {
			addr = ld64(d);
			len = ld32(d + 8);
			n = len / 16;
			if (!has(VIRTIO_F_INDIRECT_DESC) || (flags & VF_DESC_NEXT) ||
			    !len || len % 16 || n > MODVMM_VIRTIO_MAX_SEGS ||
			    !in_ram(addr, len))
				goto bad;
			for (j = 0, budget2 = MODVMM_VIRTIO_MAX_SEGS;;) {
				if (!budget2--)
					goto bad;
				e = r + addr + 16ull * j;
				if ((ld16(e + 12) & VF_DESC_INDIRECT) ||
				    walk_add(w, e))
					goto bad;
				if (!(ld16(e + 12) & VF_DESC_NEXT))
					return;
				j = ld16(e + 14);
				if (j >= n)
					goto bad;
			}
		}
		if (walk_add(w, d))
			goto bad;
		if (!(flags & VF_DESC_NEXT))
			return;
		i = ld16(d + 14);
	}
bad:
	w->bad = 1;
}

/* What chain @ch is, as published (or after the features changed). */
static void chain_judge(unsigned int qi, struct vf_chain *ch)
{
	struct walk w;

	if (ch->forced)
		return;
	walk_chain(&vq[qi], ch->head, &w);
	/* the driver never makes more than VF_CHAIN_SEGS buffers */
	FUZZ_ASSERT(w.bad || w.nseg <= VF_CHAIN_SEGS);
	ch->malformed = (uint8_t)w.bad;
	ch->nseg = w.bad ? 0 : w.nseg;
	memcpy(ch->seg, w.seg, sizeof(ch->seg));
	ch->read_len = (uint32_t)w.read_len;
	ch->write_len = (uint32_t)w.write_len;
	if (!ch->malformed && m.d->bad && m.d->bad(qi, ch))
		ch->malformed = 1;
}

static void desc_write(uint64_t gpa, uint64_t addr, uint32_t len,
		       uint16_t flags, uint16_t next)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	put(gpa, d, 16);
}

static int alloc_descs(struct vq *q, unsigned int need, uint16_t *d)
{
	unsigned int n = 0, tries;
	uint32_t i = q->next_desc % q->num;

	for (tries = 0; tries < q->num && n < need; tries++, i = (i + 1) % q->num)
		if (!q->strict || !q->desc_busy[i])
			d[n++] = (uint16_t)i;
	if (n < need)
		return -1;
	q->next_desc = (uint16_t)((d[need - 1] + 1) % q->num);
	return 0;
}

static int alloc_indir(void)
{
	static unsigned int rr;
	unsigned int i, s;

	for (i = 0; i < VF_INDIR_SLOTS; i++) {
		s = (rr + i) % VF_INDIR_SLOTS;
		if (!m.indir_owner[s]) {
			rr = s + 1;
			return (int)s;
		}
	}
	return -1;
}

/* Taint the new chain if its buffers overlap what others may write. */
static void taint_new(unsigned int qi, struct vf_chain *ch)
{
	unsigned int oq, i, k, l;

	for (k = 0; k < ch->nseg; k++) {
		const struct vf_seg *s = &ch->seg[k];

		if (s->gpa < VF_DATA_BASE || any_marked(zombie, s->gpa, s->len) ||
		    any_marked(loose, s->gpa, s->len))
			ch->tainted = 1;
		for (l = 0; l < k; l++)
			if ((s->writable || ch->seg[l].writable) &&
			    overlap(s->gpa, s->len, ch->seg[l].gpa, ch->seg[l].len))
				ch->tainted = 1;
		for (oq = 0; oq < VF_MAX_QUEUES; oq++) {
			struct vq *q = &vq[oq];

			if (!q->ready)
				continue;
			if (overlap(s->gpa, s->len, q->used, used_size(q->num)) ||
			    overlap(s->gpa, s->len, q->avail, avail_size(q->num)) ||
			    overlap(s->gpa, s->len, q->desc, desc_size(q->num)))
				ch->tainted = 1;
			if (!q->strict)
				continue;
			for (i = 0; i < q->fcount; i++) {
				struct vf_chain *o = fifo_at(q, i);
				unsigned int j;

				if (oq == qi && i == q->fcount - 1)
					continue;	/* itself */
				for (j = 0; j < o->nseg; j++)
					if ((s->writable || o->seg[j].writable) &&
					    overlap(s->gpa, s->len, o->seg[j].gpa,
						    o->seg[j].len)) {
						ch->tainted = 1;
						o->tainted = 1;
					}
			}
		}
	}
}

struct vf_chain *vf_publish(unsigned int qi, const struct vf_seg *seg,
			    unsigned int nd, int ni, unsigned int mal,
			    unsigned int arg)
{
	struct vq *q;
	struct vf_seg s[VF_CHAIN_SEGS];
	struct vf_chain *ch;
	uint16_t d[VF_CHAIN_SEGS + 1], head, pos, idx, flags, next;
	unsigned int total = nd + (ni > 0 ? (unsigned int)ni : 0);
	unsigned int need = nd + (ni >= 0), k;
	uint64_t tgpa = 0;
	uint32_t len;
	int slot = -1;

	if (qi >= m.d->nr_queues || qi >= VF_MAX_QUEUES)
		return NULL;
	q = &vq[qi];
	if (!q->ready || !q->layout || !need || total > VF_CHAIN_SEGS ||
	    need > q->num || (q->strict && q->fcount >= q->num))
		return NULL;
	if (alloc_descs(q, need, d))
		return NULL;
	if (ni >= 0) {
		slot = alloc_indir();
		if (slot < 0)
			return NULL;
		tgpa = VF_INDIR_BASE + (uint64_t)slot * VF_INDIR_SLOT;
	}
	memcpy(s, seg, total * sizeof(*s));
	if (mal == VF_MAL_WILD && total) {
		k = arg % total;
		if (s[k].len < 16)
			s[k].len = 16;
		s[k].gpa = arg & 0x80 ? VF_RAM - s[k].len / 2 :
			   (1ull << 32) + (arg & 0x7f) * 0x1000ull;
	}
	if (mal == VF_MAL_ORDER && total >= 2) {
		s[total - 2].writable = 1;
		s[total - 1].writable = 0;
		for (k = total - 2; k < total; k++)
			if (!s[k].len)
				s[k].len = 1;
	}
	/* the indirect table */
	for (k = 0; ni > 0 && k < (unsigned int)ni; k++) {
		flags = (uint16_t)((s[nd + k].writable ? VF_DESC_WRITE : 0) |
				   (k + 1 < (unsigned int)ni ? VF_DESC_NEXT : 0));
		next = (uint16_t)(k + 1);
		if (k + 1 == (unsigned int)ni && mal == VF_MAL_IND_RANGE) {
			flags |= VF_DESC_NEXT;
			next = (uint16_t)(ni + arg % 4);
		}
		if (k + 1 == (unsigned int)ni && mal == VF_MAL_IND_LOOP) {
			flags |= VF_DESC_NEXT;
			next = 0;
		}
		if (mal == VF_MAL_IND_NESTED && k == arg % (unsigned int)ni)
			flags |= VF_DESC_INDIRECT;
		desc_write(tgpa + 16ull * k, s[nd + k].gpa, s[nd + k].len,
			   flags, next);
	}
	/* the descriptors in the queue's table */
	for (k = 0; k < nd; k++) {
		int last = k + 1 == nd && ni < 0;

		flags = (uint16_t)((s[k].writable ? VF_DESC_WRITE : 0) |
				   (last ? 0 : VF_DESC_NEXT));
		next = last ? 0 : d[k + 1];
		if (last && mal == VF_MAL_LOOP) {
			flags |= VF_DESC_NEXT;
			next = d[0];
		}
		if (last && mal == VF_MAL_NEXT_RANGE) {
			flags |= VF_DESC_NEXT;
			next = (uint16_t)(q->num + arg);
		}
		desc_write(q->desc + 16ull * d[k], s[k].gpa, s[k].len, flags,
			   next);
	}
	if (ni >= 0) {
		/* the device ignores WRITE on an indirect descriptor */
		flags = (uint16_t)(VF_DESC_INDIRECT | (arg & 0x100 ? VF_DESC_WRITE : 0));
		len = 16u * (uint32_t)ni;
		next = 0;
		if (mal == VF_MAL_IND_NEXT) {
			flags |= VF_DESC_NEXT;
			next = d[0];
		}
		if (mal == VF_MAL_IND_SIZE)
			len = arg & 1 ? 0 : arg & 2 ? 16u * 257 : len + 1 + arg % 15;
		if (mal == VF_MAL_IND_WILD)
			tgpa = arg & 1 ? VF_RAM - 8 : 1ull << 33;
		desc_write(q->desc + 16ull * d[nd], tgpa, len, flags, next);
	}
	head = d[0];
	if (mal == VF_MAL_HEAD)
		head = (uint16_t)(q->num + arg % (0x10000 - q->num));
	pos = q->avail_idx;
	idx = (uint16_t)(pos + (mal == VF_MAL_AHEAD ? q->num + 1 : 1));
	put(q->avail + 4 + 2ull * (pos & (q->num - 1)), &head, 2);
	if (!q->strict) {
		q->avail_idx = idx;
		put(q->avail + 2, &idx, 2);
		return NULL;
	}
	/* follow it before the index makes it the device's */
	ch = fifo_at(q, q->fcount);
	memset(ch, 0, sizeof(*ch));
	ch->head = head;
	ch->pos = pos;
	ch->indir = slot;
	ch->nr_desc = (uint8_t)need;
	memcpy(ch->desc, d, need * sizeof(d[0]));
	for (k = 0; k < need; k++)
		q->desc_busy[d[k]] = 1;
	if (slot >= 0)
		m.indir_owner[slot] = (int)qi + 1;
	q->fcount++;
	if (mal == VF_MAL_HEAD || mal == VF_MAL_AHEAD) {
		ch->malformed = ch->forced = 1;
		ch->nseg = 0;
	} else {
		chain_judge(qi, ch);
	}
	taint_new(qi, ch);
	DBG("queue %u: chain head %u at %u: %u bufs, %u/%u bytes%s%s\n", qi,
	    ch->head, pos, ch->nseg, ch->read_len, ch->write_len,
	    ch->malformed ? ", malformed" : "", ch->tainted ? ", tainted" : "");
	q->avail_idx = idx;
	put(q->avail + 2, &idx, 2);
	return q->strict ? ch : NULL;
}

/* ---- the transport's registers ----------------------------------------- */

static void queue_enable(unsigned int qi)
{
	struct vq *q = &vq[qi];
	const uint8_t *r = ram();

	q->ready = 1;
	q->used_seen = 0;
	q->avail_prev = 0;
	q->credits = 0;
	q->used_total = 0;
	q->avail_bad = 0;
	q->fhead = q->fcount = 0;
	q->next_desc = 0;
	q->kick_expect = 0;
	memset(q->head_seen, 0, sizeof(q->head_seen));
	memset(q->desc_busy, 0, sizeof(q->desc_busy));
	/* the device starts at used index 0, whatever RAM holds */
	q->used_bad = ld16(r + q->used + 2) != 0;
	q->layout = q->desc == layout_desc(qi) &&
		    q->avail == layout_avail(qi, q->num) &&
		    q->used == layout_used(qi, q->num);
	q->avail_idx = ld16(r + q->avail + 2);
	q->strict = q->layout && !q->used_bad && q->avail_idx == 0;
	DBG("queue %u ready: num %u desc 0x%llx avail 0x%llx used 0x%llx%s\n",
	    qi, q->num, (unsigned long long)q->desc,
	    (unsigned long long)q->avail, (unsigned long long)q->used,
	    q->strict ? ", strict" : "");
	account_avail(q);
	/* its rings may lie over the buffers of the other queue's chains */
	taint_range(q->desc, desc_size(q->num));
	taint_range(q->avail, avail_size(q->num));
	taint_range(q->used, used_size(q->num));
}

static void queue_forget(unsigned int qi)
{
	drop_chains(qi, m.d->async);
	memset(&vq[qi], 0, sizeof(vq[qi]));
}

static int queue_valid(const struct vq *q)
{
	uint32_t num = q->num;

	return num && num <= m.d->queue_max && !(num & (num - 1)) &&
	       !(q->desc & 15) && !(q->avail & 1) && !(q->used & 3) &&
	       in_ram(q->desc, desc_size(num)) &&
	       in_ram(q->avail, avail_size(num)) &&
	       in_ram(q->used, used_size(num));
}

static void queue_write(uint32_t off, uint32_t v)
{
	struct vq *q;

	if (m.queue_sel >= m.d->nr_queues)
		return;
	q = &vq[m.queue_sel];
	if (off == VF_QUEUE_READY) {
		/*
		 * As at a device reset: the device drained the queue's
		 * requests before this write returned, and what it wrote
		 * counts against what the queue allowed then (a loose
		 * queue's table included), not after it is forgotten.
		 */
		if (!v && q->ready)
			diff_range(0, VF_RAM);
		if (!v)
			queue_forget(m.queue_sel);
		else if (!q->ready && queue_valid(q))
			queue_enable(m.queue_sel);
		vf_rd(VF_QUEUE_READY);		/* reads back what the model says */
		return;
	}
	if (q->ready)
		return;
	switch (off) {
	case VF_QUEUE_NUM:	q->num = v > 0xffff ? 0 : v; break;
	case VF_QUEUE_DESC:	q->desc = (q->desc & ~0xffffffffull) | v; break;
	case VF_QUEUE_DESC + 4:	q->desc = (q->desc & 0xffffffffull) | (uint64_t)v << 32; break;
	case VF_QUEUE_DRIVER:	q->avail = (q->avail & ~0xffffffffull) | v; break;
	case VF_QUEUE_DRIVER + 4: q->avail = (q->avail & 0xffffffffull) | (uint64_t)v << 32; break;
	case VF_QUEUE_DEVICE:	q->used = (q->used & ~0xffffffffull) | v; break;
	case VF_QUEUE_DEVICE + 4: q->used = (q->used & 0xffffffffull) | (uint64_t)v << 32; break;
	}
}

/* Status 0: back to power-on. */
static void device_reset(void)
{
	unsigned int qi;

	/*
	 * The device has reset (an async one waited for what it was doing):
	 * what it wrote before counts against what it was allowed then.
	 */
	diff_range(0, VF_RAM);
	for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
		drop_chains(qi, 0);
		memset(&vq[qi], 0, sizeof(vq[qi]));
	}
	m.status = 0;
	m.dev_feat_sel = m.drv_feat_sel = m.queue_sel = 0;
	m.drv_features = 0;
	m.isr_zero = 1;
	memset(m.indir_owner, 0, sizeof(m.indir_owner));
	if (m.any_zombie)
		memset(zombie, 0, sizeof(zombie));
	if (m.any_loose)
		memset(loose, 0, sizeof(loose));
	m.any_zombie = m.any_loose = 0;
	/* the line drops with the reset */
	FUZZ_ASSERT(!m.c->irq_level[m.irq]);
	if (m.d->reset)
		m.d->reset();
	vf_rd(VF_INT_STATUS);		/* reads 0 */
}

/* Chains judged before FEATURES_OK may change with the features. */
static void rejudge(void)
{
	unsigned int qi, i;

	for (qi = 0; qi < VF_MAX_QUEUES; qi++)
		for (i = 0; vf_strict(qi) && i < vq[qi].fcount; i++) {
			struct vf_chain *ch = fifo_at(&vq[qi], i);

			chain_judge(qi, ch);
		}
}

static void status_write(uint32_t v)
{
	uint32_t old = m.status;
	uint64_t bad;

	DBG("status 0x%x\n", v);
	if (!v) {
		device_reset();
		return;
	}
	v &= 0xff;
	if ((v & VF_ST_FEATURES_OK) && !(old & VF_ST_FEATURES_OK)) {
		/* only features offered, and VERSION_1: modern devices only */
		bad = m.drv_features & ~offered();
		if (bad || !has(VIRTIO_F_VERSION_1))
			v &= ~(uint32_t)VF_ST_FEATURES_OK;
		else
			rejudge();
	}
	if (v & VF_ST_NEEDS_RESET)
		m.nr_driver = 1;
	m.status = v | (old & VF_ST_NEEDS_RESET);
	if ((v & VF_ST_DRIVER_OK) && !(old & VF_ST_DRIVER_OK)) {
		m.isr_zero = 0;
		/* DRIVER_OK without FEATURES_OK: the device gives up */
		if (!(v & VF_ST_FEATURES_OK)) {
			m.status |= VF_ST_NEEDS_RESET;
			m.nr_driver = 1;
		}
	}
}

static void kick(uint32_t qi)
{
	struct vq *q;
	unsigned int i;

	if (qi >= VF_MAX_QUEUES || qi >= m.d->nr_queues || !vq[qi].ready ||
	    !vf_live())
		return;
	q = &vq[qi];
	DBG("kick %u\n", qi);
	if (!q->strict || (m.d->pops_on_kick && !m.d->pops_on_kick(qi)))
		return;
	for (i = 0; i < q->fcount; i++) {
		struct vf_chain *ch = fifo_at(q, i);

		if (ch->malformed) {
			q->kick_expect = 1;
			break;
		}
		ch->popped = 1;
	}
}

static void reg_write(uint32_t off, uint32_t v)
{
	uint32_t isr;

	switch (off) {
	case VF_DEV_FEATURES_SEL:
		m.dev_feat_sel = v;
		break;
	case VF_DRV_FEATURES:
		/* between DRIVER and FEATURES_OK */
		if (!(m.status & VF_ST_DRIVER) || (m.status & VF_ST_FEATURES_OK))
			break;
		if (m.drv_feat_sel == 0)
			m.drv_features = (m.drv_features & ~0xffffffffull) | v;
		else if (m.drv_feat_sel == 1)
			m.drv_features = (m.drv_features & 0xffffffffull) |
					 (uint64_t)v << 32;
		break;
	case VF_DRV_FEATURES_SEL:
		m.drv_feat_sel = v;
		break;
	case VF_QUEUE_SEL:
		m.queue_sel = v;
		break;
	case VF_QUEUE_NOTIFY:
		kick(v & 0xffff);
		break;
	case VF_INT_ACK:
		isr = vf_rd(VF_INT_STATUS);
		FUZZ_ASSERT(!(isr & v));	/* what was acknowledged is clear */
		break;
	case VF_STATUS:
		status_write(v);
		vf_rd(VF_STATUS);
		break;
	case VF_SHM_SEL:
		break;
	default:
		queue_write(off, v);
		break;
	}
}

static void reg_read(uint32_t off, uint32_t v)
{
	const struct devfuzz_ctx *c = m.c;
	uint64_t f = offered();

	switch (off) {
	case VF_MAGIC:
		FUZZ_ASSERT(v == VF_MAGIC_VALUE);
		break;
	case VF_VERSION:
		FUZZ_ASSERT(v == 2);
		break;
	case VF_DEVICE_ID:
		FUZZ_ASSERT(v == m.d->device_id);
		break;
	case VF_DEV_FEATURES:
		FUZZ_ASSERT(v == (m.dev_feat_sel == 0 ? (uint32_t)f :
				  m.dev_feat_sel == 1 ? (uint32_t)(f >> 32) : 0));
		break;
	case VF_QUEUE_NUM_MAX:
		FUZZ_ASSERT(v == (m.queue_sel < m.d->nr_queues ?
				  m.d->queue_max : 0));
		break;
	case VF_QUEUE_READY:
		FUZZ_ASSERT(v == (m.queue_sel < m.d->nr_queues ?
				  (uint32_t)vq[m.queue_sel].ready : 0));
		break;
	case VF_INT_STATUS:
		FUZZ_ASSERT(!(v & ~3u));
		FUZZ_ASSERT(c->irq_level[m.irq] == (v != 0));
		if (m.isr_zero)
			FUZZ_ASSERT(!v);
		break;
	case VF_STATUS:
		FUZZ_ASSERT((v & ~(uint32_t)VF_ST_NEEDS_RESET) ==
			    (m.status & ~(uint32_t)VF_ST_NEEDS_RESET));
		if (m.status & VF_ST_NEEDS_RESET)
			FUZZ_ASSERT(v & VF_ST_NEEDS_RESET);	/* sticky */
		else if (v & VF_ST_NEEDS_RESET) {
			DBG("device needs reset\n");
			m.status |= VF_ST_NEEDS_RESET;
			m.nr_new = 1;
			m.nr_status = v;
		}
		break;
	case VF_CONFIG_GEN:
		FUZZ_ASSERT(v == 0);	/* these configurations never change */
		break;
	case VF_SHM_LEN_LO:
	case VF_SHM_LEN_HI:
		FUZZ_ASSERT(v == 0xffffffff);	/* no shared memory */
		break;
	}
}

void vf_access(const struct devfuzz_ctx *c, const struct modvmm_access *a,
	       uint64_t val)
{
	uint64_t o, want = 0;

	m.c = c;
	if (a->offset >= VF_CONFIG) {
		o = a->offset - VF_CONFIG;
		/* read-only: writes change nothing */
		if (!a->is_write && m.d->config) {
			if (o + a->size <= m.d->config_len)
				memcpy(&want, m.d->config + o, a->size);
			FUZZ_ASSERT(val == want);
		}
		return;
	}
	/* registers are 32-bit: the driver uses nothing else */
	if (a->size != 4 || (a->offset & 3))
		return;
	if (a->is_write)
		reg_write((uint32_t)a->offset, (uint32_t)val);
	else
		reg_read((uint32_t)a->offset, (uint32_t)val);
}

/* ---- after every step -------------------------------------------------- */

/* The entries the device added to @q's used ring during the step. */
static void used_check(const struct devfuzz_ctx *c, unsigned int qi,
		       uint32_t isr)
{
	struct vq *q = &vq[qi];
	const uint8_t *r = ram(), *e;
	uint16_t u, n, k, event;
	uint32_t id, len;

	if (!q->ready)
		return;
	u = ld16(r + q->used + 2);
	n = (uint16_t)(u - q->used_seen);
	if (n)
		DBG("queue %u: used idx %u (seen %u), %llu used of %llu credits%s%s\n",
		    qi, u, q->used_seen, (unsigned long long)q->used_total,
		    (unsigned long long)q->credits, q->used_bad ? ", used_bad" : "",
		    q->avail_bad ? ", avail_bad" : "");
	if (q->used_bad) {
		q->used_seen = u;
		return;
	}
	if (!n)
		return;
	/* nothing is served while the device needs a reset */
	FUZZ_ASSERT(!(m.status_prev & VF_ST_NEEDS_RESET));
	if (!q->avail_bad) {
		FUZZ_ASSERT(n <= q->num);
		FUZZ_ASSERT(q->used_total + n <= q->credits);
	}
	for (k = 0; k < n; k++) {
		e = r + q->used + 4 + 8ull * ((uint16_t)(q->used_seen + k) &
					      (q->num - 1));
		id = ld32(e);
		len = ld32(e + 4);
		DBG("queue %u: used %u len %u\n", qi, id, len);
		FUZZ_ASSERT(id < q->num);
		if (!q->avail_bad)
			FUZZ_ASSERT(q->head_seen[id]);
		if (q->strict) {
			struct vf_chain *ch = fifo_at(q, 0);

			/* the chains published, in order, none malformed */
			FUZZ_ASSERT(q->fcount);
			FUZZ_ASSERT(!ch->malformed);
			FUZZ_ASSERT(id == ch->head);
			FUZZ_ASSERT(len <= ch->write_len);
			if (m.d->used)
				m.d->used(c, qi, ch, len);
			chain_free(q, ch);
			q->fhead = (q->fhead + 1) % VF_QMAX;
			q->fcount--;
		}
	}
	/*
	 * 2.7.7, 2.7.10: the interrupt the driver asked for (unless the
	 * device gave up in the same batch: the configuration interrupt
	 * says reset, the used entries no longer matter)
	 */
	if (q->strict && vf_live()) {
		if (!has(VIRTIO_F_EVENT_IDX)) {
			if (!(ld16(r + q->avail) & 1))
				FUZZ_ASSERT(isr & 1);
		} else {
			event = ld16(r + q->avail + 4 + 2ull * q->num);
			if ((uint16_t)(u - event - 1) < (uint16_t)(u - q->used_seen))
				FUZZ_ASSERT(isr & 1);
		}
	}
	q->used_seen = u;
	q->used_total += n;
}

void vf_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	unsigned int qi;
	uint32_t st, isr;
	int justified;

	(void)s;
	m.c = c;
	st = vf_rd(VF_STATUS);
	isr = vf_rd(VF_INT_STATUS);
	FUZZ_ASSERT(c->irq_level[m.irq] == (isr != 0));
	m.checking = 1;
	diff_range(0, VF_RAM);
	m.checking = 0;
	for (qi = 0; qi < VF_MAX_QUEUES; qi++)
		used_check(c, qi, isr);
	if (m.nr_new) {
		/* a malformed chain, or rings the model cannot vouch for */
		justified = m.nr_driver;
		for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
			struct vq *q = &vq[qi];
			unsigned int i;

			if (!q->ready)
				continue;
			if (!q->strict || q->avail_bad)
				justified = 1;
			for (i = 0; i < q->fcount; i++)
				if (fifo_at(q, i)->malformed)
					justified = 1;
		}
		FUZZ_ASSERT(justified);
		/* 2.1.2: with DRIVER_OK, a configuration change notification */
		if (m.nr_status & VF_ST_DRIVER_OK)
			FUZZ_ASSERT(isr & 2);
	}
	for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
		if (vq[qi].kick_expect)
			FUZZ_ASSERT(st & VF_ST_NEEDS_RESET);
		vq[qi].kick_expect = 0;
		m.prev[qi].ready = vq[qi].ready;
		m.prev[qi].used = vq[qi].used;
		m.prev[qi].num = vq[qi].num;
	}
	m.status_prev = st;
	m.nr_new = m.nr_driver = 0;
}

void vf_check_end(const struct devfuzz_ctx *c)
{
	unsigned int qi;

	/* the transport let go of its line */
	FUZZ_ASSERT(!c->irq_level[m.irq]);
	/* the device is gone: its last writes, then what was still in
	 * flight, which may or may not have run */
	m.checking = 1;
	diff_range(0, VF_RAM);
	for (qi = 0; qi < VF_MAX_QUEUES; qi++)
		drop_chains(qi, 0);
	m.checking = 0;
}

/* ---- the driver ---------------------------------------------------------- */

/* Zero queue @q's ring area and set it up for @num entries. */
static void queue_setup(unsigned int q, uint32_t num)
{
	uint64_t desc = layout_desc(q), avail = layout_avail(q, num),
		 used = layout_used(q, num);

	put_zeros(desc, VF_RING_SIZE);
	vf_wr(VF_QUEUE_SEL, q);
	vf_wr(VF_QUEUE_NUM, num);
	vf_wr(VF_QUEUE_DESC, (uint32_t)desc);
	vf_wr(VF_QUEUE_DESC + 4, (uint32_t)(desc >> 32));
	vf_wr(VF_QUEUE_DRIVER, (uint32_t)avail);
	vf_wr(VF_QUEUE_DRIVER + 4, (uint32_t)(avail >> 32));
	vf_wr(VF_QUEUE_DEVICE, (uint32_t)used);
	vf_wr(VF_QUEUE_DEVICE + 4, (uint32_t)(used >> 32));
	vf_wr(VF_QUEUE_READY, 1);
}

#define INIT_INDIRECT	0x01
#define INIT_EVENT_IDX	0x02
#define INIT_DEVICE	0x04
#define INIT_UNOFFERED	0x08	/* also a bit the device did not offer */
#define INIT_NO_V1	0x10
#define INIT_FORCE	0x20	/* go on when FEATURES_OK did not stick */

/*
 * The driver's initialisation (3.1.1): reset, ACKNOWLEDGE, DRIVER, read
 * the features, write a subset, FEATURES_OK, read it back, the queues,
 * DRIVER_OK.  @stage 1 stops after FEATURES_OK, 2 before DRIVER_OK, 3
 * sets DRIVER_OK before the queues.
 */
static void driver_init(unsigned int how, unsigned int stage, uint32_t qsize)
{
	uint32_t st = VF_ST_ACK | VF_ST_DRIVER, got;
	uint64_t dev, take = 0;
	unsigned int q;

	vf_wr(VF_STATUS, 0);
	vf_rd(VF_MAGIC);
	vf_rd(VF_VERSION);
	vf_rd(VF_DEVICE_ID);
	vf_wr(VF_STATUS, VF_ST_ACK);
	vf_wr(VF_STATUS, st);
	vf_wr(VF_DEV_FEATURES_SEL, 0);
	dev = vf_rd(VF_DEV_FEATURES);
	vf_wr(VF_DEV_FEATURES_SEL, 1);
	dev |= (uint64_t)vf_rd(VF_DEV_FEATURES) << 32;
	if (!(how & INIT_NO_V1))
		take |= 1ull << VIRTIO_F_VERSION_1;
	if (how & INIT_INDIRECT)
		take |= 1ull << VIRTIO_F_INDIRECT_DESC;
	if (how & INIT_EVENT_IDX)
		take |= 1ull << VIRTIO_F_EVENT_IDX;
	if (how & INIT_DEVICE)
		take |= m.d->features;
	take &= dev;
	if (how & INIT_UNOFFERED)
		take |= 1ull << 40;
	vf_wr(VF_DRV_FEATURES_SEL, 0);
	vf_wr(VF_DRV_FEATURES, (uint32_t)take);
	vf_wr(VF_DRV_FEATURES_SEL, 1);
	vf_wr(VF_DRV_FEATURES, (uint32_t)(take >> 32));
	st |= VF_ST_FEATURES_OK;
	vf_wr(VF_STATUS, st);
	got = vf_rd(VF_STATUS);
	if ((!(got & VF_ST_FEATURES_OK) && !(how & INIT_FORCE)) || stage == 1)
		return;
	if (stage == 3)
		vf_wr(VF_STATUS, st | VF_ST_DRIVER_OK);
	if (qsize > m.d->queue_max)
		qsize = m.d->queue_max;
	for (q = 0; q < m.d->nr_queues; q++)
		queue_setup(q, qsize);
	if (stage != 2)
		vf_wr(VF_STATUS, st | VF_ST_DRIVER_OK);
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Real time, not rounds: on a loaded machine the worker may be slow. */
void vf_wait(void)
{
	unsigned int qi, i, popped;
	long long deadline = mono_ns() + WAIT_NS;
	const uint8_t *r;

	if (!m.d->async)
		return;
	while (mono_ns() < deadline) {
		int waiting = 0;

		/* after NEEDS_RESET nothing will come back */
		if (vf_rd(VF_STATUS) & VF_ST_NEEDS_RESET)
			return;
		r = ram();
		for (qi = 0; qi < VF_MAX_QUEUES; qi++) {
			struct vq *q = &vq[qi];

			if (!vf_strict(qi))
				continue;
			for (i = popped = 0; i < q->fcount; i++)
				popped += fifo_at(q, i)->popped;
			if ((uint16_t)(ld16(r + q->used + 2) - q->used_seen) < popped)
				waiting = 1;
		}
		if (!waiting)
			return;
		harness_poll_wait(2);
	}
}

void vf_kick(unsigned int q, int wait)
{
	vf_wr(VF_QUEUE_NOTIFY, q);
	if (wait)
		vf_wait();
}

/* Step 1: a chain of fuzzed buffers, maybe spoilt. */
static void step_chain(struct fuzz_in *in)
{
	struct vf_seg s[VF_CHAIN_SEGS], t;
	uint8_t b = fuzz_u8(in), f;
	unsigned int q = b & 1, ind = !!(b & 8), nd = (b >> 1) & 3,
		     ni = ind ? 1 + ((b >> 4) & 3) : 0, mal = 0, arg = 0, k, l;
	uint16_t sel;
	uint32_t len;

	if (!ind)
		nd++;
	for (k = 0; k < nd + ni; k++) {
		f = fuzz_u8(in);
		sel = fuzz_u16(in);
		len = (f >> 1) & 0x1f;
		if (f & 0x40)
			len = (len + 1) * 64;
		s[k].writable = f & 1;
		s[k].len = len;
		/* now and then anywhere: over the rings, say */
		if (f & 0x80)
			s[k].gpa = sel % (VF_RAM - len + 1);
		else
			s[k].gpa = vf_buf(sel, len);
	}
	/* readable buffers first, unless the chain is to be spoilt so */
	for (k = 1; k < nd + ni; k++)
		for (l = k; l > 0 && !s[l].writable && s[l - 1].writable; l--) {
			t = s[l];
			s[l] = s[l - 1];
			s[l - 1] = t;
		}
	if (b & 0xc0) {
		mal = 1 + fuzz_u8(in) % (VF_NR_MAL - 1);
		arg = fuzz_u16(in);
	}
	vf_publish(q, s, nd, ind ? (int)ni : -1, mal, arg);
}

/* Step 5: write over something the device reads or writes. */
static void step_corrupt(struct fuzz_in *in)
{
	uint8_t t = fuzz_u8(in), sel = fuzz_u8(in);
	uint16_t val = fuzz_u16(in);
	struct vq *q = &vq[(t >> 3) & 1];
	struct vf_chain *ch;
	uint64_t gpa;

	if (!q->ready || !q->num)
		return;
	switch (t & 7) {
	case 0:		/* a descriptor of a chain in flight, or any */
		if (q->strict && q->fcount) {
			ch = fifo_at(q, sel % q->fcount);
			gpa = q->desc + 16ull * (ch->nr_desc ?
				ch->desc[(sel >> 4) % ch->nr_desc] : 0);
		} else {
			gpa = q->desc + 16ull * (sel % q->num);
		}
		gpa += (t >> 4) * 2 % 16;
		break;
	case 1:
		gpa = q->avail + 2;		/* the avail index */
		break;
	case 2:
		gpa = q->avail + 4 + 2ull * (sel % q->num);
		break;
	case 3:
		gpa = q->avail;			/* flags */
		break;
	case 4:
		gpa = q->avail + 4 + 2ull * q->num;	/* used_event */
		break;
	case 5:		/* an indirect table */
		gpa = VF_INDIR_BASE + (sel % VF_INDIR_SLOTS) * VF_INDIR_SLOT +
		      (t >> 4) * 8;
		break;
	case 6:		/* a buffer of a chain in flight */
		if (!q->strict || !q->fcount)
			return;
		ch = fifo_at(q, sel % q->fcount);
		if (!ch->nseg)
			return;
		gpa = ch->seg[(sel >> 4) % ch->nseg].gpa;
		break;
	default:	/* the used ring: the driver's mistake */
		gpa = q->used + 2 + (2ull * (sel + (t >> 4)) % (4 + 8ull * q->num));
		break;
	}
	if (in_ram(gpa, 2))
		put(gpa, &val, 2);
}

int vf_step(const struct devfuzz_ctx *c, unsigned int kind,
	    struct fuzz_in *in)
{
	uint8_t k, f;
	uint16_t v;
	struct vq *q;

	m.c = c;
	switch (kind) {
	case 0:		/* (re)initialise */
		f = fuzz_u8(in);
		k = fuzz_u8(in);
		driver_init(f & 0x3f, f >> 6, 1u << (k % 9));
		return 1;
	case 1:
		step_chain(in);
		return 1;
	case 2:		/* kick */
		k = fuzz_u8(in);
		if (k & 0x80)
			vf_kick(k & 0x7f, 0);	/* a queue that is not there */
		else
			vf_kick(k & 1, !(k & 2));
		return 1;
	case 3:		/* acknowledge what InterruptStatus says, or bits */
		k = fuzz_u8(in);
		vf_wr(VF_INT_ACK, k & 0x80 ? k & 7u : vf_rd(VF_INT_STATUS));
		return 1;
	case 4:		/* notification suppression */
		k = fuzz_u8(in);
		v = fuzz_u16(in);
		q = &vq[k & 1];
		if (q->ready && q->layout) {
			uint16_t flags = (k >> 1) & 1,
				 event = (uint16_t)(q->used_seen + v % 8);

			put(q->avail, &flags, 2);
			put(q->avail + 4 + 2ull * q->num, &event, 2);
		}
		return 1;
	case 5:
		step_corrupt(in);
		return 1;
	case 6:		/* queue reset, maybe set up again */
		k = fuzz_u8(in);
		vf_wr(VF_QUEUE_SEL, k & 1);
		vf_wr(VF_QUEUE_READY, 0);
		if (k & 2)
			queue_setup(k & 1, 1u << ((k >> 2) % 9));
		return 1;
	case 7:		/* device reset */
		vf_wr(VF_STATUS, 0);
		return 1;
	case 8:
		vf_wait();
		return 1;
	default:
		return 0;
	}
}

void vf_begin(const struct vf_device *d, const struct devfuzz_ctx *c,
	      const struct vf_variant *v)
{
	unsigned int how = 0;

	FUZZ_ASSERT(d->nr_queues >= 1 && d->nr_queues <= VF_MAX_QUEUES);
	memset(&m, 0, sizeof(m));
	memset(vq, 0, sizeof(vq));
	memset(zombie, 0, sizeof(zombie));
	memset(loose, 0, sizeof(loose));
	m.d = d;
	m.c = c;
	m.base = c->opt->win[0].base;
	m.irq = (unsigned int)c->opt->irq;
	m.isr_zero = 1;
	memcpy(shadow, ram(), VF_RAM);
	if (!v || !v->init)
		return;
	if (v->features & (1ull << VIRTIO_F_INDIRECT_DESC))
		how |= INIT_INDIRECT;
	if (v->features & (1ull << VIRTIO_F_EVENT_IDX))
		how |= INIT_EVENT_IDX;
	if (v->features & d->features)
		how |= INIT_DEVICE;
	driver_init(how, 0, v->qsize);
}
