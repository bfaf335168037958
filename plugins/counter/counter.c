// SPDX-License-Identifier: MIT
/*
 * counter - an example port I/O device plugin.
 *
 * Four ports starting at port= (default 0x560).  Each port is one
 * register; the access width picks how many bytes of it the guest sees.
 * The bus splits an access that would run past the last port into
 * smaller ones, so only the base port sees whole 4-byte accesses:
 *
 *   +0 COUNT     read:  the 32-bit count (low 1, 2 or 4 bytes of it)
 *                write: add the value (zero-extended) to the count,
 *                       wrapping at 2^32
 *   +1 RESET     write: set the count to zero; read: 0
 *   +2 DOORBELL  write: pulse interrupt line irq= (default 5) once
 *                read:  the number of that line
 *   +3 ID        read:  the next byte of the signature "CNT1", so four
 *                       byte reads (or one "rep insb" of 4) give the
 *                       little-endian dword 0x31544E43
 *                write: rewind the signature to its first byte
 *
 * A machine reset (--reboot) sets the count to 0 and rewinds the ID.
 *
 * This file is meant to be copied: see doc/writing-plugins.md.
 */
#include <stdint.h>
#include <stdlib.h>

#include <modvmm/device.h>

#define COUNTER_NR_PORTS	4
#define COUNTER_REG_COUNT	0
#define COUNTER_REG_RESET	1
#define COUNTER_REG_DOORBELL	2
#define COUNTER_REG_ID		3

#define COUNTER_DEFAULT_PORT	0x560
#define COUNTER_DEFAULT_IRQ	5
#define COUNTER_MAX_IRQ		23	/* ISA lines 0-15 plus IOAPIC 16-23 */

static const char counter_signature[4] = { 'C', 'N', 'T', '1' };

struct counter {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	uint16_t port;
	unsigned int irq;
	uint32_t count;
	unsigned int id_pos;	/* next signature byte, always 0-3 */
};

/* Keep the low @size bytes of @val: what a @size-byte access carries. */
static uint64_t counter_trunc(uint64_t val, uint32_t size)
{
	return size >= 8 ? val : val & ((1ull << (size * 8)) - 1);
}

static uint64_t counter_read(void *opaque, const struct modvmm_access *a)
{
	struct counter *c = opaque;
	uint64_t val;

	switch (a->offset) {
	case COUNTER_REG_COUNT:
		val = c->count;
		break;
	case COUNTER_REG_DOORBELL:
		val = c->irq;
		break;
	case COUNTER_REG_ID:
		val = (uint8_t)counter_signature[c->id_pos];
		c->id_pos = (c->id_pos + 1) % sizeof(counter_signature);
		break;
	default:	/* RESET reads as zero */
		val = 0;
		break;
	}
	return counter_trunc(val, a->size);
}

static void counter_write(void *opaque, const struct modvmm_access *a,
			  uint64_t val)
{
	struct counter *c = opaque;

	switch (a->offset) {
	case COUNTER_REG_COUNT:
		/* Unsigned arithmetic: wraps at 2^32 like a real register. */
		c->count += (uint32_t)counter_trunc(val, a->size);
		break;
	case COUNTER_REG_RESET:
		c->count = 0;
		break;
	case COUNTER_REG_DOORBELL:
		c->host->irq_pulse(c->dev, c->irq);
		c->host->stat_add(c->dev, "doorbells", 1);
		break;
	case COUNTER_REG_ID:
		c->id_pos = 0;
		break;
	default:	/* the bus never sends other offsets; ignore them */
		break;
	}
}

static const struct modvmm_range_ops counter_ops = {
	.read = counter_read,
	.write = counter_write,
	.sizes = MODVMM_SIZE_1 | MODVMM_SIZE_2 | MODVMM_SIZE_4,
};

/* Read and check the options; -1 after set_error or an option log. */
static int counter_parse_options(struct counter *c)
{
	uint64_t port, irq;

	if (c->host->opt_u64(c->dev, "port", COUNTER_DEFAULT_PORT, &port) ||
	    c->host->opt_u64(c->dev, "irq", COUNTER_DEFAULT_IRQ, &irq))
		return -1;
	if (port > 0x10000 - COUNTER_NR_PORTS) {
		c->host->set_error(c->dev,
				   "option port=0x%llx: must be at most 0x%x",
				   (unsigned long long)port,
				   0x10000 - COUNTER_NR_PORTS);
		return -1;
	}
	if (irq > COUNTER_MAX_IRQ) {
		c->host->set_error(c->dev, "option irq=%llu: must be 0-%d",
				   (unsigned long long)irq, COUNTER_MAX_IRQ);
		return -1;
	}
	c->port = (uint16_t)port;
	c->irq = (unsigned int)irq;
	return 0;
}

static int counter_init(struct modvmm_dev *dev, const struct modvmm_host *host,
			void **priv)
{
	struct counter *c = calloc(1, sizeof(*c));

	if (!c) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	c->dev = dev;
	c->host = host;
	if (counter_parse_options(c))
		goto fail;
	/* register_range logs the reason itself (overlap, overflow). */
	if (host->register_range(dev, MODVMM_SPACE_PIO, c->port,
				 COUNTER_NR_PORTS, &counter_ops, c))
		goto fail;
	host->log(dev, MODVMM_LOG_INFO, "ports 0x%x-0x%x, doorbell irq %u",
		  c->port, c->port + COUNTER_NR_PORTS - 1, c->irq);
	*priv = c;
	return 0;
fail:
	free(c);
	return -1;
}

/*
 * The machine is reset: the count and the ID register as at power-on.
 * The doorbell only pulses its line, so the line is low already.
 */
static void counter_reset(void *priv)
{
	struct counter *c = priv;

	c->count = 0;
	c->id_pos = 0;
}

static void counter_exit(void *priv)
{
	free(priv);
}

static const struct modvmm_option counter_options[] = {
	{ "port", "first of the 4 I/O ports", "0x560" },
	{ "irq", "interrupt line the doorbell pulses (0-23)", "5" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl counter_ranges[] = {
	{ MODVMM_SPACE_PIO, COUNTER_DEFAULT_PORT, COUNTER_NR_PORTS },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(counter) = {
	MODVMM_DESC_HEADER,
	.name = "counter",
	.license = "MIT",
	.description = "example port I/O counter with ID and IRQ doorbell",
	.options = counter_options,
	.init = counter_init,
	.exit = counter_exit,
	.reset = counter_reset,
	.ranges = counter_ranges,
};
