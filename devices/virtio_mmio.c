// SPDX-License-Identifier: MIT
/*
 * virtio-mmio: the transport of every virtio device, as a library module
 * (no instances of its own; virtio-blk, virtio-console and virtio-rng
 * require it and call it through &struct modvmm_virtio_api, see
 * <modvmm/virtio.h>).
 *
 * Virtio 1.2, section 4.2 "Virtio Over MMIO", version 2 (modern) only:
 * a 0x200-byte register window per device, feature negotiation with
 * VIRTIO_F_VERSION_1 required, the device status state machine, split
 * virtqueues (2.7) with indirect descriptors (2.7.5.3) and EVENT_IDX
 * (2.7.7, 2.7.10), the interrupt status register and the configuration
 * generation.  The guest is untrusted: every ring index and descriptor
 * is checked, a malformed chain puts the device in DEVICE_NEEDS_RESET
 * and never reads or writes outside guest RAM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modvmm/virtio.h>

/* Registers (4.2.2), all 32 bits wide. */
#define VM_MAGIC		0x000
#define VM_VERSION		0x004
#define VM_DEVICE_ID		0x008
#define VM_VENDOR_ID		0x00c
#define VM_DEV_FEATURES		0x010
#define VM_DEV_FEATURES_SEL	0x014
#define VM_DRV_FEATURES		0x020
#define VM_DRV_FEATURES_SEL	0x024
#define VM_QUEUE_SEL		0x030
#define VM_QUEUE_NUM_MAX	0x034
#define VM_QUEUE_NUM		0x038
#define VM_QUEUE_READY		0x044
#define VM_QUEUE_NOTIFY		0x050
#define VM_INT_STATUS		0x060
#define VM_INT_ACK		0x064
#define VM_STATUS		0x070
#define VM_QUEUE_DESC_LO	0x080
#define VM_QUEUE_DESC_HI	0x084
#define VM_QUEUE_DRIVER_LO	0x090
#define VM_QUEUE_DRIVER_HI	0x094
#define VM_QUEUE_DEVICE_LO	0x0a0
#define VM_QUEUE_DEVICE_HI	0x0a4
#define VM_SHM_SEL		0x0ac
#define VM_SHM_LEN_LO		0x0b0
#define VM_SHM_LEN_HI		0x0b4
#define VM_SHM_BASE_LO		0x0b8
#define VM_SHM_BASE_HI		0x0bc
#define VM_CONFIG_GEN		0x0fc
#define VM_CONFIG		0x100

#define VM_WINDOW		MODVMM_VIRTIO_MMIO_WINDOW
#define VM_MAGIC_VALUE		0x74726976	/* "virt" */
#define VM_VENDOR_VALUE		0x4d4d564d	/* "MVMM" */

/* Device status bits (2.1). */
#define ST_ACKNOWLEDGE		1
#define ST_DRIVER		2
#define ST_DRIVER_OK		4
#define ST_FEATURES_OK		8
#define ST_NEEDS_RESET		64
#define ST_FAILED		128

/* Interrupt status bits (4.2.2). */
#define INT_VRING		1
#define INT_CONFIG		2

/* Split virtqueue layout (2.7). */
#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_DESC_SIZE		16

#define VQ_MAX			8

/* Where windows go: the PCI hole, below the IOAPIC and the LAPIC. */
#define VM_AUTO_BASE		MODVMM_VIRTIO_MMIO_BASE
#define VM_AUTO_SLOTS		32
#define VM_APIC_START		0xfec00000ull
#define VM_APIC_END		0xfef00000ull

/*
 * Lines the transport hands out: the ISA lines the PC platform leaves
 * free (the PIT has 0, the i8042 1, the UARTs 3 and 4, the RTC 8, ACPI's
 * SCI 9), then the IOAPIC's lines above the ISA range.
 */
static const uint8_t auto_irqs[] = {
	5, 6, 7, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
};

/* Windows and lines in use by instances (all run under the device lock). */
static uint32_t slots_used;
static uint32_t irqs_used;
static uint32_t next_uid;

struct vq {
	uint16_t num;			/* QueueNum */
	uint16_t ready;
	uint64_t desc, avail, used;	/* guest physical */
	uint8_t *desc_p;		/* host views, once ready */
	uint8_t *avail_p;
	uint8_t *used_p;
	uint16_t last_avail;		/* next entry to pop */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled;		/* used_idx at the last interrupt */
	uint8_t signalled_valid;
	/* heads popped and not pushed yet: a push of any other head (a
	 * request of this queue before the driver set it up again) is
	 * dropped, never put in the new ring */
	uint64_t in_flight[MODVMM_VIRTIO_MAX_SEGS / 64];
};

/* What a queue's ioevent callback needs. */
struct vm_kick {
	struct modvmm_virtio *vd;
	unsigned int queue;
};

struct modvmm_virtio {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	const struct modvmm_virtio_ops *ops;
	void *opaque;
	uint8_t *config;
	uint64_t base;
	uint32_t irq;
	int slot;			/* auto window index, or -1 */
	int irq_slot;			/* index into auto_irqs, or -1 */
	uint32_t status;
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint64_t drv_features;
	uint32_t isr;
	uint32_t config_gen;
	struct vq vq[VQ_MAX];
	struct vm_kick kick[VQ_MAX];
	unsigned int nr_ioevents;	/* queues whose notify KVM takes */
	int irqfd;			/* interrupts by irqfd, or -1 */
};

/* ---- little-endian ring fields (the guest is x86: so is the host) ---- */

static inline uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline void st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint64_t vm_offered(const struct modvmm_virtio *vd)
{
	return vd->ops->features | (1ull << VIRTIO_F_VERSION_1) |
	       (1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX);
}

static int vm_has(const struct modvmm_virtio *vd, unsigned int bit)
{
	return !!(vd->drv_features & (1ull << bit));
}

/*
 * The line follows the interrupt status (edge-triggered for the guest:
 * it rises when the status becomes nonzero).  With an irqfd the rise is
 * one write and the line is back low at once, so an acknowledge needs
 * nothing: same edges, no KVM_IRQ_LINE pair per interrupt.
 */
static void vm_update_irq(struct modvmm_virtio *vd)
{
	if (vd->irqfd < 0)
		vd->host->irq_set(vd->dev, vd->irq, vd->isr != 0);
}

static void vm_interrupt(struct modvmm_virtio *vd, uint32_t why)
{
	uint64_t one = 1;
	uint32_t was = vd->isr;

	vd->isr |= why;
	if (vd->irqfd < 0)
		vm_update_irq(vd);
	else if (!was && write(vd->irqfd, &one, sizeof(one)) != sizeof(one))
		vd->host->log(vd->dev, MODVMM_LOG_WARN,
			      "interrupt lost: irqfd write: %s", strerror(errno));
}

/* ---- virtqueues ------------------------------------------------------ */

static void vq_forget(struct vq *q)
{
	memset(q, 0, sizeof(*q));
}

/* Ring sizes (2.7.2): descriptors, avail with used_event, used with
 * avail_event. */
static size_t vq_desc_size(uint16_t num)
{
	return (size_t)num * VRING_DESC_SIZE;
}

static size_t vq_avail_size(uint16_t num)
{
	return 6 + 2 * (size_t)num;
}

static size_t vq_used_size(uint16_t num)
{
	return 6 + 8 * (size_t)num;
}

/* QueueReady 1: check the size and that the rings are guest RAM. */
static int vq_enable(struct modvmm_virtio *vd, struct vq *q)
{
	const struct modvmm_host *h = vd->host;
	uint16_t num = q->num;

	if (!num || num > vd->ops->queue_max || (num & (num - 1))) {
		h->log(vd->dev, MODVMM_LOG_WARN,
		       "queue %u: size %u is not a power of 2 up to %u; queue not enabled",
		       vd->queue_sel, num, vd->ops->queue_max);
		return -1;
	}
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3)) {
		h->log(vd->dev, MODVMM_LOG_WARN,
		       "queue %u: misaligned rings (desc 0x%llx, driver 0x%llx, device 0x%llx); queue not enabled",
		       vd->queue_sel, (unsigned long long)q->desc,
		       (unsigned long long)q->avail, (unsigned long long)q->used);
		return -1;
	}
	q->desc_p = h->mem_ptr(vd->dev, q->desc, vq_desc_size(num));
	q->avail_p = h->mem_ptr(vd->dev, q->avail, vq_avail_size(num));
	q->used_p = h->mem_ptr(vd->dev, q->used, vq_used_size(num));
	if (!q->desc_p || !q->avail_p || !q->used_p) {
		h->log(vd->dev, MODVMM_LOG_WARN,
		       "queue %u: rings outside guest RAM (desc 0x%llx, driver 0x%llx, device 0x%llx); queue not enabled",
		       vd->queue_sel, (unsigned long long)q->desc,
		       (unsigned long long)q->avail, (unsigned long long)q->used);
		return -1;
	}
	q->last_avail = 0;
	q->used_idx = 0;
	q->signalled_valid = 0;
	q->ready = 1;
	return 0;
}

/* The chain being collected, with what the checks need. */
struct chain {
	struct modvmm_virtio_req *req;
	unsigned int budget;		/* descriptors still allowed */
	int seen_write;
};

static int vq_bad(struct modvmm_virtio *vd, unsigned int queue, const char *why)
{
	vd->host->log(vd->dev, MODVMM_LOG_WARN,
		      "queue %u: %s; device needs reset", queue, why);
	vd->host->stat_add(vd->dev, "bad_chains", 1);
	vd->status |= ST_NEEDS_RESET;
	if (vd->status & ST_DRIVER_OK)
		vm_interrupt(vd, INT_CONFIG);
	return -1;
}

/* Add the buffer of descriptor @d to the chain: 0, or why not. */
static const char *chain_add(struct modvmm_virtio *vd, struct chain *c,
			     const uint8_t *d)
{
	struct modvmm_virtio_req *r = c->req;
	struct modvmm_virtio_seg *s;
	uint64_t addr = ld64(d);
	uint32_t len = ld32(d + 8);
	int writable = !!(ld16(d + 12) & VRING_DESC_F_WRITE);

	if (!len)
		return NULL;
	if (!writable && c->seen_write)
		return "a device-readable buffer after a writable one";
	if (!vd->host->mem_ptr(vd->dev, addr, len))
		return "a buffer outside guest RAM";
	if (r->nr_segs == MODVMM_VIRTIO_MAX_SEGS)
		return "more buffers than the queue has descriptors";
	s = &r->seg[r->nr_segs++];
	s->gpa = addr;
	s->len = len;
	s->writable = (uint32_t)writable;
	if (writable) {
		c->seen_write = 1;
		if (r->write_len + (uint64_t)len > UINT32_MAX)
			return "more than 4 GiB of buffers";
		r->write_len += len;
	} else {
		r->nr_read++;
		if (r->read_len + (uint64_t)len > UINT32_MAX)
			return "more than 4 GiB of buffers";
		r->read_len += len;
	}
	return NULL;
}

/* An indirect table (2.7.5.3.1): its descriptors, chained by next. */
static const char *chain_indirect(struct modvmm_virtio *vd, struct chain *c,
				  const uint8_t *d)
{
	uint64_t addr = ld64(d);
	uint32_t len = ld32(d + 8), n = len / VRING_DESC_SIZE, i = 0;
	const uint8_t *table, *e;
	const char *why;

	if (ld16(d + 12) & VRING_DESC_F_NEXT)
		return "an indirect descriptor with NEXT set";
	if (!len || len % VRING_DESC_SIZE || n > MODVMM_VIRTIO_MAX_SEGS)
		return "an indirect table of a bad size";
	table = vd->host->mem_ptr(vd->dev, addr, len);
	if (!table)
		return "an indirect table outside guest RAM";
	for (;;) {
		if (!c->budget--)
			return "an indirect chain that loops";
		e = table + (size_t)i * VRING_DESC_SIZE;
		if (ld16(e + 12) & VRING_DESC_F_INDIRECT)
			return "an indirect descriptor inside an indirect table";
		why = chain_add(vd, c, e);
		if (why)
			return why;
		if (!(ld16(e + 12) & VRING_DESC_F_NEXT))
			return NULL;
		i = ld16(e + 14);
		if (i >= n)
			return "an indirect next index out of the table";
	}
}

static const char *chain_walk(struct modvmm_virtio *vd, struct vq *q,
			      struct chain *c, uint16_t head)
{
	const uint8_t *d;
	const char *why;
	uint16_t i = head;
	uint16_t flags;

	for (;;) {
		if (i >= q->num)
			return "a descriptor index out of the queue";
		if (!c->budget--)
			return "a chain that loops";
		d = q->desc_p + (size_t)i * VRING_DESC_SIZE;
		flags = ld16(d + 12);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (!vm_has(vd, VIRTIO_F_INDIRECT_DESC))
				return "an indirect descriptor not negotiated";
			c->budget = MODVMM_VIRTIO_MAX_SEGS;
			return chain_indirect(vd, c, d);
		}
		why = chain_add(vd, c, d);
		if (why)
			return why;
		if (!(flags & VRING_DESC_F_NEXT))
			return NULL;
		i = ld16(d + 14);
	}
}

static struct vq *vm_queue(struct modvmm_virtio *vd, unsigned int queue)
{
	if (queue >= vd->ops->nr_queues || !vd->vq[queue].ready ||
	    !(vd->status & ST_DRIVER_OK) || (vd->status & ST_NEEDS_RESET))
		return NULL;
	return &vd->vq[queue];
}

static int vm_pop(struct modvmm_virtio *vd, unsigned int queue,
		  struct modvmm_virtio_req *req)
{
	struct vq *q = vm_queue(vd, queue);
	struct chain c = { .req = req };
	uint16_t avail, head;
	const char *why;

	if (!q)
		return 0;
	avail = __atomic_load_n((uint16_t *)(q->avail_p + 2), __ATOMIC_ACQUIRE);
	if (avail == q->last_avail)
		return 0;
	if ((uint16_t)(avail - q->last_avail) > q->num)
		return vq_bad(vd, queue, "the driver's index ran more than a queue ahead");
	head = ld16(q->avail_p + 4 + 2 * (size_t)(q->last_avail & (q->num - 1)));
	memset(req, 0, offsetof(struct modvmm_virtio_req, seg));
	req->head = head;
	c.budget = q->num;
	why = chain_walk(vd, q, &c, head);
	if (why)
		return vq_bad(vd, queue, why);
	if (q->in_flight[head / 64] & (1ull << (head % 64)))
		return vq_bad(vd, queue, "a head made available twice");
	q->in_flight[head / 64] |= 1ull << (head % 64);
	q->last_avail++;
	/* with EVENT_IDX, ask to be notified of the next entry (avail_event) */
	if (vm_has(vd, VIRTIO_F_EVENT_IDX))
		__atomic_store_n((uint16_t *)(q->used_p + 4 + 8 * (size_t)q->num),
				 q->last_avail, __ATOMIC_RELEASE);
	return 1;
}

static void vm_push(struct modvmm_virtio *vd, unsigned int queue, uint16_t head,
		    uint32_t written)
{
	struct vq *q = vm_queue(vd, queue);
	uint8_t *e;

	if (!q)
		return;
	if (head >= q->num || !(q->in_flight[head / 64] & (1ull << (head % 64)))) {
		vd->host->stat_add(vd->dev, "stale_completions", 1);
		return;
	}
	q->in_flight[head / 64] &= ~(1ull << (head % 64));
	e = q->used_p + 4 + 8 * (size_t)(q->used_idx & (q->num - 1));
	st32(e, head);
	st32(e + 4, written);
	q->used_idx++;
	__atomic_store_n((uint16_t *)(q->used_p + 2), q->used_idx,
			 __ATOMIC_RELEASE);
}

/* 2.7.10: whether the driver wants an interrupt for this batch. */
static int vq_wants_interrupt(struct modvmm_virtio *vd, struct vq *q)
{
	uint16_t event, old = q->signalled, now = q->used_idx;

	if (!vm_has(vd, VIRTIO_F_EVENT_IDX))
		return !(ld16(q->avail_p) & VRING_AVAIL_F_NO_INTERRUPT);
	if (!q->signalled_valid)
		return 1;
	event = ld16(q->avail_p + 4 + 2 * (size_t)q->num);
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

static void vm_notify(struct modvmm_virtio *vd, unsigned int queue)
{
	struct vq *q = vm_queue(vd, queue);

	if (!q || (q->signalled_valid && q->signalled == q->used_idx))
		return;
	/* used->idx is stored before the driver's flags are read */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq_wants_interrupt(vd, q)) {
		vm_interrupt(vd, INT_VRING);
		vd->host->stat_add(vd->dev, "interrupts", 1);
	}
	q->signalled = q->used_idx;
	q->signalled_valid = 1;
}

static size_t vm_copy(struct modvmm_virtio *vd,
		      const struct modvmm_virtio_req *req, int writable,
		      size_t offset, uint8_t *buf, const uint8_t *src, size_t len)
{
	size_t done = 0, n;
	unsigned int i;
	uint8_t *p;

	for (i = 0; i < req->nr_segs && done < len; i++) {
		const struct modvmm_virtio_seg *s = &req->seg[i];

		if ((int)s->writable != writable)
			continue;
		if (offset >= s->len) {
			offset -= s->len;
			continue;
		}
		p = vd->host->mem_ptr(vd->dev, s->gpa + offset, s->len - offset);
		n = s->len - offset;
		if (n > len - done)
			n = len - done;
		if (!p)
			break;
		if (buf)
			memcpy(buf + done, p, n);
		else
			memcpy(p, src + done, n);
		done += n;
		offset = 0;
	}
	return done;
}

static size_t vm_copy_from(struct modvmm_virtio *vd,
			   const struct modvmm_virtio_req *req, size_t offset,
			   void *buf, size_t len)
{
	return vm_copy(vd, req, 0, offset, buf, NULL, len);
}

static size_t vm_copy_to(struct modvmm_virtio *vd,
			 const struct modvmm_virtio_req *req, size_t offset,
			 const void *buf, size_t len)
{
	return vm_copy(vd, req, 1, offset, NULL, buf, len);
}

/* ---- device state ---------------------------------------------------- */

static void vm_reset(struct modvmm_virtio *vd)
{
	unsigned int i;

	vd->status = 0;
	vd->dev_feat_sel = vd->drv_feat_sel = vd->queue_sel = 0;
	vd->drv_features = 0;
	vd->isr = 0;
	for (i = 0; i < VQ_MAX; i++)
		vq_forget(&vd->vq[i]);
	vm_update_irq(vd);
	if (vd->ops->reset)
		vd->ops->reset(vd->opaque);
}

static void vm_config_changed(struct modvmm_virtio *vd)
{
	vd->config_gen++;
	if (vd->status & ST_DRIVER_OK)
		vm_interrupt(vd, INT_CONFIG);
}

static void vm_needs_reset(struct modvmm_virtio *vd)
{
	vd->status |= ST_NEEDS_RESET;
	if (vd->status & ST_DRIVER_OK)
		vm_interrupt(vd, INT_CONFIG);
}

static uint64_t vm_features(struct modvmm_virtio *vd)
{
	return vd->drv_features;
}

/* A status write (2.1.1, 3.1.1): the transitions the driver may make. */
static void vm_set_status(struct modvmm_virtio *vd, uint32_t val)
{
	uint32_t old = vd->status;
	uint64_t bad;

	if (!val) {
		vm_reset(vd);
		return;
	}
	val &= 0xff;
	if ((val & ST_FEATURES_OK) && !(old & ST_FEATURES_OK)) {
		bad = vd->drv_features & ~vm_offered(vd);
		if (bad || !vm_has(vd, VIRTIO_F_VERSION_1)) {
			vd->host->log(vd->dev, MODVMM_LOG_WARN,
				      "driver features 0x%llx refused (%s)",
				      (unsigned long long)vd->drv_features,
				      bad ? "bits the device did not offer" :
				      "no VIRTIO_F_VERSION_1: legacy drivers are not supported");
			val &= ~(uint32_t)ST_FEATURES_OK;
		}
	}
	vd->status = val | (old & ST_NEEDS_RESET);
	if ((val & ST_DRIVER_OK) && !(old & ST_DRIVER_OK)) {
		if (!(val & ST_FEATURES_OK)) {
			vm_needs_reset(vd);
			return;
		}
		if (vd->ops->activate &&
		    vd->ops->activate(vd->opaque, vd->drv_features))
			vm_needs_reset(vd);
	}
}

static uint64_t vm_reg_read(struct modvmm_virtio *vd, uint64_t off)
{
	struct vq *q = vd->queue_sel < VQ_MAX ? &vd->vq[vd->queue_sel] : NULL;
	uint64_t f = vm_offered(vd);

	switch (off) {
	case VM_MAGIC:		return VM_MAGIC_VALUE;
	case VM_VERSION:	return 2;
	case VM_DEVICE_ID:	return vd->ops->device_id;
	case VM_VENDOR_ID:	return VM_VENDOR_VALUE;
	case VM_DEV_FEATURES:
		return vd->dev_feat_sel == 0 ? (uint32_t)f :
		       vd->dev_feat_sel == 1 ? (uint32_t)(f >> 32) : 0;
	case VM_QUEUE_NUM_MAX:
		return vd->queue_sel < vd->ops->nr_queues ? vd->ops->queue_max : 0;
	case VM_QUEUE_READY:	return q ? q->ready : 0;
	case VM_INT_STATUS:	return vd->isr;
	case VM_STATUS:		return vd->status;
	case VM_SHM_LEN_LO:
	case VM_SHM_LEN_HI:	return 0xffffffff;	/* no such region */
	case VM_CONFIG_GEN:	return vd->config_gen;
	default:		return 0;
	}
}

/* A queue register write: only while that queue is not ready. */
static void vm_queue_write(struct modvmm_virtio *vd, uint64_t off, uint32_t v)
{
	struct vq *q;

	if (vd->queue_sel >= vd->ops->nr_queues)
		return;
	q = &vd->vq[vd->queue_sel];
	if (off == VM_QUEUE_READY) {
		if (!v && q->ready && vd->ops->queue_reset)
			vd->ops->queue_reset(vd->opaque, vd->queue_sel);
		if (!v)
			vq_forget(q);
		else if (!q->ready && vq_enable(vd, q))
			q->ready = 0;
		return;
	}
	if (q->ready)
		return;
	switch (off) {
	case VM_QUEUE_NUM:	q->num = (uint16_t)(v > 0xffff ? 0 : v); break;
	case VM_QUEUE_DESC_LO:	q->desc = (q->desc & ~0xffffffffull) | v; break;
	case VM_QUEUE_DESC_HI:	q->desc = (q->desc & 0xffffffffull) | (uint64_t)v << 32; break;
	case VM_QUEUE_DRIVER_LO: q->avail = (q->avail & ~0xffffffffull) | v; break;
	case VM_QUEUE_DRIVER_HI: q->avail = (q->avail & 0xffffffffull) | (uint64_t)v << 32; break;
	case VM_QUEUE_DEVICE_LO: q->used = (q->used & ~0xffffffffull) | v; break;
	case VM_QUEUE_DEVICE_HI: q->used = (q->used & 0xffffffffull) | (uint64_t)v << 32; break;
	}
}

static void vm_drv_features(struct modvmm_virtio *vd, uint32_t v)
{
	if (!(vd->status & ST_DRIVER) || (vd->status & ST_FEATURES_OK))
		return;
	if (vd->drv_feat_sel == 0)
		vd->drv_features = (vd->drv_features & ~0xffffffffull) | v;
	else if (vd->drv_feat_sel == 1)
		vd->drv_features = (vd->drv_features & 0xffffffffull) |
				   (uint64_t)v << 32;
}

/* QueueNotify, from an exit or from KVM through an ioevent. */
static void vm_queue_kick(struct modvmm_virtio *vd, unsigned int queue)
{
	vd->host->stat_add(vd->dev, "notifies", 1);
	if (vm_queue(vd, queue))
		vd->ops->queue_notify(vd->opaque, queue);
}

static void vm_ioevent(void *opaque)
{
	struct vm_kick *k = opaque;

	vm_queue_kick(k->vd, k->queue);
}

/*
 * Where KVM can, a queue notify (a 32-bit write of the queue's index)
 * no longer exits to the run loop: an ioevent per queue.
 */
static int vm_ioevents(struct modvmm_virtio *vd)
{
	const struct modvmm_host *h = vd->host;
	unsigned int q;
	int on;

	if (h->opt_bool(vd->dev, "ioeventfd", 1, &on))
		return -1;
	if (!on || !MODVMM_HOST_HAS(h, ioevent_add))
		goto irqfd;
	for (q = 0; q < vd->ops->nr_queues; q++) {
		vd->kick[q].vd = vd;
		vd->kick[q].queue = q;
		if (h->ioevent_add(vd->dev, MODVMM_SPACE_MMIO,
				   vd->base + VM_QUEUE_NOTIFY, 4, q, vm_ioevent,
				   &vd->kick[q]) == 1)
			vd->nr_ioevents++;
	}
irqfd:
	if (h->opt_bool(vd->dev, "irqfd", 1, &on))
		return -1;
	if (on && MODVMM_HOST_HAS(h, irqfd_new))
		vd->irqfd = h->irqfd_new(vd->dev, vd->irq);
	return 0;
}

static void vm_reg_write(struct modvmm_virtio *vd, uint64_t off, uint32_t v)
{
	switch (off) {
	case VM_DEV_FEATURES_SEL:	vd->dev_feat_sel = v; break;
	case VM_DRV_FEATURES:		vm_drv_features(vd, v); break;
	case VM_DRV_FEATURES_SEL:	vd->drv_feat_sel = v; break;
	case VM_QUEUE_SEL:		vd->queue_sel = v; break;
	case VM_QUEUE_NOTIFY:
		vm_queue_kick(vd, v & 0xffff);
		break;
	case VM_INT_ACK:
		vd->isr &= ~v;
		vm_update_irq(vd);
		break;
	case VM_STATUS:			vm_set_status(vd, v); break;
	case VM_SHM_SEL:		break;
	default:			vm_queue_write(vd, off, v); break;
	}
}

static uint64_t vm_read(void *opaque, const struct modvmm_access *a)
{
	struct modvmm_virtio *vd = opaque;
	uint64_t v = 0;

	if (a->offset >= VM_CONFIG) {
		uint64_t o = a->offset - VM_CONFIG;

		if (o + a->size <= vd->ops->config_len)
			memcpy(&v, vd->config + o, a->size);
		return v;
	}
	/* the registers are 32-bit; other widths read 0 */
	return a->size == 4 && !(a->offset & 3) ? vm_reg_read(vd, a->offset) : 0;
}

static void vm_write(void *opaque, const struct modvmm_access *a, uint64_t val)
{
	struct modvmm_virtio *vd = opaque;

	if (a->offset >= VM_CONFIG) {
		uint64_t o = a->offset - VM_CONFIG;

		if (vd->ops->config_write && o + a->size <= vd->ops->config_len) {
			memcpy(vd->config + o, &val, a->size);
			vd->ops->config_write(vd->opaque, (uint32_t)o, a->size);
		}
		return;
	}
	if (a->size == 4 && !(a->offset & 3))
		vm_reg_write(vd, a->offset, (uint32_t)val);
}

static const struct modvmm_range_ops vm_ops = {
	.read = vm_read,
	.write = vm_write,
	.sizes = MODVMM_SIZE_ANY,
};

/* ---- placement ------------------------------------------------------- */

static int vm_claim_window(struct modvmm_virtio *vd, uint64_t addr)
{
	const struct modvmm_host *h = vd->host;
	int i;

	if (addr != UINT64_MAX) {
		if ((addr & 0xfff) || addr + VM_WINDOW > 0x100000000ull) {
			h->set_error(vd->dev, "addr=0x%llx: want a 4 KiB-aligned address below 4 GiB",
				     (unsigned long long)addr);
			return -1;
		}
		/* KVM's I/O APIC and local APICs answer there, not the bus */
		if (addr + VM_WINDOW > VM_APIC_START && addr < VM_APIC_END) {
			h->set_error(vd->dev, "addr=0x%llx: 0x%llx-0x%llx belongs to the I/O APIC and the local APICs",
				     (unsigned long long)addr, VM_APIC_START,
				     VM_APIC_END - 1);
			return -1;
		}
		if (h->register_range(vd->dev, MODVMM_SPACE_MMIO, addr, VM_WINDOW,
				      &vm_ops, vd)) {
			h->set_error(vd->dev, "addr=0x%llx: cannot claim the window",
				     (unsigned long long)addr);
			return -1;
		}
		vd->base = addr;
		return 0;
	}
	for (i = 0; i < VM_AUTO_SLOTS; i++) {
		addr = VM_AUTO_BASE + (uint64_t)i * VM_WINDOW;
		if ((slots_used & (1u << i)) ||
		    h->register_range(vd->dev, MODVMM_SPACE_MMIO, addr, VM_WINDOW,
				      &vm_ops, vd))
			continue;
		slots_used |= 1u << i;
		vd->slot = i;
		vd->base = addr;
		return 0;
	}
	h->set_error(vd->dev, "no free virtio-mmio window at 0x%llx-0x%llx; give addr=",
		     VM_AUTO_BASE, VM_AUTO_BASE + VM_AUTO_SLOTS * VM_WINDOW - 1);
	return -1;
}

static int vm_claim_irq(struct modvmm_virtio *vd, uint64_t irq)
{
	unsigned int i;

	if (irq != UINT64_MAX) {
		if (irq >= MODVMM_IRQ_LINES) {
			vd->host->set_error(vd->dev, "irq=%llu: want 0 to 23",
					    (unsigned long long)irq);
			return -1;
		}
		vd->irq = (uint32_t)irq;
		return 0;
	}
	for (i = 0; i < sizeof(auto_irqs); i++) {
		if (irqs_used & (1u << i))
			continue;
		irqs_used |= 1u << i;
		vd->irq_slot = (int)i;
		vd->irq = auto_irqs[i];
		return 0;
	}
	vd->host->set_error(vd->dev, "all %zu automatic interrupt lines are taken; give irq=",
			    sizeof(auto_irqs));
	return -1;
}

/* Tell the guest: an ACPI device and a Linux command-line word. */
static int vm_describe(struct modvmm_virtio *vd)
{
	const struct modvmm_host *h = vd->host;
	struct modvmm_platform_dev pd;
	char word[64];

	if (!MODVMM_HOST_HAS(h, cmdline_append))
		return 0;
	memset(&pd, 0, sizeof(pd));
	strcpy(pd.hid, "LNRO0005");
	pd.uid = next_uid++;
	pd.mmio_base = vd->base;
	pd.mmio_len = VM_WINDOW;
	pd.irq = vd->irq;
	pd.flags = MODVMM_PDEV_IRQ_EDGE;
	snprintf(word, sizeof(word), "virtio_mmio.device=512@0x%llx:%u",
		 (unsigned long long)vd->base, vd->irq);
	return h->platform_dev_add(vd->dev, &pd) || h->cmdline_append(vd->dev, word);
}

static int vm_check_ops(struct modvmm_virtio *vd)
{
	const struct modvmm_virtio_ops *o = vd->ops;

	if (!o->queue_notify || !o->nr_queues || o->nr_queues > VQ_MAX ||
	    o->queue_max < 2 || o->queue_max > MODVMM_VIRTIO_MAX_SEGS ||
	    (o->queue_max & (o->queue_max - 1)) ||
	    o->config_len > VM_WINDOW - VM_CONFIG ||
	    (o->config_len && !vd->config)) {
		vd->host->set_error(vd->dev, "virtio-mmio: the device's virtio ops are invalid (queues 1-%d, queue_max a power of 2 up to %d, config up to %d bytes, queue_notify set)",
				    VQ_MAX, MODVMM_VIRTIO_MAX_SEGS,
				    VM_WINDOW - VM_CONFIG);
		return -1;
	}
	return 0;
}

static void vm_destroy(struct modvmm_virtio *vd)
{
	if (!vd)
		return;
	if (vd->slot >= 0)
		slots_used &= ~(1u << vd->slot);
	if (vd->irq_slot >= 0)
		irqs_used &= ~(1u << vd->irq_slot);
	if (!slots_used)
		next_uid = 0;
	vd->isr = 0;
	vm_update_irq(vd);
	free(vd);
}

static struct modvmm_virtio *vm_create(struct modvmm_dev *dev,
				       const struct modvmm_host *host,
				       const struct modvmm_virtio_ops *ops,
				       void *config, void *opaque)
{
	struct modvmm_virtio *vd;
	uint64_t addr, irq;

	if (!MODVMM_HOST_HAS(host, platform_dev_add) ||
	    !MODVMM_HOST_HAS(host, mem_ptr)) {
		host->set_error(dev, "this modvmm is older than virtio-mmio (no mem_ptr or platform_dev_add)");
		return NULL;
	}
	vd = calloc(1, sizeof(*vd));
	if (!vd) {
		host->set_error(dev, "out of memory");
		return NULL;
	}
	vd->dev = dev;
	vd->host = host;
	vd->ops = ops;
	vd->config = config;
	vd->opaque = opaque;
	vd->slot = vd->irq_slot = -1;
	vd->irqfd = -1;
	if (vm_check_ops(vd) ||
	    host->opt_u64(dev, "addr", UINT64_MAX, &addr) ||
	    host->opt_u64(dev, "irq", UINT64_MAX, &irq) ||
	    vm_claim_window(vd, addr) || vm_claim_irq(vd, irq) ||
	    vm_describe(vd) || vm_ioevents(vd)) {
		/* the host releases the window with the instance */
		vm_destroy(vd);
		return NULL;
	}
	host->log(dev, MODVMM_LOG_INFO, "virtio-mmio at 0x%llx-0x%llx, irq %u%s%s",
		  (unsigned long long)vd->base,
		  (unsigned long long)vd->base + VM_WINDOW - 1, vd->irq,
		  vd->nr_ioevents ? ", queue notifies by ioeventfd" : "",
		  vd->irqfd >= 0 ? ", interrupts by irqfd" : "");
	return vd;
}

static const struct modvmm_virtio_api virtio_mmio_api = {
	.struct_size = sizeof(struct modvmm_virtio_api),
	.version = MODVMM_VIRTIO_API_VERSION,
	.create = vm_create,
	.destroy = vm_destroy,
	.pop = vm_pop,
	.copy_from = vm_copy_from,
	.copy_to = vm_copy_to,
	.push = vm_push,
	.notify = vm_notify,
	.config_changed = vm_config_changed,
	.needs_reset = vm_needs_reset,
	.features = vm_features,
	.reset = vm_reset,
};

MODVMM_DEVICE(virtio_mmio) = {
	MODVMM_DESC_HEADER,
	.name = MODVMM_VIRTIO_MODULE,
	.license = "MIT",
	.description = "virtio-mmio transport (library: virtio-blk, virtio-console, virtio-rng require it)",
	.exports = &virtio_mmio_api,
};
