// SPDX-License-Identifier: MIT
/*
 * fw_cfg - QEMU's firmware configuration device, as its specification
 * (QEMU docs/specs/fw_cfg.rst) describes the x86 I/O port interface.
 *
 * Ports, from port= (default 0x510):
 *   +0      selector: a 16-bit write selects an item and rewinds the
 *           data offset.  Bit 14 (the old write channel) is ignored, as
 *           writes are; bit 15 picks the architecture's items, of which
 *           there are none here.
 *   +1      data: each 8-bit read returns the next byte of the item, 0
 *           past its end.  Writes are ignored (QEMU 2.4 on).  As in QEMU,
 *           an 8-bit read of +0 reads the data too; a 16-bit read of the
 *           pair is refused and returns all ones.
 *   +4..+11 DMA address (dma=on): 64-bit big-endian, written as one
 *           64-bit access or as two 32-bit halves, the high one (+4)
 *           first; writing the low half (+8) starts the transfer.  The
 *           register reads "QEMU CFG".
 *
 * Items: the signature "QEMU" (0x00), the feature bits (0x01), RAM size
 * (0x03), CPU counts (0x05, 0x0f), kernel, initrd and command line sizes
 * (0x08, 0x0b, 0x14), the command line (0x15) and the kernel and initrd
 * files themselves (0x11, 0x12: read from the files the first time the
 * guest selects them, so a guest that never does costs nothing) from the
 * host's machine_info; the file directory (0x19) and the files (0x20 on) from
 * its firmware files ("etc/e820", --fw-cfg items, ...).  Every item is
 * read-only: a DMA write sets the error bit.  Other keys select an empty
 * item, which reads as zeros.
 *
 * The directory is built at init and again whenever the guest selects
 * it, so that files published after this device's init show; a file
 * item is looked up when it is selected, and the host keeps its bytes
 * for the whole run.  A machine reset (--reboot) selects the signature
 * again, at offset 0, and clears the DMA address register.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modvmm/device.h>

#define FW_CFG_DEFAULT_PORT	0x510
#define FW_CFG_CTL_PORTS	2	/* selector, data */
#define FW_CFG_DMA_OFFSET	4	/* DMA address register from port= */
#define FW_CFG_DMA_PORTS	8

/* Selector keys (QEMU's fw_cfg.rst and include/standard-headers). */
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_KERNEL_SIZE	0x08
#define FW_CFG_KERNEL_DATA	0x11
#define FW_CFG_INITRD_DATA	0x12
#define FW_CFG_INITRD_SIZE	0x0b
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_CMDLINE_SIZE	0x14
#define FW_CFG_CMDLINE_DATA	0x15
#define FW_CFG_FILE_DIR		0x19
#define FW_CFG_FILE_FIRST	0x20
#define FW_CFG_ARCH_LOCAL	0x8000
#define FW_CFG_ENTRY_MASK	0x3fff	/* without the write and arch bits */

#define FW_CFG_MAX_FILES	(FW_CFG_ENTRY_MASK + 1 - FW_CFG_FILE_FIRST)
#define FW_CFG_DIR_ENTRY	64	/* be32 size, be16 key, u16, name[56] */
#define FW_CFG_NAME_MAX		56

/* FW_CFG_ID feature bits */
#define FW_CFG_VERSION		0x01
#define FW_CFG_VERSION_DMA	0x02

/* FWCfgDmaAccess.control bits */
#define FW_CFG_DMA_CTL_ERROR	0x01
#define FW_CFG_DMA_CTL_READ	0x02
#define FW_CFG_DMA_CTL_SKIP	0x04
#define FW_CFG_DMA_CTL_SELECT	0x08
#define FW_CFG_DMA_CTL_WRITE	0x10
/* FWCfgDmaAccess: be32 control, be32 length, be64 address */
#define FW_CFG_DMA_ACCESS_SIZE	16

/* What the DMA address register reads, in address order. */
static const char fw_cfg_dma_signature[] = "QEMU CFG";

/* A DMA read past an item's end fills the rest of the buffer with these. */
static const uint8_t fw_cfg_zeros[65536];

/**
 * struct fw_cfg_item - bytes of one item.
 * @data: its bytes; NULL for an empty item.
 * @len:  how many.
 */
struct fw_cfg_item {
	const uint8_t *data;
	uint32_t len;
};

/* A file the guest reads as an item: its path, and its bytes once read. */
struct fw_cfg_blob {
	char *path;			/* NULL: none */
	uint64_t size;			/* what the host said it has */
	uint8_t *data;
	uint32_t len;
	int tried;
};

struct fw_cfg {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	int dma;
	/* the fixed items, little-endian as QEMU stores them */
	uint8_t signature[4];
	uint8_t id[4];
	uint8_t ram_size[8];
	uint8_t nb_cpus[2];
	uint8_t kernel_size[4];
	uint8_t initrd_size[4];
	uint8_t cmdline_size[4];
	char *cmdline;			/* with its NUL */
	uint32_t cmdline_len;
	struct fw_cfg_blob kernel, initrd;	/* the files, once selected */
	uint8_t *dir;			/* the file directory item */
	uint32_t dir_len;
	/* the guest's view */
	uint16_t key;
	struct fw_cfg_item cur;
	uint32_t offset;		/* 0 .. cur.len */
	uint64_t dma_addr;
};

/* ---- byte order ------------------------------------------------------ */

static void fw_cfg_put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fw_cfg_put_be(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t fw_cfg_get_be(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* The value of a port write, as the bytes it put in address order. */
static uint64_t fw_cfg_swap(uint64_t val, unsigned int bytes)
{
	uint8_t b[8];

	fw_cfg_put_le(b, val, bytes);
	return fw_cfg_get_be(b, bytes);
}

static uint32_t fw_cfg_clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* ---- items ----------------------------------------------------------- */

/*
 * Rebuild the file directory from the host's firmware files.  On failure
 * (out of memory) the old directory stays.
 */
static int fw_cfg_build_dir(struct fw_cfg *fc)
{
	const char *name;
	const void *data;
	size_t len;
	uint32_t n = 0, i;
	uint8_t *dir, *e;

	while (n < FW_CFG_MAX_FILES &&
	       !fc->host->fw_file_get(fc->dev, n, &name, &data, &len))
		n++;
	dir = calloc(1, 4 + (size_t)n * FW_CFG_DIR_ENTRY);
	if (!dir)
		return -1;
	fw_cfg_put_be(dir, n, 4);
	for (i = 0; i < n; i++) {
		e = dir + 4 + (size_t)i * FW_CFG_DIR_ENTRY;
		if (fc->host->fw_file_get(fc->dev, i, &name, &data, &len))
			break;	/* cannot shrink while we look; be safe */
		fw_cfg_put_be(e, fw_cfg_clamp32(len), 4);
		fw_cfg_put_be(e + 4, FW_CFG_FILE_FIRST + i, 2);
		if (name)
			memcpy(e + 8, name, strnlen(name, FW_CFG_NAME_MAX - 1));
	}
	free(fc->dir);
	fc->dir = dir;
	fc->dir_len = 4 + n * FW_CFG_DIR_ENTRY;
	return 0;
}

/* Firmware file @index as an item; empty when there is no such file. */
static struct fw_cfg_item fw_cfg_file(struct fw_cfg *fc, unsigned int index)
{
	struct fw_cfg_item it = { NULL, 0 };
	const char *name;
	const void *data;
	size_t len;

	if (!fc->host->fw_file_get(fc->dev, index, &name, &data, &len) &&
	    data) {
		it.data = data;
		it.len = fw_cfg_clamp32(len);
	}
	return it;
}

#define FW_CFG_ITEM(buf) ((struct fw_cfg_item){ (buf), sizeof(buf) })

/*
 * The kernel or initrd as an item: read once, at its first selection, at
 * most the size the host reported (the file may have changed since).
 */
static struct fw_cfg_item fw_cfg_blob(struct fw_cfg *fc, struct fw_cfg_blob *b)
{
	uint64_t want = fw_cfg_clamp32(b->size);
	size_t got = 0;
	ssize_t n;
	int fd;

	if (!b->tried && b->path && want) {
		b->tried = 1;
		b->data = malloc((size_t)want);
		fd = b->data ? open(b->path, O_RDONLY | O_CLOEXEC) : -1;
		while (fd >= 0 && got < want) {
			n = read(fd, b->data + got, (size_t)want - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (fd >= 0)
			close(fd);
		if (got < want)
			fc->host->log(fc->dev, MODVMM_LOG_WARN,
				      "%s: read %zu of %llu bytes for the guest",
				      b->path, got, (unsigned long long)want);
		b->len = (uint32_t)got;
	}
	return (struct fw_cfg_item){ b->data, b->len };
}

/* The item @key selects; an empty one for keys that have none. */
static struct fw_cfg_item fw_cfg_lookup(struct fw_cfg *fc, uint16_t key)
{
	unsigned int k = key & FW_CFG_ENTRY_MASK;

	if (key & FW_CFG_ARCH_LOCAL)
		return (struct fw_cfg_item){ NULL, 0 };
	switch (k) {
	case FW_CFG_SIGNATURE:
		return FW_CFG_ITEM(fc->signature);
	case FW_CFG_ID:
		return FW_CFG_ITEM(fc->id);
	case FW_CFG_RAM_SIZE:
		return FW_CFG_ITEM(fc->ram_size);
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:	/* no hotplug: as many as there are */
		return FW_CFG_ITEM(fc->nb_cpus);
	case FW_CFG_KERNEL_SIZE:
		return FW_CFG_ITEM(fc->kernel_size);
	case FW_CFG_INITRD_SIZE:
		return FW_CFG_ITEM(fc->initrd_size);
	case FW_CFG_CMDLINE_SIZE:
		return FW_CFG_ITEM(fc->cmdline_size);
	case FW_CFG_KERNEL_DATA:
		return fw_cfg_blob(fc, &fc->kernel);
	case FW_CFG_INITRD_DATA:
		return fw_cfg_blob(fc, &fc->initrd);
	case FW_CFG_CMDLINE_DATA:
		return (struct fw_cfg_item){ (const uint8_t *)fc->cmdline,
					     fc->cmdline_len };
	case FW_CFG_FILE_DIR:
		fw_cfg_build_dir(fc);
		return (struct fw_cfg_item){ fc->dir, fc->dir_len };
	}
	if (k >= FW_CFG_FILE_FIRST)
		return fw_cfg_file(fc, k - FW_CFG_FILE_FIRST);
	return (struct fw_cfg_item){ NULL, 0 };
}

static void fw_cfg_select(struct fw_cfg *fc, uint16_t key)
{
	fc->key = key;
	fc->cur = fw_cfg_lookup(fc, key);
	fc->offset = 0;
	fc->host->stat_add(fc->dev, "selects", 1);
	fc->host->log(fc->dev, MODVMM_LOG_DEBUG, "select 0x%04x (%u bytes)",
		      key, fc->cur.len);
}

/* QEMU's reset state: the signature selected, nothing read, no DMA. */
static void fw_cfg_power_on(struct fw_cfg *fc)
{
	fc->key = FW_CFG_SIGNATURE;
	fc->cur = fw_cfg_lookup(fc, FW_CFG_SIGNATURE);
	fc->offset = 0;
	fc->dma_addr = 0;
}

/* ---- selector and data ports ------------------------------------------ */

static uint64_t fw_cfg_ctl_read(void *opaque, const struct modvmm_access *a)
{
	struct fw_cfg *fc = opaque;

	if (a->size != 1)
		return 0xffff;	/* QEMU accepts only byte reads here */
	if (fc->offset >= fc->cur.len)
		return 0;
	return fc->cur.data[fc->offset++];
}

static void fw_cfg_ctl_write(void *opaque, const struct modvmm_access *a,
			     uint64_t val)
{
	/* byte writes are data writes, ignored since QEMU 2.4 */
	if (a->size == 2)
		fw_cfg_select(opaque, (uint16_t)val);
}

static const struct modvmm_range_ops fw_cfg_ctl_ops = {
	.read = fw_cfg_ctl_read,
	.write = fw_cfg_ctl_write,
	.sizes = MODVMM_SIZE_1 | MODVMM_SIZE_2,
};

/* ---- DMA -------------------------------------------------------------- */

/* @len zero bytes at @gpa; 0, or the error bit. */
static uint32_t fw_cfg_dma_zero(struct fw_cfg *fc, uint64_t gpa, uint32_t len)
{
	uint32_t n;

	while (len) {
		n = len < sizeof(fw_cfg_zeros) ? len : sizeof(fw_cfg_zeros);
		if (fc->host->mem_write(fc->dev, gpa, fw_cfg_zeros, n))
			return FW_CFG_DMA_CTL_ERROR;
		gpa += n;
		len -= n;
	}
	return 0;
}

/*
 * Copy @len bytes of the item from the data offset to @gpa, zeros past
 * its end.  The offset moves over what the item had, as a read through
 * the data port would.
 */
static uint32_t fw_cfg_dma_read(struct fw_cfg *fc, uint64_t gpa, uint32_t len)
{
	uint32_t avail = fc->cur.len - fc->offset;
	uint32_t n = len < avail ? len : avail;

	if (gpa > UINT64_MAX - len)
		return FW_CFG_DMA_CTL_ERROR;
	fc->host->stat_add(fc->dev, "dma_bytes", len);
	if (n) {
		const uint8_t *src = fc->cur.data + fc->offset;

		fc->offset += n;
		if (fc->host->mem_write(fc->dev, gpa, src, n))
			return FW_CFG_DMA_CTL_ERROR;
	}
	return fw_cfg_dma_zero(fc, gpa + n, len - n);
}

static void fw_cfg_dma_skip(struct fw_cfg *fc, uint32_t len)
{
	uint32_t avail = fc->cur.len - fc->offset;

	fc->offset += len < avail ? len : avail;
}

/* Do what the FWCfgDmaAccess at @desc asks; the status for its control. */
static uint32_t fw_cfg_dma_do(struct fw_cfg *fc, uint64_t desc)
{
	uint8_t raw[FW_CFG_DMA_ACCESS_SIZE];
	uint32_t control, len;
	uint64_t gpa;

	if (desc > UINT64_MAX - sizeof(raw) ||
	    fc->host->mem_read(fc->dev, desc, raw, sizeof(raw)))
		return FW_CFG_DMA_CTL_ERROR;
	control = (uint32_t)fw_cfg_get_be(raw, 4);
	len = (uint32_t)fw_cfg_get_be(raw + 4, 4);
	gpa = fw_cfg_get_be(raw + 8, 8);
	if (control & FW_CFG_DMA_CTL_SELECT)
		fw_cfg_select(fc, (uint16_t)(control >> 16));
	if (control & FW_CFG_DMA_CTL_READ)
		return fw_cfg_dma_read(fc, gpa, len);
	if (control & FW_CFG_DMA_CTL_WRITE)	/* every item is read-only */
		return len ? FW_CFG_DMA_CTL_ERROR : 0;
	if (control & FW_CFG_DMA_CTL_SKIP)
		fw_cfg_dma_skip(fc, len);
	return 0;
}

/*
 * Run the transfer whose descriptor the address register holds, then
 * write its status over the descriptor's control word: 0 when done, the
 * error bit when not.  The register reads 0 again afterwards.
 */
static void fw_cfg_dma_start(struct fw_cfg *fc)
{
	uint64_t desc = fc->dma_addr;
	uint8_t status[4];
	uint32_t st;

	fc->dma_addr = 0;
	st = fw_cfg_dma_do(fc, desc);
	fc->host->stat_add(fc->dev, "dma", 1);
	if (st) {
		fc->host->stat_add(fc->dev, "dma_errors", 1);
		fc->host->log(fc->dev, MODVMM_LOG_DEBUG,
			      "DMA at 0x%llx failed", (unsigned long long)desc);
	}
	fw_cfg_put_be(status, st, 4);
	if (desc <= UINT64_MAX - sizeof(status))
		fc->host->mem_write(fc->dev, desc, status, sizeof(status));
}

static uint64_t fw_cfg_dma_reg_read(void *opaque, const struct modvmm_access *a)
{
	const char *sig = fw_cfg_dma_signature + a->offset;
	uint64_t v = 0;
	unsigned int i;

	(void)opaque;
	for (i = 0; i < a->size; i++)
		v |= (uint64_t)(uint8_t)sig[i] << (8 * i);
	return v;
}

static void fw_cfg_dma_reg_write(void *opaque, const struct modvmm_access *a,
				 uint64_t val)
{
	struct fw_cfg *fc = opaque;

	if (a->size == 8 && a->offset == 0) {
		fc->dma_addr = fw_cfg_swap(val, 8);
		fw_cfg_dma_start(fc);
	} else if (a->size == 4 && a->offset == 0) {
		fc->dma_addr = fw_cfg_swap(val, 4) << 32;
	} else if (a->size == 4 && a->offset == 4) {
		fc->dma_addr |= fw_cfg_swap(val, 4);
		fw_cfg_dma_start(fc);
	}
	/* other widths and offsets: ignored, QEMU refuses them */
}

static const struct modvmm_range_ops fw_cfg_dma_ops = {
	.read = fw_cfg_dma_reg_read,
	.write = fw_cfg_dma_reg_write,
	.sizes = MODVMM_SIZE_ANY,
};

/* ---- set-up ----------------------------------------------------------- */

static int fw_cfg_parse(struct fw_cfg *fc, uint64_t *port)
{
	const struct modvmm_host *h = fc->host;
	uint64_t span;

	if (h->opt_u64(fc->dev, "port", FW_CFG_DEFAULT_PORT, port)) {
		h->set_error(fc->dev, "option port=%s: not a number",
			     h->opt_str(fc->dev, "port", ""));
		return -1;
	}
	if (h->opt_bool(fc->dev, "dma", 1, &fc->dma)) {
		h->set_error(fc->dev, "option dma=%s: want on or off",
			     h->opt_str(fc->dev, "dma", ""));
		return -1;
	}
	span = FW_CFG_CTL_PORTS;
	if (fc->dma)
		span = FW_CFG_DMA_OFFSET + FW_CFG_DMA_PORTS;
	if (*port > 0x10000 - span) {
		h->set_error(fc->dev,
			     "port=0x%llx: the %llu ports must fit below 0x10000",
			     (unsigned long long)*port,
			     (unsigned long long)span);
		return -1;
	}
	return 0;
}

/* The fixed items, from what the host says about the machine. */
static int fw_cfg_machine(struct fw_cfg *fc)
{
	struct modvmm_machine_info info;
	const char *cmdline;
	size_t n;

	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	if (fc->host->machine_info(fc->dev, &info)) {
		fc->host->set_error(fc->dev,
				    "the host gave no machine information");
		return -1;
	}
	memcpy(fc->signature, "QEMU", 4);
	fw_cfg_put_le(fc->id, FW_CFG_VERSION |
		      (fc->dma ? FW_CFG_VERSION_DMA : 0), 4);
	fw_cfg_put_le(fc->ram_size, info.ram_size, 8);
	fw_cfg_put_le(fc->nb_cpus,
		      info.nr_cpus > 0xffff ? 0xffff : info.nr_cpus, 2);
	fw_cfg_put_le(fc->kernel_size, fw_cfg_clamp32(info.kernel_size), 4);
	fw_cfg_put_le(fc->initrd_size, fw_cfg_clamp32(info.initrd_size), 4);
	cmdline = info.cmdline ? info.cmdline : "";
	n = strlen(cmdline) + 1;
	if (n > UINT32_MAX || !(fc->cmdline = strdup(cmdline))) {
		fc->host->set_error(fc->dev, "out of memory");
		return -1;
	}
	fc->cmdline_len = (uint32_t)n;
	fw_cfg_put_le(fc->cmdline_size, n, 4);
	/* hosts before the paths leave them NULL: the items stay empty */
	fc->kernel.size = info.kernel_size;
	fc->initrd.size = info.initrd_size;
	if ((info.kernel_path && !(fc->kernel.path = strdup(info.kernel_path))) ||
	    (info.initrd_path && !(fc->initrd.path = strdup(info.initrd_path)))) {
		fc->host->set_error(fc->dev, "out of memory");
		return -1;
	}
	return 0;
}

static int fw_cfg_register(struct fw_cfg *fc, uint64_t port)
{
	const struct modvmm_host *h = fc->host;

	if (h->register_range(fc->dev, MODVMM_SPACE_PIO, port, FW_CFG_CTL_PORTS,
			      &fw_cfg_ctl_ops, fc)) {
		h->set_error(fc->dev, "cannot claim ports 0x%llx-0x%llx",
			     (unsigned long long)port,
			     (unsigned long long)port + FW_CFG_CTL_PORTS - 1);
		return -1;
	}
	port += FW_CFG_DMA_OFFSET;
	if (fc->dma && h->register_range(fc->dev, MODVMM_SPACE_PIO, port,
					 FW_CFG_DMA_PORTS, &fw_cfg_dma_ops, fc)) {
		h->set_error(fc->dev, "cannot claim DMA ports 0x%llx-0x%llx",
			     (unsigned long long)port,
			     (unsigned long long)port + FW_CFG_DMA_PORTS - 1);
		return -1;
	}
	return 0;
}

static void fw_cfg_free(struct fw_cfg *fc)
{
	free(fc->cmdline);
	free(fc->dir);
	free(fc->kernel.path);
	free(fc->kernel.data);
	free(fc->initrd.path);
	free(fc->initrd.data);
	free(fc);
}

static int fw_cfg_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		       void **priv)
{
	struct fw_cfg *fc;
	uint64_t port;

	if (!MODVMM_HOST_HAS(host, machine_info) ||
	    !MODVMM_HOST_HAS(host, fw_file_get)) {
		host->set_error(dev, "this modvmm is older than the plugin (no machine_info or fw_file_get)");
		return -1;
	}
	fc = calloc(1, sizeof(*fc));
	if (!fc) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	fc->dev = dev;
	fc->host = host;
	if (fw_cfg_parse(fc, &port) || fw_cfg_machine(fc))
		goto fail;
	if (fw_cfg_build_dir(fc)) {
		host->set_error(dev, "out of memory");
		goto fail;
	}
	if (fw_cfg_register(fc, port))
		goto fail;
	fw_cfg_power_on(fc);
	*priv = fc;
	return 0;
fail:
	/* the host releases the ranges of a failed instance */
	fw_cfg_free(fc);
	return -1;
}

/* The items stay: they describe the machine, which a reset keeps. */
static void fw_cfg_reset(void *priv)
{
	fw_cfg_power_on(priv);
}

static void fw_cfg_exit(void *priv)
{
	if (priv)
		fw_cfg_free(priv);
}

static const struct modvmm_option fw_cfg_options[] = {
	{ "port", "selector port; data at +1, DMA address at +4 to +11",
	  "0x510" },
	{ "dma", "the DMA interface: on or off", "on" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl fw_cfg_ranges[] = {
	{ MODVMM_SPACE_PIO, FW_CFG_DEFAULT_PORT, FW_CFG_CTL_PORTS },
	{ MODVMM_SPACE_PIO, FW_CFG_DEFAULT_PORT + 4, FW_CFG_DMA_PORTS },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(fw_cfg) = {
	MODVMM_DESC_HEADER,
	.name = "fw_cfg",
	.license = "MIT",
	.description = "QEMU fw_cfg firmware configuration (ports 0x510-0x51b)",
	.options = fw_cfg_options,
	.init = fw_cfg_init,
	.exit = fw_cfg_exit,
	.reset = fw_cfg_reset,
	.flags = MODVMM_DEVF_BOOT_FILES,
	.ranges = fw_cfg_ranges,
};
