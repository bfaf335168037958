// SPDX-License-Identifier: MIT
/*
 * fuzz_virtio_console - virtio-console (devices/virtio_console.c) on the
 * virtio-mmio transport: input from a pipe the input steps fill (or
 * stdin, with the console escape), output to a pipe the harness drains.
 *
 * On top of the transport model of virtiofuzz.h, what virtio_console.c
 * documents (Virtio 1.2, 5.3): device ID 3, no feature bits of its own,
 * a 12-byte configuration space of zeros, two queues:
 *  - receiveq (0): the input bytes reach the guest's buffers in order,
 *    each once, none made up (a chain is only taken when there are bytes
 *    for it, so a chain with room comes back with at least one); with
 *    in=stdin, Ctrl-A Ctrl-A is one Ctrl-A, Ctrl-A x stops the machine
 *    with status 20 and nothing after it arrives, Ctrl-A and any other
 *    byte is both bytes; no byte of a buffer is written past the used
 *    length;
 *  - transmitq (1): a chain comes back with 0 bytes written once its
 *    readable bytes went to the output, which carries exactly those
 *    bytes of the chains given back, in order, within 5 ms (the console
 *    stream's flush), all of them by the end.
 * Chains the model cannot follow (a ring the fuzzer wrote over, buffers
 * changed after publishing) end these checks for their direction.
 *
 * Its own steps: VF_NR_STEPS posts receive buffers, VF_NR_STEPS + 1
 * sends bytes, see con_post() and con_send().
 */
#include <string.h>

#include "virtiofuzz.h"

#define ESC		0x01
#define STOP_STATUS	20
#define POISON		0xa5
#define RX_RING		(1u << 18)
#define FLUSH_NS	5000000ull

static struct {
	int escape;			/* in=stdin: the console escape */
	int esc_pending, stopped;
	uint8_t rx[RX_RING];		/* bytes the guest is to receive */
	uint64_t rx_head, rx_tail;
	int rx_unknown, tx_unknown;
	uint8_t out[1 << 16];		/* output drained, not yet checked */
	size_t out_len;
	struct devfuzz_outq outq;
} k;

static const uint8_t con_config[12];

/* ---- input ---------------------------------------------------------------- */

static void rx_push(uint8_t c)
{
	if (k.rx_unknown)
		return;
	/* the pipe holds 64 KiB and the device 4 KiB: never that far behind */
	FUZZ_ASSERT(k.rx_tail - k.rx_head < RX_RING);
	k.rx[k.rx_tail++ % RX_RING] = c;
}

static void con_input(const struct devfuzz_ctx *c, const uint8_t *buf,
		      size_t len)
{
	size_t i;

	(void)c;
	for (i = 0; i < len && !k.stopped; i++) {
		uint8_t b = buf[i];

		if (!k.escape) {
			rx_push(b);
			continue;
		}
		if (k.esc_pending) {
			k.esc_pending = 0;
			if (b == 'x') {
				k.stopped = 1;
				break;
			}
			if (b != ESC)
				rx_push(ESC);
			rx_push(b);
		} else if (b == ESC) {
			k.esc_pending = 1;
		} else {
			rx_push(b);
		}
	}
}

/* ---- chains ------------------------------------------------------------------ */

static void gather(const struct vf_chain *ch, int writable, uint8_t *buf,
		   uint32_t len)
{
	unsigned int i;
	uint32_t n;

	for (i = 0; i < ch->nseg && len; i++) {
		if ((int)ch->seg[i].writable != writable)
			continue;
		n = ch->seg[i].len < len ? ch->seg[i].len : len;
		vf_get(ch->seg[i].gpa, buf, n);
		buf += n;
		len -= n;
	}
}

static void con_used(const struct devfuzz_ctx *c, unsigned int q,
		     struct vf_chain *ch, uint32_t len)
{
	static uint8_t buf[VF_CHAIN_SEGS * 8192];
	uint32_t i;

	if (q == 1) {
		FUZZ_ASSERT(len == 0);		/* transmit writes nothing */
		if (ch->tainted)
			k.tx_unknown = 1;
		if (k.tx_unknown)
			return;
		FUZZ_ASSERT(ch->read_len <= sizeof(buf));
		gather(ch, 0, buf, ch->read_len);
		for (i = 0; i < ch->read_len; i++)
			devfuzz_outq_push(&k.outq, buf[i], c->now_ns);
		return;
	}
	/* a chain with room is only taken for bytes */
	if (ch->write_len)
		FUZZ_ASSERT(len > 0);
	if (!k.rx_unknown)
		FUZZ_ASSERT(len <= k.rx_tail - k.rx_head);
	if (!ch->tainted && !k.rx_unknown) {
		FUZZ_ASSERT(ch->write_len <= sizeof(buf));
		gather(ch, 1, buf, ch->write_len);
		for (i = 0; i < len; i++)
			FUZZ_ASSERT(buf[i] == k.rx[(k.rx_head + i) % RX_RING]);
		/* our own buffers were poisoned: nothing past the length */
		for (i = len; ch->tag[0] && i < ch->write_len; i++)
			FUZZ_ASSERT(buf[i] == POISON);
	}
	k.rx_head += len;
	if (k.rx_head > k.rx_tail)
		k.rx_head = k.rx_tail;
}

static void con_dropped(unsigned int q, struct vf_chain *ch, int unseen)
{
	(void)ch;
	if (!unseen)
		return;		/* synchronous: not served, or we saw it */
	if (q == 0)
		k.rx_unknown = 1;
	else
		k.tx_unknown = 1;
}

static void con_lost(unsigned int q)
{
	if (q == 0)
		k.rx_unknown = 1;
	else
		k.tx_unknown = 1;
}

static int con_pops(unsigned int q)
{
	return q == 1;		/* receive buffers wait for input */
}

static const struct vf_device con_dev = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.features = 0,
	.nr_queues = 2,
	.queue_max = 256,
	.config = con_config,
	.config_len = sizeof(con_config),
	.pops_on_kick = con_pops,
	.used = con_used,
	.dropped = con_dropped,
	.lost = con_lost,
};

/* ---- steps --------------------------------------------------------------------- */

/*
 * Receive buffers: a byte p, then 1 + (p & 3) length bytes: chains of
 * one (or, with bit 7 of the length, two) poisoned writable buffers of
 * 1 to 64 bytes; a kick unless p & 0x80.
 */
static void con_post(struct fuzz_in *in)
{
	static const uint8_t poison[128] = { [0 ... 127] = POISON };
	uint8_t p = fuzz_u8(in), l;
	unsigned int n = 1 + (p & 3), i, nseg;
	struct vf_seg s[2];
	struct vf_chain *ch;

	for (i = 0; i < n; i++) {
		l = fuzz_u8(in);
		nseg = l & 0x80 ? 2 : 1;
		s[0].len = 1 + (l & 0x3f);
		s[0].gpa = vf_buf(fuzz_u16(in), 2 * s[0].len);
		s[0].writable = 1;
		s[1] = s[0];
		s[1].gpa += s[0].len;
		vf_put(s[0].gpa, poison, nseg * s[0].len);
		ch = vf_publish(0, s, nseg, -1, VF_MAL_NONE, 0);
		if (ch)
			ch->tag[0] = 1;
	}
	if (!(p & 0x80))
		vf_kick(0, 0);
}

/*
 * Bytes to send: a byte p and a length byte n, then n % 65 bytes, in
 * 1 + (p & 3) % 3 readable buffers (p & 4: in an indirect table, if
 * negotiated); a kick unless p & 0x80.
 */
static void con_send(struct fuzz_in *in)
{
	uint8_t p = fuzz_u8(in), data[64];
	unsigned int n = fuzz_u8(in) % 65, pieces = 1 + (p & 3) % 3, i, off, len;
	struct vf_seg s[3];
	uint64_t gpa;

	for (i = 0; i < n; i++)
		data[i] = fuzz_u8(in);
	gpa = vf_buf(fuzz_u16(in), n ? n : 1);
	if (n)
		vf_put(gpa, data, n);
	for (i = off = 0; i < pieces; i++, off += len) {
		len = i + 1 < pieces ? n / pieces : n - off;
		s[i] = (struct vf_seg){ gpa + off, len, 0 };
	}
	if ((p & 4) && (vf_negotiated() & (1ull << VIRTIO_F_INDIRECT_DESC)))
		vf_publish(1, s, 0, (int)pieces, VF_MAL_NONE, 0);
	else
		vf_publish(1, s, pieces, -1, VF_MAL_NONE, 0);
	if (!(p & 0x80))
		vf_kick(1, 0);
}

/* ---- the harness ------------------------------------------------------------------- */

#define W(base)	{ { MODVMM_SPACE_MMIO, base, 0x200 } }
#define IO	(DEVFUZZ_IN_PIPE | DEVFUZZ_OUT_PIPE)
#define FEAT_ALL ((1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX))

static const struct devfuzz_opt opts[] = {
	{ "", IO, 5, W(0xd0000000) },
	{ "", IO, 5, W(0xd0000000) },
	{ "", DEVFUZZ_IN_STDIN | DEVFUZZ_OUT_PIPE, 5, W(0xd0000000) },
	{ "in=null,out=null", 0, 5, W(0xd0000000) },
	{ "addr=0xfeb00000,irq=23", IO, 23, W(0xfeb00000) },
};

static const struct vf_variant variants[] = {
	{ 1, FEAT_ALL, 16 },
	{ 1, 0, 4 },
	{ 1, FEAT_ALL, 8 },
	{ 0, 0, 0 },
	{ 1, FEAT_ALL, 256 },
};

static void con_reset(const struct devfuzz_ctx *c)
{
	memset(&k, 0, offsetof(typeof(k), outq));
	k.outq.head = k.outq.tail = 0;
	k.escape = !!(c->opt->flags & DEVFUZZ_IN_STDIN);
	/* out=null: nothing to compare */
	k.tx_unknown = !(c->opt->flags & DEVFUZZ_OUT_PIPE);
	vf_begin(&con_dev, c, &variants[c->opt_index]);
}

static void con_output(const struct devfuzz_ctx *c, const uint8_t *buf,
		       size_t len)
{
	(void)c;
	if (k.tx_unknown)
		return;
	/* checked once the step's used entries are in */
	FUZZ_ASSERT(len <= sizeof(k.out) - k.out_len);
	memcpy(k.out + k.out_len, buf, len);
	k.out_len += len;
}

static void con_flush_out(void)
{
	if (!k.tx_unknown)
		devfuzz_outq_out(&k.outq, k.out, k.out_len);
	k.out_len = 0;
}

static void con_step(const struct devfuzz_ctx *c, unsigned int kind,
		     struct fuzz_in *in)
{
	if (vf_step(c, kind, in))
		return;
	if (kind == VF_NR_STEPS)
		con_post(in);
	else if (kind == VF_NR_STEPS + 1)
		con_send(in);
}

static void con_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	unsigned int q;

	vf_check_step(c, s);
	for (q = 0; q < 2; q++)
		if (vf_ready(q) && !vf_strict(q))
			con_lost(q);
	con_flush_out();
	/* the console stream flushes 5 ms after the first byte it holds */
	if (!k.tx_unknown && devfuzz_outq_pending(&k.outq))
		FUZZ_ASSERT(c->now_ns - devfuzz_outq_oldest(&k.outq) <= FLUSH_NS);
	/* the escape, and only the escape, stops the machine */
	if (c->stops) {
		FUZZ_ASSERT(k.stopped);
		FUZZ_ASSERT(c->stop_status == STOP_STATUS);
	}
}

static void con_check_end(const struct devfuzz_ctx *c)
{
	vf_check_end(c);
	con_flush_out();
	/* exit flushed everything given back */
	if (!k.tx_unknown)
		FUZZ_ASSERT(!devfuzz_outq_pending(&k.outq));
}

static const struct devfuzz_ops con_checks = {
	.reset = con_reset,
	.access = vf_access,
	.output = con_output,
	.check_step = con_check_step,
	.check_end = con_check_end,
	.input = con_input,
	.ext_steps = 1,
	.ram_write = vf_ram_write,
	.step = con_step,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("virtio-console", &con_checks, opts,
			   (int)(sizeof(opts) / sizeof(opts[0])), data, size);
}
