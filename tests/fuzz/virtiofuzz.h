/* SPDX-License-Identifier: MIT */
/*
 * virtiofuzz.h - a virtio driver and a reference model of the
 * virtio-mmio transport (devices/virtio_mmio.c) for the device harnesses
 * fuzz_virtio_*.c, on top of devfuzz (devfuzz.h, with its extended
 * steps).
 *
 * The driver lays its split virtqueues out at fixed addresses of the
 * 64 KiB harness RAM, publishes descriptor chains it knows (direct and
 * indirect, valid or malformed on purpose), kicks, acknowledges
 * interrupts, resets; fuzzed register accesses and RAM writes may undo
 * any of it at any time.  The model follows every register access and
 * every byte the driver writes, and after every step checks (Virtio 1.2,
 * 2.1, 2.7, 4.2):
 *
 *  - registers read back per spec: MagicValue "virt", Version 2, the
 *    DeviceID, DeviceFeatures per selector (the device's bits plus
 *    VERSION_1, INDIRECT_DESC, EVENT_IDX), QueueNumMax, QueueReady (1
 *    only for a valid size, aligned rings inside RAM), Status (what the
 *    driver wrote; FEATURES_OK only for offered features with
 *    VERSION_1; DEVICE_NEEDS_RESET sticky until a reset), the
 *    configuration space and its generation, no shared memory;
 *  - the device writes guest RAM only inside buffers a descriptor marked
 *    device-writable (of the chains the driver published, or, once the
 *    driver scribbled over its rings, of any descriptor the rings held)
 *    and in the used rings: RAM is compared with the driver's copy after
 *    every step and before every driver write;
 *  - the used index moves forward by at most what the driver made
 *    available; used entries name heads the driver made available, and,
 *    while the driver followed the rules, exactly the chains it
 *    published, in order, with no more bytes than they had writable;
 *  - a malformed chain: DEVICE_NEEDS_RESET once a kick reached it (for
 *    a queue that pops on kick), a configuration change interrupt if
 *    DRIVER_OK was set, never a used entry for it, and nothing more in
 *    any used ring until a reset; DEVICE_NEEDS_RESET never without a
 *    reason;
 *  - a reset (Status 0) drops InterruptStatus and the line to 0, and
 *    they stay 0 until DRIVER_OK; the line equals (InterruptStatus != 0)
 *    after every step; an acknowledged bit is clear;
 *  - the driver gets an interrupt when it asked for one (no
 *    NO_INTERRUPT flag, or used_event crossed with EVENT_IDX).
 *
 * The device harness adds what its device promises through &struct
 * vf_device: which chains it refuses, what a used entry means.
 *
 * VF_DEBUG=1 traces what the model sees.  It found that a request
 * popped before a queue reset (QueueReady 0) came back as a used entry
 * of the queue set up again after it (tests/fuzz/regress/virtio_blk/):
 * the transport now drops a push of a head it did not hand out.
 */
#ifndef MODVMM_VIRTIOFUZZ_H
#define MODVMM_VIRTIOFUZZ_H

#include <modvmm/virtio.h>

#include "devfuzz.h"

/* Guest RAM, as the driver lays it out. */
#define VF_RAM		DEVFUZZ_RAM
#define VF_RING_BASE	0x1000u	/* queue q: VF_RING_BASE + q * VF_RING_SIZE */
#define VF_RING_SIZE	0x2000u	/* 256 entries: descriptors, avail, used */
#define VF_INDIR_BASE	0x5000u	/* indirect tables */
#define VF_INDIR_SLOT	0x80u	/* of 8 descriptors */
#define VF_INDIR_SLOTS	32
#define VF_DATA_BASE	0x6000u	/* buffers */
#define VF_DATA_END	VF_RAM

#define VF_MAX_QUEUES	2
#define VF_CHAIN_SEGS	8	/* buffers of one chain the driver makes */
#define VF_QMAX		256

/* Registers (4.2.2). */
#define VF_MAGIC		0x000
#define VF_VERSION		0x004
#define VF_DEVICE_ID		0x008
#define VF_VENDOR_ID		0x00c
#define VF_DEV_FEATURES		0x010
#define VF_DEV_FEATURES_SEL	0x014
#define VF_DRV_FEATURES		0x020
#define VF_DRV_FEATURES_SEL	0x024
#define VF_QUEUE_SEL		0x030
#define VF_QUEUE_NUM_MAX	0x034
#define VF_QUEUE_NUM		0x038
#define VF_QUEUE_READY		0x044
#define VF_QUEUE_NOTIFY		0x050
#define VF_INT_STATUS		0x060
#define VF_INT_ACK		0x064
#define VF_STATUS		0x070
#define VF_QUEUE_DESC		0x080
#define VF_QUEUE_DRIVER		0x090
#define VF_QUEUE_DEVICE		0x0a0
#define VF_SHM_SEL		0x0ac
#define VF_SHM_LEN_LO		0x0b0
#define VF_SHM_LEN_HI		0x0b4
#define VF_CONFIG_GEN		0x0fc
#define VF_CONFIG		0x100

#define VF_ST_ACK		1
#define VF_ST_DRIVER		2
#define VF_ST_DRIVER_OK		4
#define VF_ST_FEATURES_OK	8
#define VF_ST_NEEDS_RESET	64

#define VF_DESC_NEXT		1
#define VF_DESC_WRITE		2
#define VF_DESC_INDIRECT	4

/* Deliberate malformations of vf_publish(). */
enum vf_mal {
	VF_MAL_NONE,
	VF_MAL_WILD,		/* a buffer outside RAM */
	VF_MAL_LOOP,		/* the last descriptor's next is the head */
	VF_MAL_NEXT_RANGE,	/* next past the queue */
	VF_MAL_IND_NEXT,	/* an indirect descriptor with NEXT */
	VF_MAL_IND_SIZE,	/* an indirect table of a bad size */
	VF_MAL_IND_WILD,	/* an indirect table outside RAM */
	VF_MAL_IND_NESTED,	/* an indirect descriptor inside a table */
	VF_MAL_IND_RANGE,	/* next past the table */
	VF_MAL_IND_LOOP,	/* the table's last next is its first */
	VF_MAL_ORDER,		/* a readable buffer after a writable one */
	VF_MAL_HEAD,		/* a head past the queue in the avail ring */
	VF_MAL_AHEAD,		/* the avail index runs more than a queue ahead */
	VF_NR_MAL
};

struct vf_seg {
	uint64_t gpa;
	uint32_t len;
	uint32_t writable;
};

/**
 * struct vf_chain - a chain the driver published on a queue it keeps
 * strict.
 * @head:      the head descriptor (what the used entry names).
 * @pos:       the avail index it was published at.
 * @malformed: the device must refuse it.
 * @tainted:   its buffers changed after it was published (or overlap
 *             another chain's): their contents are not checked.
 * @popped:    a kick made the device take it (queues that pop on kick).
 * @seg:       its non-empty buffers, in order, as the device must see
 *             them; @read_len and @write_len their totals.
 * @tag:       the device harness's (what the request was).
 */
struct vf_chain {
	uint16_t head;
	uint16_t pos;
	uint8_t malformed, tainted, popped, nr_desc;
	uint8_t forced;		/* malformed by its avail entry */
	uint16_t desc[VF_CHAIN_SEGS + 1];
	int indir;
	unsigned int nseg;
	struct vf_seg seg[VF_CHAIN_SEGS];
	uint32_t read_len, write_len;
	uint64_t tag[6];
};

/**
 * struct vf_device - the device under test, for the model.
 * @name:         its devfuzz name ("virtio-rng").
 * @device_id:    VIRTIO_ID_*.
 * @features:     its own feature bits (the transport adds its three).
 * @nr_queues:    1 or 2.
 * @queue_max:    QueueNumMax.
 * @config:       the configuration space it must read as, @config_len
 *                bytes (NULL: not checked).
 * @async:        it writes request buffers from a thread of its own, so
 *                buffers of chains the driver gave up on may still be
 *                written until a reset.
 * @bad:          whether chain @ch is one the device refuses although
 *                the transport takes it (DEVICE_NEEDS_RESET); may be NULL.
 * @pops_on_kick: whether a kick makes the device take every chain
 *                available on @q (up to a malformed one).
 * @used:         chain @ch came back used with @len bytes written (in
 *                the order published); @ch->tainted says whether its
 *                buffers are still what the driver wrote.
 * @dropped:      chain @ch will never be matched with a used entry (a
 *                reset, a queue reset, the driver scribbled over its
 *                ring).  An async device may serve it any time until a
 *                reset; a synchronous one may have served it unseen
 *                only when @unseen (the device itself wrote over the
 *                ring during the step).
 * @lost:         a queue went loose: what it serves is no longer known.
 * @reset:        the driver reset the device (Status 0).
 */
struct vf_device {
	const char *name;
	uint32_t device_id;
	uint64_t features;
	unsigned int nr_queues;
	unsigned int queue_max;
	const uint8_t *config;
	unsigned int config_len;
	int async;
	int (*bad)(unsigned int q, const struct vf_chain *ch);
	int (*pops_on_kick)(unsigned int q);
	void (*used)(const struct devfuzz_ctx *c, unsigned int q,
		     struct vf_chain *ch, uint32_t len);
	void (*dropped)(unsigned int q, struct vf_chain *ch, int unseen);
	void (*lost)(unsigned int q);
	void (*reset)(void);
};

/**
 * struct vf_variant - how the driver starts, per entry of the device's
 * devfuzz options (the input's first byte picks one).
 * @init:     run the driver's initialisation at creation.
 * @features: the optional features it accepts (VERSION_1 always).
 * @qsize:    its queue size.
 */
struct vf_variant {
	int init;
	uint64_t features;
	uint16_t qsize;
};

/* The generic steps (&devfuzz_ops.step kinds 0 to VF_NR_STEPS - 1). */
#define VF_NR_STEPS	9

/* devfuzz_ops hooks: a harness calls them from its own. */
void vf_begin(const struct vf_device *d, const struct devfuzz_ctx *c,
	      const struct vf_variant *v);
void vf_access(const struct devfuzz_ctx *c, const struct modvmm_access *a,
	       uint64_t val);
void vf_ram_write(const struct devfuzz_ctx *c, uint64_t gpa,
		  const uint8_t *buf, size_t len);
void vf_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s);
void vf_check_end(const struct devfuzz_ctx *c);
/* a generic step; returns 0 if @kind is not one */
int vf_step(const struct devfuzz_ctx *c, unsigned int kind,
	    struct fuzz_in *in);

/* ---- for the device harnesses' own steps ---- */

/* Write @len bytes into guest RAM as the driver (not a corruption). */
void vf_put(uint64_t gpa, const void *buf, size_t len);
/* Read guest RAM. */
void vf_get(uint64_t gpa, void *buf, size_t len);
/* An address for a buffer of @len bytes from fuzzed @sel, in the data
 * area. */
uint64_t vf_buf(uint32_t sel, uint32_t len);
/*
 * Publish on queue @q the buffers @seg: @nd direct ones, then, when @ni
 * >= 0, an indirect descriptor with the next @ni in its table; @mal
 * (enum vf_mal) with @arg spoils it on purpose.  Returns the chain
 * (NULL when there is no room, or the queue is not the driver's); on a
 * queue gone loose the chain is published but not followed (NULL).
 */
struct vf_chain *vf_publish(unsigned int q, const struct vf_seg *seg,
			    unsigned int nd, int ni, unsigned int mal,
			    unsigned int arg);
/* Kick queue @q; with @wait and an async device, wait (bounded) for what
 * it took to come back. */
void vf_kick(unsigned int q, int wait);
/* Wait (bounded) for the chains kicks handed to an async device. */
void vf_wait(void);
/* The features negotiated, and whether the device is live. */
uint64_t vf_negotiated(void);
int vf_live(void);
/* Whether queue @q is ready, and followed chain by chain. */
int vf_ready(unsigned int q);
int vf_strict(unsigned int q);
/* Chains published and not yet used on @q. */
unsigned int vf_in_flight(unsigned int q);
/* A register read as the driver makes it. */
uint32_t vf_rd(uint32_t off);
void vf_wr(uint32_t off, uint32_t val);

#endif
