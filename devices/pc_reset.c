// SPDX-License-Identifier: MIT
/*
 * pc_reset - the reset control register of Intel's ICH/PCH chipsets, the
 * byte at port 0xCF9 that OSes write to reset a PC (Linux's reboot=pci,
 * and its default fallback).
 *
 * Bits, as the ICH datasheets define them:
 *   1  SYS_RST   1: hard reset (PLTRST#), 0: soft reset (INIT#)
 *   2  RST_CPU   a write with this bit set starts the reset
 *   3  FULL_RST  1: full reset (a power cycle), over bit 1
 * Bit 0 and bits 4-7 are reserved: written as 0, read as 0.
 *
 * Every kind of reset ends the run the same way: a WARN line that says
 * which one ("guest reset (0xCF9 hard reset)"), then request_stop with
 * MODVMM_STATUS_RESET.  A write without bit 2 only stores the bits, which
 * reads return, so the usual "write 0x02, then 0x06" sequence works.
 * When the machine boots again (--reboot) the register reads 0.
 */
#include <stdlib.h>

#include <modvmm/device.h>

#define RESET_PORT		0xcf9
#define RESET_SYS_RST		0x02
#define RESET_RST_CPU		0x04
#define RESET_FULL_RST		0x08
#define RESET_BITS		(RESET_SYS_RST | RESET_RST_CPU | RESET_FULL_RST)

struct pc_reset {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	uint8_t value;
};

static const char *pc_reset_kind(uint8_t val)
{
	if (val & RESET_FULL_RST)
		return "full reset";
	return val & RESET_SYS_RST ? "hard reset" : "soft reset";
}

static uint64_t pc_reset_read(void *opaque, const struct modvmm_access *a)
{
	struct pc_reset *r = opaque;

	(void)a;
	return r->value;
}

static void pc_reset_write(void *opaque, const struct modvmm_access *a,
			   uint64_t val)
{
	struct pc_reset *r = opaque;

	(void)a;
	r->value = (uint8_t)(val & RESET_BITS);
	if (!(r->value & RESET_RST_CPU))
		return;
	r->host->log(r->dev, MODVMM_LOG_WARN, "guest reset (0xCF9 %s, 0x%02x)",
		     pc_reset_kind(r->value), (unsigned int)(uint8_t)val);
	r->host->stat_add(r->dev, "resets", 1);
	r->host->request_stop(r->dev, MODVMM_STATUS_RESET);
}

static const struct modvmm_range_ops pc_reset_ops = {
	.read = pc_reset_read,
	.write = pc_reset_write,
	.sizes = MODVMM_SIZE_1,
};

static int pc_reset_init(struct modvmm_dev *dev,
			 const struct modvmm_host *host, void **priv)
{
	struct pc_reset *r;

	r = calloc(1, sizeof(*r));
	if (!r) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	r->dev = dev;
	r->host = host;
	if (host->register_range(dev, MODVMM_SPACE_PIO, RESET_PORT, 1,
				 &pc_reset_ops, r)) {
		host->set_error(dev, "cannot claim port 0xcf9");
		free(r);
		return -1;
	}
	*priv = r;
	return 0;
}

/* The register's power-on value; the reset it asked for is done. */
static void pc_reset_reset(void *priv)
{
	struct pc_reset *r = priv;

	r->value = 0;
}

static void pc_reset_exit(void *priv)
{
	free(priv);
}

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl pc_reset_ranges[] = {
	{ MODVMM_SPACE_PIO, RESET_PORT, 1 },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(pc_reset) = {
	MODVMM_DESC_HEADER,
	.name = "pc_reset",
	.license = "MIT",
	.description = "reset control register (port 0xCF9)",
	.options = NULL,
	.init = pc_reset_init,
	.exit = pc_reset_exit,
	.reset = pc_reset_reset,
	.ranges = pc_reset_ranges,
};
