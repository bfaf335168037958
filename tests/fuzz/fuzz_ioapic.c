// SPDX-License-Identifier: MIT
/*
 * fuzz_ioapic - the 82093AA I/O APIC of the split irqchip: IOREGSEL and
 * IOWIN accesses of every size, the machine's lines driven, and the
 * local APICs' EOIs.
 *
 * A reference model follows the registers and pins and checks, from the
 * 82093AA datasheet (section 3) and what devices/ioapic.c documents of
 * the board and the host:
 *  - every byte of the window reads as modelled: IOREGSEL (bits 0-7) the
 *    last index written, IOWIN the selected register, the rest 0;
 *    IOAPICID the 4-bit ID last written (at power-on the MADT's,
 *    MODVMM_IOAPIC_ID), IOAPICVER 0x00170011, IOAPICARB the ID, unknown
 *    indexes 0; a write changes only the bytes it covers;
 *  - a redirection entry reads back its writable bits (vector, delivery
 *    mode, destination mode, polarity, trigger, mask, destination) and
 *    0 in the reserved ones; remote IRR and delivery status are not
 *    written by the guest but read as the pin's state has them;
 *  - line N reaches pin N, but line 0 pin 2 and line 2 no pin;
 *  - an unmasked edge pin sends one message per rising edge, a masked
 *    one none, ever (the edge is lost);
 *  - a level pin sends one message when it is asserted, unmasked and
 *    its remote IRR clear, and sets remote IRR; no further one until an
 *    EOI of its vector clears remote IRR, then one if it is still
 *    asserted and unmasked; unmasking an asserted pin sends; an entry
 *    switched to edge has no remote IRR;
 *  - each message is what the entry encodes (address 0xfee00000, the
 *    destination in bits 12-19, bit 2 logical; data: vector, delivery
 *    mode in bits 8-10, bit 15 level with bit 14 assert), sent through
 *    the pin's route, never with msi_send();
 *  - a pin's route is set, to the entry's message, exactly while the
 *    entry is unmasked or waits for an EOI (KVM learns the level vectors
 *    it reports EOIs of from the routes); no route outlives the device;
 *  - --stats: "interrupts" counts the messages, "eois" the remote IRRs
 *    an EOI cleared.
 */
#include <string.h>

#include <modvmm/harness.h>

#include "devfuzz.h"

#define IOAPIC_BASE	MODVMM_IOAPIC_BASE
#define IOAPIC_LEN	0x100
#define NR_PINS		24
#define WIN		0x10		/* IOWIN's offset */

/* register indexes */
#define IDX_ID		0x00
#define IDX_VER		0x01
#define IDX_ARB		0x02
#define IDX_RTE		0x10
#define IDX_RTE_END	(IDX_RTE + 2 * NR_PINS)

/* redirection entry bits (datasheet table 3.2.4) */
#define E_VECTOR	0xffull
#define E_DELMODE	(7ull << 8)
#define E_LOGICAL	(1ull << 11)
#define E_DELIVS	(1ull << 12)
#define E_POLARITY	(1ull << 13)
#define E_RIRR		(1ull << 14)
#define E_LEVEL		(1ull << 15)
#define E_MASK		(1ull << 16)
#define E_DEST		(0xffull << 56)
#define E_WRITABLE	(E_VECTOR | E_DELMODE | E_LOGICAL | E_POLARITY | \
			 E_LEVEL | E_MASK | E_DEST)

/* the message: Intel SDM vol. 3, 11.11 (MSI address and data) */
#define MSI_ASSERT	(1u << 14)
#define MSI_LEVEL	(1u << 15)

static struct {
	uint8_t sel, id;
	uint64_t rte[NR_PINS];		/* the writable bits only */
	uint8_t rirr[NR_PINS];
	uint8_t pin[NR_PINS];		/* the input's level */
	/* messages one device call should send, and did */
	unsigned int want[NR_PINS], got[NR_PINS];
	struct modvmm_msi msi[NR_PINS];	/* the last one sent */
	uint64_t sent, eois;
} m;

/* The board's wiring (the MADT's source override and the cascade). */
static int line_pin(unsigned int line)
{
	if (line == 0)
		return 2;
	if (line == 2 || line >= NR_PINS)
		return -1;
	return (int)line;
}

static int is_level(unsigned int pin)
{
	return !!(m.rte[pin] & E_LEVEL);
}

static int is_masked(unsigned int pin)
{
	return !!(m.rte[pin] & E_MASK);
}

/* ---- delivery ------------------------------------------------------------ */

/* A level pin asserted, unmasked and not in service sends. */
static void service(unsigned int pin)
{
	if (!is_level(pin) || !m.pin[pin] || is_masked(pin) || m.rirr[pin])
		return;
	m.rirr[pin] = 1;
	m.want[pin]++;
}

/* Whether @msi is what entry @pin encodes. */
static int msi_matches(unsigned int pin, const struct modvmm_msi *msi)
{
	uint64_t e = m.rte[pin];
	uint64_t addr = 0xfee00000ull | (e >> 56) << 12 |
			(e & E_LOGICAL ? 1u << 2 : 0);
	uint32_t data = (uint32_t)(e & (E_VECTOR | E_DELMODE));
	uint32_t dont_care = 0;

	if (e & E_LEVEL)
		data |= MSI_LEVEL | MSI_ASSERT;
	else
		dont_care = MSI_ASSERT;	/* the SDM: ignored for edge */
	return msi->addr == addr && !msi->flags &&
	       (msi->data & ~dont_care) == data;
}

static void ioapic_msi(const struct devfuzz_ctx *c, int route,
		       const struct modvmm_msi *msi)
{
	(void)c;
	/* pin N sends through route N only */
	FUZZ_ASSERT(route >= 0 && route < NR_PINS);
	m.got[route]++;
	m.msi[route] = *msi;
}

/*
 * After each device call: the messages it sent are the ones the model
 * expected, pin for pin, each with what its entry now holds (a call
 * changes an entry before it sends, never after).
 */
static void settle(void)
{
	unsigned int pin;

	for (pin = 0; pin < NR_PINS; pin++) {
		FUZZ_ASSERT(m.got[pin] == m.want[pin]);
		if (m.got[pin])
			FUZZ_ASSERT(msi_matches(pin, &m.msi[pin]));
		m.sent += m.got[pin];
		m.got[pin] = m.want[pin] = 0;
	}
}

/* ---- registers ----------------------------------------------------------- */

static uint32_t rte_read(unsigned int pin, int high)
{
	uint64_t e = m.rte[pin];

	if (m.rirr[pin])
		e |= E_RIRR;
	/* a level request held back: masked, or the last not yet ended */
	if (is_level(pin) && m.pin[pin] && (is_masked(pin) || m.rirr[pin]))
		e |= E_DELIVS;
	return high ? (uint32_t)(e >> 32) : (uint32_t)e;
}

static uint32_t reg_read(unsigned int idx)
{
	switch (idx) {
	case IDX_ID:
	case IDX_ARB:	/* loaded from the ID whenever that is written */
		return (uint32_t)m.id << 24;
	case IDX_VER:	/* version 0x11, 24 entries */
		return 0x17u << 16 | 0x11;
	}
	if (idx >= IDX_RTE && idx < IDX_RTE_END)
		return rte_read((idx - IDX_RTE) / 2, idx & 1);
	return 0;
}

static void rte_write(unsigned int pin, int high, uint32_t v)
{
	uint64_t e = m.rte[pin];

	if (high)
		e = (e & 0xffffffffull) | (uint64_t)v << 32;
	else
		e = (e & ~0xffffffffull) | v;
	m.rte[pin] = e & E_WRITABLE;
	if (!is_level(pin))
		m.rirr[pin] = 0;
	service(pin);
}

static void reg_write(unsigned int idx, uint32_t v)
{
	if (idx == IDX_ID)
		m.id = (uint8_t)((v >> 24) & 0x0f);
	else if (idx >= IDX_RTE && idx < IDX_RTE_END)
		rte_write((idx - IDX_RTE) / 2, idx & 1, v);
}

/* Byte @off of the window. */
static uint8_t window_byte(uint64_t off)
{
	if (off == 0)
		return m.sel;
	if (off >= WIN && off < WIN + 4)
		return (uint8_t)(reg_read(m.sel) >> (8 * (off - WIN)));
	return 0;
}

static void ioapic_read(const struct modvmm_access *a, uint64_t val)
{
	uint64_t want = 0;
	unsigned int i;

	for (i = 0; i < a->size; i++)
		want |= (uint64_t)window_byte(a->offset + i) << (8 * i);
	FUZZ_ASSERT(val == want);
}

/* The bytes it covers: IOREGSEL's one, IOWIN's, none of the rest. */
static void ioapic_write(const struct modvmm_access *a, uint64_t val)
{
	uint32_t mask = 0, bytes = 0;
	unsigned int i;

	for (i = 0; i < a->size; i++) {
		uint64_t off = a->offset + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (off == 0)
			m.sel = b;
		if (off >= WIN && off < WIN + 4) {
			mask |= 0xffu << (8 * (off - WIN));
			bytes |= (uint32_t)b << (8 * (off - WIN));
		}
	}
	if (mask)
		reg_write(m.sel, (reg_read(m.sel) & ~mask) | bytes);
}

/* ---- the hooks ----------------------------------------------------------- */

static void ioapic_reset(const struct devfuzz_ctx *c)
{
	unsigned int pin;

	(void)c;
	memset(&m, 0, sizeof(m));
	m.id = MODVMM_IOAPIC_ID;	/* what the MADT and MP table say */
	for (pin = 0; pin < NR_PINS; pin++)
		m.rte[pin] = E_MASK;
}

static void ioapic_access(const struct devfuzz_ctx *c,
			  const struct modvmm_access *a, uint64_t val)
{
	(void)c;
	FUZZ_ASSERT(a->addr - a->offset == IOAPIC_BASE);
	if (a->is_write)
		ioapic_write(a, val);
	else
		ioapic_read(a, val);
	settle();
}

static void ioapic_chip_set(const struct devfuzz_ctx *c, unsigned int line,
			    int level)
{
	int pin = line_pin(line);
	int rose;

	(void)c;
	if (pin >= 0) {
		rose = level && !m.pin[pin];
		m.pin[pin] = (uint8_t)level;
		if (is_level((unsigned int)pin))
			service((unsigned int)pin);
		else if (rose && !is_masked((unsigned int)pin))
			m.want[pin]++;
	}
	settle();
}

/* Every entry in service for @vector: remote IRR off, resend if due. */
static void ioapic_eoi(const struct devfuzz_ctx *c, unsigned int vector)
{
	unsigned int pin;

	(void)c;
	for (pin = 0; pin < NR_PINS; pin++) {
		if (!m.rirr[pin] || (m.rte[pin] & E_VECTOR) != vector)
			continue;
		m.rirr[pin] = 0;
		m.eois++;
		service(pin);
	}
	settle();
}

/* Route N holds entry N's message while it may send or awaits an EOI. */
static void check_routes(void)
{
	struct modvmm_msi msi;
	unsigned int pin;
	int set;

	for (pin = 0; pin < NR_PINS; pin++) {
		set = !harness_msi_route(pin, &msi);
		FUZZ_ASSERT(set == (!is_masked(pin) || m.rirr[pin]));
		if (set)
			FUZZ_ASSERT(msi_matches(pin, &msi));
	}
}

static void ioapic_check_step(const struct devfuzz_ctx *c,
			      enum devfuzz_step step)
{
	(void)step;
	settle();	/* nothing sent outside a device call */
	check_routes();
	FUZZ_ASSERT(devfuzz_stat(c, "interrupts") == m.sent);
	FUZZ_ASSERT(devfuzz_stat(c, "eois") == m.eois);
}

static void ioapic_check_end(const struct devfuzz_ctx *c)
{
	struct modvmm_msi msi;
	unsigned int pin;

	(void)c;
	settle();
	for (pin = 0; pin < NR_PINS; pin++)
		FUZZ_ASSERT(harness_msi_route(pin, &msi) == -1);
}

static const struct devfuzz_ops ioapic_checks = {
	.reset = ioapic_reset,
	.access = ioapic_access,
	.chip_set = ioapic_chip_set,
	.msi = ioapic_msi,
	.eoi = ioapic_eoi,
	.check_step = ioapic_check_step,
	.check_end = ioapic_check_end,
};

static const struct devfuzz_opt opts[] = {
	{ "", 0, DEVFUZZ_NO_IRQ, { { MODVMM_SPACE_MMIO, IOAPIC_BASE,
				     IOAPIC_LEN } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("ioapic", &ioapic_checks, opts, 1, data, size);
}
