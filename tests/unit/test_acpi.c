// SPDX-License-Identifier: MIT
/*
 * Unit tests for devices/acpi.c: the tables as an OS finds them in the
 * BIOS area and as firmware builds them from the fw_cfg files with the
 * linker script, and the PM registers against the virtual clock.
 */
#include "harness_util.h"

#include "../../core/dev/platform.h"

#define PM_HZ		3579545ull
#define NS		1000000000ull
#define LOADER_ENTRY	128
#define FILESZ		56

/* Guest memory as some reader sees it: RAM, or what firmware built. */
typedef const uint8_t *(*mem_at_fn)(uint64_t gpa, size_t len);

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static const uint8_t *ram_at(uint64_t gpa, size_t len)
{
	return harness_mem(gpa, len);
}

/* The RSDP as an OS looks for it: 16-byte steps over 0xe0000-0xfffff. */
static uint64_t find_rsdp(void)
{
	uint64_t a;
	const uint8_t *p;

	for (a = 0xe0000; a < 0x100000; a += 16) {
		p = harness_mem(a, 20);
		if (p && !memcmp(p, "RSD PTR ", 8) && !sum(p, 20))
			return a;
	}
	return 0;
}

/* A table at @gpa with signature @sig and a good checksum; NULL if not. */
static const uint8_t *table(mem_at_fn at, uint64_t gpa, const char *sig)
{
	const uint8_t *h = at(gpa, 36);
	const uint8_t *t;

	CHECK(h != NULL);
	if (!h)
		return NULL;
	CHECK(!memcmp(h, sig, 4));
	t = at(gpa, le(h + 4, 4));
	CHECK(t != NULL);
	if (!t || memcmp(h, sig, 4))
		return NULL;
	CHECK_EQ(sum(t, le(h + 4, 4)), 0);
	return t;
}

/* What walking the tables found. */
struct acpi_seen {
	const uint8_t *fadt, *madt, *facs, *dsdt;
	uint64_t fadt_addr, madt_addr;
	unsigned int lapics;
};

/* The RSDT and XSDT at the RSDP list the same FADT and MADT. */
static void walk_sdts(mem_at_fn at, const uint8_t *rsdp, struct acpi_seen *s)
{
	const uint8_t *rsdt = table(at, le(rsdp + 16, 4), "RSDT");
	const uint8_t *xsdt = table(at, le(rsdp + 24, 8), "XSDT");
	unsigned int i, n;
	uint64_t a;
	const uint8_t *h;

	if (!rsdt || !xsdt)
		return;
	n = (unsigned int)(le(xsdt + 4, 4) - 36) / 8;
	CHECK_EQ(n, 2);
	CHECK_EQ((le(rsdt + 4, 4) - 36) / 4, n);
	for (i = 0; i < n; i++) {
		a = le(xsdt + 36 + 8 * i, 8);
		CHECK_EQ(le(rsdt + 36 + 4 * i, 4), a);
		h = at(a, 4);
		if (h && !memcmp(h, "FACP", 4)) {
			s->fadt = table(at, a, "FACP");
			s->fadt_addr = a;
		} else if (h && !memcmp(h, "APIC", 4)) {
			s->madt = table(at, a, "APIC");
			s->madt_addr = a;
		}
	}
}

/* FADT fields: pointers (32-bit and X_ agree) and the PM blocks. */
static void check_fadt(mem_at_fn at, struct acpi_seen *s, uint16_t port)
{
	const uint8_t *f = s->fadt, *facs;

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(le(f + 4, 4), 276);
	CHECK_EQ(f[8], 6);
	CHECK_EQ(le(f + 36, 4), le(f + 132, 8));
	CHECK_EQ(le(f + 40, 4), le(f + 140, 8));
	CHECK_EQ(le(f + 36, 4) % 64, 0);
	facs = at(le(f + 132, 8), 64);
	CHECK(facs && !memcmp(facs, "FACS", 4) && le(facs + 4, 4) == 64);
	s->facs = facs;
	s->dsdt = table(at, le(f + 140, 8), "DSDT");
	CHECK_EQ(le(f + 46, 2), 9);			/* SCI_INT */
	CHECK_EQ(le(f + 48, 4), 0);			/* SMI_CMD */
	CHECK_EQ(le(f + 56, 4), port);			/* PM1a_EVT_BLK */
	CHECK_EQ(le(f + 64, 4), port + 4u);		/* PM1a_CNT_BLK */
	CHECK_EQ(le(f + 76, 4), port + 8u);		/* PM_TMR_BLK */
	CHECK_EQ(f[88], 4);
	CHECK_EQ(f[89], 2);
	CHECK_EQ(f[91], 4);
	CHECK_EQ(le(f + 112, 4) & 0x500, 0x500);	/* TMR_VAL_EXT, RESET_REG_SUP */
	CHECK_EQ(f[116], 1);				/* reset reg: I/O */
	CHECK_EQ(le(f + 120, 8), 0xcf9);
	CHECK_EQ(f[128], 6);
	CHECK_EQ(f[148], 1);				/* X_PM1a_EVT_BLK */
	CHECK_EQ(le(f + 152, 8), port);
	CHECK_EQ(le(f + 176, 8), port + 4u);		/* X_PM1a_CNT_BLK */
	CHECK_EQ(f[209], 32);				/* X_PM_TMR_BLK */
	CHECK_EQ(le(f + 212, 8), port + 8u);
}

static void check_madt(struct acpi_seen *s, unsigned int cpus)
{
	const uint8_t *m = s->madt, *e, *end;
	unsigned int ioapics = 0, irq0 = 0, irq9 = 0;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ(le(m + 36, 4), 0xfee00000);
	CHECK_EQ(le(m + 40, 4) & 1, 1);
	end = m + le(m + 4, 4);
	for (e = m + 44; e + 2 <= end && e[1] >= 2; e += e[1]) {
		if (e[0] == 0) {
			CHECK_EQ(e[2], s->lapics);
			CHECK_EQ(e[3], s->lapics);
			CHECK_EQ(le(e + 4, 4) & 1, 1);
			s->lapics++;
		} else if (e[0] == 1) {
			ioapics++;
			CHECK_EQ(e[2], 0);	/* MODVMM_IOAPIC_ID */
			CHECK_EQ(le(e + 4, 4), 0xfec00000);
			CHECK_EQ(le(e + 8, 4), 0);
		} else if (e[0] == 2 && e[3] == 0) {
			irq0++;
			CHECK_EQ(le(e + 4, 4), 2);
		} else if (e[0] == 2 && e[3] == 9) {
			irq9++;
			CHECK_EQ(le(e + 4, 4), 9);
			CHECK_EQ(le(e + 8, 2), 0x000d);	/* level, active high */
		}
	}
	CHECK(e == end);
	CHECK_EQ(s->lapics, cpus);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(irq0, 1);
	CHECK_EQ(irq9, 1);
}

/* Name (\_S5, Package () {5, 5, 0, 0}) in the DSDT's AML. */
static void check_dsdt(const struct acpi_seen *s)
{
	static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 8,
				      4, 0x0a, 5, 0x0a, 5, 0, 0 };
	size_t len, i;
	int found = 0;

	CHECK(s->dsdt != NULL);
	if (!s->dsdt)
		return;
	len = le(s->dsdt + 4, 4);
	for (i = 36; i + sizeof(s5) <= len; i++)
		found |= !memcmp(s->dsdt + i, s5, sizeof(s5));
	CHECK(found);
}

/* The whole table set reachable from the RSDP at @rsdp_addr. */
static void check_tables(mem_at_fn at, uint64_t rsdp_addr, unsigned int cpus,
			 uint16_t port)
{
	const uint8_t *rsdp = at(rsdp_addr, 36);
	struct acpi_seen s;

	memset(&s, 0, sizeof(s));
	CHECK(rsdp != NULL);
	if (!rsdp)
		return;
	CHECK(!memcmp(rsdp, "RSD PTR ", 8));
	CHECK_EQ(rsdp[15], 2);
	CHECK_EQ(le(rsdp + 20, 4), 36);
	CHECK_EQ(sum(rsdp, 20), 0);
	CHECK_EQ(sum(rsdp, 36), 0);
	walk_sdts(at, rsdp, &s);
	check_fadt(at, &s, port);
	check_madt(&s, cpus);
	check_dsdt(&s);
}

static struct modvmm_dev *start_cpus(const char *spec, unsigned int cpus)
{
	CHECK_EQ(harness_init(0, NULL), 0);
	harness_set_cpus(cpus);
	return harness_device(spec);
}

UNIT_TEST(acpi_os_finds_tables_one_cpu)
{
	uint64_t rsdp;

	CHECK(start_cpus("acpi", 1) != NULL);
	rsdp = find_rsdp();
	CHECK_EQ(rsdp, 0xe0000);
	check_tables(ram_at, rsdp, 1, 0x600);
	harness_exit();
}

UNIT_TEST(acpi_os_finds_tables_four_cpus_moved_port)
{
	CHECK(start_cpus("acpi,port=0x700", 4) != NULL);
	check_tables(ram_at, find_rsdp(), 4, 0x700);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x704, 2) & 1, 1);
	harness_exit();
}

UNIT_TEST(acpi_254_cpus_fit_255_refused)
{
	CHECK(start_cpus("acpi", 254) != NULL);
	check_tables(ram_at, find_rsdp(), 254, 0x600);
	harness_exit();
	CHECK(start_cpus("acpi", 255) == NULL);
	CHECK_STR_CONTAINS(harness_last_error(), "255 vCPUs");
	harness_exit();
}

/* ---- the fw_cfg files and the linker script ------------------------- */

/* What firmware allocated: each file's copy and address. */
struct fw_blob {
	char name[FILESZ];
	uint8_t *data;
	size_t len;
	uint64_t addr;
};

static struct fw_blob blobs[4];
static unsigned int nr_blobs;

static const uint8_t *blob_at(uint64_t gpa, size_t len)
{
	unsigned int i;

	for (i = 0; i < nr_blobs; i++)
		if (gpa >= blobs[i].addr && gpa - blobs[i].addr <= blobs[i].len &&
		    len <= blobs[i].len - (gpa - blobs[i].addr))
			return blobs[i].data + (gpa - blobs[i].addr);
	return NULL;
}

static int file_get(const char *name, const uint8_t **data, size_t *len)
{
	const char *n;
	const void *d;
	unsigned int i;

	for (i = 0; !platform_file_get(i, &n, &d, len); i++) {
		if (!strcmp(n, name)) {
			*data = d;
			return 0;
		}
	}
	return -1;
}

static struct fw_blob *blob_named(const uint8_t *name)
{
	unsigned int i;

	for (i = 0; i < nr_blobs; i++)
		if (!strncmp(blobs[i].name, (const char *)name, FILESZ))
			return &blobs[i];
	return NULL;
}

/* ALLOCATE: copy the file to the next free address of its zone. */
static void fw_allocate(const uint8_t *e, uint64_t *high, uint64_t *fseg)
{
	struct fw_blob *b = &blobs[nr_blobs];
	uint64_t align = le(e + 4 + FILESZ, 4), *next;
	const uint8_t *data = NULL;

	CHECK(nr_blobs < 4);
	memcpy(b->name, e + 4, FILESZ);
	b->name[FILESZ - 1] = '\0';
	if (file_get(b->name, &data, &b->len)) {
		CHECK(0);
		return;
	}
	next = e[8 + FILESZ] == 2 ? fseg : high;
	CHECK(e[8 + FILESZ] == 1 || e[8 + FILESZ] == 2);
	*next = (*next + align - 1) & ~(align - 1);
	b->addr = *next;
	*next += b->len;
	b->data = malloc(b->len);
	memcpy(b->data, data, b->len);
	nr_blobs++;
}

static void fw_pointer(const uint8_t *e)
{
	struct fw_blob *dst = blob_named(e + 4), *src = blob_named(e + 4 + FILESZ);
	uint64_t off = le(e + 4 + 2 * FILESZ, 4), v;
	unsigned int size = e[8 + 2 * FILESZ], i;

	CHECK(dst && src && (size == 4 || size == 8));
	if (!dst || !src || off + size > dst->len)
		return;
	v = le(dst->data + off, size) + src->addr;
	for (i = 0; i < size; i++)
		dst->data[off + i] = (uint8_t)(v >> (8 * i));
}

static void fw_checksum(const uint8_t *e)
{
	struct fw_blob *b = blob_named(e + 4);
	uint64_t off = le(e + 4 + FILESZ, 4), start = le(e + 8 + FILESZ, 4);
	uint64_t len = le(e + 12 + FILESZ, 4);

	CHECK(b && off < b->len && start + len <= b->len);
	if (!b || off >= b->len || start + len > b->len)
		return;
	/* the checksum byte itself is 0 in the file */
	CHECK_EQ(b->data[off], 0);
	b->data[off] = (uint8_t)(b->data[off] - sum(b->data + start, len));
}

/* Run etc/table-loader as SeaBIOS or OVMF would. */
static void fw_run_loader(uint64_t high, uint64_t fseg)
{
	const uint8_t *script = NULL;
	size_t len = 0, i;

	nr_blobs = 0;
	if (file_get("etc/table-loader", &script, &len)) {
		CHECK(0);
		return;
	}
	CHECK(len > 0 && len % LOADER_ENTRY == 0);
	for (i = 0; i + LOADER_ENTRY <= len; i += LOADER_ENTRY) {
		const uint8_t *e = script + i;

		switch (le(e, 4)) {
		case 1: fw_allocate(e, &high, &fseg); break;
		case 2: fw_pointer(e); break;
		case 3: fw_checksum(e); break;
		default: CHECK(0);
		}
	}
}

static void fw_free(void)
{
	while (nr_blobs)
		free(blobs[--nr_blobs].data);
}

UNIT_TEST(acpi_loader_script_builds_valid_tables)
{
	struct fw_blob *rsdp;

	CHECK(start_cpus("acpi", 4) != NULL);
	fw_run_loader(0x7fe0000, 0xf0000);
	CHECK_EQ(nr_blobs, 2);
	rsdp = blob_named((const uint8_t *)"etc/acpi/rsdp");
	CHECK(rsdp && rsdp->len == 36 && rsdp->addr == 0xf0000);
	CHECK(blob_named((const uint8_t *)"etc/acpi/tables") != NULL);
	if (rsdp)
		check_tables(blob_at, rsdp->addr, 4, 0x600);
	fw_free();
	harness_exit();
}

/* Firmware placing the files where the device did makes the same bytes. */
UNIT_TEST(acpi_loader_script_matches_ram)
{
	struct fw_blob *rsdp, *tables;
	const uint8_t *ram;

	CHECK(start_cpus("acpi", 2) != NULL);
	fw_run_loader(0xe0040, 0xe0000);
	rsdp = blob_named((const uint8_t *)"etc/acpi/rsdp");
	tables = blob_named((const uint8_t *)"etc/acpi/tables");
	CHECK(rsdp && tables);
	if (rsdp && tables) {
		CHECK_EQ(tables->addr, 0xe0040);
		ram = harness_mem(0xe0000, 36);
		CHECK(!memcmp(ram, rsdp->data, 36));
		ram = harness_mem(0xe0040, tables->len);
		CHECK(!memcmp(ram, tables->data, tables->len));
		/* nothing written past the tables */
		ram = harness_mem(0xe0040 + tables->len, 16);
		CHECK_EQ(sum(ram, 16), 0);
	}
	fw_free();
	harness_exit();
}

/* ---- where the tables go ----------------------------------------------- */

UNIT_TEST(acpi_refuses_image_bytes_in_its_range)
{
	uint8_t *p;
	struct harness_range r;

	CHECK_EQ(harness_init(0, NULL), 0);
	p = harness_mem(0xe0123, 1);
	*p = 0x90;
	CHECK(harness_device("acpi") == NULL);
	CHECK_STR_CONTAINS(harness_last_error(),
			   "acpi: the image has data at 0xe0123 in 0xe0000-0xe0");
	CHECK_STR_CONTAINS(harness_last_error(), "where the ACPI tables go");
	CHECK(!harness_range(MODVMM_SPACE_PIO, 0x600, &r));
	CHECK_EQ(*p, 0x90);
	harness_exit();
	/* a byte past the tables' end is the image's own business */
	CHECK_EQ(harness_init(0, NULL), 0);
	p = harness_mem(0xe0f00, 1);
	*p = 0x90;
	CHECK(harness_device("acpi") != NULL);
	harness_exit();
}

/*
 * The core's dry run creates and destroys every device before the real
 * one, and drops the firmware files they published.
 */
UNIT_TEST(acpi_exit_clears_its_range)
{
	struct modvmm_dev *d;
	const uint8_t *p;
	struct platform_mark mark;
	size_t i;
	int clean = 1;

	CHECK_EQ(harness_init(0, NULL), 0);
	mark = platform_mark();
	d = harness_device("acpi");
	CHECK(d != NULL);
	harness_device_remove(d);
	platform_rollback(mark);
	p = harness_mem(0xe0000, 0x1000);
	for (i = 0; i < 0x1000; i++)
		clean &= !p[i];
	CHECK(clean);
	CHECK(harness_device("acpi") != NULL);
	CHECK_EQ(find_rsdp(), 0xe0000);
	harness_exit();
}

UNIT_TEST(acpi_bad_options_refused)
{
	unit_refused("acpi,port=0xfff5", "port=0xfff5: the 12 ports must fit below 0x10000",
		     MODVMM_SPACE_PIO, 0x600);
	unit_refused("acpi,port=x", "option port=x: not a number",
		     MODVMM_SPACE_PIO, 0x600);
	CHECK(unit_start("acpi,cpus=2") == NULL);
	CHECK_STR_CONTAINS(harness_last_error(), "unknown option 'cpus'");
	harness_exit();
}

UNIT_TEST(acpi_publishes_fw_cfg_files)
{
	const uint8_t *d = NULL;
	size_t len = 0;

	CHECK(unit_start("acpi") != NULL);
	CHECK_EQ(file_get("etc/acpi/rsdp", &d, &len), 0);
	CHECK_EQ(len, 36);
	CHECK(!memcmp(d, "RSD PTR ", 8));
	CHECK_EQ(d[8], 0);		/* firmware computes the checksums */
	CHECK_EQ(file_get("etc/acpi/tables", &d, &len), 0);
	CHECK(!memcmp(d, "FACS", 4));
	CHECK_EQ(file_get("etc/table-loader", &d, &len), 0);
	CHECK_EQ(len % LOADER_ENTRY, 0);
	CHECK(harness_device("acpi,port=0x700") == NULL);	/* the RAM is taken */
	harness_exit();
}

/* ---- PM registers ------------------------------------------------------ */

static uint32_t tmr(void)
{
	return (uint32_t)harness_read(MODVMM_SPACE_PIO, 0x608, 4);
}

static uint32_t expected_tmr(uint64_t t0)
{
	uint64_t ns = harness_now() - t0;

	return (uint32_t)(ns / NS * PM_HZ + ns % NS * PM_HZ / NS);
}

UNIT_TEST(acpi_pm_timer_counts_at_3579545_hz)
{
	uint64_t t0;
	uint32_t a;

	CHECK(unit_start("acpi") != NULL);
	t0 = harness_now();
	a = tmr();
	CHECK_EQ(a, 0);
	harness_advance(NS);
	CHECK_EQ(tmr() - a, PM_HZ);
	harness_advance(NS / 1000);
	CHECK_EQ(tmr(), expected_tmr(t0));
	/* the 16-bit and byte halves of one value */
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x60a, 2), expected_tmr(t0) >> 16);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x609, 1),
		 (expected_tmr(t0) >> 8) & 0xff);
	/* read-only */
	harness_write(MODVMM_SPACE_PIO, 0x608, 4, 0);
	CHECK_EQ(tmr(), expected_tmr(t0));
	harness_exit();
}

UNIT_TEST(acpi_pm_timer_wraps_at_32_bits)
{
	uint64_t t0, wrap_ns = (1ull << 32) * NS / PM_HZ;

	CHECK(unit_start("acpi") != NULL);
	t0 = harness_now();
	harness_advance(wrap_ns - 1000);
	CHECK(tmr() > 0xfffff000u);
	CHECK_EQ(tmr(), expected_tmr(t0));
	harness_advance(2000);
	CHECK(tmr() < 0x2000);
	CHECK_EQ(tmr(), expected_tmr(t0));
	harness_advance(3 * wrap_ns + 12345);
	CHECK_EQ(tmr(), expected_tmr(t0));
	harness_exit();
}

UNIT_TEST(acpi_tmr_sts_raises_sci_when_enabled)
{
	uint64_t half_ns = (1ull << 31) * NS / PM_HZ;

	CHECK(unit_start("acpi") != NULL);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x600, 2), 0);
	harness_write(MODVMM_SPACE_PIO, 0x602, 2, 0xffff);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x602, 2), 0x4721);
	harness_write(MODVMM_SPACE_PIO, 0x602, 2, 0x0001);	/* TMR_EN */
	harness_advance(half_ns - 1000);
	CHECK_EQ(harness_irq_level(9), 0);
	harness_advance(2000);
	CHECK_EQ(harness_irq_level(9), 1);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x600, 2) & 1, 1);
	harness_write(MODVMM_SPACE_PIO, 0x600, 2, 0xfffe);	/* others: no effect */
	CHECK_EQ(harness_irq_level(9), 1);
	harness_write(MODVMM_SPACE_PIO, 0x600, 2, 0x0001);	/* write 1 to clear */
	CHECK_EQ(harness_irq_level(9), 0);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x600, 2), 0);
	/* the next flip of bit 31, then TMR_EN off drops the line */
	harness_advance(half_ns + 1000);
	CHECK_EQ(harness_irq_level(9), 1);
	harness_write(MODVMM_SPACE_PIO, 0x602, 2, 0);
	CHECK_EQ(harness_irq_level(9), 0);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x600, 2) & 1, 1);
	/* without TMR_EN the status is still set, with no interrupt */
	harness_write(MODVMM_SPACE_PIO, 0x600, 1, 0x01);
	harness_advance(half_ns + 1000);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x600, 2) & 1, 1);
	CHECK_EQ(harness_irq_edges(9), 2);
	harness_exit();
}

UNIT_TEST(acpi_pm1_cnt_reads_sci_en_and_keeps_bits)
{
	CHECK(unit_start("acpi") != NULL);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x604, 2), 0x0001);
	harness_write(MODVMM_SPACE_PIO, 0x604, 2, 0x1c06);	/* SLP_TYP 7 */
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x604, 2), 0x1c03);
	harness_write(MODVMM_SPACE_PIO, 0x604, 2, 0x0000);	/* SCI_EN stays */
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x604, 2), 0x0001);
	CHECK(!harness_stopped(NULL));
	harness_exit();
}

UNIT_TEST(acpi_s5_powers_off)
{
	int st = -1;

	CHECK(unit_start("acpi") != NULL);
	/* Linux: SLP_TYP first, then SLP_TYP | SLP_EN */
	harness_write(MODVMM_SPACE_PIO, 0x604, 2, 0x1401);
	CHECK(!harness_stopped(NULL));
	harness_write(MODVMM_SPACE_PIO, 0x604, 2, 0x3401);
	CHECK(harness_stopped(&st));
	CHECK_EQ(st, MODVMM_STATUS_POWEROFF);
	CHECK_STR_CONTAINS(harness_log(), "acpi: guest powered off (ACPI S5)");
	harness_exit();
	/* one byte write of the high half does it too */
	CHECK(unit_start("acpi") != NULL);
	harness_outb(0x605, 0x34);
	CHECK(harness_stopped(&st));
	CHECK_EQ(st, MODVMM_STATUS_POWEROFF);
	harness_exit();
}

UNIT_TEST(acpi_other_sleep_types_wake_at_once)
{
	unsigned int typ;

	for (typ = 0; typ < 8; typ++) {
		if (typ == 5)
			continue;
		CHECK(unit_start("acpi") != NULL);
		harness_write(MODVMM_SPACE_PIO, 0x604, 2, 0x2000 | typ << 10);
		CHECK(!harness_stopped(NULL));
		CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x600, 2) & 0x8000,
			 0x8000);
		harness_write(MODVMM_SPACE_PIO, 0x600, 2, 0x8000);
		CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0x600, 2), 0);
		CHECK_EQ(harness_irq_level(9), 0);
		harness_exit();
	}
}

UNIT_TEST(acpi_ports_claimed_and_gap_free)
{
	struct harness_range r;

	CHECK(unit_start("acpi") != NULL);
	CHECK(harness_range(MODVMM_SPACE_PIO, 0x600, &r) && r.len == 4);
	CHECK(harness_range(MODVMM_SPACE_PIO, 0x604, &r) && r.len == 2);
	CHECK(!harness_range(MODVMM_SPACE_PIO, 0x606, &r));
	CHECK(harness_range(MODVMM_SPACE_PIO, 0x608, &r) && r.len == 4);
	CHECK(!harness_range(MODVMM_SPACE_PIO, 0x60c, &r));
	harness_exit();
}

/* How often @pat (@n bytes) occurs in the ACPI region. */
static int acpi_count(const void *pat, size_t n)
{
	const uint8_t *ram = harness_mem(0xe0000, 0x1000);
	size_t i;
	int hits = 0;

	for (i = 0; i + n <= 0x1000; i++)
		hits += !memcmp(ram + i, pat, n);
	return hits;
}

/*
 * The DSDT has a Device per platform device: _HID, _UID and a _CRS with
 * its window and its interrupt (edge, level or none), as devices added
 * before acpi's ready hook published them.
 */
UNIT_TEST(acpi_dsdt_lists_platform_devices)
{
	struct modvmm_platform_dev pd = { .hid = "LNRO0005", .uid = 0,
		.mmio_base = 0xd0000000, .mmio_len = 0x200, .irq = 5,
		.flags = MODVMM_PDEV_IRQ_EDGE };
	static const uint8_t edge[] = {
		0x86, 9, 0, 1, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x02, 0, 0,
		0x89, 6, 0, 0x03, 1, 5, 0, 0, 0, 0x79, 0,
	};
	static const uint8_t level[] = {
		0x86, 9, 0, 1, 0x00, 0x02, 0x00, 0xd0, 0x00, 0x02, 0, 0,
		0x89, 6, 0, 0x01, 1, 17, 0, 0, 0, 0x79, 0,
	};
	static const uint8_t noirq[] = {
		0x86, 9, 0, 1, 0x00, 0x04, 0x00, 0xd0, 0x00, 0x02, 0, 0, 0x79, 0,
	};
	char err[128];

	CHECK_EQ(harness_init(0, NULL), 0);
	CHECK_EQ(platform_dev_add(&pd, err, sizeof(err)), 0);
	pd.uid = 1;
	pd.mmio_base = 0xd0000200;
	pd.irq = 17;
	pd.flags = MODVMM_PDEV_IRQ_LEVEL;
	CHECK_EQ(platform_dev_add(&pd, err, sizeof(err)), 0);
	pd.uid = 2;
	pd.mmio_base = 0xd0000400;
	pd.flags = MODVMM_PDEV_NO_IRQ;
	CHECK_EQ(platform_dev_add(&pd, err, sizeof(err)), 0);
	CHECK(harness_device("acpi") != NULL);
	CHECK_EQ(acpi_count("LNRO0005", 8), 3);
	CHECK_EQ(acpi_count("D000", 4), 1);
	CHECK_EQ(acpi_count("D002", 4), 1);
	CHECK_EQ(acpi_count(edge, sizeof(edge)), 1);
	CHECK_EQ(acpi_count(level, sizeof(level)), 1);
	CHECK_EQ(acpi_count(noirq, sizeof(noirq)), 1);
	/* the tables are still found */
	CHECK_EQ(find_rsdp(), 0xe0000);
	harness_exit();
	/* a window above 4 GiB cannot be described */
	CHECK_EQ(harness_init(0, NULL), 0);
	pd.mmio_base = 0x100000000ull;
	CHECK_EQ(platform_dev_add(&pd, err, sizeof(err)), -1);
	CHECK_STR_CONTAINS(err, "is not below 4 GiB");
	harness_exit();
}
