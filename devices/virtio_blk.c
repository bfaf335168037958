// SPDX-License-Identifier: MIT
/*
 * virtio-blk - a disk backed by a raw image file, as the Virtio 1.2
 * specification's "Block Device" section describes it (modern devices
 * only), on the virtio-mmio transport (<modvmm/virtio.h>).
 *
 * Options: file=PATH (required; a regular file or a block device),
 * readonly (offers VIRTIO_BLK_F_RO and refuses every request that would
 * change the image), serial=TEXT (what VIRTIO_BLK_T_GET_ID returns, at
 * most 20 bytes), and the transport's addr= and irq=.
 *
 * The image is opened once, O_CLOEXEC, and locked with an open file
 * description lock for the whole run: a write lock, or a read lock with
 * readonly, so that two machines never write one image (nor one writes
 * what another reads).  Its size, rounded down to 512 bytes, is the
 * capacity.
 *
 * One request queue of up to 256 entries.  Features: SIZE_MAX, SEG_MAX,
 * BLK_SIZE (512), FLUSH, DISCARD and WRITE_ZEROES (not with readonly),
 * RO (with readonly).  Any framing is accepted (VERSION_1 implies
 * ANY_LAYOUT): the header is the first 16 readable bytes, the status the
 * last writable byte, the data what lies between.
 *
 * Requests never block the vCPU: queue_notify only pops chains and hands
 * them to an I/O worker thread of this instance, which moves the data
 * between the image and guest RAM (host->mem_ptr) with preadv/pwritev,
 * writes the status byte and queues the completion; an eventfd the
 * device watches wakes the completion callback, which pushes the chains
 * as used and notifies the driver.  The worker serves requests in order,
 * one at a time, so a flush covers every write completed before it.  A
 * write completes only once all its bytes reached the file, a flush only
 * once fdatasync() succeeded; were FLUSH offered but not negotiated, each
 * write is followed by fdatasync() before it completes (the specification
 * makes such writes stable).  At most 256 requests are in flight: when
 * they are all out, chains stay in the available ring until completions
 * come back.
 *
 * Errors, and the choices made where the specification leaves them open:
 * - I/O errors (and a guest buffer that host->mem_ptr refuses) complete
 *   the request with VIRTIO_BLK_S_IOERR; the first is logged as a
 *   warning.
 * - A request beyond the capacity, with a data length that is not a
 *   multiple of 512, with more than seg_max data buffers or a buffer
 *   larger than size_max, or a discard/write zeroes request with more
 *   than the configured segments or sectors, is a driver error: IOERR.
 * - A chain without room for the header and the status byte cannot be
 *   answered at all: the device reports DEVICE_NEEDS_RESET and serves
 *   nothing until the driver resets it.
 * - With readonly, OUT, DISCARD and WRITE_ZEROES complete with IOERR and
 *   write nothing; FLUSH and reads work.
 * - Unknown request types (GET_LIFETIME, SECURE_ERASE, zoned commands):
 *   VIRTIO_BLK_S_UNSUPP.
 * - DISCARD punches a hole (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
 *   a file system that cannot is not an error, discard is a hint.
 *   WRITE_ZEROES punches a hole when unmap is allowed, else zeroes the
 *   range (FALLOC_FL_ZERO_RANGE); whichever the file system lacks falls
 *   back to the other and then to writing zeros, so reads return zeros.
 *
 * Reset (the driver writes status 0, or the machine resets): requests
 * not yet started are forgotten, the one the worker is serving is waited
 * for (at most 2 s, so that it no longer writes into guest RAM the
 * driver reuses), and completions of requests from before the reset are
 * dropped instead of pushed.
 *
 * --stats: reads, writes, flushes, discards, write_zeroes, get_ids,
 * read_bytes, write_bytes, io_errors, unsupported.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* fallocate, F_OFD_SETLK, pthread_setname_np */
#endif
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <modvmm/device.h>
#include <modvmm/virtio.h>
#include <modvmm/virtio_blk.h>

#define VBLK_QUEUE_MAX		256u
/* Data buffers in one request: the chain's others are header and status. */
#define VBLK_SEG_MAX		(MODVMM_VIRTIO_MAX_SEGS - 2)
#define VBLK_SIZE_MAX		(1u << 20)
#define VBLK_DWZ_MAX_SEG	32u
#define VBLK_DISCARD_MAX_SECTORS	(1u << 22)	/* 2 GiB */
#define VBLK_ZEROES_MAX_SECTORS		(1u << 18)	/* 128 MiB */
#define VBLK_DISCARD_ALIGN	8u	/* sectors: 4 KiB, a file system block */
#define VBLK_RESET_WAIT_NS	2000000000ll

/* One popped chain on its way through the worker. */
struct vblk_req {
	struct vblk_req *next;
	unsigned int gen;	/* the device's generation when popped */
	int writethrough;	/* fdatasync() after a write before completing */
	/* Filled by the worker: */
	uint32_t type;
	uint32_t written;	/* bytes written into the chain, status too */
	uint8_t status;
	uint32_t bytes;		/* data moved, for --stats */
	int err;		/* errno of a failed host call, or 0 */
	const char *err_op;
	uint64_t err_sector;
	struct modvmm_virtio_req vreq;
};

struct vblk {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	const struct modvmm_virtio_api *vio;
	struct modvmm_virtio *vd;
	struct modvmm_virtio_ops ops;
	struct virtio_blk_config config;

	char *path;
	int fd;
	int readonly;
	uint64_t capacity;	/* in sectors */
	char id[VIRTIO_BLK_ID_LEN];	/* serial=, NUL-padded */

	/* Under the device lock only. */
	uint64_t features;
	unsigned int gen;
	int broken;		/* DEVICE_NEEDS_RESET until the driver resets */
	int starved;		/* every request slot was out: pop again later */
	int warned_io;
	int warned_chain;
	struct vblk_req *free;
	struct vblk_req *pool;

	/* Shared with the worker, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t work;	/* pending or stop changed */
	pthread_cond_t idle;	/* the worker finished a request */
	struct vblk_req *pending, *pending_tail;
	struct vblk_req *done, *done_tail;
	struct vblk_req *busy;
	int stop;
	int paused;		/* the machine is paused: start nothing */

	int efd;		/* the worker's completions wake the device */
	int watching;
	pthread_t thread;
	int thread_started;
	int locks_ready;
};

static void put_list(struct vblk_req **head, struct vblk_req **tail,
		     struct vblk_req *r)
{
	r->next = NULL;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

/* ---- the worker ------------------------------------------------------- */

/*
 * Copy @len bytes at @offset of the readable (@writable 0) or writable
 * buffers of @vr to or from @buf.  Returns 0, or -1 when a buffer is not
 * guest RAM the host maps or the buffers are shorter.
 */
static int vblk_copy(struct vblk *s, const struct modvmm_virtio_req *vr,
		     int writable, uint64_t offset, void *buf, size_t len,
		     int to_guest)
{
	unsigned int i = writable ? vr->nr_read : 0;
	unsigned int end = writable ? vr->nr_segs : vr->nr_read;
	uint8_t *b = buf;

	for (; i < end && len; i++) {
		const struct modvmm_virtio_seg *sg = &vr->seg[i];
		size_t n;
		uint8_t *p;

		if (offset >= sg->len) {
			offset -= sg->len;
			continue;
		}
		n = sg->len - offset;
		if (n > len)
			n = len;
		p = s->host->mem_ptr(s->dev, sg->gpa + offset, n);
		if (!p)
			return -1;
		if (to_guest)
			memcpy(p, b, n);
		else
			memcpy(b, p, n);
		b += n;
		len -= n;
		offset = 0;
	}
	return len ? -1 : 0;
}

/*
 * The data area of @vr as an iovec: the readable (@writable 0) or
 * writable buffers without their first @skip and last @trim bytes.
 * Returns 0 with *@niov and *@bytes set, -EFAULT when a buffer is not
 * mapped, -E2BIG when seg_max or size_max is exceeded.
 */
static int vblk_iov(struct vblk *s, const struct modvmm_virtio_req *vr,
		    int writable, uint64_t skip, uint64_t trim,
		    struct iovec *iov, int *niov, uint64_t *bytes)
{
	unsigned int i = writable ? vr->nr_read : 0;
	unsigned int end = writable ? vr->nr_segs : vr->nr_read;
	uint64_t total = writable ? vr->write_len : vr->read_len;
	uint64_t left, pos = 0;
	int n = 0;

	*niov = 0;
	*bytes = 0;
	if (total < skip + trim)
		return -EFAULT;
	left = total - skip - trim;
	for (; i < end && left; i++) {
		const struct modvmm_virtio_seg *sg = &vr->seg[i];
		uint64_t from = 0, len = sg->len;
		void *p;

		if (pos + sg->len <= skip) {
			pos += sg->len;
			continue;
		}
		if (pos < skip)
			from = skip - pos;
		pos += sg->len;
		len -= from;
		if (len > left)
			len = left;
		if (len > VBLK_SIZE_MAX || n >= (int)VBLK_SEG_MAX)
			return -E2BIG;
		p = s->host->mem_ptr(s->dev, sg->gpa + from, len);
		if (!p)
			return -EFAULT;
		iov[n].iov_base = p;
		iov[n].iov_len = len;
		n++;
		left -= len;
	}
	*niov = n;
	*bytes = total - skip - trim - left;
	return left ? -EFAULT : 0;
}

/* All of @iov at @off, looping over short transfers and EINTR. */
static int vblk_rw_full(int fd, struct iovec *iov, int niov, off_t off,
			int is_write)
{
	while (niov > 0) {
		int cnt = niov < IOV_MAX ? niov : IOV_MAX;
		ssize_t n = is_write ? pwritev(fd, iov, cnt, off) :
				    preadv(fd, iov, cnt, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;	/* the image shrank under us */
		off += n;
		while (niov > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			niov--;
		}
		if (niov > 0 && n) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int vblk_fdatasync(int fd)
{
	while (fdatasync(fd)) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int vblk_fallocate(int fd, int mode, off_t off, off_t len)
{
	while (fallocate(fd, mode, off, len)) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int vblk_unsupported(int err)
{
	return err == -EOPNOTSUPP || err == -ENOSYS || err == -EINVAL ||
	       err == -ENOTTY;
}

static const uint8_t vblk_zeros[65536];

/* Zeros over [@off, @off + @len): after it, reads return zeros. */
static int vblk_zero_range(struct vblk *s, off_t off, off_t len, int unmap)
{
	const int punch = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	const int zero = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	int err;

	err = vblk_fallocate(s->fd, unmap ? punch : zero, off, len);
	if (err && vblk_unsupported(err))
		err = vblk_fallocate(s->fd, unmap ? zero : punch, off, len);
	if (!err || !vblk_unsupported(err))
		return err;
	while (len > 0) {
		size_t chunk = len < (off_t)sizeof(vblk_zeros) ?
			       (size_t)len : sizeof(vblk_zeros);
		ssize_t n = pwrite(s->fd, vblk_zeros, chunk, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		off += n;
		len -= n;
	}
	return 0;
}

static void vblk_failed(struct vblk_req *r, const char *op, uint64_t sector,
			int err)
{
	r->err = -err;
	r->err_op = op;
	r->err_sector = sector;
}

static int vblk_in_range(const struct vblk *s, uint64_t sector, uint64_t n)
{
	return sector <= s->capacity && n <= s->capacity - sector;
}

static uint8_t vblk_do_rw(struct vblk *s, struct vblk_req *r,
			  uint64_t sector, int is_write)
{
	struct iovec iov[MODVMM_VIRTIO_MAX_SEGS];
	uint64_t bytes;
	int niov, err;

	if (is_write)
		err = vblk_iov(s, &r->vreq, 0, VIRTIO_BLK_HDR_LEN, 0, iov, &niov,
			       &bytes);
	else
		err = vblk_iov(s, &r->vreq, 1, 0, 1, iov, &niov, &bytes);
	if (err == -EFAULT) {
		vblk_failed(r, "map the guest buffer of", sector, err);
		return VIRTIO_BLK_S_IOERR;
	}
	if (err || bytes % VIRTIO_BLK_SECTOR ||
	    !vblk_in_range(s, sector, bytes / VIRTIO_BLK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	if (!bytes)
		return VIRTIO_BLK_S_OK;
	err = vblk_rw_full(s->fd, iov, niov, (off_t)(sector * VIRTIO_BLK_SECTOR),
			   is_write);
	if (!err && is_write && r->writethrough)
		err = vblk_fdatasync(s->fd);
	if (err) {
		vblk_failed(r, is_write ? "write" : "read", sector, err);
		return VIRTIO_BLK_S_IOERR;
	}
	r->bytes = (uint32_t)bytes;
	if (!is_write)
		r->written += (uint32_t)bytes;
	return VIRTIO_BLK_S_OK;
}

static uint8_t vblk_do_get_id(struct vblk *s, struct vblk_req *r)
{
	uint32_t n = r->vreq.write_len - 1;

	if (n > VIRTIO_BLK_ID_LEN)
		n = VIRTIO_BLK_ID_LEN;
	if (vblk_copy(s, &r->vreq, 1, 0, s->id, n, 1)) {
		vblk_failed(r, "map the guest buffer of", 0, -EFAULT);
		return VIRTIO_BLK_S_IOERR;
	}
	r->written += n;
	return VIRTIO_BLK_S_OK;
}

static uint8_t vblk_do_dwz(struct vblk *s, struct vblk_req *r)
{
	int discard = r->type == VIRTIO_BLK_T_DISCARD;
	uint32_t len = r->vreq.read_len - VIRTIO_BLK_HDR_LEN;
	uint32_t max = discard ? VBLK_DISCARD_MAX_SECTORS :
				 VBLK_ZEROES_MAX_SECTORS;
	uint8_t seg[VBLK_DWZ_MAX_SEG][VIRTIO_BLK_DWZ_LEN];
	unsigned int i, nr = len / VIRTIO_BLK_DWZ_LEN;
	uint8_t st = VIRTIO_BLK_S_OK;

	if (s->readonly || !nr || len % VIRTIO_BLK_DWZ_LEN || nr > VBLK_DWZ_MAX_SEG)
		return VIRTIO_BLK_S_IOERR;
	if (vblk_copy(s, &r->vreq, 0, VIRTIO_BLK_HDR_LEN, seg, len, 0)) {
		vblk_failed(r, "map the guest buffer of", 0, -EFAULT);
		return VIRTIO_BLK_S_IOERR;
	}
	/* Unknown flags make the whole request unsupported, then ranges. */
	for (i = 0; i < nr; i++) {
		uint32_t flags;

		memcpy(&flags, seg[i] + 12, 4);
		flags = le32toh(flags);
		if (flags & ~VIRTIO_BLK_WZ_UNMAP ||
		    (discard && flags & VIRTIO_BLK_WZ_UNMAP))
			return VIRTIO_BLK_S_UNSUPP;
	}
	for (i = 0; i < nr; i++) {
		uint64_t sector;
		uint32_t num;

		memcpy(&sector, seg[i], 8);
		memcpy(&num, seg[i] + 8, 4);
		sector = le64toh(sector);
		num = le32toh(num);
		if (num > max || !vblk_in_range(s, sector, num))
			return VIRTIO_BLK_S_IOERR;
	}
	for (i = 0; i < nr && st == VIRTIO_BLK_S_OK; i++) {
		uint64_t sector;
		uint32_t num, flags;
		off_t off, n;
		int err;

		memcpy(&sector, seg[i], 8);
		memcpy(&num, seg[i] + 8, 4);
		memcpy(&flags, seg[i] + 12, 4);
		sector = le64toh(sector);
		num = le32toh(num);
		flags = le32toh(flags);
		if (!num)
			continue;
		off = (off_t)(sector * VIRTIO_BLK_SECTOR);
		n = (off_t)num * VIRTIO_BLK_SECTOR;
		if (discard) {
			err = vblk_fallocate(s->fd, FALLOC_FL_PUNCH_HOLE |
					     FALLOC_FL_KEEP_SIZE, off, n);
			if (vblk_unsupported(err))
				err = 0;
		} else {
			err = vblk_zero_range(s, off, n,
					      flags & VIRTIO_BLK_WZ_UNMAP);
			if (!err && r->writethrough)
				err = vblk_fdatasync(s->fd);
		}
		if (err) {
			vblk_failed(r, discard ? "discard" : "write zeroes",
				    sector, err);
			st = VIRTIO_BLK_S_IOERR;
		}
		r->bytes += (uint32_t)n;
	}
	return st;
}

/* Serve @r: everything but the push, which the device does. */
static void vblk_serve(struct vblk *s, struct vblk_req *r)
{
	const struct modvmm_virtio_req *vr = &r->vreq;
	const struct modvmm_virtio_seg *last = &vr->seg[vr->nr_segs - 1];
	uint8_t hdr[VIRTIO_BLK_HDR_LEN], *status;
	uint64_t sector;
	uint32_t type;
	uint8_t st;

	r->written = 1;
	r->bytes = 0;
	r->err = 0;
	status = s->host->mem_ptr(s->dev, last->gpa + last->len - 1, 1);
	if (!status || vblk_copy(s, vr, 0, 0, hdr, sizeof(hdr), 0)) {
		vblk_failed(r, "map the guest buffers of", 0, -EFAULT);
		r->type = UINT32_MAX;
		r->written = 0;
		r->status = VIRTIO_BLK_S_IOERR;
		return;
	}
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);
	r->type = type;
	switch (type) {
	case VIRTIO_BLK_T_IN:
		st = vblk_do_rw(s, r, sector, 0);
		break;
	case VIRTIO_BLK_T_OUT:
		st = s->readonly ? VIRTIO_BLK_S_IOERR :
				   vblk_do_rw(s, r, sector, 1);
		break;
	case VIRTIO_BLK_T_FLUSH: {
		int err = vblk_fdatasync(s->fd);

		st = VIRTIO_BLK_S_OK;
		if (err) {
			vblk_failed(r, "flush", 0, err);
			st = VIRTIO_BLK_S_IOERR;
		}
		break;
	}
	case VIRTIO_BLK_T_GET_ID:
		st = vblk_do_get_id(s, r);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		st = vblk_do_dwz(s, r);
		break;
	default:
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	r->status = st;
	*status = st;
}

static void *vblk_worker(void *arg)
{
	struct vblk *s = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct vblk_req *r;
		ssize_t n;

		while (!s->stop && (!s->pending || s->paused))
			pthread_cond_wait(&s->work, &s->lock);
		if (s->stop)
			break;
		r = s->pending;
		s->pending = r->next;
		if (!s->pending)
			s->pending_tail = NULL;
		s->busy = r;
		pthread_mutex_unlock(&s->lock);

		vblk_serve(s, r);

		pthread_mutex_lock(&s->lock);
		s->busy = NULL;
		put_list(&s->done, &s->done_tail, r);
		pthread_cond_broadcast(&s->idle);
		/* Nonblocking: EAGAIN means the counter is already set. */
		n = write(s->efd, &one, sizeof(one));
		(void)n;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- the device side (under the device lock) --------------------------- */

static void vblk_account(struct vblk *s, const struct vblk_req *r)
{
	const struct modvmm_host *h = s->host;

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		h->stat_add(s->dev, "reads", 1);
		h->stat_add(s->dev, "read_bytes", r->bytes);
		break;
	case VIRTIO_BLK_T_OUT:
		h->stat_add(s->dev, "writes", 1);
		h->stat_add(s->dev, "write_bytes", r->bytes);
		break;
	case VIRTIO_BLK_T_FLUSH:
		h->stat_add(s->dev, "flushes", 1);
		break;
	case VIRTIO_BLK_T_GET_ID:
		h->stat_add(s->dev, "get_ids", 1);
		break;
	case VIRTIO_BLK_T_DISCARD:
		h->stat_add(s->dev, "discards", 1);
		break;
	case VIRTIO_BLK_T_WRITE_ZEROES:
		h->stat_add(s->dev, "write_zeroes", 1);
		break;
	}
	if (r->status == VIRTIO_BLK_S_UNSUPP)
		h->stat_add(s->dev, "unsupported", 1);
	if (!r->err)
		return;
	h->stat_add(s->dev, "io_errors", 1);
	if (s->warned_io)
		return;
	s->warned_io = 1;
	h->log(s->dev, MODVMM_LOG_WARN,
	       "%s: cannot %s sector %llu: %s; the guest gets an I/O error (further errors are not logged)",
	       s->path, r->err_op, (unsigned long long)r->err_sector,
	       strerror(r->err));
}

/* Pop what the driver made available, as far as request slots last. */
static void vblk_kick(struct vblk *s)
{
	struct vblk_req *head = NULL, *tail = NULL;

	s->starved = 0;
	while (!s->broken) {
		struct vblk_req *r = s->free;
		int rc;

		if (!r) {
			s->starved = 1;
			break;
		}
		rc = s->vio->pop(s->vd, 0, &r->vreq);
		if (rc <= 0)
			break;	/* empty, or malformed: the transport said so */
		if (r->vreq.read_len < VIRTIO_BLK_HDR_LEN || r->vreq.write_len < 1) {
			if (!s->warned_chain)
				s->host->log(s->dev, MODVMM_LOG_WARN,
					     "request with %u readable and %u writable bytes: no room for the header and status; device needs reset",
					     r->vreq.read_len, r->vreq.write_len);
			s->warned_chain = 1;
			s->broken = 1;
			s->vio->needs_reset(s->vd);
			break;
		}
		s->free = r->next;
		r->gen = s->gen;
		r->writethrough =
			!(s->features & (1ull << VIRTIO_BLK_F_FLUSH));
		put_list(&head, &tail, r);
	}
	if (!head)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->pending_tail)
		s->pending_tail->next = head;
	else
		s->pending = head;
	s->pending_tail = tail;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->lock);
}

static void vblk_queue_notify(void *opaque, unsigned int queue)
{
	struct vblk *s = opaque;

	if (queue == 0)
		vblk_kick(s);
}

/* The eventfd: the worker finished requests. */
static void vblk_complete(void *opaque, int fd)
{
	struct vblk *s = opaque;
	struct vblk_req *r, *next;
	uint64_t v;
	int pushed = 0;

	while (read(fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&s->lock);
	r = s->done;
	s->done = s->done_tail = NULL;
	pthread_mutex_unlock(&s->lock);
	for (; r; r = next) {
		next = r->next;
		vblk_account(s, r);
		if (r->gen == s->gen) {
			s->vio->push(s->vd, 0, r->vreq.head, r->written);
			pushed++;
		}
		r->next = s->free;
		s->free = r;
	}
	if (pushed)
		s->vio->notify(s->vd, 0);
	if (s->starved)
		vblk_kick(s);
}

static int vblk_activate(void *opaque, uint64_t features)
{
	struct vblk *s = opaque;

	s->features = features;
	return 0;
}

static void vblk_timespec_after(struct timespec *ts, long long ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ns += ts->tv_nsec;
	ts->tv_sec += ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
}

/*
 * The driver reset the device or the machine was reset: forget what the
 * worker has not started, wait (bounded) for what it is doing, and drop
 * every completion of the old generation.
 */
static void vblk_drain(struct vblk *s);

static void vblk_reset_state(void *opaque)
{
	struct vblk *s = opaque;

	s->features = 0;
	s->broken = 0;
	vblk_drain(s);
}

/*
 * The driver took the queue away (QueueReady 0): the same drain, the
 * negotiated features kept.
 */
static void vblk_queue_reset(void *opaque, unsigned int queue)
{
	(void)queue;
	vblk_drain(opaque);
}

/*
 * Forget the requests in flight: the worker finishes the one it has (a
 * bounded wait), the others are never started, and no completion of
 * before is pushed (a new generation).
 */
static void vblk_drain(struct vblk *s)
{
	struct vblk_req *r, *next;
	struct timespec deadline;
	int late = 0;

	s->gen++;
	s->starved = 0;
	if (!s->locks_ready)
		return;
	vblk_timespec_after(&deadline, VBLK_RESET_WAIT_NS);
	pthread_mutex_lock(&s->lock);
	r = s->pending;
	s->pending = s->pending_tail = NULL;
	while (s->busy && !late)
		late = pthread_cond_timedwait(&s->idle, &s->lock, &deadline) ==
		       ETIMEDOUT;
	late = s->busy != NULL;
	/* Not started: the slots are free again. */
	for (; r; r = next) {
		next = r->next;
		r->next = s->free;
		s->free = r;
	}
	r = s->done;
	s->done = s->done_tail = NULL;
	pthread_mutex_unlock(&s->lock);
	/* Done but not pushed: counted, never pushed. */
	for (; r; r = next) {
		next = r->next;
		vblk_account(s, r);
		r->next = s->free;
		s->free = r;
	}
	if (late)
		s->host->log(s->dev, MODVMM_LOG_WARN,
			     "reset: a request on %s still runs after %lld s; its completion will be dropped",
			     s->path, VBLK_RESET_WAIT_NS / 1000000000);
}

/*
 * The machine pauses (before a reboot clears guest RAM, or at the end):
 * the request the worker is doing finishes (a bounded wait), the queued
 * ones wait for vblk_resume.
 */
static void vblk_pause(void *priv)
{
	struct vblk *s = priv;
	struct timespec deadline;
	int late = 0;

	if (!s->locks_ready)
		return;
	vblk_timespec_after(&deadline, VBLK_RESET_WAIT_NS);
	pthread_mutex_lock(&s->lock);
	s->paused = 1;
	while (s->busy && !late)
		late = pthread_cond_timedwait(&s->idle, &s->lock, &deadline) ==
		       ETIMEDOUT;
	late = s->busy != NULL;
	pthread_mutex_unlock(&s->lock);
	if (late)
		s->host->log(s->dev, MODVMM_LOG_WARN,
			     "pause: a request on %s still runs after %lld s",
			     s->path, VBLK_RESET_WAIT_NS / 1000000000);
}

static void vblk_resume(void *priv)
{
	struct vblk *s = priv;

	if (!s->locks_ready)
		return;
	pthread_mutex_lock(&s->lock);
	s->paused = 0;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->lock);
}

/* The machine reset: the transport goes back to power-on and calls
 * vblk_reset_state through ops->reset. */
static void vblk_reset(void *priv)
{
	struct vblk *s = priv;

	s->vio->reset(s->vd);
}

/* ---- init and exit ----------------------------------------------------- */

static int vblk_start_worker(struct vblk *s)
{
	sigset_t all, old;
	int err;

	/* Signals are the main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&s->thread, NULL, vblk_worker, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		s->host->set_error(s->dev, "cannot start the I/O thread: %s",
				   strerror(err));
		return -1;
	}
	pthread_setname_np(s->thread, "virtio-blk");
	s->thread_started = 1;
	return 0;
}

static void vblk_free(struct vblk *s)
{
	if (s->thread_started) {
		pthread_mutex_lock(&s->lock);
		s->stop = 1;
		pthread_cond_signal(&s->work);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
	}
	if (s->vd)
		s->vio->destroy(s->vd);
	if (s->watching)
		s->host->fd_unwatch(s->dev, s->efd);
	if (s->efd >= 0)
		close(s->efd);
	if (s->fd >= 0)
		close(s->fd);	/* releases the image's lock */
	if (s->locks_ready) {
		pthread_cond_destroy(&s->idle);
		pthread_cond_destroy(&s->work);
		pthread_mutex_destroy(&s->lock);
	}
	free(s->pool);
	free(s->path);
	free(s);
}

static int vblk_init_locks(struct vblk *s)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca))
		return -1;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, &ca);
	pthread_condattr_destroy(&ca);
	s->locks_ready = 1;
	return 0;
}

/* Open, lock and size the image. */
static int vblk_open(struct vblk *s)
{
	struct flock fl = {
		.l_type = s->readonly ? F_RDLCK : F_WRLCK,
		.l_whence = SEEK_SET,
	};
	struct stat st;
	off_t size;

	s->fd = open(s->path, (s->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (s->fd < 0) {
		int err = errno;

		s->host->set_error(s->dev, "file=%s: %s%s", s->path,
				   strerror(err),
				   !s->readonly && (err == EACCES || err == EROFS) ?
				   " (add readonly to use it read-only)" : "");
		return -1;
	}
	if (fstat(s->fd, &st)) {
		s->host->set_error(s->dev, "file=%s: %s", s->path,
				   strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		s->host->set_error(s->dev,
				   "file=%s: not a regular file or block device",
				   s->path);
		return -1;
	}
	if (fcntl(s->fd, F_OFD_SETLK, &fl)) {
		if (errno == EAGAIN || errno == EACCES)
			s->host->set_error(s->dev,
					   "file=%s: another process holds a lock on it (is another VM using the image?)",
					   s->path);
		else
			s->host->set_error(s->dev, "file=%s: cannot lock it: %s",
					   s->path, strerror(errno));
		return -1;
	}
	size = lseek(s->fd, 0, SEEK_END);
	if (size < 0) {
		s->host->set_error(s->dev, "file=%s: cannot size it: %s",
				   s->path, strerror(errno));
		return -1;
	}
	s->capacity = (uint64_t)size / VIRTIO_BLK_SECTOR;
	if (size % VIRTIO_BLK_SECTOR)
		s->host->log(s->dev, MODVMM_LOG_INFO,
			     "file=%s: size %lld is not a multiple of 512; the last %u bytes are not part of the disk",
			     s->path, (long long)size,
			     (unsigned int)(size % VIRTIO_BLK_SECTOR));
	return 0;
}

static void vblk_setup(struct vblk *s)
{
	struct virtio_blk_config *c = &s->config;
	uint64_t f = 1ull << VIRTIO_BLK_F_SIZE_MAX |
		     1ull << VIRTIO_BLK_F_SEG_MAX |
		     1ull << VIRTIO_BLK_F_BLK_SIZE |
		     1ull << VIRTIO_BLK_F_FLUSH;

	if (s->readonly)
		f |= 1ull << VIRTIO_BLK_F_RO;
	else
		f |= 1ull << VIRTIO_BLK_F_DISCARD |
		     1ull << VIRTIO_BLK_F_WRITE_ZEROES;

	memset(c, 0, sizeof(*c));
	c->capacity = htole64(s->capacity);
	c->size_max = htole32(VBLK_SIZE_MAX);
	c->seg_max = htole32(VBLK_SEG_MAX);
	c->blk_size = htole32(VIRTIO_BLK_SECTOR);
	c->num_queues = htole16(1);
	c->max_discard_sectors = htole32(VBLK_DISCARD_MAX_SECTORS);
	c->max_discard_seg = htole32(VBLK_DWZ_MAX_SEG);
	c->discard_sector_alignment = htole32(VBLK_DISCARD_ALIGN);
	c->max_write_zeroes_sectors = htole32(VBLK_ZEROES_MAX_SECTORS);
	c->max_write_zeroes_seg = htole32(VBLK_DWZ_MAX_SEG);
	c->write_zeroes_may_unmap = 1;

	s->ops.device_id = VIRTIO_ID_BLOCK;
	s->ops.features = f;
	s->ops.nr_queues = 1;
	s->ops.queue_max = VBLK_QUEUE_MAX;
	s->ops.config_len = sizeof(*c);
	s->ops.config_write = NULL;
	s->ops.queue_notify = vblk_queue_notify;
	s->ops.activate = vblk_activate;
	s->ops.reset = vblk_reset_state;
	s->ops.queue_reset = vblk_queue_reset;
}

static const struct modvmm_virtio_api *vblk_transport(struct modvmm_dev *dev,
						      const struct modvmm_host *host)
{
	const struct modvmm_virtio_api *vio;

	if (!MODVMM_HOST_HAS(host, module_get) ||
	    !MODVMM_HOST_HAS(host, mem_ptr)) {
		host->set_error(dev, "this modvmm has no module support (module_get, mem_ptr)");
		return NULL;
	}
	vio = host->module_get(dev, MODVMM_VIRTIO_MODULE);
	if (!vio) {
		host->set_error(dev, "module %s exports no interface",
				MODVMM_VIRTIO_MODULE);
		return NULL;
	}
	if (vio->version != MODVMM_VIRTIO_API_VERSION ||
	    vio->struct_size < offsetof(struct modvmm_virtio_api, reset) +
			       sizeof(vio->reset)) {
		host->set_error(dev, "module %s speaks virtio API %u, this device %u",
				MODVMM_VIRTIO_MODULE, vio->version,
				MODVMM_VIRTIO_API_VERSION);
		return NULL;
	}
	return vio;
}

static int vblk_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	const struct modvmm_virtio_api *vio;
	const char *path, *serial;
	struct vblk *s;
	unsigned int i;
	int ro;

	vio = vblk_transport(dev, host);
	if (!vio)
		return -1;
	path = host->opt_str(dev, "file", NULL);
	if (!path || !*path) {
		host->set_error(dev, "option file= is required: the raw disk image (file=PATH)");
		return -1;
	}
	if (host->opt_bool(dev, "readonly", 0, &ro))
		return -1;
	serial = host->opt_str(dev, "serial", "");
	if (strlen(serial) > VIRTIO_BLK_ID_LEN) {
		host->set_error(dev, "option serial=%s: at most %u bytes",
				serial, VIRTIO_BLK_ID_LEN);
		return -1;
	}

	s = calloc(1, sizeof(*s));
	if (!s) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	s->dev = dev;
	s->host = host;
	s->vio = vio;
	s->fd = -1;
	s->efd = -1;
	s->readonly = ro;
	memcpy(s->id, serial, strlen(serial));
	s->path = strdup(path);
	s->pool = calloc(VBLK_QUEUE_MAX, sizeof(*s->pool));
	if (!s->path || !s->pool || vblk_init_locks(s)) {
		host->set_error(dev, "out of memory");
		goto fail;
	}
	for (i = 0; i < VBLK_QUEUE_MAX; i++) {
		s->pool[i].next = s->free;
		s->free = &s->pool[i];
	}
	if (vblk_open(s))
		goto fail;
	vblk_setup(s);

	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		host->set_error(dev, "eventfd: %s", strerror(errno));
		goto fail;
	}
	/* completions without a vCPU exit where the host can */
	if ((MODVMM_HOST_HAS(host, fd_watch_direct) ?
	     host->fd_watch_direct : host->fd_watch)(dev, s->efd, vblk_complete, s)) {
		host->set_error(dev, "cannot watch the completion eventfd");
		goto fail;
	}
	s->watching = 1;
	s->vd = vio->create(dev, host, &s->ops, &s->config, s);
	if (!s->vd)
		goto fail;
	if (vblk_start_worker(s))
		goto fail;
	host->log(dev, MODVMM_LOG_INFO, "%s: %llu sectors%s%s%s", s->path,
		  (unsigned long long)s->capacity, ro ? ", read-only" : "",
		  *serial ? ", serial " : "", serial);
	*priv = s;
	return 0;
fail:
	vblk_free(s);
	return -1;
}

static void vblk_exit(void *priv)
{
	vblk_free(priv);
}

static const char *const vblk_depends[] = { MODVMM_VIRTIO_MODULE, NULL };

static const struct modvmm_option vblk_options[] = {
	{ "file", "the raw disk image (a regular file or block device)",
	  NULL },
	{ "readonly", "offer the disk read-only (VIRTIO_BLK_F_RO): on or off",
	  "off" },
	{ "serial", "what the guest reads as the disk's ID (up to 20 bytes)",
	  "" },
	MODVMM_VIRTIO_OPTIONS,
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl vblk_ranges[] = {
	MODVMM_VIRTIO_RANGE,
	MODVMM_RANGES_END
};

MODVMM_DEVICE(virtio_blk) = {
	MODVMM_DESC_HEADER,
	.name = "virtio-blk",
	.license = "MIT",
	.description = "virtio block device on a raw image (virtio-mmio)",
	.options = vblk_options,
	.init = vblk_init,
	.exit = vblk_exit,
	.reset = vblk_reset,
	.depends = vblk_depends,
	.pause = vblk_pause,
	.resume = vblk_resume,
	.ranges = vblk_ranges,
};
