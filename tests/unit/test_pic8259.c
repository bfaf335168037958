// SPDX-License-Identifier: MIT
/*
 * Unit tests for devices/pic8259.c: the 8259A pair against the datasheet.
 *
 * mock_host has no irqchip_register, so the device is initialised here
 * with a copy of mock_host that adds it: the test then holds the irqchip
 * ops and drives them the way the core does (set_irq, pending, ack).
 */
#include <stddef.h>

#include "mock_host.h"
#include "unit.h"

static struct modvmm_dev dev;
static struct modvmm_host host;
static const struct modvmm_irqchip_ops *chip;
static void *chip_opaque;
static int nr_updates;

static int t_irqchip_register(struct modvmm_dev *d,
			      const struct modvmm_irqchip_ops *ops, void *opaque)
{
	(void)d;
	if (chip)
		return -1;
	chip = ops;
	chip_opaque = opaque;
	return 0;
}

static void t_irqchip_update(struct modvmm_dev *d)
{
	(void)d;
	nr_updates++;
}

static int pic_start(const char *opts)
{
	memset(&dev, 0, sizeof(dev));
	host = mock_host;
	host.irqchip_register = t_irqchip_register;
	host.irqchip_update = t_irqchip_update;
	chip = NULL;
	chip_opaque = NULL;
	nr_updates = 0;
	dev.desc = mock_find_desc("pic8259");
	dev.opts = opts;
	if (!dev.desc)
		return -1;
	return dev.desc->init(&dev, &host, &dev.priv);
}

static void pic_stop(void)
{
	mock_dev_exit(&dev);
}

static void line(unsigned int irq, int level)
{
	chip->set_irq(chip_opaque, irq, level);
}

static void pulse(unsigned int irq)
{
	line(irq, 1);
	line(irq, 0);
}

static int pending(void)
{
	return chip->pending(chip_opaque);
}

static int ack(void)
{
	return chip->ack(chip_opaque);
}

/* The PC programming: cascade, edge, ICW4 with @icw4, bases 0x20/0x28. */
static void pic_program(uint8_t icw4)
{
	mock_outb(&dev, 0x20, 0x11);
	mock_outb(&dev, 0xa0, 0x11);
	mock_outb(&dev, 0x21, 0x20);
	mock_outb(&dev, 0xa1, 0x28);
	mock_outb(&dev, 0x21, 0x04);
	mock_outb(&dev, 0xa1, 0x02);
	mock_outb(&dev, 0x21, icw4);
	mock_outb(&dev, 0xa1, icw4);
}

static void setup_pc(void)
{
	CHECK_EQ(pic_start(""), 0);
	CHECK(chip != NULL);
	pic_program(0x01);
}

static void eoi_master(void)
{
	mock_outb(&dev, 0x20, 0x20);
}

static void eoi_slave(void)
{
	mock_outb(&dev, 0xa0, 0x20);
}

static uint8_t read_isr(uint16_t port)
{
	uint8_t v;

	mock_outb(&dev, port, 0x0b);
	v = mock_inb(&dev, port);
	mock_outb(&dev, port, 0x0a);
	return v;
}

UNIT_TEST(pic_registers_as_irqchip)
{
	CHECK_EQ(pic_start(""), 0);
	CHECK(chip && chip->set_irq && chip->pending && chip->ack);
	pic_stop();
}

UNIT_TEST(pic_needs_host_irqchip_api)
{
	/* The plain mock host has no irqchip_register. */
	CHECK(mock_dev_init(&dev, "pic8259", "") != 0);
	CHECK_STR_CONTAINS(dev.error, "interrupt controller");
}

UNIT_TEST(pic_power_on_delivers_nothing)
{
	CHECK_EQ(pic_start(""), 0);
	pulse(0);
	line(8, 1);
	CHECK_EQ(pending(), 0);
	CHECK_EQ(ack(), -1);
	/* IMR reads back, OCW1 before ICW1 is kept. */
	CHECK_EQ(mock_inb(&dev, 0x21), 0xff);
	mock_outb(&dev, 0x21, 0x00);
	CHECK_EQ(mock_inb(&dev, 0x21), 0x00);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_icw_sequence_cascade)
{
	CHECK_EQ(pic_start(""), 0);
	mock_outb(&dev, 0x21, 0x5a);
	mock_outb(&dev, 0x20, 0x11);
	CHECK_EQ(mock_inb(&dev, 0x21), 0x00);	/* ICW1 clears IMR */
	mock_outb(&dev, 0x21, 0x20);
	pulse(0);
	CHECK_EQ(pending(), 0);			/* mid-sequence */
	mock_outb(&dev, 0x21, 0x04);
	CHECK_EQ(pending(), 0);
	mock_outb(&dev, 0x21, 0x01);		/* ICW4: done */
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x20);
	/* After the sequence port 1 is OCW1 again. */
	mock_outb(&dev, 0x21, 0xfe);
	CHECK_EQ(mock_inb(&dev, 0x21), 0xfe);
	pic_stop();
}

UNIT_TEST(pic_icw_single_without_icw4)
{
	CHECK_EQ(pic_start(""), 0);
	mock_outb(&dev, 0x20, 0x12);		/* SNGL, no IC4 */
	mock_outb(&dev, 0x21, 0x47);		/* ICW2: low bits ignored */
	mock_outb(&dev, 0x21, 0xfd);		/* OCW1 already */
	CHECK_EQ(mock_inb(&dev, 0x21), 0xfd);
	pulse(1);
	CHECK_EQ(ack(), 0x41);
	/* Single: IR2 is an ordinary input, no slave involved. */
	mock_outb(&dev, 0x21, 0x00);
	eoi_master();
	pulse(2);
	CHECK_EQ(ack(), 0x42);
	pic_stop();
}

UNIT_TEST(pic_icw1_restarts_sequence)
{
	CHECK_EQ(pic_start(""), 0);
	pic_program(0x01);
	mock_outb(&dev, 0x20, 0x11);
	mock_outb(&dev, 0x21, 0x60);
	mock_outb(&dev, 0x20, 0x11);		/* again, mid-sequence */
	mock_outb(&dev, 0x21, 0x80);
	mock_outb(&dev, 0x21, 0x04);
	mock_outb(&dev, 0x21, 0x01);
	pulse(3);
	CHECK_EQ(ack(), 0x83);
	pic_stop();
}

UNIT_TEST(pic_edge_sense_reset_by_icw1)
{
	CHECK_EQ(pic_start(""), 0);
	line(4, 1);				/* high before init */
	pic_program(0x01);
	CHECK_EQ(pending(), 0);
	line(4, 0);
	line(4, 1);
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x24);
	pic_stop();
}

UNIT_TEST(pic_edge_latches_until_ack)
{
	setup_pc();
	pulse(0);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x01);	/* IRR after ICW1 */
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x20);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x00);
	CHECK_EQ(read_isr(0x20), 0x01);
	CHECK_EQ(pending(), 0);
	/* An edge during service waits in IRR for the EOI. */
	pulse(0);
	CHECK_EQ(pending(), 0);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x01);
	eoi_master();
	CHECK_EQ(read_isr(0x20), 0x00);
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x20);
	eoi_master();
	CHECK_EQ(pending(), 0);
	/* A held edge line requests once. */
	line(3, 1);
	CHECK_EQ(ack(), 0x23);
	eoi_master();
	CHECK_EQ(pending(), 0);
	line(3, 0);
	pic_stop();
}

UNIT_TEST(pic_masking)
{
	setup_pc();
	mock_outb(&dev, 0x21, 0xfe);		/* only IRQ 0 */
	pulse(1);
	CHECK_EQ(pending(), 0);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x02);	/* latched in IRR anyway */
	mock_outb(&dev, 0x21, 0xfc);
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x21);
	eoi_master();
	/* Masking a pending request drops INTR, unmasking restores it. */
	pulse(5);
	CHECK_EQ(pending(), 0);
	mock_outb(&dev, 0x21, 0x00);
	CHECK_EQ(pending(), 1);
	mock_outb(&dev, 0x21, 0x20);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_priority_and_nesting)
{
	setup_pc();
	pulse(5);
	pulse(3);
	pulse(1);
	CHECK_EQ(ack(), 0x21);
	CHECK_EQ(pending(), 0);			/* 3 and 5 wait for 1 */
	pulse(0);
	CHECK_EQ(pending(), 1);			/* 0 nests over 1 */
	CHECK_EQ(ack(), 0x20);
	CHECK_EQ(read_isr(0x20), 0x03);
	eoi_master();				/* clears 0, the highest */
	CHECK_EQ(read_isr(0x20), 0x02);
	CHECK_EQ(pending(), 0);
	eoi_master();
	CHECK_EQ(ack(), 0x23);
	eoi_master();
	CHECK_EQ(ack(), 0x25);
	eoi_master();
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_specific_eoi)
{
	setup_pc();
	pulse(4);
	CHECK_EQ(ack(), 0x24);
	pulse(1);
	CHECK_EQ(ack(), 0x21);
	CHECK_EQ(read_isr(0x20), 0x12);
	mock_outb(&dev, 0x20, 0x64);		/* specific EOI 4 */
	CHECK_EQ(read_isr(0x20), 0x02);
	mock_outb(&dev, 0x20, 0x61);
	CHECK_EQ(read_isr(0x20), 0x00);
	pic_stop();
}

UNIT_TEST(pic_rotation)
{
	setup_pc();
	/* Set priority: IR4 lowest, so IR5 is the highest. */
	mock_outb(&dev, 0x20, 0xc4);
	pulse(1);
	pulse(6);
	CHECK_EQ(ack(), 0x26);
	/* Rotate on non-specific EOI: IR6 becomes the lowest, IR7 top. */
	mock_outb(&dev, 0x20, 0xa0);
	pulse(7);
	pulse(6);
	CHECK_EQ(ack(), 0x27);
	mock_outb(&dev, 0x20, 0xe7);		/* rotate on specific EOI 7 */
	CHECK_EQ(ack(), 0x20 | 1);		/* 0 (absent), then 1 */
	eoi_master();
	CHECK_EQ(ack(), 0x26);
	eoi_master();
	/* No-op command changes nothing. */
	mock_outb(&dev, 0x20, 0x40);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_auto_eoi)
{
	CHECK_EQ(pic_start(""), 0);
	pic_program(0x03);
	pulse(1);
	CHECK_EQ(ack(), 0x21);
	CHECK_EQ(read_isr(0x20), 0x00);
	pulse(6);
	CHECK_EQ(pending(), 1);			/* nothing in service blocks */
	CHECK_EQ(ack(), 0x26);
	/* Rotate in AEOI mode: the acknowledged level becomes lowest. */
	mock_outb(&dev, 0x20, 0x80);
	pulse(2 + 1);
	CHECK_EQ(ack(), 0x23);
	pulse(0);
	pulse(4);
	CHECK_EQ(ack(), 0x24);			/* 4 is now the highest */
	mock_outb(&dev, 0x20, 0x00);		/* rotate off */
	CHECK_EQ(ack(), 0x20);
	pic_stop();
}

UNIT_TEST(pic_cascade)
{
	setup_pc();
	pulse(10);
	CHECK_EQ(mock_inb(&dev, 0xa0), 0x04);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x04);
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x2a);
	CHECK_EQ(read_isr(0xa0), 0x04);
	CHECK_EQ(read_isr(0x20), 0x04);
	/* Slave inputs wait behind IR2 in service on the master. */
	pulse(8);
	CHECK_EQ(pending(), 0);
	pulse(1);
	CHECK_EQ(ack(), 0x21);			/* higher than IR2 */
	eoi_master();
	eoi_slave();
	CHECK_EQ(pending(), 0);			/* master IR2 still in service */
	eoi_master();
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x28);
	eoi_slave();
	eoi_master();
	/* Two slave requests: both come through IR2 in turn. */
	pulse(15);
	pulse(12);
	CHECK_EQ(ack(), 0x2c);
	eoi_slave();
	eoi_master();
	CHECK_EQ(ack(), 0x2f);
	eoi_slave();
	eoi_master();
	CHECK_EQ(pending(), 0);
	/* The slave masked, or IR2 masked on the master, blocks it. */
	mock_outb(&dev, 0x21, 0x04);
	pulse(9);
	CHECK_EQ(pending(), 0);
	mock_outb(&dev, 0x21, 0x00);
	CHECK_EQ(ack(), 0x29);
	eoi_slave();
	eoi_master();
	pic_stop();
}

UNIT_TEST(pic_cascade_auto_eoi_back_to_back)
{
	CHECK_EQ(pic_start(""), 0);
	pic_program(0x03);
	pulse(9);
	pulse(11);
	CHECK_EQ(ack(), 0x29);
	CHECK_EQ(pending(), 1);			/* the slave still asks */
	CHECK_EQ(ack(), 0x2b);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_special_fully_nested)
{
	CHECK_EQ(pic_start(""), 0);
	mock_outb(&dev, 0x20, 0x11);
	mock_outb(&dev, 0xa0, 0x11);
	mock_outb(&dev, 0x21, 0x20);
	mock_outb(&dev, 0xa1, 0x28);
	mock_outb(&dev, 0x21, 0x04);
	mock_outb(&dev, 0xa1, 0x02);
	mock_outb(&dev, 0x21, 0x11);		/* master: SFNM */
	mock_outb(&dev, 0xa1, 0x01);
	pulse(12);
	CHECK_EQ(ack(), 0x2c);
	pulse(9);				/* higher on the slave */
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x29);
	pulse(14);				/* lower: waits */
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_spurious)
{
	setup_pc();
	/* A request that goes away before INTA: IRQ 7's vector, no ISR. */
	CHECK_EQ(ack(), 0x27);
	CHECK_EQ(read_isr(0x20), 0x00);
	/* Slave spurious: IRQ 15's vector, the master's IR2 in service. */
	pulse(10);
	CHECK_EQ(pending(), 1);
	mock_outb(&dev, 0xa1, 0x04);		/* masked after the edge */
	CHECK_EQ(ack(), 0x2f);
	CHECK_EQ(read_isr(0xa0), 0x00);
	CHECK_EQ(read_isr(0x20), 0x04);
	eoi_master();
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_level_via_elcr)
{
	setup_pc();
	mock_outb(&dev, 0x4d1, 0x04);		/* IRQ 10 level */
	CHECK_EQ(mock_inb(&dev, 0x4d1), 0x04);
	line(10, 1);
	CHECK_EQ(ack(), 0x2a);
	eoi_slave();
	eoi_master();
	CHECK_EQ(pending(), 1);			/* still held: again */
	CHECK_EQ(ack(), 0x2a);
	line(10, 0);				/* released before the EOI */
	eoi_slave();
	eoi_master();
	CHECK_EQ(pending(), 0);
	CHECK_EQ(mock_inb(&dev, 0xa0), 0x00);
	/*
	 * Released before the acknowledge: the slave's IRR follows the
	 * line, but the master latched the edge on IR2, so the acknowledge
	 * finds nothing on the slave: spurious IRQ 15 (as KVM's PIC does).
	 */
	line(10, 1);
	CHECK_EQ(pending(), 1);
	line(10, 0);
	CHECK_EQ(mock_inb(&dev, 0xa0), 0x00);
	CHECK_EQ(ack(), 0x2f);
	eoi_master();
	CHECK_EQ(pending(), 0);
	/* On the master a level line that drops takes its request along. */
	mock_outb(&dev, 0x4d0, 0x20);
	line(5, 1);
	CHECK_EQ(pending(), 1);
	line(5, 0);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_edge_same_line_once)
{
	setup_pc();
	line(10, 1);
	CHECK_EQ(ack(), 0x2a);
	eoi_slave();
	eoi_master();
	CHECK_EQ(pending(), 0);			/* edge: held is not new */
	line(10, 0);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_elcr_mask_and_switch)
{
	setup_pc();
	mock_outb(&dev, 0x4d0, 0xff);
	mock_outb(&dev, 0x4d1, 0xff);
	CHECK_EQ(mock_inb(&dev, 0x4d0), 0xf8);	/* IRQ 0-2 always edge */
	CHECK_EQ(mock_inb(&dev, 0x4d1), 0xde);	/* IRQ 8 and 13 too */
	mock_outb(&dev, 0x4d0, 0x00);
	mock_outb(&dev, 0x4d1, 0x00);
	/* A line already high requests as soon as it becomes level. */
	line(3, 1);
	CHECK_EQ(ack(), 0x23);
	eoi_master();
	CHECK_EQ(pending(), 0);
	mock_outb(&dev, 0x4d0, 0x08);
	CHECK_EQ(pending(), 1);
	line(3, 0);
	CHECK_EQ(pending(), 0);
	/* Back to edge: the line must rise again. */
	mock_outb(&dev, 0x4d0, 0x00);
	line(3, 1);
	CHECK_EQ(ack(), 0x23);
	pic_stop();
}

UNIT_TEST(pic_elcr_off)
{
	CHECK_EQ(pic_start("elcr=off"), 0);
	CHECK_EQ(mock_inb(&dev, 0x4d0), 0xff);	/* unclaimed */
	pic_stop();
}

UNIT_TEST(pic_level_via_ltim)
{
	CHECK_EQ(pic_start(""), 0);
	mock_outb(&dev, 0x20, 0x19);		/* LTIM */
	mock_outb(&dev, 0x21, 0x20);
	mock_outb(&dev, 0x21, 0x04);
	mock_outb(&dev, 0x21, 0x01);
	line(5, 1);
	CHECK_EQ(ack(), 0x25);
	eoi_master();
	CHECK_EQ(ack(), 0x25);
	line(5, 0);
	eoi_master();
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_read_irr_isr)
{
	setup_pc();
	pulse(3);
	pulse(6);
	CHECK_EQ(ack(), 0x23);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x40);	/* IRR */
	mock_outb(&dev, 0x20, 0x0b);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x08);	/* ISR, and it sticks */
	CHECK_EQ(mock_inb(&dev, 0x20), 0x08);
	mock_outb(&dev, 0x20, 0x08);		/* RR=0: no change */
	CHECK_EQ(mock_inb(&dev, 0x20), 0x08);
	mock_outb(&dev, 0x20, 0x0a);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x40);
	pic_stop();
}

UNIT_TEST(pic_poll_command)
{
	setup_pc();
	mock_outb(&dev, 0x20, 0x0c);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x00);	/* nothing */
	pulse(5);
	mock_outb(&dev, 0x20, 0x0c);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x85);
	CHECK_EQ(read_isr(0x20), 0x20);		/* acknowledged */
	CHECK_EQ(pending(), 0);
	CHECK_EQ(mock_inb(&dev, 0x20), 0x00);	/* poll was one read */
	pic_stop();
}

UNIT_TEST(pic_special_mask_mode)
{
	setup_pc();
	pulse(2 + 1);
	CHECK_EQ(ack(), 0x23);
	pulse(5);
	CHECK_EQ(pending(), 0);
	/* Mask the level in service and enter special mask mode. */
	mock_outb(&dev, 0x21, 0x08);
	mock_outb(&dev, 0x20, 0x68);
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x25);
	mock_outb(&dev, 0x20, 0x65);
	mock_outb(&dev, 0x20, 0x48);		/* leave it */
	pulse(6);
	CHECK_EQ(pending(), 0);			/* 3 still in service */
	pic_stop();
}

UNIT_TEST(pic_irqchip_update_on_intr_change)
{
	setup_pc();
	nr_updates = 0;
	pulse(0);
	CHECK_EQ(nr_updates, 1);
	pulse(1);				/* INTR already up */
	CHECK_EQ(nr_updates, 1);
	mock_outb(&dev, 0x21, 0xff);
	CHECK_EQ(nr_updates, 2);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_lines_out_of_range)
{
	setup_pc();
	line(16, 1);
	line(23, 1);
	line(1000, 1);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_coalesced_edges)
{
	setup_pc();
	mock_outb(&dev, 0x21, 0xff);
	pulse(0);
	pulse(0);
	pulse(0);
	mock_outb(&dev, 0x21, 0x00);
	CHECK_EQ(ack(), 0x20);
	eoi_master();
	CHECK_EQ(pending(), 0);			/* three edges, one interrupt */
	pic_stop();
}

/* Any value at any port, any line, any ack: vectors stay sane. */
UNIT_TEST(pic_survives_garbage)
{
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	uint32_t x = 12345;
	int i;

	CHECK_EQ(pic_start(""), 0);
	for (i = 0; i < 200000; i++) {
		int v;

		x = x * 1103515245u + 12345u;
		switch ((x >> 16) & 3) {
		case 0:
			mock_outb(&dev, ports[(x >> 20) % 6], (uint8_t)(x >> 8));
			break;
		case 1:
			(void)mock_inb(&dev, ports[(x >> 20) % 6]);
			break;
		case 2:
			line((x >> 20) % 20, (x >> 8) & 1);
			break;
		default:
			v = ack();
			CHECK(v >= -1 && v <= 255);
			CHECK(pending() == 0 || pending() == 1);
			break;
		}
	}
	pic_stop();
}
