// SPDX-License-Identifier: MIT
/*
 * pic8259 - the PC/AT pair of Intel 8259A programmable interrupt
 * controllers: the master at 0x20-0x21, the slave at 0xA0-0xA1 cascaded
 * into the master's IR2, and the PIIX edge/level control registers (ELCR)
 * at 0x4D0-0x4D1.
 *
 * It is the machine's interrupt controller when modvmm is configured with
 * the userspace irqchip: the core hands it every device's IRQ line 0-15
 * (set_irq), asks whether INTR is up (pending) and runs the acknowledge
 * cycle (ack) when the vCPU can take an interrupt.
 *
 * Modelled as on the chip:
 *  - power-on: both chips wait for ICW1-ICW4 and deliver nothing until
 *    their sequence is complete (there is no BIOS to program them); a
 *    machine reset (--reboot) returns there: IRR, ISR and ELCR clear,
 *    every input masked, INTR low;
 *  - ICW1 resets the edge sense (an input already high must fall and rise
 *    again), clears IMR, ISR and the rotation, selects IRR for reads and
 *    starts the ICW2 [ICW3] [ICW4] sequence; ICW4's AEOI and SFNM bits;
 *  - OCW1 (IMR), OCW2 (non-specific, specific EOI, rotate on EOI, rotate in
 *    AEOI mode, set priority), OCW3 (IRR/ISR read, special mask mode, poll);
 *  - edge inputs latch IRR on a 0 -> 1 transition and keep it until the
 *    acknowledge; level inputs (ICW1 LTIM, or their ELCR bit) have IRR
 *    follow the line, so a line still held after EOI interrupts again;
 *  - an acknowledge with nothing left to deliver returns the spurious
 *    IR7 vector of the chip that answers (IRQ 7 or IRQ 15) without setting
 *    ISR; for IRQ 15 the master's ISR2 is set, as on a PC.
 * --stats counts "interrupts" (acknowledged vectors), "spurious" (IRQ 7/15
 * answers) and "coalesced" (an edge lost because the previous one on that
 * input was not yet acknowledged: a timer tick the guest did not take in
 * time).
 * Not modelled: MCS-80/85 mode (ICW4 bit 0 = 0 is treated as 8086 mode),
 * buffered mode, and cascade addresses (the slave always answers on IR2
 * when the master's ICW3 says IR2 has a slave).
 */
#include <stddef.h>
#include <stdlib.h>

#include <modvmm/device.h>

#define PIC_MASTER_BASE		0x20
#define PIC_SLAVE_BASE		0xa0
#define PIC_ELCR_BASE		0x4d0
#define PIC_CASCADE_IR		2
#define PIC_NR_LINES		16

/* Port 0 writes: ICW1 has bit 4 set; OCW3 has bit 3 set; OCW2 neither. */
#define ICW1_IC4		0x01
#define ICW1_SNGL		0x02
#define ICW1_LTIM		0x08
#define ICW1_SEL		0x10
#define ICW4_AEOI		0x02
#define ICW4_SFNM		0x10
#define OCW3_SEL		0x08
#define OCW3_RIS		0x01
#define OCW3_RR			0x02
#define OCW3_POLL		0x04
#define OCW3_SMM		0x20
#define OCW3_ESMM		0x40

/* PIIX: IRQ 0, 1, 2, 8 and 13 are always edge-triggered. */
#define ELCR_MASK_MASTER	0xf8
#define ELCR_MASK_SLAVE		0xde

enum pic_init_step {
	PIC_READY,		/* initialised: delivering */
	PIC_WANT_ICW2,
	PIC_WANT_ICW3,
	PIC_WANT_ICW4,
	PIC_POWER_ON,		/* never initialised: waits for ICW1 */
};

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t input;		/* levels of the IR pins */
	uint8_t elcr, elcr_mask;
	uint8_t base;		/* ICW2 vector base (T7-T3) */
	uint8_t icw3;
	uint8_t icw1, icw4;
	uint8_t lowest;		/* the IR with the lowest priority */
	uint8_t step;		/* enum pic_init_step */
	uint8_t read_isr;	/* OCW3 RIS: port 0 reads ISR, else IRR */
	uint8_t poll;		/* OCW3 P: the next port 0 read polls */
	uint8_t special_mask;
	uint8_t rotate_aeoi;
};

struct pic8259 {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	struct pic_chip chip[2];	/* [0] master, [1] slave */
	uint8_t ir2_line;		/* a device's own level on line 2 */
	uint8_t intr;			/* INTR as last reported */
};

static int pic_is_level(const struct pic_chip *c, unsigned int ir)
{
	return (c->icw1 & ICW1_LTIM) || (c->elcr & (1u << ir));
}

static uint8_t pic_level_mask(const struct pic_chip *c)
{
	return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* 0 is the highest priority, 7 the lowest. */
static unsigned int pic_prio(const struct pic_chip *c, unsigned int ir)
{
	return (ir - c->lowest - 1) & 7;
}

/* The IR of highest priority among @bits, or -1. */
static int pic_highest(const struct pic_chip *c, uint8_t bits)
{
	unsigned int p;

	for (p = 0; p < 8; p++) {
		unsigned int ir = (c->lowest + 1 + p) & 7;

		if (bits & (1u << ir))
			return (int)ir;
	}
	return -1;
}

/*
 * In-service levels that hold back lower priorities.  In special mask
 * mode a masked level no longer does; in special fully nested mode the
 * master lets its slave interrupt again while IR2 is in service, so that a
 * higher priority slave input can nest.
 */
static uint8_t pic_blocking_isr(const struct pic_chip *c, int master)
{
	uint8_t isr = c->isr;

	if (c->special_mask)
		isr &= (uint8_t)~c->imr;
	if (master && (c->icw4 & ICW4_SFNM))
		isr &= (uint8_t)~(1u << PIC_CASCADE_IR);
	return isr;
}

/* The IR this chip would deliver now, or -1 (its INT output is low). */
static int pic_deliverable(const struct pic_chip *c, int master)
{
	int req, svc;

	if (c->step != PIC_READY)
		return -1;
	req = pic_highest(c, c->irr & (uint8_t)~c->imr);
	if (req < 0)
		return -1;
	svc = pic_highest(c, pic_blocking_isr(c, master));
	if (svc >= 0 &&
	    pic_prio(c, (unsigned int)svc) <= pic_prio(c, (unsigned int)req))
		return -1;
	return req;
}

/* Drive input pin @ir of @c to @level. */
static void pic_chip_input(struct pic8259 *p, struct pic_chip *c,
			   unsigned int ir, int level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (pic_is_level(c, ir)) {
		c->irr = level ? c->irr | bit : c->irr & (uint8_t)~bit;
	} else if (level && !(c->input & bit)) {
		/* An edge while the last one is still unacknowledged is lost. */
		if (c->irr & bit)
			p->host->stat_add(p->dev, "coalesced", 1);
		c->irr |= bit;
	}
	c->input = level ? c->input | bit : c->input & (uint8_t)~bit;
}

/*
 * Recompute the slave's INT into the master's IR2 and the master's INTR,
 * and tell the core when INTR changed.
 */
static void pic_update(struct pic8259 *p)
{
	int slave_int = pic_deliverable(&p->chip[1], 0) >= 0;
	int intr;

	pic_chip_input(p, &p->chip[0], PIC_CASCADE_IR, slave_int || p->ir2_line);
	intr = pic_deliverable(&p->chip[0], 1) >= 0;
	if (intr != p->intr) {
		p->intr = (uint8_t)intr;
		p->host->irqchip_update(p->dev);
	}
}

/* The acknowledge of IR @ir on @c: ISR (or automatic EOI), edge IRR. */
static void pic_chip_accept(struct pic_chip *c, unsigned int ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (!pic_is_level(c, ir))
		c->irr &= (uint8_t)~bit;
	if (c->icw4 & ICW4_AEOI) {
		if (c->rotate_aeoi)
			c->lowest = (uint8_t)ir;
	} else {
		c->isr |= bit;
	}
}

static int pic_cascades(const struct pic_chip *master)
{
	return !(master->icw1 & ICW1_SNGL) &&
	       (master->icw3 & (1u << PIC_CASCADE_IR));
}

/*
 * The INTA cycle.  Returns the vector, the spurious IR7 vector of the
 * answering chip when nothing is deliverable, or -1 when the master was
 * never initialised (it has no vector to give).
 */
static int pic_intack(struct pic8259 *p)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int ir = pic_deliverable(m, 1), sir;
	int vector;

	if (m->step != PIC_READY)
		return -1;
	if (ir < 0) {
		p->host->stat_add(p->dev, "spurious", 1);
		return m->base | 7;
	}
	pic_chip_accept(m, (unsigned int)ir);
	if (ir != PIC_CASCADE_IR || !pic_cascades(m)) {
		vector = m->base | ir;
	} else {
		sir = pic_deliverable(s, 0);
		if (sir < 0) {
			p->host->stat_add(p->dev, "spurious", 1);
			vector = s->base | 7;
		} else {
			pic_chip_accept(s, (unsigned int)sir);
			vector = s->base | sir;
		}
		/*
		 * The slave's INT falls during the cycle: a request still
		 * up afterwards is a new edge on IR2.
		 */
		m->input &= (uint8_t)~(1u << PIC_CASCADE_IR);
	}
	p->host->stat_add(p->dev, "interrupts", 1);
	pic_update(p);
	return vector;
}

/* OCW3 poll: the read is the acknowledge; bit 7 says if there was one. */
static uint8_t pic_poll(struct pic8259 *p, struct pic_chip *c)
{
	int ir = pic_deliverable(c, c == &p->chip[0]);

	c->poll = 0;
	if (ir < 0)
		return 0;
	pic_chip_accept(c, (unsigned int)ir);
	pic_update(p);
	return (uint8_t)(0x80 | ir);
}

static void pic_icw1(struct pic_chip *c, uint8_t val)
{
	c->icw1 = val;
	if (!(val & ICW1_IC4))
		c->icw4 = 0;
	/* Edge sense reset: only a fresh rising edge requests again. */
	c->irr &= c->input & pic_level_mask(c);
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->read_isr = 0;
	c->poll = 0;
	c->special_mask = 0;
	c->rotate_aeoi = 0;
	c->step = PIC_WANT_ICW2;
}

/* The next ICW after the one just written, or PIC_READY. */
static void pic_icw_next(struct pic_chip *c)
{
	if (c->step == PIC_WANT_ICW2 && !(c->icw1 & ICW1_SNGL))
		c->step = PIC_WANT_ICW3;
	else if (c->step != PIC_WANT_ICW4 && (c->icw1 & ICW1_IC4))
		c->step = PIC_WANT_ICW4;
	else
		c->step = PIC_READY;
}

static void pic_icw(struct pic_chip *c, uint8_t val)
{
	switch (c->step) {
	case PIC_WANT_ICW2:
		c->base = val & 0xf8;
		break;
	case PIC_WANT_ICW3:
		c->icw3 = val;
		break;
	case PIC_WANT_ICW4:
		c->icw4 = val;
		break;
	}
	pic_icw_next(c);
}

static void pic_eoi(struct pic_chip *c, int ir, int rotate)
{
	if (ir < 0)
		return;
	c->isr &= (uint8_t)~(1u << ir);
	if (rotate)
		c->lowest = (uint8_t)ir;
}

static void pic_ocw2(struct pic_chip *c, uint8_t val)
{
	unsigned int level = val & 7;

	switch (val >> 5) {
	case 0:	/* rotate in automatic EOI mode: clear */
		c->rotate_aeoi = 0;
		break;
	case 4:	/* rotate in automatic EOI mode: set */
		c->rotate_aeoi = 1;
		break;
	case 1:	/* non-specific EOI */
	case 5:	/* rotate on non-specific EOI */
		pic_eoi(c, pic_highest(c, c->isr), val >> 5 == 5);
		break;
	case 3:	/* specific EOI */
	case 7:	/* rotate on specific EOI */
		pic_eoi(c, (int)level, val >> 5 == 7);
		break;
	case 6:	/* set priority */
		c->lowest = (uint8_t)level;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void pic_ocw3(struct pic_chip *c, uint8_t val)
{
	if (val & OCW3_ESMM)
		c->special_mask = !!(val & OCW3_SMM);
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	c->poll = !!(val & OCW3_POLL);
}

static struct pic_chip *pic_chip_of(struct pic8259 *p,
				    const struct modvmm_access *a)
{
	return &p->chip[a->addr >= PIC_SLAVE_BASE];
}

static uint64_t pic_read(void *opaque, const struct modvmm_access *a)
{
	struct pic8259 *p = opaque;
	struct pic_chip *c = pic_chip_of(p, a);

	if (c->poll)
		return pic_poll(p, c);
	if (a->offset & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void pic_write(void *opaque, const struct modvmm_access *a,
		      uint64_t val64)
{
	struct pic8259 *p = opaque;
	struct pic_chip *c = pic_chip_of(p, a);
	uint8_t val = (uint8_t)val64;

	if (a->offset & 1) {
		if (c->step == PIC_READY || c->step == PIC_POWER_ON)
			c->imr = val;	/* OCW1 */
		else
			pic_icw(c, val);
	} else if (val & ICW1_SEL) {
		pic_icw1(c, val);
	} else if (val & OCW3_SEL) {
		pic_ocw3(c, val);
	} else {
		pic_ocw2(c, val);
	}
	pic_update(p);
}

static uint64_t pic_elcr_read(void *opaque, const struct modvmm_access *a)
{
	struct pic8259 *p = opaque;

	return p->chip[a->offset & 1].elcr;
}

static void pic_elcr_write(void *opaque, const struct modvmm_access *a,
			   uint64_t val)
{
	struct pic8259 *p = opaque;
	struct pic_chip *c = &p->chip[a->offset & 1];
	uint8_t now_level;

	c->elcr = (uint8_t)val & c->elcr_mask;
	/* An input that became level-triggered requests while it is high. */
	now_level = pic_level_mask(c);
	c->irr = (uint8_t)((c->irr & ~now_level) | (c->input & now_level));
	pic_update(p);
}

static const struct modvmm_range_ops pic_ops = {
	.read = pic_read,
	.write = pic_write,
	.sizes = MODVMM_SIZE_1,
};

static const struct modvmm_range_ops pic_elcr_ops = {
	.read = pic_elcr_read,
	.write = pic_elcr_write,
	.sizes = MODVMM_SIZE_1,
};

/* ---- the irqchip interface the core drives ---------------------------- */

static void pic_set_irq(void *opaque, unsigned int irq, int level)
{
	struct pic8259 *p = opaque;

	/* Lines 16-23 exist only on an IOAPIC. */
	if (irq >= PIC_NR_LINES)
		return;
	level = !!level;
	if (irq == PIC_CASCADE_IR)
		p->ir2_line = (uint8_t)level;
	else
		pic_chip_input(p, &p->chip[irq >> 3], irq & 7, level);
	pic_update(p);
}

static int pic_pending(void *opaque)
{
	struct pic8259 *p = opaque;

	return p->intr;
}

static int pic_ack(void *opaque)
{
	return pic_intack(opaque);
}

static const struct modvmm_irqchip_ops pic_irqchip_ops = {
	.set_irq = pic_set_irq,
	.pending = pic_pending,
	.ack = pic_ack,
};

/* ---- instance ---------------------------------------------------------- */

/*
 * Both chips waiting for ICW1, nothing requested or in service, every
 * input masked; the PIIX's ELCR all edge.  The input pins keep their
 * levels: they are the devices' lines, not the chip's state.
 */
static void pic_power_on(struct pic8259 *p)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct pic_chip *c = &p->chip[i];

		*c = (struct pic_chip){
			.input = c->input,
			.step = PIC_POWER_ON,
			.imr = 0xff,
			.lowest = 7,
			.elcr_mask = i ? ELCR_MASK_SLAVE : ELCR_MASK_MASTER,
		};
	}
}

/* A platform reset: power-on state, INTR low (the core hears of it). */
static void pic8259_reset(void *priv)
{
	struct pic8259 *p = priv;

	pic_power_on(p);
	pic_update(p);
}

static int pic_host_has_irqchip(const struct modvmm_host *host)
{
	return host->struct_size >= offsetof(struct modvmm_host, irqchip_update) +
				    sizeof(host->irqchip_update) &&
	       host->irqchip_register && host->irqchip_update;
}

static int pic_register(struct pic8259 *p, int elcr)
{
	const struct modvmm_host *h = p->host;

	/*
	 * The controller first: when the host refuses it (not the userspace
	 * irqchip, or another controller is there already) its message says
	 * more than a port overlap would.
	 */
	if (h->irqchip_register(p->dev, &pic_irqchip_ops, p))
		return -1;
	if (h->register_range(p->dev, MODVMM_SPACE_PIO, PIC_MASTER_BASE, 2,
			      &pic_ops, p) ||
	    h->register_range(p->dev, MODVMM_SPACE_PIO, PIC_SLAVE_BASE, 2,
			      &pic_ops, p))
		return -1;
	if (elcr && h->register_range(p->dev, MODVMM_SPACE_PIO, PIC_ELCR_BASE,
				      2, &pic_elcr_ops, p))
		return -1;
	return 0;
}

static int pic_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		    void **priv)
{
	struct pic8259 *p;
	int elcr;

	if (!pic_host_has_irqchip(host)) {
		host->set_error(dev, "this modvmm cannot take a userspace "
				"interrupt controller");
		return -1;
	}
	if (host->opt_bool(dev, "elcr", 1, &elcr))
		return -1;
	p = calloc(1, sizeof(*p));
	if (!p) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	p->dev = dev;
	p->host = host;
	pic_power_on(p);
	if (pic_register(p, elcr)) {
		/* The host releases the ranges of a failed instance. */
		free(p);
		return -1;
	}
	*priv = p;
	return 0;
}

static void pic_exit(void *priv)
{
	free(priv);
}

static const struct modvmm_option pic_options[] = {
	{ "elcr", "edge/level control registers at 0x4d0-0x4d1 (on/off)",
	  "on" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl pic_ranges[] = {
	{ MODVMM_SPACE_PIO, PIC_MASTER_BASE, 2 },
	{ MODVMM_SPACE_PIO, PIC_SLAVE_BASE, 2 },
	{ MODVMM_SPACE_PIO, PIC_ELCR_BASE, 2 },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(pic8259) = {
	MODVMM_DESC_HEADER,
	.name = "pic8259",
	.license = "MIT",
	.description = "8259A interrupt controller pair "
		       "(ports 0x20, 0xa0, ELCR 0x4d0)",
	.options = pic_options,
	.init = pic_init,
	.exit = pic_exit,
	.reset = pic8259_reset,
	.ranges = pic_ranges,
};
