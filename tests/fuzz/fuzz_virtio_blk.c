// SPDX-License-Identifier: MIT
/*
 * fuzz_virtio_blk - virtio-blk (devices/virtio_blk.c) on the virtio-mmio
 * transport, with its I/O worker thread: completions come back through
 * an eventfd the harness polls (the kick step waits for them, bounded,
 * unless told not to; the wait step of devfuzz polls too).
 *
 * The disk is a memfd (file=/proc/self/fd/N) of 16 sectors, rewritten
 * with a known pattern before every input; a second one has 300 bytes
 * past the last whole sector, which must never change.  On top of the
 * transport model of virtiofuzz.h, a model of the disk and of what
 * virtio_blk.c documents (Virtio 1.2, 5.2):
 *  - the configuration space: capacity, size_max, seg_max, blk_size,
 *    the discard and write zeroes limits; RO offered with readonly,
 *    DISCARD and WRITE_ZEROES without;
 *  - a chain without 16 readable bytes for the header or a writable
 *    status byte: DEVICE_NEEDS_RESET;
 *  - every request the model built or could read back: the status byte
 *    (OK, IOERR for bad lengths, ranges and readonly, UNSUPP for unknown
 *    types and discard/write zeroes flags), the used length (1, plus
 *    the data of a good read or the ID bytes of GET_ID), a read's bytes
 *    equal to the disk's at that sector (the model applies writes and
 *    write zeroes in completion order, which is the worker's order),
 *    GET_ID's bytes, and no byte of a writable buffer written beyond
 *    what the request returns;
 *  - the image file equals the model (sectors the model still knows)
 *    when the device is quiet: after a reset, with nothing in flight,
 *    and at the end.
 *
 * Its own step (kind VF_NR_STEPS): a request, see blk_request().
 */
#include <endian.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <modvmm/virtio_blk.h>

#include "virtiofuzz.h"

#define SECTOR		512u
#define SECTORS		16u
#define IMG_BYTES	(SECTORS * SECTOR)
#define TAIL		300u	/* image 1: bytes past the last sector */
#define POISON		0xa5

#define DWZ_MAX_SEG	32u
#define DISCARD_MAX	(1u << 22)
#define ZEROES_MAX	(1u << 18)

static int img_fd[2] = { -1, -1 };
static char opt_str[4][128];
static struct devfuzz_opt opts[4];

static const struct vf_variant variants[] = {
	{ 1, ~0ull, 16 },
	{ 1, ~0ull, 8 },
	{ 1, 0, 4 },		/* no FLUSH: writes are written through */
	{ 0, 0, 0 },
};
static const int opt_img[] = { 0, 0, 1, 0 };
static const int opt_ro[] = { 0, 1, 0, 0 };
static const char *const opt_serial[] = { "", "", "fuzz-serial-01234567", "" };

static struct {
	int ro;
	int img;
	char id[20];
	uint8_t disk[IMG_BYTES];
	uint8_t known[SECTORS];
	int dirty;		/* requests may run that the model cannot see */
	uint32_t cursor;	/* where the next request's buffers go */
	struct virtio_blk_config config;
	struct vf_device dev;
} b;

/* ---- the image ---------------------------------------------------------- */

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 9) + 1);
}

static void images_fill(void)
{
	static uint8_t buf[IMG_BYTES + TAIL];
	size_t i;
	int k;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	for (k = 0; k < 2; k++) {
		size_t len = IMG_BYTES + (k ? TAIL : 0);

		/* the same size every time: the hole punched is filled again */
		FUZZ_ASSERT(pwrite(img_fd[k], buf, len, 0) == (ssize_t)len);
	}
}

/* The file against the model, then the model from the file. */
static void disk_sync(const char *when)
{
	static uint8_t buf[IMG_BYTES + TAIL];
	size_t len = IMG_BYTES + (b.img ? TAIL : 0), i;
	unsigned int s;

	FUZZ_ASSERT(pread(img_fd[b.img], buf, len, 0) == (ssize_t)len);
	for (s = 0; s < SECTORS; s++)
		if (b.known[s] && memcmp(buf + s * SECTOR, b.disk + s * SECTOR,
					 SECTOR)) {
			fprintf(stderr, "fuzz_virtio_blk: %s: sector %u of the image is not what the requests made it\n",
				when, s);
			FUZZ_ASSERT(!"image differs from the model");
		}
	/* the bytes past the last whole sector are not the disk's */
	for (i = IMG_BYTES; i < len; i++)
		FUZZ_ASSERT(buf[i] == pattern(i));
	memcpy(b.disk, buf, IMG_BYTES);
	memset(b.known, 1, sizeof(b.known));
	b.dirty = 0;
}

static void forget_range(uint64_t sector, uint64_t n)
{
	uint64_t s;

	for (s = sector; s < SECTORS && s - sector < n; s++)
		b.known[s] = 0;
}

static void forget_all(void)
{
	memset(b.known, 0, sizeof(b.known));
}

/* ---- requests as the device reads them ------------------------------------ */

/* @len bytes at @off of the readable (or writable) buffers of @ch. */
static int gather(const struct vf_chain *ch, int writable, uint64_t off,
		  uint8_t *buf, uint64_t len)
{
	unsigned int i;
	uint64_t n;

	for (i = 0; i < ch->nseg && len; i++) {
		const struct vf_seg *s = &ch->seg[i];

		if ((int)s->writable != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len)
			n = len;
		vf_get(s->gpa + off, buf, n);
		buf += n;
		len -= n;
		off = 0;
	}
	return len ? -1 : 0;
}

static int in_range(uint64_t sector, uint64_t n)
{
	return sector <= SECTORS && n <= SECTORS - sector;
}

/* What chain @ch may have done to the disk, when the model cannot
 * follow it: the sectors it may have written are no longer known. */
static void blk_unknown(const struct vf_chain *ch)
{
	uint8_t hdr[16];
	uint32_t type;
	uint64_t sector;

	if (ch->malformed)
		return;
	if (ch->tainted || gather(ch, 0, 0, hdr, 16)) {
		forget_all();
		return;
	}
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);
	if (b.ro)
		return;
	if (type == VIRTIO_BLK_T_OUT)
		forget_range(sector, (ch->read_len - 16) / SECTOR + 1);
	else if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES)
		forget_all();
}

/* A chain that will never come back: it may run any time until a reset. */
static void blk_dropped(unsigned int q, struct vf_chain *ch, int unseen)
{
	(void)q;
	(void)unseen;
	b.dirty = 1;
	blk_unknown(ch);
}

static void blk_lost(unsigned int q)
{
	(void)q;
	b.dirty = 1;
	if (!b.ro)
		forget_all();
}

static int blk_bad(unsigned int q, const struct vf_chain *ch)
{
	(void)q;
	return ch->read_len < 16 || ch->write_len < 1;
}

/* A discard or write zeroes request: its status, the model updated. */
static uint8_t blk_dwz(const struct vf_chain *ch, uint32_t type)
{
	int discard = type == VIRTIO_BLK_T_DISCARD;
	uint32_t len = ch->read_len - 16, nr = len / 16, i, num, flags;
	uint32_t max = discard ? DISCARD_MAX : ZEROES_MAX;
	uint8_t seg[DWZ_MAX_SEG][16];
	uint64_t sector;

	if (b.ro || !nr || len % 16 || nr > DWZ_MAX_SEG)
		return VIRTIO_BLK_S_IOERR;
	FUZZ_ASSERT(!gather(ch, 0, 16, &seg[0][0], len));
	for (i = 0; i < nr; i++) {
		memcpy(&flags, seg[i] + 12, 4);
		flags = le32toh(flags);
		if ((flags & ~1u) || (discard && (flags & 1)))
			return VIRTIO_BLK_S_UNSUPP;
	}
	for (i = 0; i < nr; i++) {
		memcpy(&sector, seg[i], 8);
		memcpy(&num, seg[i] + 8, 4);
		if (le32toh(num) > max || !in_range(le64toh(sector), le32toh(num)))
			return VIRTIO_BLK_S_IOERR;
	}
	for (i = 0; i < nr; i++) {
		memcpy(&sector, seg[i], 8);
		memcpy(&num, seg[i] + 8, 4);
		sector = le64toh(sector);
		num = le32toh(num);
		if (discard) {
			forget_range(sector, num);	/* a hint */
		} else {
			memset(b.disk + sector * SECTOR, 0, (size_t)num * SECTOR);
			memset(b.known + sector, 1, num);
		}
	}
	return VIRTIO_BLK_S_OK;
}

/* Writable bytes [from, to) of a poisoned chain: not written. */
static void untouched(const struct vf_chain *ch, uint64_t from, uint64_t to)
{
	uint8_t buf[512];
	uint64_t n, i;

	while (from < to) {
		n = to - from < sizeof(buf) ? to - from : sizeof(buf);
		FUZZ_ASSERT(!gather(ch, 1, from, buf, n));
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(buf[i] == POISON);
		from += n;
	}
}

/*
 * Chain @ch came back with @len bytes written: what the device must
 * have done, by its header (the readable bytes are still what the
 * driver wrote: the chain is not tainted).
 */
static void blk_used(const struct devfuzz_ctx *c, unsigned int q,
		     struct vf_chain *ch, uint32_t len)
{
	uint8_t hdr[16], st, want = VIRTIO_BLK_S_OK, buf[SECTOR];
	uint32_t type, data = 0, ret = 0;
	uint64_t sector, s;
	const struct vf_seg *last = &ch->seg[ch->nseg - 1];
	int poisoned = ch->tag[0] == 1;

	(void)c;
	(void)q;
	if (ch->tainted) {
		blk_unknown(ch);
		return;
	}
	FUZZ_ASSERT(!gather(ch, 0, 0, hdr, 16));
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);
	FUZZ_ASSERT(last->writable);
	vf_get(last->gpa + last->len - 1, &st, 1);

	switch (type) {
	case VIRTIO_BLK_T_IN:
		data = ch->write_len - 1;
		if (data % SECTOR || !in_range(sector, data / SECTOR)) {
			want = VIRTIO_BLK_S_IOERR;
			break;
		}
		ret = data;
		for (s = 0; s < data / SECTOR; s++) {
			if (!b.known[sector + s])
				continue;
			FUZZ_ASSERT(!gather(ch, 1, s * SECTOR, buf, SECTOR));
			if (memcmp(buf, b.disk + (sector + s) * SECTOR, SECTOR)) {
				fprintf(stderr, "fuzz_virtio_blk: a read of sector %llu returned other bytes than the disk's\n",
					(unsigned long long)(sector + s));
				FUZZ_ASSERT(!"read data differs from the disk");
			}
		}
		break;
	case VIRTIO_BLK_T_OUT:
		data = ch->read_len - 16;
		if (b.ro || data % SECTOR || !in_range(sector, data / SECTOR)) {
			want = VIRTIO_BLK_S_IOERR;
			break;
		}
		for (s = 0; s < data / SECTOR; s++) {
			FUZZ_ASSERT(!gather(ch, 0, 16 + s * SECTOR,
					    b.disk + (sector + s) * SECTOR, SECTOR));
			b.known[sector + s] = 1;
		}
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	case VIRTIO_BLK_T_GET_ID:
		ret = ch->write_len - 1 < 20 ? ch->write_len - 1 : 20;
		gather(ch, 1, 0, buf, ret);
		FUZZ_ASSERT(!memcmp(buf, b.id, ret));
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		want = blk_dwz(ch, type);
		break;
	default:
		want = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (st != want || len != 1 + ret) {
		fprintf(stderr, "fuzz_virtio_blk: request type %u sector %llu (%u readable, %u writable bytes): status %u used length %u, want %u and %u\n",
			type, (unsigned long long)sector, ch->read_len,
			ch->write_len, st, len, want, 1 + ret);
		FUZZ_ASSERT(!"wrong status or used length");
	}
	if (poisoned)
		untouched(ch, ret, ch->write_len - 1);
}

static int blk_pops(unsigned int q)
{
	(void)q;
	return 1;
}

static void blk_reset_hook(void)
{
	/* the worker is idle after a reset: the disk is what it is */
	disk_sync("after a reset");
}

/* ---- the request step ------------------------------------------------------- */

/* Room for @len bytes of buffers, in turn through the data area. */
static uint64_t blk_alloc(uint32_t len)
{
	uint32_t room = VF_DATA_END - VF_DATA_BASE;
	uint64_t gpa;

	if (b.cursor + len > room)
		b.cursor = 0;
	gpa = VF_DATA_BASE + b.cursor;
	b.cursor += (len + 63) & ~63u;
	return gpa;
}

static void add_seg(struct vf_seg *s, unsigned int *n, uint64_t gpa,
		    uint32_t len, int writable)
{
	if (*n < VF_CHAIN_SEGS)
		s[(*n)++] = (struct vf_seg){ gpa, len, (uint32_t)writable };
}

/*
 * A request: t picks the type (t & 7: IN, OUT, FLUSH, GET_ID, DISCARD,
 * WRITE_ZEROES, GET_LIFETIME, a type byte that follows), t & 8 splits
 * the header, t & 0x10 puts the status byte at the end of the last data
 * buffer, t & 0x20 puts it all in an indirect table (if negotiated),
 * t & 0x40 kicks, t & 0x80 does not wait for the completion.  Then the
 * sector byte (0xff: far past the end), a count byte (sectors, data
 * buffers, bytes off a whole sector; segments and flags for discard and
 * write zeroes; ID room for GET_ID) and a pattern byte for the data.
 */
static void blk_request(struct fuzz_in *in)
{
	struct vf_seg s[VF_CHAIN_SEGS];
	struct vf_chain *ch;
	uint8_t t = fuzz_u8(in), sb = fuzz_u8(in), cnt = fuzz_u8(in),
		seed = fuzz_u8(in), hdr[16], dwz[3][16], poison[2048];
	static const uint32_t types[] = { VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID,
		VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES, VIRTIO_BLK_T_GET_LIFETIME };
	uint32_t type = (t & 7) < 7 ? types[t & 7] : fuzz_u8(in);
	uint64_t sector = sb == 0xff ? 0xffffffffffffff00ull : sb % (SECTORS + 3);
	uint32_t data = 0, nbuf = 1, k, n = 0, hlen = 16, piece, off, i;
	uint64_t hgpa, dgpa = 0, sgpa;
	int out = type == VIRTIO_BLK_T_OUT, in_data = type == VIRTIO_BLK_T_IN, merge;

	memset(poison, POISON, sizeof(poison));
	if (in_data || out) {
		data = (cnt & 3) * SECTOR + (cnt >> 5);
		nbuf = 1 + ((cnt >> 2) & 3) % 3;
	} else if (type == VIRTIO_BLK_T_GET_ID) {
		data = cnt % 40;
	} else if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES) {
		data = (cnt & 3) * 16;
		for (k = 0; k < 3; k++) {
			uint64_t ds = fuzz_u8(in) % (SECTORS + 2);
			uint8_t nb = fuzz_u8(in), fl = fuzz_u8(in);
			uint32_t num = nb == 0xff ? ZEROES_MAX + 1 : nb % (SECTORS + 2);
			uint32_t flags = fl & 0x80 ? fl : fl & 1;

			memcpy(dwz[k], &ds, 8);
			memcpy(dwz[k] + 8, &num, 4);
			memcpy(dwz[k] + 12, &flags, 4);
		}
	}
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	/* cnt & 0x10: an OUT's data right after the header, in its buffer;
	 * an IN's header buffer 8 bytes longer (both: any layout) */
	merge = (cnt & 0x10) && (out || in_data);
	hgpa = blk_alloc(hlen + (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES ? data : 0) +
			 (merge ? data + 8 : 0));
	vf_put(hgpa, hdr, 16);
	if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES) {
		if (data)
			vf_put(hgpa + 16, dwz, data);
		hlen += data;
		data = 0;
	}
	if (merge && in_data) {
		vf_put(hgpa + 16, poison, 8);	/* read, never written */
		hlen += 8;
	}
	if (t & 8) {
		add_seg(s, &n, hgpa, 8, 0);
		add_seg(s, &n, hgpa + 8, hlen - 8, 0);
	} else {
		add_seg(s, &n, hgpa, hlen, 0);
	}
	/* the data, in nbuf pieces */
	if (data) {
		dgpa = merge && out ? hgpa + 16 : blk_alloc(data + 1);
		if (out) {
			uint8_t *d = poison;	/* reused as the data */

			for (i = 0; i < data; i += sizeof(poison)) {
				uint32_t m = data - i < sizeof(poison) ? data - i : sizeof(poison), j;

				for (j = 0; j < m; j++)
					d[j] = (uint8_t)(seed + (i + j) * 13);
				vf_put(dgpa + i, d, m);
			}
			memset(poison, POISON, sizeof(poison));
		} else {
			for (i = 0; i < data + 1; i += sizeof(poison))
				vf_put(dgpa + i, poison,
				       data + 1 - i < sizeof(poison) ? data + 1 - i : sizeof(poison));
		}
		for (k = 0, off = 0; k < nbuf; k++, off += piece) {
			piece = k + 1 < nbuf ? data / nbuf : data - off;
			if (!piece)
				continue;
			if (k + 1 == nbuf && !out && (t & 0x10))
				piece++;	/* the status byte too */
			if (!k && merge && out)
				s[n - 1].len += piece;	/* the header's buffer */
			else
				add_seg(s, &n, dgpa + off, piece, !out);
		}
	}
	if (!(!out && data && (t & 0x10))) {
		sgpa = blk_alloc(1);
		vf_put(sgpa, poison, 1);
		add_seg(s, &n, sgpa, 1, 1);
	}
	if ((t & 0x20) && (vf_negotiated() & (1ull << VIRTIO_F_INDIRECT_DESC)))
		ch = vf_publish(0, s, 0, (int)n, VF_MAL_NONE, 0);
	else
		ch = vf_publish(0, s, n, -1, VF_MAL_NONE, 0);
	if (ch)
		ch->tag[0] = 1;		/* writable bytes poisoned */
	if (t & 0x40)
		vf_kick(0, !(t & 0x80));
}

/* ---- the harness -------------------------------------------------------- */

static void blk_reset(const struct devfuzz_ctx *c)
{
	unsigned int i = c->opt_index;
	uint64_t f = 1ull << VIRTIO_BLK_F_SIZE_MAX | 1ull << VIRTIO_BLK_F_SEG_MAX |
		     1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH;

	memset(&b, 0, sizeof(b));
	b.ro = opt_ro[i];
	b.img = opt_img[i];
	memcpy(b.id, opt_serial[i], strlen(opt_serial[i]));
	f |= b.ro ? 1ull << VIRTIO_BLK_F_RO : 1ull << VIRTIO_BLK_F_DISCARD | 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
	b.config.capacity = htole64(SECTORS);
	b.config.size_max = htole32(1u << 20);
	b.config.seg_max = htole32(254);
	b.config.blk_size = htole32(SECTOR);
	b.config.num_queues = htole16(1);
	b.config.max_discard_sectors = htole32(DISCARD_MAX);
	b.config.max_discard_seg = htole32(DWZ_MAX_SEG);
	b.config.discard_sector_alignment = htole32(8);
	b.config.max_write_zeroes_sectors = htole32(ZEROES_MAX);
	b.config.max_write_zeroes_seg = htole32(DWZ_MAX_SEG);
	b.config.write_zeroes_may_unmap = 1;
	b.dev = (struct vf_device){
		.name = "virtio-blk",
		.device_id = VIRTIO_ID_BLOCK,
		.features = f,
		.nr_queues = 1,
		.queue_max = 256,
		.config = (const uint8_t *)&b.config,
		.config_len = sizeof(b.config),
		.async = 1,
		.bad = blk_bad,
		.pops_on_kick = blk_pops,
		.used = blk_used,
		.dropped = blk_dropped,
		.lost = blk_lost,
		.reset = blk_reset_hook,
	};
	disk_sync("at creation");
	vf_begin(&b.dev, c, &variants[i]);
}

static void blk_step(const struct devfuzz_ctx *c, unsigned int kind,
		     struct fuzz_in *in)
{
	if (vf_step(c, kind, in))
		return;
	if (kind == VF_NR_STEPS)
		blk_request(in);
}

static void blk_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	vf_check_step(c, s);
	/* quiet: every request the device took came back */
	if (!b.dirty && vf_strict(0) && !vf_in_flight(0))
		disk_sync("with nothing in flight");
}

static void blk_check_end(const struct devfuzz_ctx *c)
{
	vf_check_end(c);
	disk_sync("at the end");	/* the worker is joined */
}

static const struct devfuzz_ops blk_checks = {
	.reset = blk_reset,
	.access = vf_access,
	.check_step = blk_check_step,
	.check_end = blk_check_end,
	.ext_steps = 1,
	.ram_write = vf_ram_write,
	.step = blk_step,
};

#define W	{ { MODVMM_SPACE_MMIO, 0xd0000000, 0x200 } }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int i;
	int k;

	(void)argc;
	(void)argv;
	/* memfds outlive every input: the device opens its own file */
	for (k = 0; k < 2; k++) {
		img_fd[k] = memfd_create(k ? "vblk-fuzz-tail" : "vblk-fuzz", MFD_CLOEXEC);
		FUZZ_ASSERT(img_fd[k] >= 0);
		FUZZ_ASSERT(!ftruncate(img_fd[k], IMG_BYTES + (k ? TAIL : 0)));
	}
	for (i = 0; i < 4; i++) {
		snprintf(opt_str[i], sizeof(opt_str[i]), "file=/proc/self/fd/%d%s%s%s",
			 img_fd[opt_img[i]], opt_ro[i] ? ",readonly" : "",
			 *opt_serial[i] ? ",serial=" : "", opt_serial[i]);
		opts[i] = (struct devfuzz_opt){ opt_str[i], 0, 5, W };
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	images_fill();
	return devfuzz_run("virtio-blk", &blk_checks, opts, 4, data, size);
}
