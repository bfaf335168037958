// SPDX-License-Identifier: MIT
/*
 * acpi - the machine's ACPI tables and the fixed-hardware PM registers
 * (PM1a event and control blocks, PM timer) an ACPI OS drives.
 *
 * Tables.  Built once at init from &modvmm_host.machine_info: an RSDP
 * (revision 2), an RSDT and an XSDT listing the FADT and the MADT, the
 * FADT (ACPI 6.0: major revision 6, minor 0) pointing at the FACS and the
 * DSDT through both its 32-bit and its X_ fields, a MADT with one enabled
 * Processor Local APIC per vCPU (UID = APIC ID = 0 .. n-1), the I/O APIC
 * (id MODVMM_IOAPIC_ID, 0xfec00000, GSI base 0), the overrides IRQ 0 -> GSI 2 and IRQ 9
 * (the SCI) -> GSI 9 level/active-high and LINT1 as NMI, and a DSDT whose
 * AML defines \_S5 = Package {5, 5, 0, 0}.
 *
 * The tables are built the way QEMU hands them to firmware: two blobs,
 * "etc/acpi/rsdp" and "etc/acpi/tables", whose pointer fields hold offsets
 * into the blob they point to and whose checksums are 0, plus a linker
 * script "etc/table-loader" of 128-byte commands (ALLOCATE, ADD_POINTER,
 * ADD_CHECKSUM) that turns them into tables at whatever address firmware
 * picks.  All three are published as firmware files for fw_cfg.  The copy
 * a guest without firmware finds is made by running that same script with
 * the RSDP at ACPI_RSDP_ADDR (0xe0000, where an OS scanning 0xe0000-
 * 0xfffff for "RSD PTR " on 16-byte boundaries finds it) and the tables
 * blob right after it, 64-byte aligned for the FACS; so what firmware
 * makes of the files and what lies in RAM are the same bytes.
 *
 * The BIOS area is RAM the image may use too: before writing, the device
 * reads its range back and refuses to start if a byte there is not 0.
 * Its exit clears the range again, so the core's dry run (which creates
 * every device once and destroys it) leaves RAM as it found it.  A
 * machine reset (--reboot) clears RAM and loads the image again: the
 * reset hook writes the same bytes back after the same check (where a
 * byte that already holds the tables also passes), and when the image is
 * there now it logs an error and the guest boots without tables.  A
 * probe with no machine behind it (--list-devices: no memory map) builds
 * the tables but neither writes nor publishes them.
 *
 * DSDT entries for other devices (virtio-mmio, say) are a list of
 * &struct acpi_dsdt_dev handed to acpi_build_dsdt(); none yet.
 *
 * PM registers, at port= (default 0x600, as QEMU's PIIX4):
 *   +0 PM1a_STS  (16 bits) write 1 to clear; TMR_STS and WAK_STS are set
 *   +2 PM1a_EN   (16 bits) the defined enable bits read back
 *   +4 PM1a_CNT  (16 bits) SCI_EN always 1 (no SMI: the FADT's SMI_CMD is
 *                0, so the OS finds the machine in ACPI mode); BM_RLD and
 *                SLP_TYP read back; GBL_RLS and SLP_EN read 0.  A write
 *                with SLP_EN and SLP_TYP 5 (the \_S5 value) powers off:
 *                a WARN line, then request_stop(MODVMM_STATUS_POWEROFF).
 *                Other sleep types are logged and "woken from" at once
 *                (WAK_STS set), since an OS waits for WAK_STS after S1-S4.
 *   +8 PM_TMR    (32 bits, TMR_VAL_EXT) ticks at 3.579545 MHz from
 *                host->clock_ns() since init or the last reset;
 *                TMR_STS is set each time bit 31 changes.
 * Ports +6 and +7 are left unclaimed.  The SCI is IRQ 9, level, high
 * while a status bit and its enable bit are both set; a host timer is
 * armed for the next TMR_STS only while TMR_EN is set.  Accesses of 1, 2
 * or 4 bytes at any offset work on the block's bytes.  A reset returns
 * them to power-on: status, enable and control 0, the SCI low, no timer
 * armed, and the PM timer restarts at 0.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modvmm/device.h>

#define NSEC_PER_SEC		1000000000ull
#define ACPI_PM_HZ		3579545ull

/* Register blocks, as offsets from port= */
#define ACPI_DEFAULT_PORT	0x600
#define ACPI_EVT		0	/* PM1a_EVT_BLK: status, enable */
#define ACPI_EVT_LEN		4
#define ACPI_CNT		4	/* PM1a_CNT_BLK */
#define ACPI_CNT_LEN		2
#define ACPI_TMR		8	/* PM_TMR_BLK */
#define ACPI_TMR_LEN		4
#define ACPI_PORTS		12
#define ACPI_SCI_IRQ		9

/* PM1 status and enable bits */
#define PM1_TMR			0x0001
#define PM1_BM_STS		0x0010
#define PM1_GBL			0x0020
#define PM1_PWRBTN		0x0100
#define PM1_SLPBTN		0x0200
#define PM1_RTC			0x0400
#define PM1_PCIEXP_WAKE		0x4000
#define PM1_WAK_STS		0x8000
#define PM1_STS_BITS		(PM1_TMR | PM1_BM_STS | PM1_GBL | PM1_PWRBTN | \
				 PM1_SLPBTN | PM1_RTC | PM1_PCIEXP_WAKE | \
				 PM1_WAK_STS)
#define PM1_EN_BITS		(PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | \
				 PM1_RTC | PM1_PCIEXP_WAKE)
#define PM1_SCI_BITS		(PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | \
				 PM1_RTC)

/* PM1 control bits */
#define PM1_SCI_EN		0x0001
#define PM1_BM_RLD		0x0002
#define PM1_SLP_TYP		0x1c00
#define PM1_SLP_TYP_SHIFT	10
#define PM1_SLP_EN		0x2000
#define PM1_CNT_KEPT		(PM1_BM_RLD | PM1_SLP_TYP)
#define ACPI_S5_TYP		5	/* \_S5's first element */

/* Where the tables go: the RSDP, then the tables blob (FACS first). */
#define ACPI_RSDP_ADDR		0xe0000ull
#define ACPI_TABLES_ADDR	0xe0040ull
#define ACPI_REGION_MAX		0x1000	/* 0xe0000-0xe0fff at most */
#define ACPI_TABLES_MAX		(ACPI_REGION_MAX - \
				 (ACPI_TABLES_ADDR - ACPI_RSDP_ADDR))
#define ACPI_MAX_CPUS		254	/* 8-bit APIC ids, 0xff is broadcast */

#define ACPI_RESET_PORT		0xcf9
#define ACPI_RESET_VALUE	0x06
#define ACPI_RTC_CENTURY	0x32	/* rtc_cmos's century byte */

/* Table layout facts (ACPI 6.0) */
#define ACPI_HDR_LEN		36
#define ACPI_RSDP_LEN		36
#define ACPI_RSDP_V1_LEN	20
#define ACPI_FACS_LEN		64
#define ACPI_FADT_LEN		276
#define ACPI_OEM_ID		"MODVMM"
#define ACPI_OEM_TABLE_ID	"MODVMM  "
#define ACPI_CREATOR_ID		"MVMM"

/* FADT flags */
#define FADT_WBINVD		(1u << 0)
#define FADT_PROC_C1		(1u << 2)
#define FADT_PWR_BUTTON		(1u << 4)	/* no fixed power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* no fixed sleep button */
#define FADT_FIX_RTC		(1u << 6)	/* no RTC wake status */
#define FADT_TMR_VAL_EXT	(1u << 8)
#define FADT_RESET_REG_SUP	(1u << 10)
/* IAPC_BOOT_ARCH: LEGACY_DEVICES, 8042, VGA Not Present */
#define FADT_BOOT_ARCH		0x0007

/* Generic Address Structure */
#define GAS_SYSTEM_IO		1
#define GAS_BYTE		1
#define GAS_WORD		2
#define GAS_DWORD		3

/* MADT */
#define MADT_PCAT_COMPAT	1u
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_OVERRIDE		2
#define MADT_LAPIC_NMI		4
#define MADT_ENABLED		1u
#define MADT_LEVEL_HIGH		0x000d	/* trigger level (3 << 2), high (1) */

/* AML opcodes */
#define AML_ZERO		0x00
#define AML_NAME		0x08
#define AML_BYTE		0x0a
#define AML_DWORD		0x0c
#define AML_STRING		0x0d
#define AML_SCOPE		0x10
#define AML_BUFFER		0x11
#define AML_PACKAGE		0x12
#define AML_EXT			0x5b
#define AML_DEVICE		0x82	/* after AML_EXT */
#define AML_ROOT		'\\'

/* QEMU's BIOS linker/loader (hw/acpi/bios-linker-loader.c) */
#define LOADER_ENTRY		128
#define LOADER_FILESZ		56
#define LOADER_ALLOCATE		1
#define LOADER_ADD_POINTER	2
#define LOADER_ADD_CHECKSUM	3
#define LOADER_ZONE_HIGH	1
#define LOADER_ZONE_FSEG	2
#define LOADER_MAX_CMDS		32

#define FILE_RSDP		"etc/acpi/rsdp"
#define FILE_TABLES		"etc/acpi/tables"
#define FILE_LOADER		"etc/table-loader"

/**
 * struct acpi_dsdt_dev - a device the DSDT describes under \_SB.
 * @name:      its 4-character AML name ("VR00").
 * @hid:       its _HID string ("LNRO0005" for virtio-mmio).
 * @uid:       its _UID.
 * @mmio_base: its register window (32-bit physical).
 * @mmio_len:  the window's length.
 * @irq:       its interrupt (GSI), active high.
 * @irq_flags: MODVMM_PDEV_IRQ_EDGE, _LEVEL or MODVMM_PDEV_NO_IRQ.
 */
struct acpi_dsdt_dev {
	char name[5];
	const char *hid;
	uint32_t uid;
	uint32_t mmio_base;
	uint32_t mmio_len;
	uint32_t irq;
	uint32_t irq_flags;
};

/* The blobs and the linker script that turns them into tables. */
struct acpi_build {
	uint8_t rsdp[ACPI_RSDP_LEN];
	uint8_t tables[ACPI_TABLES_MAX];
	size_t len;			/* bytes used in tables */
	uint8_t loader[LOADER_MAX_CMDS * LOADER_ENTRY];
	unsigned int nr_cmds;
	int overflow;			/* tables or loader full */
};

struct acpi {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	struct modvmm_timer *timer;
	uint16_t port;
	uint16_t sts, en, cnt;
	uint8_t sci;			/* the level driven on IRQ 9 */
	uint64_t start_ns;		/* the PM timer's 0 */
	uint64_t tmr_epoch;		/* ticks >> 31 when TMR_STS last looked */
	size_t ram_len;			/* bytes written at ACPI_RSDP_ADDR */
	uint8_t *img;			/* what goes there, img_len bytes */
	size_t img_len;
	uint32_t nr_cpus;		/* the machine, for the tables */
	uint32_t nr_map;		/* 0: a probe, no RAM */
};

/* ---- byte helpers --------------------------------------------------- */

static void acpi_put(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t acpi_get(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* ---- the linker script ------------------------------------------------ */

static uint8_t *acpi_cmd(struct acpi_build *b, uint32_t command)
{
	uint8_t *e;

	if (b->nr_cmds == LOADER_MAX_CMDS) {
		b->overflow = 1;
		return NULL;
	}
	e = b->loader + b->nr_cmds++ * LOADER_ENTRY;
	memset(e, 0, LOADER_ENTRY);
	acpi_put(e, command, 4);
	return e;
}

static void acpi_cmd_allocate(struct acpi_build *b, const char *file,
			      uint32_t align, uint8_t zone)
{
	uint8_t *e = acpi_cmd(b, LOADER_ALLOCATE);

	if (!e)
		return;
	strncpy((char *)e + 4, file, LOADER_FILESZ - 1);
	acpi_put(e + 4 + LOADER_FILESZ, align, 4);
	e[8 + LOADER_FILESZ] = zone;
}

/* The pointer of @size bytes at @dest + @off gets @src's address added. */
static void acpi_cmd_pointer(struct acpi_build *b, const char *dest,
			     const char *src, uint32_t off, uint8_t size)
{
	uint8_t *e = acpi_cmd(b, LOADER_ADD_POINTER);

	if (!e)
		return;
	strncpy((char *)e + 4, dest, LOADER_FILESZ - 1);
	strncpy((char *)e + 4 + LOADER_FILESZ, src, LOADER_FILESZ - 1);
	acpi_put(e + 4 + 2 * LOADER_FILESZ, off, 4);
	e[8 + 2 * LOADER_FILESZ] = size;
}

/* The byte at @off makes [@start, @start + @len) of @file sum to 0. */
static void acpi_cmd_checksum(struct acpi_build *b, const char *file,
			      uint32_t off, uint32_t start, uint32_t len)
{
	uint8_t *e = acpi_cmd(b, LOADER_ADD_CHECKSUM);

	if (!e)
		return;
	strncpy((char *)e + 4, file, LOADER_FILESZ - 1);
	acpi_put(e + 4 + LOADER_FILESZ, off, 4);
	acpi_put(e + 8 + LOADER_FILESZ, start, 4);
	acpi_put(e + 12 + LOADER_FILESZ, len, 4);
}

/* ---- the tables blob ---------------------------------------------------- */

/* @n zeroed bytes at the next multiple of @align; the offset. */
static size_t acpi_alloc(struct acpi_build *b, size_t n, size_t align)
{
	size_t off = (b->len + align - 1) & ~(align - 1);

	if (off > ACPI_TABLES_MAX || n > ACPI_TABLES_MAX - off) {
		b->overflow = 1;
		return 0;
	}
	memset(b->tables + off, 0, n);
	b->len = off + n;
	return off;
}

static void acpi_append(struct acpi_build *b, const void *p, size_t n)
{
	size_t off = acpi_alloc(b, n, 1);

	if (!b->overflow)
		memcpy(b->tables + off, p, n);
}

/* A table pointer of @size bytes at @off of the tables blob -> @target. */
static void acpi_link(struct acpi_build *b, size_t off, size_t target,
		      uint8_t size)
{
	if (b->overflow)
		return;
	acpi_put(b->tables + off, target, size);
	acpi_cmd_pointer(b, FILE_TABLES, FILE_TABLES, (uint32_t)off, size);
}

/* A header with signature @sig; the length and checksum come at the end. */
static size_t acpi_table_begin(struct acpi_build *b, const char *sig,
			       uint8_t rev, size_t len)
{
	size_t off = acpi_alloc(b, len, 16);
	uint8_t *h = b->tables + off;

	if (b->overflow)
		return 0;
	memcpy(h, sig, 4);
	h[8] = rev;
	memcpy(h + 10, ACPI_OEM_ID, 6);
	memcpy(h + 16, ACPI_OEM_TABLE_ID, 8);
	acpi_put(h + 24, 1, 4);
	memcpy(h + 28, ACPI_CREATOR_ID, 4);
	acpi_put(h + 32, 1, 4);
	return off;
}

/* The table at @off ends at the blob's end: its length and checksum. */
static void acpi_table_end(struct acpi_build *b, size_t off)
{
	size_t len = b->len - off;

	if (b->overflow)
		return;
	acpi_put(b->tables + off + 4, len, 4);
	acpi_cmd_checksum(b, FILE_TABLES, (uint32_t)off + 9, (uint32_t)off,
			  (uint32_t)len);
}

/* ---- AML ------------------------------------------------------------------ */

/* A small AML byte string, built inside out. */
struct acpi_aml {
	uint8_t buf[256];
	size_t len;
	int overflow;
};

static void aml_bytes(struct acpi_aml *a, const void *p, size_t n)
{
	if (n > sizeof(a->buf) - a->len) {
		a->overflow = 1;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct acpi_aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

static void aml_dword(struct acpi_aml *a, uint32_t v)
{
	uint8_t le[4];

	acpi_put(le, v, 4);
	aml_bytes(a, le, 4);
}

/* An integer: ByteConst or DWordConst. */
static void aml_int(struct acpi_aml *a, uint32_t v)
{
	if (v <= 0xff) {
		aml_byte(a, AML_BYTE);
		aml_byte(a, (uint8_t)v);
	} else {
		aml_byte(a, AML_DWORD);
		aml_dword(a, v);
	}
}

static void aml_string(struct acpi_aml *a, const char *s)
{
	aml_byte(a, AML_STRING);
	aml_bytes(a, s, strlen(s) + 1);
}

/*
 * @op (1 or 2 bytes), the PkgLength of what follows, then @body.  The
 * PkgLength counts itself: one byte up to 63, else a lead byte whose
 * bits 7-6 say how many bytes follow and whose low nibble is the
 * length's low 4 bits.
 */
static void aml_pkg(struct acpi_aml *a, const uint8_t *op, size_t oplen,
		    const struct acpi_aml *body)
{
	size_t n = body->len, total;

	aml_bytes(a, op, oplen);
	if (n + 1 <= 63) {
		aml_byte(a, (uint8_t)(n + 1));
	} else {
		total = n + 2;	/* < 4096: a lead byte and one more */
		aml_byte(a, (uint8_t)(0x40 | (total & 0xf)));
		aml_byte(a, (uint8_t)(total >> 4));
	}
	aml_bytes(a, body->buf, body->len);
	a->overflow |= body->overflow;
}

/* Name(\_S5, Package () {5, 5, 0, 0}): SLP_TYPa, SLP_TYPb. */
static void aml_s5(struct acpi_aml *a)
{
	static const uint8_t op = AML_PACKAGE;
	struct acpi_aml pkg = { .len = 0 };

	aml_byte(a, AML_NAME);
	aml_bytes(a, "\\_S5_", 5);
	aml_byte(&pkg, 4);
	aml_int(&pkg, ACPI_S5_TYP);
	aml_int(&pkg, ACPI_S5_TYP);
	aml_byte(&pkg, AML_ZERO);
	aml_byte(&pkg, AML_ZERO);
	aml_pkg(a, &op, 1, &pkg);
}

/*
 * ResourceTemplate () { Memory32Fixed (ReadWrite, base, len)
 * Interrupt (ResourceConsumer, Edge or Level, ActiveHigh, Exclusive)
 * { irq } }, without the Interrupt for a device that has none.
 */
static void aml_crs(struct acpi_aml *a, const struct acpi_dsdt_dev *d)
{
	static const uint8_t op = AML_BUFFER;
	struct acpi_aml buf = { .len = 0 }, res = { .len = 0 };

	aml_byte(&res, 0x86);		/* Memory32Fixed, 9 bytes */
	aml_byte(&res, 9);
	aml_byte(&res, 0);
	aml_byte(&res, 1);		/* read/write */
	aml_dword(&res, d->mmio_base);
	aml_dword(&res, d->mmio_len);
	if (d->irq_flags != MODVMM_PDEV_NO_IRQ) {
		aml_byte(&res, 0x89);	/* Extended Interrupt, 6 bytes */
		aml_byte(&res, 6);
		aml_byte(&res, 0);
		/* bit 0 consumer, bit 1 edge; active high, exclusive */
		aml_byte(&res, d->irq_flags == MODVMM_PDEV_IRQ_LEVEL ? 0x01 : 0x03);
		aml_byte(&res, 1);
		aml_dword(&res, d->irq);
	}
	aml_byte(&res, 0x79);		/* End Tag, checksum 0: none */
	aml_byte(&res, 0);
	aml_int(&buf, (uint32_t)res.len);
	aml_bytes(&buf, res.buf, res.len);
	aml_byte(a, AML_NAME);
	aml_bytes(a, "_CRS", 4);
	aml_pkg(a, &op, 1, &buf);
}

/* Device (NAME) { Name (_HID, "..."); Name (_UID, n); Name (_CRS, ...) } */
static void aml_device(struct acpi_aml *a, const struct acpi_dsdt_dev *d)
{
	static const uint8_t op[2] = { AML_EXT, AML_DEVICE };
	struct acpi_aml body = { .len = 0 };

	aml_bytes(&body, d->name, 4);
	aml_byte(&body, AML_NAME);
	aml_bytes(&body, "_HID", 4);
	aml_string(&body, d->hid);
	aml_byte(&body, AML_NAME);
	aml_bytes(&body, "_UID", 4);
	aml_int(&body, d->uid);
	aml_crs(&body, d);
	aml_pkg(a, op, 2, &body);
}

/*
 * The DSDT: \_S5, then Scope (\_SB) with one Device per entry of @devs
 * (@n of them; NULL and 0 for none).
 */
static size_t acpi_build_dsdt(struct acpi_build *b,
			      const struct acpi_dsdt_dev *devs, unsigned int n)
{
	static const uint8_t scope = AML_SCOPE;
	size_t off = acpi_table_begin(b, "DSDT", 2, ACPI_HDR_LEN);
	struct acpi_aml aml = { .len = 0 }, sb, dev;
	unsigned int i;

	aml_s5(&aml);
	for (i = 0; i < n; i++) {
		sb = (struct acpi_aml){ .len = 0 };
		dev = (struct acpi_aml){ .len = 0 };
		aml_bytes(&sb, "\\_SB_", 5);
		aml_device(&dev, &devs[i]);
		aml_bytes(&sb, dev.buf, dev.len);
		sb.overflow |= dev.overflow;
		aml_pkg(&aml, &scope, 1, &sb);
	}
	if (aml.overflow)
		b->overflow = 1;
	else
		acpi_append(b, aml.buf, aml.len);
	acpi_table_end(b, off);
	return off;
}

/* ---- the tables --------------------------------------------------------- */

static size_t acpi_build_facs(struct acpi_build *b)
{
	size_t off = acpi_alloc(b, ACPI_FACS_LEN, 64);
	uint8_t *f = b->tables + off;

	if (b->overflow)
		return 0;
	memcpy(f, "FACS", 4);
	acpi_put(f + 4, ACPI_FACS_LEN, 4);
	f[32] = 2;				/* version */
	return off;
}

/* A Generic Address Structure for @len ports at @port. */
static void acpi_gas_io(uint8_t *g, uint16_t port, unsigned int len,
			uint8_t access)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = (uint8_t)(len * 8);
	g[2] = 0;
	g[3] = access;
	acpi_put(g + 4, port, 8);
}

static void acpi_fadt_blocks(uint8_t *f, uint16_t port)
{
	acpi_put(f + 46, ACPI_SCI_IRQ, 2);
	acpi_put(f + 56, port + ACPI_EVT, 4);	/* PM1a_EVT_BLK */
	acpi_put(f + 64, port + ACPI_CNT, 4);	/* PM1a_CNT_BLK */
	acpi_put(f + 76, port + ACPI_TMR, 4);	/* PM_TMR_BLK */
	f[88] = ACPI_EVT_LEN;
	f[89] = ACPI_CNT_LEN;
	f[91] = ACPI_TMR_LEN;
	acpi_gas_io(f + 148, (uint16_t)(port + ACPI_EVT), ACPI_EVT_LEN, GAS_WORD);
	acpi_gas_io(f + 172, (uint16_t)(port + ACPI_CNT), ACPI_CNT_LEN, GAS_WORD);
	acpi_gas_io(f + 208, (uint16_t)(port + ACPI_TMR), ACPI_TMR_LEN, GAS_DWORD);
}

static size_t acpi_build_fadt(struct acpi_build *b, size_t facs, size_t dsdt,
			      uint16_t port)
{
	size_t off = acpi_table_begin(b, "FACP", 6, ACPI_FADT_LEN);
	uint8_t *f = b->tables + off;

	if (b->overflow)
		return 0;
	acpi_fadt_blocks(f, port);
	acpi_put(f + 96, 101, 2);		/* P_LVL2_LAT: no C2 */
	acpi_put(f + 98, 1001, 2);		/* P_LVL3_LAT: no C3 */
	f[108] = ACPI_RTC_CENTURY;
	acpi_put(f + 109, FADT_BOOT_ARCH, 2);
	acpi_put(f + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
		 FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_TMR_VAL_EXT |
		 FADT_RESET_REG_SUP, 4);
	acpi_gas_io(f + 116, ACPI_RESET_PORT, 1, GAS_BYTE);
	f[128] = ACPI_RESET_VALUE;
	f[131] = 0;				/* minor version: 6.0 */
	memcpy(f + 268, "modvmm\0\0", 8);	/* hypervisor vendor */
	acpi_link(b, off + 36, facs, 4);	/* FIRMWARE_CTRL */
	acpi_link(b, off + 40, dsdt, 4);	/* DSDT */
	acpi_link(b, off + 132, facs, 8);	/* X_FIRMWARE_CTRL */
	acpi_link(b, off + 140, dsdt, 8);	/* X_DSDT */
	acpi_table_end(b, off);
	return off;
}

static void madt_entry(struct acpi_build *b, const uint8_t *e)
{
	acpi_append(b, e, e[1]);
}

static void madt_override(struct acpi_build *b, uint8_t irq, uint32_t gsi,
			  uint16_t flags)
{
	uint8_t e[10] = { MADT_OVERRIDE, 10, 0, irq };

	acpi_put(e + 4, gsi, 4);
	acpi_put(e + 8, flags, 2);
	madt_entry(b, e);
}

static size_t acpi_build_madt(struct acpi_build *b, unsigned int cpus)
{
	size_t off = acpi_table_begin(b, "APIC", 3, ACPI_HDR_LEN + 8);
	uint8_t lapic[8] = { MADT_LAPIC, 8 };
	uint8_t ioapic[12] = { MADT_IOAPIC, 12, MODVMM_IOAPIC_ID };
	static const uint8_t nmi[6] = { MADT_LAPIC_NMI, 6, 0xff, 0, 0, 1 };
	unsigned int i;

	if (b->overflow)
		return 0;
	acpi_put(b->tables + off + 36, MODVMM_LAPIC_BASE, 4);
	acpi_put(b->tables + off + 40, MADT_PCAT_COMPAT, 4);
	for (i = 0; i < cpus; i++) {
		lapic[2] = (uint8_t)i;		/* ACPI processor UID */
		lapic[3] = (uint8_t)i;		/* APIC ID */
		acpi_put(lapic + 4, MADT_ENABLED, 4);
		madt_entry(b, lapic);
	}
	acpi_put(ioapic + 4, MODVMM_IOAPIC_BASE, 4);
	madt_entry(b, ioapic);
	madt_override(b, 0, 2, 0);
	madt_override(b, ACPI_SCI_IRQ, ACPI_SCI_IRQ, MADT_LEVEL_HIGH);
	madt_entry(b, nmi);
	acpi_table_end(b, off);
	return off;
}

/* An RSDT (@width 4) or XSDT (8) listing the @n tables at @offs. */
static size_t acpi_build_sdt(struct acpi_build *b, const char *sig,
			     uint8_t width, const size_t *offs, unsigned int n)
{
	size_t off = acpi_table_begin(b, sig, 1, ACPI_HDR_LEN + n * width);
	unsigned int i;

	for (i = 0; i < n; i++)
		acpi_link(b, off + ACPI_HDR_LEN + i * width, offs[i], width);
	acpi_table_end(b, off);
	return off;
}

static void acpi_build_rsdp(struct acpi_build *b, size_t rsdt, size_t xsdt)
{
	uint8_t *r = b->rsdp;

	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, ACPI_OEM_ID, 6);
	r[15] = 2;
	acpi_put(r + 16, rsdt, 4);
	acpi_put(r + 20, ACPI_RSDP_LEN, 4);
	acpi_put(r + 24, xsdt, 8);
	acpi_cmd_pointer(b, FILE_RSDP, FILE_TABLES, 16, 4);
	acpi_cmd_pointer(b, FILE_RSDP, FILE_TABLES, 24, 8);
	acpi_cmd_checksum(b, FILE_RSDP, 8, 0, ACPI_RSDP_V1_LEN);
	acpi_cmd_checksum(b, FILE_RSDP, 32, 0, ACPI_RSDP_LEN);
}

/*
 * Every table for a machine of @cpus vCPUs with the registers at @port
 * and the @n devices @devs in its DSDT.
 */
static int acpi_build(struct acpi_build *b, unsigned int cpus, uint16_t port,
		      const struct acpi_dsdt_dev *devs, unsigned int n)
{
	size_t facs, dsdt, sdt[2], rsdt, xsdt;

	memset(b, 0, sizeof(*b));
	acpi_cmd_allocate(b, FILE_RSDP, 16, LOADER_ZONE_FSEG);
	acpi_cmd_allocate(b, FILE_TABLES, 64, LOADER_ZONE_HIGH);
	facs = acpi_build_facs(b);
	dsdt = acpi_build_dsdt(b, devs, n);
	sdt[0] = acpi_build_fadt(b, facs, dsdt, port);
	sdt[1] = acpi_build_madt(b, cpus);
	rsdt = acpi_build_sdt(b, "RSDT", 4, sdt, 2);
	xsdt = acpi_build_sdt(b, "XSDT", 8, sdt, 2);
	acpi_build_rsdp(b, rsdt, xsdt);
	return b->overflow ? -1 : 0;
}

/* ---- running the script, as firmware would -------------------------- */

/* The blob named by the 56-byte field @name, or NULL. */
static uint8_t *acpi_blob(uint8_t *rsdp, uint8_t *tables, const uint8_t *name,
			  uint64_t *addr, size_t *len)
{
	if (!strncmp((const char *)name, FILE_RSDP, LOADER_FILESZ)) {
		*addr = ACPI_RSDP_ADDR;
		*len = ACPI_RSDP_LEN;
		return rsdp;
	}
	if (!strncmp((const char *)name, FILE_TABLES, LOADER_FILESZ)) {
		*addr = ACPI_TABLES_ADDR;
		return tables;
	}
	return NULL;
}

static void acpi_apply_one(const struct acpi_build *b, const uint8_t *e,
			   uint8_t *rsdp, uint8_t *tables)
{
	const uint8_t *p = e + 4;
	uint64_t addr, src_addr;
	size_t len = b->len, src_len = b->len;
	uint8_t *dst, *ptr;
	unsigned int size;

	dst = acpi_blob(rsdp, tables, p, &addr, &len);
	if (acpi_get(e, 4) == LOADER_ADD_POINTER) {
		acpi_blob(rsdp, tables, p + LOADER_FILESZ, &src_addr, &src_len);
		ptr = dst + acpi_get(p + 2 * LOADER_FILESZ, 4);
		size = p[2 * LOADER_FILESZ + 4];
		acpi_put(ptr, acpi_get(ptr, size) + src_addr, size);
	} else if (acpi_get(e, 4) == LOADER_ADD_CHECKSUM) {
		ptr = dst + acpi_get(p + LOADER_FILESZ, 4);
		*ptr = (uint8_t)(*ptr - acpi_sum(dst + acpi_get(p + LOADER_FILESZ + 4, 4),
						 acpi_get(p + LOADER_FILESZ + 8, 4)));
	}
}

/*
 * The bytes for RAM at ACPI_RSDP_ADDR: the script run with the RSDP
 * there and the tables at ACPI_TABLES_ADDR.  Only the device's own
 * commands are run, so every name and offset is known to be in range.
 */
static size_t acpi_image(const struct acpi_build *b, uint8_t *img)
{
	uint8_t *rsdp = img, *tables = img + (ACPI_TABLES_ADDR - ACPI_RSDP_ADDR);
	unsigned int i;

	memset(img, 0, ACPI_REGION_MAX);
	memcpy(rsdp, b->rsdp, ACPI_RSDP_LEN);
	memcpy(tables, b->tables, b->len);
	for (i = 0; i < b->nr_cmds; i++)
		acpi_apply_one(b, b->loader + i * LOADER_ENTRY, rsdp, tables);
	return (size_t)(ACPI_TABLES_ADDR - ACPI_RSDP_ADDR) + b->len;
}

/* ---- PM registers --------------------------------------------------------- */

/* PM timer ticks since init or reset, without overflow for centuries. */
static uint64_t acpi_ticks(const struct acpi *s)
{
	uint64_t ns = s->host->clock_ns() - s->start_ns;

	return ns / NSEC_PER_SEC * ACPI_PM_HZ +
	       ns % NSEC_PER_SEC * ACPI_PM_HZ / NSEC_PER_SEC;
}

/* The first ns after start_ns at which @ticks ticks have elapsed. */
static uint64_t acpi_ticks_ns(uint64_t ticks)
{
	return ticks / ACPI_PM_HZ * NSEC_PER_SEC +
	       (ticks % ACPI_PM_HZ * NSEC_PER_SEC + ACPI_PM_HZ - 1) / ACPI_PM_HZ;
}

static void acpi_update_sci(struct acpi *s)
{
	uint8_t level = !!(s->sts & s->en & PM1_SCI_BITS);

	if (level != s->sci) {
		s->sci = level;
		s->host->irq_set(s->dev, ACPI_SCI_IRQ, level);
	}
}

/* TMR_STS from the timer's bit 31; the host timer for the next flip. */
static void acpi_tmr_sync(struct acpi *s)
{
	uint64_t epoch = acpi_ticks(s) >> 31, now, at;

	if (epoch != s->tmr_epoch) {
		s->tmr_epoch = epoch;
		s->sts |= PM1_TMR;
	}
	acpi_update_sci(s);
	if (!(s->en & PM1_TMR) || (s->sts & PM1_TMR)) {
		s->host->timer_arm(s->timer, 0, 0);
		return;
	}
	at = s->start_ns + acpi_ticks_ns((epoch + 1) << 31);
	now = s->host->clock_ns();
	s->host->timer_arm(s->timer, at > now ? at - now : 1, 0);
}

static void acpi_timer_fire(void *opaque, uint64_t expired)
{
	(void)expired;
	acpi_tmr_sync(opaque);
}

static void acpi_sleep(struct acpi *s, unsigned int typ)
{
	if (typ == ACPI_S5_TYP) {
		s->host->log(s->dev, MODVMM_LOG_WARN,
			     "guest powered off (ACPI S5)");
		s->host->request_stop(s->dev, MODVMM_STATUS_POWEROFF);
		return;
	}
	s->host->log(s->dev, MODVMM_LOG_INFO,
		     "guest asked for sleep type %u: ignored, woken at once",
		     typ);
	s->host->stat_add(s->dev, "sleeps_ignored", 1);
	s->sts |= PM1_WAK_STS;
}

/* The block at port + @base as 32 bits, byte 0 lowest. */
static uint32_t acpi_block_read(struct acpi *s, uint64_t base)
{
	if (base == ACPI_EVT) {
		acpi_tmr_sync(s);
		return s->sts | (uint32_t)s->en << 16;
	}
	if (base == ACPI_CNT)
		return s->cnt | PM1_SCI_EN;
	return (uint32_t)acpi_ticks(s);
}

static void acpi_evt_write(struct acpi *s, uint32_t val, uint32_t mask)
{
	acpi_tmr_sync(s);
	s->sts &= (uint16_t)~(val & mask & PM1_STS_BITS);
	mask >>= 16;
	val >>= 16;
	s->en = (uint16_t)((s->en & ~mask) | (val & mask & PM1_EN_BITS));
	acpi_tmr_sync(s);
}

static void acpi_cnt_write(struct acpi *s, uint32_t val, uint32_t mask)
{
	s->cnt = (uint16_t)((s->cnt & ~mask) | (val & mask & PM1_CNT_KEPT));
	if (val & mask & PM1_SLP_EN) {
		acpi_sleep(s, (val & PM1_SLP_TYP) >> PM1_SLP_TYP_SHIFT);
		acpi_update_sci(s);
	}
}

/* Which block an access is in: its base offset from port=. */
static uint64_t acpi_block(const struct modvmm_access *a, uint16_t port,
			   uint64_t *off)
{
	uint64_t rel = a->addr - port;
	uint64_t base = rel >= ACPI_TMR ? ACPI_TMR : rel >= ACPI_CNT ? ACPI_CNT :
			ACPI_EVT;

	*off = rel - base;
	return base;
}

static uint64_t acpi_read(void *opaque, const struct modvmm_access *a)
{
	struct acpi *s = opaque;
	uint64_t off, base = acpi_block(a, s->port, &off);
	uint64_t v = acpi_block_read(s, base) >> (8 * off);

	return a->size >= 4 ? (uint32_t)v : v & ((1ull << (8 * a->size)) - 1);
}

static void acpi_write(void *opaque, const struct modvmm_access *a,
		       uint64_t val)
{
	struct acpi *s = opaque;
	uint64_t off, base = acpi_block(a, s->port, &off);
	uint64_t mask = a->size >= 4 ? 0xffffffffull :
			(1ull << (8 * a->size)) - 1;

	if (off >= 4)
		return;
	mask = (mask << (8 * off)) & 0xffffffffull;
	val = (val << (8 * off)) & mask;
	if (base == ACPI_EVT)
		acpi_evt_write(s, (uint32_t)val, (uint32_t)mask);
	else if (base == ACPI_CNT)
		acpi_cnt_write(s, (uint32_t)val, (uint32_t)mask & 0xffff);
	/* PM_TMR is read-only */
}

static const struct modvmm_range_ops acpi_ops = {
	.read = acpi_read,
	.write = acpi_write,
	.sizes = MODVMM_SIZE_1 | MODVMM_SIZE_2 | MODVMM_SIZE_4,
};

/* ---- init ------------------------------------------------------------------ */

static int acpi_parse(struct acpi *s, struct modvmm_machine_info *mi)
{
	const struct modvmm_host *h = s->host;
	uint64_t port;

	if (h->opt_u64(s->dev, "port", ACPI_DEFAULT_PORT, &port)) {
		h->set_error(s->dev, "malformed option value");
		return -1;
	}
	if (port > 0x10000 - ACPI_PORTS) {
		h->set_error(s->dev, "port=0x%llx: the 12 ports must fit below 0x10000",
			     (unsigned long long)port);
		return -1;
	}
	s->port = (uint16_t)port;
	memset(mi, 0, sizeof(*mi));
	mi->struct_size = sizeof(*mi);
	if (!MODVMM_HOST_HAS(h, machine_info) ||
	    !MODVMM_HOST_HAS(h, fw_file_add)) {
		h->set_error(s->dev, "this modvmm is older than the plugin (no machine_info or fw_file_add)");
		return -1;
	}
	h->machine_info(s->dev, mi);
	if (mi->nr_cpus < 1 || mi->nr_cpus > ACPI_MAX_CPUS) {
		h->set_error(s->dev, "%u vCPUs: the MADT takes 1 to %d",
			     mi->nr_cpus, ACPI_MAX_CPUS);
		return -1;
	}
	return 0;
}

static int acpi_claim(struct acpi *s)
{
	static const uint8_t blocks[3][2] = {
		{ ACPI_EVT, ACPI_EVT_LEN }, { ACPI_CNT, ACPI_CNT_LEN },
		{ ACPI_TMR, ACPI_TMR_LEN },
	};
	unsigned int i;
	uint64_t base;

	for (i = 0; i < 3; i++) {
		base = s->port + (uint64_t)blocks[i][0];
		if (s->host->register_range(s->dev, MODVMM_SPACE_PIO, base,
					    blocks[i][1], &acpi_ops, s)) {
			s->host->set_error(s->dev, "cannot claim ports 0x%llx-0x%llx",
					   (unsigned long long)base,
					   (unsigned long long)base + blocks[i][1] - 1);
			return -1;
		}
	}
	return 0;
}

static int acpi_publish(struct acpi *s, const struct acpi_build *b)
{
	const struct modvmm_host *h = s->host;

	return h->fw_file_add(s->dev, FILE_RSDP, b->rsdp, ACPI_RSDP_LEN) ||
	       h->fw_file_add(s->dev, FILE_TABLES, b->tables, b->len) ||
	       h->fw_file_add(s->dev, FILE_LOADER, b->loader,
			      (size_t)b->nr_cmds * LOADER_ENTRY);
}

/*
 * Say why the tables cannot go into RAM: at init through set_error (the
 * instance fails), at a reset in the log (a reset hook cannot fail, and
 * the guest boots without tables).
 */
static void acpi_complain(struct acpi *s, int at_reset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void acpi_complain(struct acpi *s, int at_reset, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at_reset)
		s->host->log(s->dev, MODVMM_LOG_ERROR,
			     "reset: %s; this boot has no ACPI tables", msg);
	else
		s->host->set_error(s->dev, "%s", msg);
}

/*
 * Refuse RAM the image wrote to: every byte of the range must be 0.  At
 * a reset a byte may also be what the tables put there, as when RAM was
 * not cleared (the test harness).
 */
static int acpi_check_ram(struct acpi *s, int at_reset)
{
	size_t len = s->img_len, i = 0;
	uint8_t *old = malloc(len);
	int r = -1;

	if (!old) {
		acpi_complain(s, at_reset, "out of memory");
		return -1;
	}
	if (s->host->mem_read(s->dev, ACPI_RSDP_ADDR, old, len)) {
		acpi_complain(s, at_reset, "0x%llx-0x%llx, where the ACPI tables go, is not guest RAM",
			      ACPI_RSDP_ADDR, ACPI_RSDP_ADDR + len - 1);
		goto out;
	}
	while (i < len && (!old[i] || (at_reset && old[i] == s->img[i])))
		i++;
	if (i < len) {
		acpi_complain(s, at_reset, "the image has data at 0x%llx in 0x%llx-0x%llx, where the ACPI tables go",
			      ACPI_RSDP_ADDR + i, ACPI_RSDP_ADDR,
			      ACPI_RSDP_ADDR + len - 1);
		goto out;
	}
	r = 0;
out:
	free(old);
	return r;
}

/* The tables into RAM at ACPI_RSDP_ADDR, once acpi_check_ram() agreed. */
static int acpi_write_ram(struct acpi *s, int at_reset)
{
	if (s->host->mem_write(s->dev, ACPI_RSDP_ADDR, s->img, s->img_len)) {
		acpi_complain(s, at_reset, "cannot write the ACPI tables");
		return -1;
	}
	s->ram_len = s->img_len;
	return 0;
}

/* The most devices the DSDT lists. */
#define ACPI_MAX_DEVS	32

/*
 * The machine's memory-mapped devices (&modvmm_host.platform_dev_add)
 * as DSDT entries named D000, D001, ...; @pd holds their strings.
 * Returns how many.
 */
static unsigned int acpi_collect_devs(struct acpi *s,
				      struct modvmm_platform_dev *pd,
				      struct acpi_dsdt_dev *d)
{
	static const char hex[] = "0123456789ABCDEF";
	const struct modvmm_host *h = s->host;
	unsigned int n = 0;

	if (!MODVMM_HOST_HAS(h, platform_dev_get))
		return 0;
	while (n < ACPI_MAX_DEVS && !h->platform_dev_get(s->dev, n, &pd[n])) {
		memset(&d[n], 0, sizeof(d[n]));
		d[n].name[0] = 'D';
		d[n].name[1] = hex[(n >> 8) & 15];
		d[n].name[2] = hex[(n >> 4) & 15];
		d[n].name[3] = hex[n & 15];
		d[n].hid = pd[n].hid;
		d[n].uid = pd[n].uid;
		d[n].mmio_base = (uint32_t)pd[n].mmio_base;
		d[n].mmio_len = (uint32_t)pd[n].mmio_len;
		d[n].irq = pd[n].irq;
		d[n].irq_flags = pd[n].flags;
		n++;
	}
	return n;
}

/* Tables into RAM and out as firmware files; nothing without a machine. */
static int acpi_install(struct acpi *s, const struct modvmm_machine_info *mi)
{
	struct modvmm_platform_dev pd[ACPI_MAX_DEVS];
	struct acpi_dsdt_dev devs[ACPI_MAX_DEVS];
	struct acpi_build *b = malloc(sizeof(*b));
	unsigned int n = acpi_collect_devs(s, pd, devs);
	int r = -1;

	if (!b) {
		s->host->set_error(s->dev, "out of memory");
		goto out;
	}
	if (acpi_build(b, mi->nr_cpus, s->port, devs, n)) {
		s->host->set_error(s->dev, "the ACPI tables for %u vCPUs and %u devices do not fit in 0x%x bytes",
				   mi->nr_cpus, n, ACPI_REGION_MAX);
		goto out;
	}
	r = 0;
	if (!mi->nr_map)	/* a probe: no RAM, no firmware */
		goto out;
	r = -1;
	/* kept for the next boot: a reset writes the same bytes again */
	s->img = malloc(ACPI_REGION_MAX);
	if (!s->img) {
		s->host->set_error(s->dev, "out of memory");
		goto out;
	}
	s->img_len = acpi_image(b, s->img);
	if (acpi_check_ram(s, 0) || acpi_publish(s, b) || acpi_write_ram(s, 0))
		goto out;
	r = 0;
out:
	free(b);
	return r;
}

/*
 * The PM registers at power-on: nothing pending or enabled, no sleep
 * type, the SCI low, no timer; the PM timer counts from 0 again.
 */
static void acpi_pm_power_on(struct acpi *s)
{
	s->sts = 0;
	s->en = 0;
	s->cnt = 0;
	s->start_ns = s->host->clock_ns();
	s->tmr_epoch = 0;
	acpi_update_sci(s);
	s->host->timer_arm(s->timer, 0, 0);
}

static void acpi_free(struct acpi *s)
{
	free(s->img);
	free(s);
}

static int acpi_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	struct modvmm_machine_info mi;
	struct acpi *s = calloc(1, sizeof(*s));

	if (!s) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	s->dev = dev;
	s->host = host;
	if (acpi_parse(s, &mi))
		goto fail;
	s->timer = host->timer_new(dev, acpi_timer_fire, s);
	if (!s->timer) {
		host->set_error(dev, "cannot create the PM timer's timer");
		goto fail;
	}
	acpi_pm_power_on(s);
	if (acpi_claim(s))
		goto fail;
	s->nr_cpus = mi.nr_cpus;
	s->nr_map = mi.nr_map;
	*priv = s;
	return 0;
fail:
	/* The host releases the timer and the ranges. */
	acpi_free(s);
	return -1;
}

/*
 * Every device exists: the tables, with a DSDT entry for each memory-
 * mapped device, into RAM and out as firmware files.
 */
static int acpi_ready(void *priv)
{
	struct acpi *s = priv;
	struct modvmm_machine_info mi = { .struct_size = sizeof(mi) };

	mi.nr_cpus = s->nr_cpus;
	mi.nr_map = s->nr_map;
	return acpi_install(s, &mi);
}

/*
 * The machine boots again with RAM cleared and the image loaded: the
 * tables go back where they were, unless the image is there now.
 */
static void acpi_reset(void *priv)
{
	struct acpi *s = priv;

	acpi_pm_power_on(s);
	if (!s->img_len)
		return;
	if (acpi_check_ram(s, 1) || acpi_write_ram(s, 1))
		s->ram_len = 0;		/* not ours to clear at exit */
}

/* Take the tables out of RAM again: the dry run must leave it clean. */
static void acpi_exit(void *priv)
{
	struct acpi *s = priv;
	uint8_t *zero;

	if (s->ram_len) {
		zero = calloc(1, s->ram_len);
		if (zero)
			s->host->mem_write(s->dev, ACPI_RSDP_ADDR, zero,
					   s->ram_len);
		free(zero);
	}
	acpi_free(s);
}

static const struct modvmm_option acpi_options[] = {
	{ "port", "base of the PM registers: PM1a_EVT +0, PM1a_CNT +4, PM_TMR +8",
	  "0x600" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl acpi_ranges[] = {
	{ MODVMM_SPACE_PIO, ACPI_DEFAULT_PORT + ACPI_EVT, ACPI_EVT_LEN },
	{ MODVMM_SPACE_PIO, ACPI_DEFAULT_PORT + ACPI_CNT, ACPI_CNT_LEN },
	{ MODVMM_SPACE_PIO, ACPI_DEFAULT_PORT + ACPI_TMR, ACPI_TMR_LEN },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(acpi) = {
	MODVMM_DESC_HEADER,
	.name = "acpi",
	.license = "MIT",
	.description = "ACPI tables (RSDP at 0xE0000, fw_cfg files) and PM registers",
	.options = acpi_options,
	.init = acpi_init,
	.exit = acpi_exit,
	.reset = acpi_reset,
	.ready = acpi_ready,
	.ranges = acpi_ranges,
};
