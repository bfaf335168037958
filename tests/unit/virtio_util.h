/* SPDX-License-Identifier: MIT */
/*
 * virtio_util.h - a virtio driver for unit tests: drives a virtio-mmio
 * window through the device test harness and keeps split virtqueues in
 * harness RAM, as a guest driver would (Virtio 1.2, 2.7 and 4.2).
 */
#ifndef MODVMM_VIRTIO_UTIL_H
#define MODVMM_VIRTIO_UTIL_H

#include <string.h>

#include <modvmm/harness.h>
#include <modvmm/virtio.h>

#include "unit.h"

/* The first automatic window, where a lone virtio device lands. */
#define VT_BASE			0xd0000000ull

#define VT_MAGIC		0x000
#define VT_VERSION		0x004
#define VT_DEVICE_ID		0x008
#define VT_DEV_FEATURES		0x010
#define VT_DEV_FEATURES_SEL	0x014
#define VT_DRV_FEATURES		0x020
#define VT_DRV_FEATURES_SEL	0x024
#define VT_QUEUE_SEL		0x030
#define VT_QUEUE_NUM_MAX	0x034
#define VT_QUEUE_NUM		0x038
#define VT_QUEUE_READY		0x044
#define VT_QUEUE_NOTIFY		0x050
#define VT_INT_STATUS		0x060
#define VT_INT_ACK		0x064
#define VT_STATUS		0x070
#define VT_QUEUE_DESC		0x080
#define VT_QUEUE_DRIVER		0x090
#define VT_QUEUE_DEVICE		0x0a0
#define VT_CONFIG_GEN		0x0fc
#define VT_CONFIG		0x100

#define VT_ST_ACK		1
#define VT_ST_DRIVER		2
#define VT_ST_DRIVER_OK		4
#define VT_ST_FEATURES_OK	8
#define VT_ST_NEEDS_RESET	64

#define VT_DESC_NEXT		1
#define VT_DESC_WRITE		2
#define VT_DESC_INDIRECT	4

struct vt_queue {
	uint64_t base;		/* the device's window */
	unsigned int index;
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t next_desc;	/* descriptors are used round-robin */
	uint16_t avail_idx;
	uint16_t used_seen;
};

/* One buffer of a chain to add. */
struct vt_buf {
	uint64_t gpa;
	uint32_t len;
	int writable;
};

static inline uint32_t vt_rd(uint64_t base, uint64_t off)
{
	return (uint32_t)harness_read(MODVMM_SPACE_MMIO, base + off, 4);
}

static inline void vt_wr(uint64_t base, uint64_t off, uint32_t v)
{
	harness_write(MODVMM_SPACE_MMIO, base + off, 4, v);
}

static inline void vt_put(uint64_t gpa, const void *src, size_t len)
{
	memcpy(harness_mem(gpa, len), src, len);
}

static inline void vt_get(uint64_t gpa, void *dst, size_t len)
{
	memcpy(dst, harness_mem(gpa, len), len);
}

/*
 * Reset, acknowledge, and accept VERSION_1 plus the device's offered
 * bits in @want; returns the status read back (FEATURES_OK if taken).
 */
static inline uint32_t vt_negotiate(uint64_t base, uint64_t want)
{
	uint64_t offered, take;

	vt_wr(base, VT_STATUS, 0);
	vt_wr(base, VT_STATUS, VT_ST_ACK);
	vt_wr(base, VT_STATUS, VT_ST_ACK | VT_ST_DRIVER);
	vt_wr(base, VT_DEV_FEATURES_SEL, 0);
	offered = vt_rd(base, VT_DEV_FEATURES);
	vt_wr(base, VT_DEV_FEATURES_SEL, 1);
	offered |= (uint64_t)vt_rd(base, VT_DEV_FEATURES) << 32;
	take = (offered & want) | (1ull << VIRTIO_F_VERSION_1);
	vt_wr(base, VT_DRV_FEATURES_SEL, 0);
	vt_wr(base, VT_DRV_FEATURES, (uint32_t)take);
	vt_wr(base, VT_DRV_FEATURES_SEL, 1);
	vt_wr(base, VT_DRV_FEATURES, (uint32_t)(take >> 32));
	vt_wr(base, VT_STATUS, VT_ST_ACK | VT_ST_DRIVER | VT_ST_FEATURES_OK);
	return vt_rd(base, VT_STATUS);
}

/* Queue @index of @num entries with its rings from @gpa (zeroed). */
static inline void vt_queue_setup(struct vt_queue *q, uint64_t base,
				  unsigned int index, uint16_t num, uint64_t gpa)
{
	memset(q, 0, sizeof(*q));
	q->base = base;
	q->index = index;
	q->num = num;
	q->desc = gpa;
	q->avail = gpa + 16ull * num;
	q->used = (q->avail + 6 + 2ull * num + 3) & ~3ull;
	memset(harness_mem(gpa, q->used + 6 + 8ull * num - gpa), 0,
	       q->used + 6 + 8ull * num - gpa);
	vt_wr(base, VT_QUEUE_SEL, index);
	vt_wr(base, VT_QUEUE_NUM, num);
	vt_wr(base, VT_QUEUE_DESC, (uint32_t)q->desc);
	vt_wr(base, VT_QUEUE_DESC + 4, (uint32_t)(q->desc >> 32));
	vt_wr(base, VT_QUEUE_DRIVER, (uint32_t)q->avail);
	vt_wr(base, VT_QUEUE_DRIVER + 4, (uint32_t)(q->avail >> 32));
	vt_wr(base, VT_QUEUE_DEVICE, (uint32_t)q->used);
	vt_wr(base, VT_QUEUE_DEVICE + 4, (uint32_t)(q->used >> 32));
	vt_wr(base, VT_QUEUE_READY, 1);
}

static inline void vt_desc(const struct vt_queue *q, uint16_t i, uint64_t addr,
			   uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = harness_mem(q->desc + 16ull * i, 16);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Make chain @head available (without notifying). */
static inline void vt_publish(struct vt_queue *q, uint16_t head)
{
	uint8_t *ring = harness_mem(q->avail, 6 + 2ull * q->num);
	uint16_t slot = q->avail_idx % q->num;

	memcpy(ring + 4 + 2 * slot, &head, 2);
	q->avail_idx++;
	memcpy(ring + 2, &q->avail_idx, 2);
}

/* Put @n buffers in descriptors chained by NEXT, publish; the head. */
static inline uint16_t vt_add(struct vt_queue *q, const struct vt_buf *b, int n)
{
	uint16_t head = q->next_desc, i = head;
	int k;

	for (k = 0; k < n; k++) {
		uint16_t next = (uint16_t)((i + 1) % q->num);

		vt_desc(q, i, b[k].gpa, b[k].len,
			(uint16_t)((b[k].writable ? VT_DESC_WRITE : 0) |
				   (k + 1 < n ? VT_DESC_NEXT : 0)), next);
		i = next;
	}
	q->next_desc = i;
	vt_publish(q, head);
	return head;
}

static inline void vt_kick(const struct vt_queue *q)
{
	vt_wr(q->base, VT_QUEUE_NOTIFY, q->index);
}

/* The used ring's index as the device last wrote it. */
static inline uint16_t vt_used_idx(const struct vt_queue *q)
{
	uint16_t v;

	vt_get(q->used + 2, &v, 2);
	return v;
}

/* The next used entry, if any: 1 and its id and length. */
static inline int vt_take_used(struct vt_queue *q, uint32_t *id, uint32_t *len)
{
	uint8_t e[8];

	*id = *len = UINT32_MAX;
	if (vt_used_idx(q) == q->used_seen)
		return 0;
	vt_get(q->used + 4 + 8ull * (q->used_seen % q->num), e, 8);
	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
	q->used_seen++;
	return 1;
}

/*
 * Wait, polling the harness's watched fds (a device's I/O thread hands
 * completions back through one), until the used index moves past what
 * was seen, or about @ms milliseconds pass: 1 if it moved.
 */
static inline int vt_wait_used(const struct vt_queue *q, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		if (vt_used_idx(q) != q->used_seen)
			return 1;
		harness_poll_wait(1);
	}
	return vt_used_idx(q) != q->used_seen;
}

#endif
