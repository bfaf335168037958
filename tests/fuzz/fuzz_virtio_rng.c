// SPDX-License-Identifier: MIT
/*
 * fuzz_virtio_rng - virtio-rng (devices/virtio_rng.c) on the virtio-mmio
 * transport (devices/virtio_mmio.c), driven by the virtio driver and
 * checked by the transport model of virtiofuzz.h: registers, RAM writes
 * only in writable buffers and used rings, used ring order and counts,
 * DEVICE_NEEDS_RESET, interrupts.
 *
 * What virtio-rng itself promises (Virtio 1.2, 5.4): one request queue,
 * no configuration space, no feature bits of its own; every chain comes
 * back at once (the device pops on every kick) with
 * min(writable bytes, 4096) bytes written, and the "bytes" counter is
 * the sum of the used lengths.
 *
 * Its own step (kind VF_NR_STEPS): a byte k, then 1 + (k & 7) length
 * bytes: that many one-buffer chains, then a kick.
 */
#include <string.h>

#include "virtiofuzz.h"

#define RNG_CHUNK	4096

static struct {
	uint64_t bytes;		/* used lengths of the chains followed */
	int unknown;		/* a queue not followed chain by chain */
} r;

static void rng_used(const struct devfuzz_ctx *c, unsigned int q,
		     struct vf_chain *ch, uint32_t len)
{
	(void)c;
	(void)q;
	FUZZ_ASSERT(len == (ch->write_len < RNG_CHUNK ? ch->write_len : RNG_CHUNK));
	r.bytes += len;
}

static void rng_lost(unsigned int q)
{
	(void)q;
	r.unknown = 1;
}

static const struct vf_device rng_dev = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.features = 0,
	.nr_queues = 1,
	.queue_max = 256,
	.config = (const uint8_t *)"",
	.config_len = 0,
	.used = rng_used,
	.lost = rng_lost,
};

#define W(base)	{ { MODVMM_SPACE_MMIO, base, 0x200 } }
#define FEAT_ALL ((1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX))

static const struct devfuzz_opt opts[] = {
	{ "", 0, 5, W(0xd0000000) },
	{ "", 0, 5, W(0xd0000000) },
	{ "ioeventfd=off", 0, 5, W(0xd0000000) },
	{ "addr=0xfeb00000,irq=23", 0, 23, W(0xfeb00000) },
};

static const struct vf_variant variants[] = {
	{ 1, FEAT_ALL, 16 },
	{ 1, 0, 4 },
	{ 0, 0, 0 },		/* the fuzzer is the driver */
	{ 1, FEAT_ALL, 256 },
};

static void rng_reset(const struct devfuzz_ctx *c)
{
	memset(&r, 0, sizeof(r));
	vf_begin(&rng_dev, c, &variants[c->opt_index]);
}

/* Chains of one writable buffer each, then a kick. */
static void rng_fill(struct fuzz_in *in)
{
	unsigned int n = 1 + (fuzz_u8(in) & 7), i;
	struct vf_seg s;
	uint8_t b;

	for (i = 0; i < n; i++) {
		b = fuzz_u8(in);
		s.len = b < 0x80 ? b + 1u : (b - 0x7fu) * 64;
		s.gpa = vf_buf(fuzz_u16(in), s.len);
		s.writable = 1;
		vf_publish(0, &s, 1, -1, VF_MAL_NONE, 0);
	}
	vf_kick(0, 0);
}

static void rng_step(const struct devfuzz_ctx *c, unsigned int kind,
		     struct fuzz_in *in)
{
	if (vf_step(c, kind, in))
		return;
	if (kind == VF_NR_STEPS)
		rng_fill(in);
}

static void rng_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	vf_check_step(c, s);
	if (vf_ready(0) && !vf_strict(0))
		r.unknown = 1;
	if (!r.unknown)
		FUZZ_ASSERT(devfuzz_stat(c, "bytes") == r.bytes);
}

static const struct devfuzz_ops rng_checks = {
	.reset = rng_reset,
	.access = vf_access,
	.check_step = rng_check_step,
	.check_end = vf_check_end,
	.ext_steps = 1,
	.ram_write = vf_ram_write,
	.step = rng_step,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("virtio-rng", &rng_checks, opts,
			   (int)(sizeof(opts) / sizeof(opts[0])), data, size);
}
