// SPDX-License-Identifier: MIT
/*
 * ioapic - the Intel 82093AA I/O APIC at 0xfec00000, for the split
 * irqchip: KVM runs the local APICs, this device turns the machine's
 * interrupt lines into messages to them.
 *
 * Registers (82093AA datasheet, section 3), reached through IOREGSEL
 * (offset 0x00, the register index in bits 0-7) and IOWIN (offset 0x10,
 * 32 bits of the selected register):
 *   0x00       IOAPICID: the ID in bits 24-27, read/write; it starts as
 *              the MADT has it (MODVMM_IOAPIC_ID);
 *   0x01       IOAPICVER: version 0x11, maximum redirection entry 0x17
 *              (24 entries) in bits 16-23; read-only;
 *   0x02       IOAPICARB: the arbitration ID in bits 24-27, read-only,
 *              loaded from the ID whenever the ID is written;
 *   0x10-0x3f  the 24 redirection entries, two registers each (low dword
 *              first): vector, delivery mode, destination mode, delivery
 *              status (read-only), polarity, remote IRR (read-only),
 *              trigger mode, mask, destination (bits 56-63).
 * Other offsets of the 256-byte window read 0 and ignore writes, as do
 * unimplemented register indexes.  Accesses of 1, 2 and 4 bytes work on
 * the bytes they cover, also one that starts before IOWIN and ends in it.
 *
 * Pins.  The board wires device line N to pin N, except the timer's line
 * 0, which is on pin 2 (the MADT's interrupt source override), and line
 * 2, the 8259 cascade, which reaches no pin.  A line's level is its
 * asserted state: the polarity bit is kept for the guest to read but, as
 * the lines are logical, not applied.
 *
 * Delivery.  Pin N sends its entry as an MSI through the host's route N
 * (&modvmm_host.msi_route_set, kept equal to the entry; a route exists
 * while the entry is unmasked or waits for an EOI).
 *  - edge: a rising edge on an unmasked pin sends one message; an edge
 *    on a masked pin is lost (datasheet: "not delivered or held
 *    pending");
 *  - level: an asserted, unmasked pin whose remote IRR is clear sends a
 *    message and sets remote IRR; the local APIC's EOI of that vector
 *    (&modvmm_host.eoi_watch) clears it, and a pin still asserted sends
 *    again.  Unmasking an asserted pin sends too.  Switching an entry to
 *    edge clears its remote IRR;
 *  - delivery status reads 1 while a level pin is asserted but its
 *    message is held back (masked, or remote IRR still set), else 0.
 * --stats counts "interrupts" (messages sent) and "eois" (remote IRRs
 * cleared by an EOI).
 * Not modelled: the APIC bus (messages are MSIs), lowest-priority
 * arbitration (the local APICs' business in KVM), the 82093AA's
 * IRQ pin assertion register (the 0x20 window of later versions).
 */
#include <stdlib.h>
#include <string.h>

#include <modvmm/device.h>

#define IOAPIC_BASE		MODVMM_IOAPIC_BASE
#define IOAPIC_LEN		0x100
#define IOAPIC_PINS		24
#define IOAPIC_VERSION		0x11

#define REG_SEL			0x00	/* offsets in the window */
#define REG_WIN			0x10

#define IDX_ID			0x00	/* register indexes */
#define IDX_VER			0x01
#define IDX_ARB			0x02
#define IDX_REDIR		0x10

#define RTE_VECTOR		0xffull
#define RTE_DELMODE_SHIFT	8
#define RTE_DESTMODE		(1ull << 11)
#define RTE_DELIVS		(1ull << 12)
#define RTE_POLARITY		(1ull << 13)
#define RTE_REMOTE_IRR		(1ull << 14)
#define RTE_LEVEL		(1ull << 15)
#define RTE_MASK		(1ull << 16)
#define RTE_DEST_SHIFT		56
/* what the guest may write: all but delivery status and remote IRR */
#define RTE_WRITABLE		(0xff000000000107ffull | RTE_DESTMODE | \
				 RTE_POLARITY | RTE_LEVEL | RTE_MASK)

#define MSI_ADDR_BASE		MODVMM_LAPIC_BASE
#define MSI_DEST_SHIFT		12
#define MSI_ADDR_LOGICAL	(1ull << 2)
#define MSI_DATA_ASSERT		(1u << 14)
#define MSI_DATA_LEVEL		(1u << 15)

struct ioapic {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	uint8_t sel;
	uint8_t id, arb, id_reset;
	uint64_t rte[IOAPIC_PINS];
	uint8_t level[IOAPIC_PINS];	/* the pins' asserted state */
	uint8_t routed[IOAPIC_PINS];	/* the host route holds rte[pin] */
};

/* The board's wiring of device lines to pins, or -1 (see the top). */
static int ioapic_line_pin(unsigned int line)
{
	if (line == 0)
		return 2;
	if (line == 2 || line >= IOAPIC_PINS)
		return -1;
	return (int)line;
}

static struct modvmm_msi ioapic_msi(uint64_t rte)
{
	struct modvmm_msi m = { .flags = 0 };

	m.addr = MSI_ADDR_BASE |
		 ((rte >> RTE_DEST_SHIFT) & 0xff) << MSI_DEST_SHIFT |
		 (rte & RTE_DESTMODE ? MSI_ADDR_LOGICAL : 0);
	m.data = (uint32_t)(rte & RTE_VECTOR) |
		 (uint32_t)(rte & (7ull << RTE_DELMODE_SHIFT));
	if (rte & RTE_LEVEL)
		m.data |= MSI_DATA_LEVEL | MSI_DATA_ASSERT;
	return m;
}

/*
 * Keep route @pin equal to its entry while the entry can send or waits
 * for an EOI (KVM reports EOIs only for vectors it finds in the routes),
 * and gone otherwise, so that a masked pin costs nothing.
 */
static void ioapic_route(struct ioapic *io, unsigned int pin)
{
	uint64_t rte = io->rte[pin];
	int want = !(rte & RTE_MASK) || (rte & RTE_REMOTE_IRR);
	struct modvmm_msi m = ioapic_msi(rte);

	if (!want && !io->routed[pin])
		return;
	if (io->host->msi_route_set(io->dev, pin, want ? &m : NULL)) {
		if (want)
			io->host->log(io->dev, MODVMM_LOG_WARN,
				      "pin %u: the host refused its MSI route",
				      pin);
		io->routed[pin] = 0;
		return;
	}
	io->routed[pin] = (uint8_t)want;
}

static void ioapic_send(struct ioapic *io, unsigned int pin)
{
	io->host->msi_route_fire(io->dev, pin);
	io->host->stat_add(io->dev, "interrupts", 1);
}

/* A level pin: send if it asks and nothing holds it back. */
static void ioapic_service_level(struct ioapic *io, unsigned int pin)
{
	uint64_t *rte = &io->rte[pin];

	if (!io->level[pin] || (*rte & (RTE_MASK | RTE_REMOTE_IRR)))
		return;
	*rte |= RTE_REMOTE_IRR;
	ioapic_route(io, pin);
	ioapic_send(io, pin);
}

static void ioapic_pin_set(struct ioapic *io, unsigned int pin, int level)
{
	int rose = level && !io->level[pin];

	io->level[pin] = (uint8_t)level;
	if (io->rte[pin] & RTE_LEVEL)
		ioapic_service_level(io, pin);
	else if (rose && !(io->rte[pin] & RTE_MASK))
		ioapic_send(io, pin);
}

static uint32_t ioapic_reg_read(struct ioapic *io)
{
	unsigned int idx = io->sel, pin;
	uint64_t rte;

	switch (idx) {
	case IDX_ID:
		return (uint32_t)io->id << 24;
	case IDX_VER:
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	case IDX_ARB:
		return (uint32_t)io->arb << 24;
	}
	if (idx < IDX_REDIR || idx >= IDX_REDIR + 2 * IOAPIC_PINS)
		return 0;
	pin = (idx - IDX_REDIR) / 2;
	rte = io->rte[pin];
	if ((rte & RTE_LEVEL) && io->level[pin] &&
	    (rte & (RTE_MASK | RTE_REMOTE_IRR)))
		rte |= RTE_DELIVS;
	return idx & 1 ? (uint32_t)(rte >> 32) : (uint32_t)rte;
}

static void ioapic_rte_write(struct ioapic *io, unsigned int pin, int high,
			     uint32_t val)
{
	uint64_t old = io->rte[pin], rte;

	if (high)
		rte = (old & 0xffffffffull) | (uint64_t)val << 32;
	else
		rte = (old & ~0xffffffffull) | val;
	rte = (rte & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
	/* an edge entry has no remote IRR */
	if (!(rte & RTE_LEVEL))
		rte &= ~RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	if (rte != old)
		ioapic_route(io, pin);
	if (rte & RTE_LEVEL)
		ioapic_service_level(io, pin);
}

static void ioapic_reg_write(struct ioapic *io, uint32_t val)
{
	unsigned int idx = io->sel;

	if (idx == IDX_ID) {
		io->id = (uint8_t)((val >> 24) & 0x0f);
		io->arb = io->id;
		return;
	}
	if (idx < IDX_REDIR || idx >= IDX_REDIR + 2 * IOAPIC_PINS)
		return;		/* the version, arbitration and unknown ones */
	ioapic_rte_write(io, (idx - IDX_REDIR) / 2, idx & 1, val);
}

static uint64_t ioapic_size_mask(uint32_t size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/*
 * An access covers IOWIN's bytes wherever it overlaps them: it may start
 * inside IOWIN or before it (a dword at 0x0e holds IOWIN's bytes 0-1 in
 * its upper half), as the chip sees the bytes a split bus cycle enables.
 * @pos is the access's offset less IOWIN's; these move a value between
 * the access's byte lanes and the register's.
 */
static int ioapic_covers_win(const struct modvmm_access *a, int pos)
{
	return pos > -(int)a->size && pos < 4;
}

static uint32_t ioapic_to_win(uint64_t v, int pos)
{
	return (uint32_t)(pos >= 0 ? v << (8 * pos) : v >> (8 * -pos));
}

static uint64_t ioapic_from_win(uint32_t v, int pos)
{
	return pos >= 0 ? (uint64_t)v >> (8 * pos) : (uint64_t)v << (8 * -pos);
}

static uint64_t ioapic_read(void *opaque, const struct modvmm_access *a)
{
	struct ioapic *io = opaque;
	int pos = (int)a->offset - REG_WIN;
	uint64_t v = a->offset == REG_SEL ? io->sel : 0;

	if (ioapic_covers_win(a, pos))
		v |= ioapic_from_win(ioapic_reg_read(io), pos);
	return v & ioapic_size_mask(a->size);
}

static void ioapic_write(void *opaque, const struct modvmm_access *a,
			 uint64_t val)
{
	struct ioapic *io = opaque;
	int pos = (int)a->offset - REG_WIN;
	uint32_t reg, mask;

	if (a->offset == REG_SEL)
		io->sel = (uint8_t)val;
	if (!ioapic_covers_win(a, pos))
		return;
	/* a narrow write changes only the bytes it covers */
	mask = ioapic_to_win(ioapic_size_mask(a->size), pos);
	reg = ioapic_reg_read(io) & ~(uint32_t)RTE_DELIVS;
	reg = (reg & ~mask) | (ioapic_to_win(val, pos) & mask);
	ioapic_reg_write(io, reg);
}

static const struct modvmm_range_ops ioapic_ops = {
	.read = ioapic_read,
	.write = ioapic_write,
	.sizes = MODVMM_SIZE_1 | MODVMM_SIZE_2 | MODVMM_SIZE_4,
};

/* ---- the core's side: lines and EOIs ----------------------------------- */

static void ioapic_set_irq(void *opaque, unsigned int line, int level)
{
	struct ioapic *io = opaque;
	int pin = ioapic_line_pin(line);

	if (pin >= 0)
		ioapic_pin_set(io, (unsigned int)pin, !!level);
}

static const struct modvmm_irqchip_ops ioapic_irqchip_ops = {
	.set_irq = ioapic_set_irq,
};

/* A local APIC ended a level interrupt: every entry of that vector. */
static void ioapic_eoi(void *opaque, unsigned int vector)
{
	struct ioapic *io = opaque;
	unsigned int pin;

	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t *rte = &io->rte[pin];

		if (!(*rte & RTE_REMOTE_IRR) || (*rte & RTE_VECTOR) != vector)
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		io->host->stat_add(io->dev, "eois", 1);
		ioapic_route(io, pin);
		ioapic_service_level(io, pin);
	}
}

/* ---- instance ---------------------------------------------------------- */

/* Every entry masked, nothing in service; the pins keep their levels. */
static void ioapic_power_on(struct ioapic *io)
{
	unsigned int pin;

	io->sel = 0;
	io->id = io->arb = io->id_reset;
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		io->rte[pin] = RTE_MASK;
		ioapic_route(io, pin);
	}
}

static void ioapic_reset(void *priv)
{
	ioapic_power_on(priv);
}

static int ioapic_host_ok(const struct modvmm_host *host)
{
	return MODVMM_HOST_HAS(host, irqchip_register) &&
	       MODVMM_HOST_HAS(host, msi_route_set) &&
	       MODVMM_HOST_HAS(host, msi_route_fire) &&
	       MODVMM_HOST_HAS(host, eoi_watch);
}

static int ioapic_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		       void **priv)
{
	struct ioapic *io;

	if (!ioapic_host_ok(host)) {
		host->set_error(dev, "this modvmm cannot take a userspace I/O APIC (it has no MSI routes)");
		return -1;
	}
	io = calloc(1, sizeof(*io));
	if (!io) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	io->dev = dev;
	io->host = host;
	io->id_reset = MODVMM_IOAPIC_ID;
	/*
	 * The controller first: when the host refuses it (not the split
	 * irqchip) its message says more than the rest would.
	 */
	if (host->irqchip_register(dev, &ioapic_irqchip_ops, io)) {
		free(io);
		return -1;
	}
	if (host->eoi_watch(dev, ioapic_eoi, io)) {
		host->set_error(dev, "the host does not report EOIs (another device watches them, or this is not the split irqchip)");
		free(io);
		return -1;
	}
	if (host->register_range(dev, MODVMM_SPACE_MMIO, IOAPIC_BASE,
				 IOAPIC_LEN, &ioapic_ops, io)) {
		free(io);
		return -1;
	}
	ioapic_power_on(io);
	*priv = io;
	return 0;
}

static void ioapic_exit(void *priv)
{
	free(priv);
}

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl ioapic_ranges[] = {
	{ MODVMM_SPACE_MMIO, IOAPIC_BASE, IOAPIC_LEN },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(ioapic) = {
	MODVMM_DESC_HEADER,
	.name = "ioapic",
	.license = "MIT",
	.description = "82093AA I/O APIC, 24 pins (0xfec00000; split irqchip)",
	.init = ioapic_init,
	.exit = ioapic_exit,
	.reset = ioapic_reset,
	.ranges = ioapic_ranges,
};
