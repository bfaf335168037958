// SPDX-License-Identifier: MIT
/*
 * regbank - an example MMIO device plugin.
 *
 * A bank of regs= 32-bit registers (default 16) at base= (default
 * 0xd0000000, in the 3-4 GiB hole that is never RAM), behind a page of
 * control registers.  Accesses of 1, 2, 4 and 8 bytes work at any offset:
 * the device treats its range as little-endian bytes, so a narrow access
 * sees part of a register and a wide or unaligned one spans several.
 *
 *   0x00 ID          r   0x314B4252, "RBK1" in memory
 *   0x04 NREGS       r   number of bank registers
 *   0x08 IRQ_LEVEL   rw  bit 0: 1 asserts line irq= and holds it, 0
 *                        releases it (a level-triggered line)
 *   0x0c IRQ_NUM     r   the line number
 *   0x10 DMA_ADDR_LO rw  guest physical address, low half
 *   0x14 DMA_ADDR_HI rw  guest physical address, high half
 *   0x18 DMA_LEN     rw  length in bytes, 1 to 1 MiB
 *   0x1c DMA_PATTERN rw  32-bit fill pattern
 *   0x20 DMA_CMD     w   1 FILL: repeat the pattern (little-endian) over
 *                        [ADDR, ADDR + LEN) of guest RAM;
 *                        2 LOAD: copy LEN bytes of guest RAM at ADDR into
 *                        the bank from register 0 (LEN <= 4 * NREGS);
 *                        reads 0
 *   0x24 DMA_STATUS  r   0 idle, 1 done, 2 memory error (the host refused
 *                        an address outside guest RAM), 3 bad length,
 *                        4 bad command
 *   0x28 DMA_COUNT   r   bytes the last command transferred
 *   0x100 + 4*i      rw  bank register i
 *
 * Every other offset in the first 0x100 bytes reads 0 and ignores writes.
 * A machine reset (--reboot) clears every register and releases the line.
 * This file is meant to be copied: see doc/writing-plugins.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <modvmm/device.h>

#define REGBANK_ID		0x314B4252u	/* "RBK1" */

/* Register indexes (byte offset / 4) of the control page. */
enum regbank_reg {
	REG_ID = 0x00 / 4,
	REG_NREGS = 0x04 / 4,
	REG_IRQ_LEVEL = 0x08 / 4,
	REG_IRQ_NUM = 0x0c / 4,
	REG_DMA_ADDR_LO = 0x10 / 4,
	REG_DMA_ADDR_HI = 0x14 / 4,
	REG_DMA_LEN = 0x18 / 4,
	REG_DMA_PATTERN = 0x1c / 4,
	REG_DMA_CMD = 0x20 / 4,
	REG_DMA_STATUS = 0x24 / 4,
	REG_DMA_COUNT = 0x28 / 4,
	REG_BANK = 0x100 / 4,	/* first bank register */
};

enum regbank_dma_cmd {
	DMA_CMD_FILL = 1,
	DMA_CMD_LOAD = 2,
};

enum regbank_dma_status {
	DMA_IDLE = 0,
	DMA_DONE = 1,
	DMA_ERR_MEM = 2,
	DMA_ERR_LEN = 3,
	DMA_ERR_CMD = 4,
};

/*
 * Built in this tree (make M=plugins/regbank), the default base comes
 * from Kconfig (CONFIG_REGBANK_BASE); elsewhere it is 0xd0000000.
 */
#ifdef CONFIG_REGBANK_BASE
#define REGBANK_DEFAULT_BASE	CONFIG_REGBANK_BASE
#else
#define REGBANK_DEFAULT_BASE	0xd0000000
#endif
#define REGBANK_STR(x)		#x
#define REGBANK_XSTR(x)		REGBANK_STR(x)
#define REGBANK_DEFAULT_REGS	16
#define REGBANK_MAX_REGS	1024
#define REGBANK_DEFAULT_IRQ	10
#define REGBANK_MAX_IRQ		(MODVMM_IRQ_LINES - 1)
#define REGBANK_DMA_MAX		(1u << 20)
#define REGBANK_DMA_CHUNK	4096

struct regbank {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	uint64_t len;		/* bytes of MMIO claimed */
	unsigned int nregs;
	unsigned int irq;
	int level;		/* what we last drove the line to */
	uint32_t dma_addr_lo, dma_addr_hi, dma_len, dma_pattern;
	uint32_t dma_status, dma_count;
	uint32_t regs[];	/* nregs bank registers */
};

static uint32_t regbank_reg_read(const struct regbank *rb, uint64_t idx)
{
	if (idx >= REG_BANK)
		return rb->regs[idx - REG_BANK];	/* caller bounds idx */
	switch (idx) {
	case REG_ID:		return REGBANK_ID;
	case REG_NREGS:		return rb->nregs;
	case REG_IRQ_LEVEL:	return (uint32_t)rb->level;
	case REG_IRQ_NUM:	return rb->irq;
	case REG_DMA_ADDR_LO:	return rb->dma_addr_lo;
	case REG_DMA_ADDR_HI:	return rb->dma_addr_hi;
	case REG_DMA_LEN:	return rb->dma_len;
	case REG_DMA_PATTERN:	return rb->dma_pattern;
	case REG_DMA_STATUS:	return rb->dma_status;
	case REG_DMA_COUNT:	return rb->dma_count;
	default:		return 0;	/* DMA_CMD and reserved */
	}
}

static void regbank_set_level(struct regbank *rb, int level)
{
	if (level == rb->level)
		return;
	rb->level = level;
	rb->host->irq_set(rb->dev, rb->irq, level);
}

/* FILL: the pattern over guest RAM, one host call per chunk. */
static uint32_t regbank_dma_fill(struct regbank *rb, uint64_t gpa)
{
	uint8_t buf[REGBANK_DMA_CHUNK];
	uint32_t done = 0;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(rb->dma_pattern >> (8 * (i % 4)));
	while (done < rb->dma_len) {
		uint32_t n = rb->dma_len - done;

		if (n > sizeof(buf))
			n = sizeof(buf);
		/* The host checks that every byte is RAM, so a hostile
		 * address or length never reaches past guest memory. */
		if (rb->host->mem_write(rb->dev, gpa + done, buf, n)) {
			rb->dma_count = done;
			return DMA_ERR_MEM;
		}
		done += n;
	}
	rb->dma_count = done;
	return DMA_DONE;
}

/* LOAD: guest RAM into the bank, little-endian, from register 0. */
static uint32_t regbank_dma_load(struct regbank *rb, uint64_t gpa)
{
	uint8_t buf[REGBANK_DMA_CHUNK];
	uint32_t done = 0, i;

	while (done < rb->dma_len) {
		uint32_t n = rb->dma_len - done;

		if (n > sizeof(buf))
			n = sizeof(buf);
		if (rb->host->mem_read(rb->dev, gpa + done, buf, n)) {
			rb->dma_count = done;
			return DMA_ERR_MEM;
		}
		for (i = 0; i < n; i++) {
			uint32_t pos = done + i, shift = 8 * (pos % 4);
			uint32_t *reg = &rb->regs[pos / 4];

			*reg = (*reg & ~(0xffu << shift)) |
			       ((uint32_t)buf[i] << shift);
		}
		done += n;
	}
	rb->dma_count = done;
	return DMA_DONE;
}

static void regbank_dma_start(struct regbank *rb, uint32_t cmd)
{
	uint64_t gpa = (uint64_t)rb->dma_addr_hi << 32 | rb->dma_addr_lo;

	rb->dma_count = 0;
	if (cmd != DMA_CMD_FILL && cmd != DMA_CMD_LOAD) {
		rb->dma_status = DMA_ERR_CMD;
		return;
	}
	/* every length check before the address: a bad length is status 3
	 * whatever the address (a LOAD fills at most the bank) */
	if (!rb->dma_len || rb->dma_len > REGBANK_DMA_MAX ||
	    (cmd == DMA_CMD_LOAD && rb->dma_len > 4ull * rb->nregs)) {
		rb->dma_status = DMA_ERR_LEN;
		return;
	}
	if (gpa > UINT64_MAX - rb->dma_len) {	/* would wrap to address 0 */
		rb->dma_status = DMA_ERR_MEM;
		return;
	}
	if (cmd == DMA_CMD_FILL)
		rb->dma_status = regbank_dma_fill(rb, gpa);
	else
		rb->dma_status = regbank_dma_load(rb, gpa);
	rb->host->stat_add(rb->dev, "dma_bytes", rb->dma_count);
}

/*
 * Store @val into register @idx; @val already holds the old value in the
 * bytes the guest did not write.  Registers with side effects act here,
 * so a partial write to them acts too.
 */
static void regbank_reg_write(struct regbank *rb, uint64_t idx, uint32_t val)
{
	if (idx >= REG_BANK) {
		rb->regs[idx - REG_BANK] = val;	/* caller bounds idx */
		return;
	}
	switch (idx) {
	case REG_IRQ_LEVEL:	regbank_set_level(rb, val & 1); break;
	case REG_DMA_ADDR_LO:	rb->dma_addr_lo = val; break;
	case REG_DMA_ADDR_HI:	rb->dma_addr_hi = val; break;
	case REG_DMA_LEN:	rb->dma_len = val; break;
	case REG_DMA_PATTERN:	rb->dma_pattern = val; break;
	case REG_DMA_CMD:	if (val) regbank_dma_start(rb, val); break;
	default:		break;	/* read-only and reserved */
	}
}

/* Bytes of the access that lie inside the range (all, from the bus). */
static uint64_t regbank_span(const struct regbank *rb,
			     const struct modvmm_access *a)
{
	uint64_t size = a->size > 8 ? 8 : a->size;

	if (a->offset >= rb->len)
		return 0;
	return size < rb->len - a->offset ? size : rb->len - a->offset;
}

static uint64_t regbank_read(void *opaque, const struct modvmm_access *a)
{
	struct regbank *rb = opaque;
	uint64_t i, n = regbank_span(rb, a), val = 0;

	for (i = 0; i < n; i++) {
		uint64_t pos = a->offset + i;
		uint32_t reg = regbank_reg_read(rb, pos / 4);

		val |= (uint64_t)((reg >> (8 * (pos % 4))) & 0xff) << (8 * i);
	}
	return val;
}

static void regbank_write(void *opaque, const struct modvmm_access *a,
			  uint64_t val)
{
	struct regbank *rb = opaque;
	uint64_t n = regbank_span(rb, a), i = 0;

	/* One register at a time, so each sees a single merged write. */
	while (i < n) {
		uint64_t pos = a->offset + i, idx = pos / 4;
		uint32_t reg = idx == REG_DMA_CMD ? 0 : regbank_reg_read(rb, idx);

		do {
			uint32_t shift = 8 * (uint32_t)(pos % 4);
			uint32_t byte = (uint32_t)(val >> (8 * i)) & 0xff;

			reg = (reg & ~(0xffu << shift)) | byte << shift;
			i++;
			pos++;
		} while (i < n && pos % 4);
		regbank_reg_write(rb, idx, reg);
	}
}

static const struct modvmm_range_ops regbank_ops = {
	.read = regbank_read,
	.write = regbank_write,
	.sizes = MODVMM_SIZE_ANY,
};

static int regbank_parse_options(struct modvmm_dev *dev,
				 const struct modvmm_host *host,
				 uint64_t *base, uint64_t *nregs, uint64_t *irq)
{
	if (host->opt_u64(dev, "base", REGBANK_DEFAULT_BASE, base) ||
	    host->opt_u64(dev, "regs", REGBANK_DEFAULT_REGS, nregs) ||
	    host->opt_u64(dev, "irq", REGBANK_DEFAULT_IRQ, irq))
		return -1;
	if (*nregs < 1 || *nregs > REGBANK_MAX_REGS) {
		host->set_error(dev, "option regs=%llu: must be 1-%d",
				(unsigned long long)*nregs, REGBANK_MAX_REGS);
		return -1;
	}
	/* The host refuses this too; checking here names the option. */
	if (*base > UINT64_MAX - (REG_BANK * 4 + *nregs * 4 - 1)) {
		host->set_error(dev, "option base=0x%llx: the registers would "
				"pass the end of the address space",
				(unsigned long long)*base);
		return -1;
	}
	if (*irq > REGBANK_MAX_IRQ) {
		host->set_error(dev, "option irq=%llu: must be 0-%d",
				(unsigned long long)*irq, REGBANK_MAX_IRQ);
		return -1;
	}
	return 0;
}

static int regbank_init(struct modvmm_dev *dev, const struct modvmm_host *host,
			void **priv)
{
	uint64_t base, nregs, irq;
	struct regbank *rb;

	if (regbank_parse_options(dev, host, &base, &nregs, &irq))
		return -1;
	rb = calloc(1, sizeof(*rb) + nregs * sizeof(rb->regs[0]));
	if (!rb) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	rb->dev = dev;
	rb->host = host;
	rb->nregs = (unsigned int)nregs;
	rb->len = REG_BANK * 4 + nregs * 4;
	rb->irq = (unsigned int)irq;
	/* register_range refuses overflow, overlap and RAM, and says why. */
	if (host->register_range(dev, MODVMM_SPACE_MMIO, base, rb->len,
				 &regbank_ops, rb)) {
		free(rb);
		return -1;
	}
	host->log(dev, MODVMM_LOG_INFO, "mmio 0x%llx-0x%llx, %u registers, irq %u",
		  (unsigned long long)base,
		  (unsigned long long)(base + rb->len - 1), rb->nregs, rb->irq);
	*priv = rb;
	return 0;
}

/*
 * The machine is reset: every register as at power-on (0, the DMA idle)
 * and the line released.  The options stay.
 */
static void regbank_reset(void *priv)
{
	struct regbank *rb = priv;

	regbank_set_level(rb, 0);
	rb->dma_addr_lo = 0;
	rb->dma_addr_hi = 0;
	rb->dma_len = 0;
	rb->dma_pattern = 0;
	rb->dma_status = DMA_IDLE;
	rb->dma_count = 0;
	memset(rb->regs, 0, rb->nregs * sizeof(rb->regs[0]));
}

static void regbank_exit(void *priv)
{
	free(priv);
}

static const struct modvmm_option regbank_options[] = {
	{ "base", "guest physical address of the registers",
	  REGBANK_XSTR(REGBANK_DEFAULT_BASE) },
	{ "regs", "number of 32-bit bank registers (1-1024)", "16" },
	{ "irq", "interrupt line IRQ_LEVEL drives (0-23)", "10" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl regbank_ranges[] = {
	{ MODVMM_SPACE_MMIO, REGBANK_DEFAULT_BASE,
	  REG_BANK * 4 + REGBANK_DEFAULT_REGS * 4 },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(regbank) = {
	MODVMM_DESC_HEADER,
	.name = "regbank",
	.license = "MIT",
	.description = "example MMIO register bank with level IRQ and DMA",
	.options = regbank_options,
	.init = regbank_init,
	.exit = regbank_exit,
	.reset = regbank_reset,
	.ranges = regbank_ranges,
};
