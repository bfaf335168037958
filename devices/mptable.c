// SPDX-License-Identifier: MIT
/*
 * mptable - the Intel MultiProcessor Specification 1.4 tables, for a
 * guest that looks for its CPUs there rather than in ACPI's MADT.
 *
 * The MP floating pointer structure ("_MP_", 16 bytes, on a 16-byte
 * boundary) goes at MP_FLOAT_ADDR in the BIOS area, where an OS scans
 * 0xf0000-0xfffff for it; the configuration table ("PCMP") follows it:
 *   - one processor entry per vCPU (local APIC ID = vCPU index, enabled,
 *     the boot CPU flagged);
 *   - one bus entry, ISA, bus 0;
 *   - the I/O APIC at 0xfec00000, with the ID the MADT gives it
 *     (MODVMM_IOAPIC_ID);
 *   - an I/O interrupt entry per ISA line: ExtINT from IRQ 0 to pin 0,
 *     then IRQ 0 to pin 2 (as the MADT's override says) and IRQ n to
 *     pin n for the others but the cascade (2);
 *   - the local interrupt entries: ExtINT to LINT0 and NMI to LINT1 of
 *     every local APIC (virtual-wire mode).
 * Both checksums make their structure's bytes sum to 0.
 *
 * The BIOS area is RAM the image may use too: as the acpi device does,
 * mptable reads its range back before writing and refuses to start if a
 * byte there is not 0, clears the range at its exit (the dry run leaves
 * RAM as it found it) and writes the tables again at a reset (--reboot),
 * where RAM was cleared and the image loaded again.
 */
#include <stdlib.h>
#include <string.h>

#include <modvmm/device.h>

#define MP_FLOAT_ADDR		0xf0000ull
#define MP_FLOAT_LEN		16
#define MP_HDR_LEN		44
#define MP_PROC_LEN		20
#define MP_ENTRY_LEN		8	/* bus, I/O APIC, interrupts */
#define MP_SPEC_REV		4	/* 1.4 */
#define MP_LAPIC_VERSION	0x14
#define MP_IOAPIC_VERSION	0x11
#define MP_ISA_IRQS		16

enum {
	MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINT = 3, MP_LINT = 4,
};
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

#define MP_CPU_EN		0x01
#define MP_CPU_BP		0x02
#define MP_MAX_CPUS		254

struct mptable {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	uint8_t *img;			/* floating pointer + table */
	size_t len;
	size_t ram_len;			/* bytes of it in RAM now */
};

static void mp_put(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t mp_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

static uint8_t *mp_ioint(uint8_t *e, unsigned int type, unsigned int irq,
			 unsigned int pin)
{
	e[0] = MP_IOINT;
	e[1] = (uint8_t)type;
	mp_put(e + 2, 0, 2);		/* polarity, trigger: as the bus */
	e[4] = 0;			/* ISA */
	e[5] = (uint8_t)irq;
	e[6] = MODVMM_IOAPIC_ID;
	e[7] = (uint8_t)pin;
	return e + MP_ENTRY_LEN;
}

static uint8_t *mp_lint(uint8_t *e, unsigned int type, unsigned int lint)
{
	e[0] = MP_LINT;
	e[1] = (uint8_t)type;
	mp_put(e + 2, 0, 2);
	e[4] = 0;
	e[5] = 0;
	e[6] = 0xff;			/* every local APIC */
	e[7] = (uint8_t)lint;
	return e + MP_ENTRY_LEN;
}

/* The floating pointer and the configuration table for @cpus vCPUs. */
static int mp_build(struct mptable *s, unsigned int cpus)
{
	unsigned int i, entries = cpus + 1 + 1 + (MP_ISA_IRQS - 1 + 1) + 2;
	size_t table = MP_HDR_LEN + cpus * MP_PROC_LEN +
		       (entries - cpus) * MP_ENTRY_LEN;
	uint8_t *t, *e;

	s->len = MP_FLOAT_LEN + table;
	s->img = calloc(1, s->len);
	if (!s->img)
		return -1;
	/* the floating pointer: the table right after it */
	memcpy(s->img, "_MP_", 4);
	mp_put(s->img + 4, MP_FLOAT_ADDR + MP_FLOAT_LEN, 4);
	s->img[8] = 1;			/* length, in 16-byte units */
	s->img[9] = MP_SPEC_REV;
	s->img[10] = mp_checksum(s->img, MP_FLOAT_LEN);

	t = s->img + MP_FLOAT_LEN;
	memcpy(t, "PCMP", 4);
	mp_put(t + 4, table, 2);
	t[6] = MP_SPEC_REV;
	memcpy(t + 8, "MODVMM  ", 8);
	memcpy(t + 16, "PC          ", 12);
	mp_put(t + 34, entries, 2);
	mp_put(t + 36, MODVMM_LAPIC_BASE, 4);
	e = t + MP_HDR_LEN;
	for (i = 0; i < cpus; i++, e += MP_PROC_LEN) {
		e[0] = MP_PROCESSOR;
		e[1] = (uint8_t)i;
		e[2] = MP_LAPIC_VERSION;
		e[3] = MP_CPU_EN | (i ? 0 : MP_CPU_BP);
		mp_put(e + 4, 0x600, 4);	/* family 6 */
		mp_put(e + 8, 0x201, 4);	/* FPU, APIC */
	}
	e[0] = MP_BUS;
	memcpy(e + 2, "ISA   ", 6);
	e += MP_ENTRY_LEN;
	e[0] = MP_IOAPIC;
	e[1] = MODVMM_IOAPIC_ID;	/* the MADT's I/O APIC ID */
	e[2] = MP_IOAPIC_VERSION;
	e[3] = 1;			/* enabled */
	mp_put(e + 4, MODVMM_IOAPIC_BASE, 4);
	e += MP_ENTRY_LEN;
	e = mp_ioint(e, MP_EXTINT, 0, 0);
	for (i = 0; i < MP_ISA_IRQS; i++)
		if (i != 2)
			e = mp_ioint(e, MP_INT, i, i ? i : 2);
	e = mp_lint(e, MP_EXTINT, 0);
	mp_lint(e, MP_NMI, 1);
	t[7] = mp_checksum(t, table);
	return 0;
}

/*
 * Write the tables unless the image has data there; at a reset, bytes
 * that already hold the tables pass too.  0, or -1 with the reason.
 */
static int mp_write(struct mptable *s, int at_reset)
{
	uint8_t *old = malloc(s->len);
	size_t i = 0;
	int r = -1;

	if (!old) {
		s->host->set_error(s->dev, "out of memory");
		return -1;
	}
	if (s->host->mem_read(s->dev, MP_FLOAT_ADDR, old, s->len)) {
		s->host->set_error(s->dev, "0x%llx-0x%llx, where the MP tables go, is not guest RAM",
				   MP_FLOAT_ADDR, MP_FLOAT_ADDR + s->len - 1);
		goto out;
	}
	while (i < s->len && (!old[i] || (at_reset && old[i] == s->img[i])))
		i++;
	if (i < s->len) {
		s->host->set_error(s->dev, "the image has data at 0x%llx in 0x%llx-0x%llx, where the MP tables go; leave out mptable (--nodefaults)",
				   MP_FLOAT_ADDR + i, MP_FLOAT_ADDR,
				   MP_FLOAT_ADDR + s->len - 1);
		goto out;
	}
	if (!s->host->mem_write(s->dev, MP_FLOAT_ADDR, s->img, s->len)) {
		s->ram_len = s->len;
		r = 0;
	}
out:
	free(old);
	return r;
}

static void mp_free(struct mptable *s)
{
	free(s->img);
	free(s);
}

static int mp_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		   void **priv)
{
	struct modvmm_machine_info info;
	struct mptable *s;

	if (!MODVMM_HOST_HAS(host, machine_info)) {
		host->set_error(dev, "this modvmm is older than the plugin (no machine_info)");
		return -1;
	}
	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	if (host->machine_info(dev, &info) || !info.nr_cpus ||
	    info.nr_cpus > MP_MAX_CPUS) {
		host->set_error(dev, "the machine's vCPU count is not 1 to %d",
				MP_MAX_CPUS);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	s->dev = dev;
	s->host = host;
	if (mp_build(s, info.nr_cpus)) {
		host->set_error(dev, "out of memory");
		mp_free(s);
		return -1;
	}
	/* a probe with no machine behind it (--list-devices) writes nothing */
	if (info.nr_map && mp_write(s, 0)) {
		mp_free(s);
		return -1;
	}
	*priv = s;
	host->log(dev, MODVMM_LOG_INFO, "MP tables at 0x%llx, %u processors",
		  MP_FLOAT_ADDR, info.nr_cpus);
	return 0;
}

/* RAM was cleared and the image loaded again: the tables back. */
static void mp_reset(void *priv)
{
	struct mptable *s = priv;

	if (s->ram_len && mp_write(s, 1)) {
		s->ram_len = 0;		/* not ours to clear at exit */
		s->host->log(s->dev, MODVMM_LOG_ERROR,
			     "no MP tables after the reset: the image has data where they go");
	}
}

/* Take the tables out of RAM again: the dry run must leave it clean. */
static void mp_exit(void *priv)
{
	struct mptable *s = priv;
	uint8_t *zero;

	if (s->ram_len) {
		zero = calloc(1, s->ram_len);
		if (zero)
			s->host->mem_write(s->dev, MP_FLOAT_ADDR, zero,
					   s->ram_len);
		free(zero);
	}
	mp_free(s);
}

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl mp_ranges[] = {
	MODVMM_RANGES_END
};

MODVMM_DEVICE(mptable) = {
	MODVMM_DESC_HEADER,
	.name = "mptable",
	.license = "MIT",
	.description = "Intel MP 1.4 tables (floating pointer at 0xF0000): CPUs, I/O APIC, ISA interrupts",
	.init = mp_init,
	.exit = mp_exit,
	.reset = mp_reset,
	.ranges = mp_ranges,
};
