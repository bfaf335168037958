/* SPDX-License-Identifier: MIT */
/*
 * modvmm/virtio.h - writing a virtio device as a modvmm module.
 *
 * The virtio-mmio transport is a library module ("virtio-mmio", built in
 * or virtio_mmio.so): it owns the register window, feature negotiation,
 * the status state machine, the split virtqueues (descriptor chains,
 * indirect descriptors, EVENT_IDX) and the interrupt line, as the Virtio
 * 1.2 specification's "Virtio Over MMIO" section describes (version 2,
 * modern devices only).  A virtio device module lists it in its
 * descriptor and asks the host for its function table:
 *
 *	static const char *const my_depends[] = { MODVMM_VIRTIO_MODULE, NULL };
 *	...
 *	const struct modvmm_virtio_api *vio =
 *		host->module_get(dev, MODVMM_VIRTIO_MODULE);
 *	vd = vio->create(dev, host, &my_virtio_ops, &my_config, my_state);
 *
 * and then serves requests: in &modvmm_virtio_ops.queue_notify it pops
 * descriptor chains, reads and writes their buffers, pushes them back as
 * used and notifies the driver.  Everything here is called under the
 * device lock, like every device callback (see <modvmm/device.h>); a
 * device thread of its own may touch request buffers (through
 * &modvmm_host.mem_ptr) but hands completions back to a callback (an fd
 * watch) before it calls @push.
 *
 * The transport chooses each instance's 0x200-byte window and IRQ line
 * (the device options "addr=" and "irq=" override them; "ioeventfd=off"
 * makes queue notifies ordinary exits, "irqfd=off" raises the line with
 * &modvmm_host.irq_set instead of &modvmm_host.irqfd_new), describes it to
 * the guest as an ACPI device with _HID "LNRO0005" and as
 * "virtio_mmio.device=512@ADDR:IRQ" on a Linux command line.
 */
#ifndef MODVMM_VIRTIO_H
#define MODVMM_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

#include <modvmm/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/** MODVMM_VIRTIO_MODULE - the transport's module name, for depends. */
#define MODVMM_VIRTIO_MODULE	"virtio-mmio"

/** MODVMM_VIRTIO_API_VERSION - bumped when &modvmm_virtio_api breaks. */
#define MODVMM_VIRTIO_API_VERSION	1

/* Virtio device IDs (Virtio 1.2, section 5). */
#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4

/* Feature bits the transport itself offers and handles. */
#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_EVENT_IDX	29
#define VIRTIO_F_VERSION_1	32

/** MODVMM_VIRTIO_MMIO_BASE - the first window the transport gives out. */
#define MODVMM_VIRTIO_MMIO_BASE		0xd0000000ull
/** MODVMM_VIRTIO_MMIO_WINDOW - the bytes of one virtio-mmio window. */
#define MODVMM_VIRTIO_MMIO_WINDOW	0x200

/**
 * MODVMM_VIRTIO_RANGE - the &modvmm_range_decl of a virtio device with
 * default options and no other virtio device: the first window.
 */
#define MODVMM_VIRTIO_RANGE \
	{ MODVMM_SPACE_MMIO, MODVMM_VIRTIO_MMIO_BASE, MODVMM_VIRTIO_MMIO_WINDOW }

/** MODVMM_VIRTIO_OPTIONS - the options the transport reads; list them
 *  in the device's &modvmm_device_desc.options. */
#define MODVMM_VIRTIO_OPTIONS \
	{ "addr", "guest physical base of the 0x200-byte virtio-mmio window", \
	  "auto (0xd0000000 up)" }, \
	{ "irq", "interrupt line", "auto (5, 6, 7, 10, 11, 12, 14, 15, 16-23)" }, \
	{ "ioeventfd", "queue notifies without a run-loop exit (KVM_IOEVENTFD)", \
	  "on" }, \
	{ "irqfd", "interrupts through an eventfd (KVM_IRQFD)", "on" }

/** MODVMM_VIRTIO_MAX_SEGS - most buffers in one chain (= largest queue). */
#define MODVMM_VIRTIO_MAX_SEGS	256

struct modvmm_virtio;

/**
 * struct modvmm_virtio_seg - one buffer of a descriptor chain.
 * @gpa:      guest physical address; the whole buffer is guest RAM.
 * @len:      length in bytes (never 0).
 * @writable: 1 if the device writes it (device-writable), 0 if it reads.
 */
struct modvmm_virtio_seg {
	uint64_t gpa;
	uint32_t len;
	uint32_t writable;
};

/**
 * struct modvmm_virtio_req - a descriptor chain popped from a queue.
 * @head:      the chain's first descriptor: give it back with @push.
 * @nr_segs:   buffers in @seg; the readable ones come first.
 * @nr_read:   how many of them are device-readable.
 * @read_len:  total bytes the device can read.
 * @write_len: total bytes the device can write.
 * @seg:       the buffers, in chain order.
 */
struct modvmm_virtio_req {
	uint16_t head;
	uint16_t nr_segs;
	uint16_t nr_read;
	uint16_t reserved;
	uint32_t read_len;
	uint32_t write_len;
	struct modvmm_virtio_seg seg[MODVMM_VIRTIO_MAX_SEGS];
};

/**
 * struct modvmm_virtio_ops - what a virtio device tells the transport.
 * @device_id:    VIRTIO_ID_*.
 * @features:     the device-specific feature bits it offers (the
 *                transport adds VERSION_1, INDIRECT_DESC, EVENT_IDX).
 * @nr_queues:    number of virtqueues (1 to 8).
 * @queue_max:    largest queue size it accepts (a power of 2, 2 to
 *                MODVMM_VIRTIO_MAX_SEGS).
 * @config_len:   bytes of its configuration space (up to 0x100).
 * @config_write: the driver wrote @size bytes at @offset of the
 *                configuration space; the transport has stored them in
 *                the device's buffer.  NULL makes the space read-only
 *                (writes are dropped).
 * @queue_notify: the driver notified queue @queue (only once it is
 *                ready and the device is live).
 * @activate:     the driver set DRIVER_OK with @features negotiated;
 *                return 0, or -1 to refuse (the device then reports
 *                DEVICE_NEEDS_RESET).  May be NULL.
 * @reset:        the driver reset the device (status 0) or the machine
 *                was reset: forget in-flight requests, queues are gone.
 *                May be NULL.
 * @queue_reset:  the driver took queue @queue away (QueueReady 0): stop
 *                touching the buffers of its requests in flight before
 *                returning (a bounded wait); their completions are
 *                dropped by the transport anyway.  May be NULL.
 */
struct modvmm_virtio_ops {
	uint32_t device_id;
	uint64_t features;
	uint16_t nr_queues;
	uint16_t queue_max;
	uint32_t config_len;
	void (*config_write)(void *opaque, uint32_t offset, uint32_t size);
	void (*queue_notify)(void *opaque, unsigned int queue);
	int (*activate)(void *opaque, uint64_t features);
	void (*reset)(void *opaque);
	void (*queue_reset)(void *opaque, unsigned int queue);
};

/**
 * struct modvmm_virtio_api - the transport's functions (what the
 * virtio-mmio module exports).
 * @struct_size: sizeof() of this table in the transport.
 * @version:     MODVMM_VIRTIO_API_VERSION of the transport.
 * @create:      make @dev a virtio device: claim a window and a line
 *               (options addr= and irq=), describe them to the guest.
 *               @config (@ops->config_len bytes, owned by the device) is
 *               what the driver reads as configuration space.  Returns
 *               the transport instance, or NULL after set_error.
 * @destroy:     undo @create (the device's exit calls it).
 * @pop:         take the next available chain of @queue into @req:
 *               1 if one was taken, 0 if the queue is empty or not
 *               ready, -1 if the chain is malformed (a loop, a buffer
 *               outside RAM, a readable buffer after a writable one):
 *               the device is then marked DEVICE_NEEDS_RESET.
 * @copy_from:   copy up to @len bytes of the readable buffers, starting
 *               @offset bytes into them, to @buf; returns bytes copied.
 * @copy_to:     copy up to @len bytes from @buf into the writable
 *               buffers from @offset; returns bytes copied.
 * @push:        give chain @head back as used with @written bytes
 *               written.
 * @notify:      interrupt the driver for @queue if it asked for one
 *               (its flags or, with EVENT_IDX, its used_event).  Call
 *               after a batch of @push.
 * @config_changed: the configuration space changed: new generation,
 *               configuration change interrupt.
 * @needs_reset: the device failed: set DEVICE_NEEDS_RESET and tell the
 *               driver.
 * @features:    the features the driver accepted.
 * @reset:       the machine was reset (the device's reset hook calls
 *               it): back to power-on, @ops->reset called, line low.
 */
struct modvmm_virtio_api {
	uint32_t struct_size;
	uint32_t version;
	struct modvmm_virtio *(*create)(struct modvmm_dev *dev,
					const struct modvmm_host *host,
					const struct modvmm_virtio_ops *ops,
					void *config, void *opaque);
	void (*destroy)(struct modvmm_virtio *vd);
	int (*pop)(struct modvmm_virtio *vd, unsigned int queue,
		   struct modvmm_virtio_req *req);
	size_t (*copy_from)(struct modvmm_virtio *vd,
			    const struct modvmm_virtio_req *req, size_t offset,
			    void *buf, size_t len);
	size_t (*copy_to)(struct modvmm_virtio *vd,
			  const struct modvmm_virtio_req *req, size_t offset,
			  const void *buf, size_t len);
	void (*push)(struct modvmm_virtio *vd, unsigned int queue,
		     uint16_t head, uint32_t written);
	void (*notify)(struct modvmm_virtio *vd, unsigned int queue);
	void (*config_changed)(struct modvmm_virtio *vd);
	void (*needs_reset)(struct modvmm_virtio *vd);
	uint64_t (*features)(struct modvmm_virtio *vd);
	void (*reset)(struct modvmm_virtio *vd);
};

#ifdef __cplusplus
}
#endif

#endif /* MODVMM_VIRTIO_H */
