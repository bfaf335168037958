// SPDX-License-Identifier: MIT
/*
 * fuzz_fw_cfg - QEMU's fw_cfg device: selects, data reads, DMA.
 *
 * Input: one byte n, then n % 65 bytes that are tiled over the whole of
 * guest RAM before the run (so that any address the guest writes to the
 * DMA register finds a FWCfgDmaAccess made of fuzzed bytes), then the
 * devfuzz program.  A firmware file opt/fuzz is published after the
 * device's init, so the directory is rebuilt lazily.
 *
 * A reference model follows the selected key and data offset and checks
 * what QEMU's docs/specs/fw_cfg.rst says the guest must see:
 *  - the items the model knows (signature "QEMU", ID, RAM size, CPU
 *    counts, opt/fuzz, keys without an item) read byte for byte through
 *    the data port and through DMA, 0 past their end; the signature
 *    always reads "QEMU"; a 16-bit read of the port pair is all ones;
 *  - the DMA address register reads "QEMU CFG" at every offset and size;
 *  - a transfer starts only on a write of the low half (or a 64-bit
 *    write) and uses the address the guest wrote, high half first;
 *  - a transfer reads the 16-byte descriptor and nothing else, writes
 *    only inside [address, address + length) in order, then its status
 *    over the control word: 0, or exactly the error bit, and the error
 *    bit exactly when something failed (descriptor or buffer outside
 *    RAM, a write to a read-only item);
 *  - no other access touches guest memory.
 */
#include <string.h>

#include <modvmm/harness.h>

#include "devfuzz.h"

#define CTL_ERROR	0x01
#define CTL_READ	0x02
#define CTL_SKIP	0x04
#define CTL_SELECT	0x08
#define CTL_WRITE	0x10
#define MAX_TEMPLATE	64

static const char file_data[] = "the fuzzed fw_cfg file\n";
static const uint8_t ram_size[8] = { 0, 0, DEVFUZZ_RAM >> 16, 0, 0, 0, 0, 0 };
static const uint8_t one_cpu[2] = { 1, 0 };
static const uint8_t id_dma[4] = { 3, 0, 0, 0 }, id_nodma[4] = { 1, 0, 0, 0 };

static uint8_t template[MAX_TEMPLATE];
static size_t template_len;

/* A transfer as the device's memory accesses show it. */
struct xfer {
	int active;		/* memory was touched in this access */
	uint64_t desc;
	int desc_ok;
	uint32_t control, length;
	uint64_t addr, cursor;
	int expect_data, data_failed;
	uint32_t off0;		/* the data offset after a select */
	int status_seen;
};

static struct {
	int dma;
	uint16_t key;
	int known;		/* the item's bytes and the offset are known */
	const uint8_t *data;
	uint32_t len, off;
	uint64_t reg;		/* the DMA address register */
	struct xfer x;
} m;

static void model_select(uint16_t key)
{
	unsigned int k = key & 0x3fff;

	m.key = key;
	m.off = 0;
	m.known = 1;
	m.data = NULL;
	m.len = 0;
	if (key & 0x8000)
		return;
	switch (k) {
	case 0x00:
		m.data = (const uint8_t *)"QEMU";
		m.len = 4;
		break;
	case 0x01:
		m.data = m.dma ? id_dma : id_nodma;
		m.len = 4;
		break;
	case 0x03:
		m.data = ram_size;
		m.len = 8;
		break;
	case 0x05:
	case 0x0f:
		m.data = one_cpu;
		m.len = 2;
		break;
	case 0x08: case 0x0b: case 0x14: case 0x15: case 0x19: case 0x20:
		m.known = 0;	/* the host's, not this model's */
		break;
	case 0x21:
		m.data = (const uint8_t *)file_data;
		m.len = sizeof(file_data) - 1;
		break;
	default:
		break;		/* no item: reads 0 */
	}
}

static void model_advance(uint32_t n)
{
	if (m.known)
		m.off += n < m.len - m.off ? n : m.len - m.off;
}

/* The byte the item has at @pos, 0 past its end. */
static uint8_t model_byte(uint32_t pos)
{
	return pos < m.len ? m.data[pos] : 0;
}

static void fw_reset(const struct devfuzz_ctx *c)
{
	uint8_t *ram = harness_mem(0, DEVFUZZ_RAM);
	size_t i;

	memset(&m, 0, sizeof(m));
	m.dma = c->opt->win[1].len != 0;
	model_select(0);
	FUZZ_ASSERT(ram);
	for (i = 0; template_len && i < DEVFUZZ_RAM; i++)
		ram[i] = template[i % template_len];
	FUZZ_ASSERT(!harness_fw_file_add("opt/fuzz", file_data,
					 sizeof(file_data) - 1));
}

static uint64_t be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The first touch of memory in an access: the descriptor read. */
static void xfer_begin(int is_write, uint64_t gpa, const void *buf,
		       size_t len, int rc)
{
	struct xfer *x = &m.x;

	memset(x, 0, sizeof(*x));
	x->active = 1;
	x->desc = gpa;
	if (is_write) {
		/* only a descriptor that wraps the address space is not read */
		FUZZ_ASSERT(len == 4 && gpa > UINT64_MAX - 16);
		return;
	}
	FUZZ_ASSERT(len == 16);
	x->desc_ok = rc == 0;
	if (!x->desc_ok)
		return;
	x->control = (uint32_t)be(buf, 4);
	x->length = (uint32_t)be((const uint8_t *)buf + 4, 4);
	x->addr = be((const uint8_t *)buf + 8, 8);
	x->cursor = x->addr;
	if (x->control & CTL_SELECT)
		model_select((uint16_t)(x->control >> 16));
	x->off0 = m.off;
	x->expect_data = (x->control & CTL_READ) && x->length &&
			 x->addr <= UINT64_MAX - x->length;
}

/* The status over the control word: 0 or the error bit, rightly. */
static void xfer_status(const uint8_t *buf, size_t len)
{
	struct xfer *x = &m.x;
	uint32_t st;
	int want_error;

	FUZZ_ASSERT(len == 4);
	st = (uint32_t)be(buf, 4);
	FUZZ_ASSERT(st == 0 || st == CTL_ERROR);
	if (!x->desc_ok)
		want_error = 1;
	else if (x->control & CTL_READ)
		want_error = x->data_failed ||
			     (x->length && x->addr > UINT64_MAX - x->length);
	else if (x->control & CTL_WRITE)
		want_error = x->length != 0;	/* every item is read-only */
	else
		want_error = 0;
	FUZZ_ASSERT(!!st == want_error);
	if (!st && x->expect_data)
		FUZZ_ASSERT(x->cursor == x->addr + x->length);
	x->status_seen = 1;
}

/* Data in order, inside the buffer, the item's bytes then zeros. */
static void xfer_data(uint64_t gpa, const uint8_t *buf, size_t len, int rc)
{
	struct xfer *x = &m.x;
	size_t i;

	FUZZ_ASSERT(gpa == x->cursor && len);
	FUZZ_ASSERT(len <= x->addr + x->length - x->cursor);
	if (m.known)
		for (i = 0; i < len; i++)
			FUZZ_ASSERT(buf[i] == model_byte(x->off0 + (uint32_t)(gpa - x->addr + i)));
	x->cursor += len;
	if (rc)
		x->data_failed = 1;
}

static void fw_mem(const struct devfuzz_ctx *c, int is_write, uint64_t gpa,
		   const void *buf, size_t len, int rc)
{
	struct xfer *x = &m.x;

	(void)c;
	FUZZ_ASSERT(m.dma);
	if (!x->active) {
		xfer_begin(is_write, gpa, buf, len, rc);
		if (is_write)
			xfer_status(buf, len);
		return;
	}
	/* after the descriptor only writes, and nothing after the status */
	FUZZ_ASSERT(is_write && !x->status_seen);
	if (x->expect_data && !x->data_failed &&
	    x->cursor < x->addr + x->length) {
		xfer_data(gpa, buf, len, rc);
		return;
	}
	FUZZ_ASSERT(gpa == x->desc);
	xfer_status(buf, len);
}

/* A write to the DMA register: the transfer it started, if any. */
static void dma_reg_write(const struct modvmm_access *a, uint64_t val)
{
	uint8_t b[8];
	uint64_t desc;
	unsigned int i;
	int start = 0;

	for (i = 0; i < a->size; i++)
		b[i] = (uint8_t)(val >> (8 * i));
	if (a->size == 4 && a->offset == 0) {
		m.reg = be(b, 4) << 32;
	} else if (a->size == 4 && a->offset == 4) {
		m.reg |= be(b, 4);
		start = 1;
	} else if (a->size == 8 && a->offset == 0) {
		m.reg = be(b, 8);
		start = 1;
	}
	if (!start) {
		FUZZ_ASSERT(!m.x.active);
		return;
	}
	desc = m.reg;
	m.reg = 0;
	if (desc > UINT64_MAX - 4) {	/* not even a status to write */
		FUZZ_ASSERT(!m.x.active);
		return;
	}
	FUZZ_ASSERT(m.x.active && m.x.desc == desc && m.x.status_seen);
	if (m.x.desc_ok && (m.x.control & CTL_READ)) {
		if (m.x.length <= UINT64_MAX - m.x.addr)
			model_advance(m.x.length);
	} else if (m.x.desc_ok && !(m.x.control & CTL_WRITE) &&
		   (m.x.control & CTL_SKIP)) {
		model_advance(m.x.length);
	}
}

static void ctl_access(const struct modvmm_access *a, uint64_t val)
{
	if (a->is_write) {
		if (a->size == 2)
			model_select((uint16_t)val);
		return;
	}
	if (a->size != 1) {
		FUZZ_ASSERT(val == 0xffff);
		return;
	}
	if (!m.known)
		return;
	FUZZ_ASSERT(val == model_byte(m.off));
	/* whatever came before, the signature is "QEMU" */
	if (!(m.key & 0xbfff))
		FUZZ_ASSERT(val == (m.off < 4 ? (uint8_t)"QEMU"[m.off] : 0));
	model_advance(1);
}

static void fw_access(const struct devfuzz_ctx *c,
		      const struct modvmm_access *a, uint64_t val)
{
	static const char sig[] = "QEMU CFG";
	uint64_t want = 0;
	unsigned int i;

	if (a->addr - a->offset == c->opt->win[0].base) {
		FUZZ_ASSERT(!m.x.active);
		ctl_access(a, val);
	} else if (a->is_write) {
		dma_reg_write(a, val);
	} else {
		FUZZ_ASSERT(!m.x.active);
		for (i = 0; i < a->size; i++)
			want |= (uint64_t)(uint8_t)sig[a->offset + i] << (8 * i);
		FUZZ_ASSERT(val == want);
	}
	m.x.active = 0;
}

/* Memory is touched only inside an access that starts a transfer. */
static void fw_check_step(const struct devfuzz_ctx *c, enum devfuzz_step s)
{
	(void)c;
	(void)s;
	FUZZ_ASSERT(!m.x.active);
}

static const struct devfuzz_ops fw_checks = {
	.reset = fw_reset,
	.access = fw_access,
	.mem = fw_mem,
	.check_step = fw_check_step,
};

static const struct devfuzz_opt opts[] = {
	{ "", 0, DEVFUZZ_NO_IRQ, { { MODVMM_SPACE_PIO, 0x510, 2 },
				   { MODVMM_SPACE_PIO, 0x514, 8 } } },
	{ "dma=off", 0, DEVFUZZ_NO_IRQ, { { MODVMM_SPACE_PIO, 0x510, 2 } } },
	{ "port=0xfff4", 0, DEVFUZZ_NO_IRQ, { { MODVMM_SPACE_PIO, 0xfff4, 2 },
					      { MODVMM_SPACE_PIO, 0xfff8, 8 } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;

	if (!size)
		return 0;
	n = data[0] % (MAX_TEMPLATE + 1);
	if (n > size - 1)
		n = size - 1;
	memcpy(template, data + 1, n);
	template_len = n;
	return devfuzz_run("fw_cfg", &fw_checks, opts, 3, data + 1 + n,
			   size - 1 - n);
}
