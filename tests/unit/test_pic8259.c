// SPDX-License-Identifier: MIT
/*
 * Unit tests for devices/pic8259.c: the 8259A pair against the datasheet.
 *
 * The harness machine has the userspace irqchip: the pic registers as
 * the machine's interrupt controller, and the test drives it the way the
 * core does, lines through the core's IRQ line path (harness_irq_set),
 * pending and acknowledge as the vCPU loop asks them.
 */
#include "harness_util.h"

static struct modvmm_dev *dev;

/* A fresh machine whose controller is a pic8259 made with @opts. */
static int pic_start(const char *opts)
{
	char spec[128];

	snprintf(spec, sizeof(spec), "pic8259,%s", opts);
	dev = unit_start(spec);
	return dev ? 0 : -1;
}

static void pic_stop(void)
{
	harness_exit();
	dev = NULL;
}

static void line(unsigned int irq, int level)
{
	harness_irq_set(irq, level);
}

static void pulse(unsigned int irq)
{
	line(irq, 1);
	line(irq, 0);
}

static int pending(void)
{
	return harness_irqchip_pending();
}

static int ack(void)
{
	return harness_irqchip_ack();
}

/* The PC programming: cascade, edge, bases 0x20/0x28, ICW4s as given. */
static void pic_program_icw4(uint8_t master, uint8_t slave)
{
	harness_outb(0x20, 0x11);
	harness_outb(0xa0, 0x11);
	harness_outb(0x21, 0x20);
	harness_outb(0xa1, 0x28);
	harness_outb(0x21, 0x04);
	harness_outb(0xa1, 0x02);
	harness_outb(0x21, master);
	harness_outb(0xa1, slave);
}

static void pic_program(uint8_t icw4)
{
	pic_program_icw4(icw4, icw4);
}

static void setup_pc(void)
{
	CHECK_EQ(pic_start(""), 0);
	CHECK(pending() != -1);		/* it is the controller */
	pic_program(0x01);
}

static void eoi_master(void)
{
	harness_outb(0x20, 0x20);
}

static void eoi_slave(void)
{
	harness_outb(0xa0, 0x20);
}

static uint8_t read_isr(uint16_t port)
{
	uint8_t v;

	harness_outb(port, 0x0b);
	v = harness_inb(port);
	harness_outb(port, 0x0a);
	return v;
}

UNIT_TEST(pic_registers_as_irqchip)
{
	struct harness_range r;

	CHECK_EQ(harness_init(0, NULL), 0);
	CHECK_EQ(pending(), -1);	/* no controller yet */
	dev = harness_device("pic8259");
	CHECK(dev != NULL);
	CHECK_EQ(pending(), 0);
	CHECK_EQ(ack(), -1);		/* no ICWs yet: no vector */
	CHECK(harness_range(MODVMM_SPACE_PIO, 0x20, &r) && r.dev == dev);
	CHECK(harness_range(MODVMM_SPACE_PIO, 0xa1, &r) && r.dev == dev);
	CHECK(harness_range(MODVMM_SPACE_PIO, 0x4d0, &r) && r.dev == dev);
	/* Gone with the instance. */
	harness_device_remove(dev);
	CHECK_EQ(pending(), -1);
	CHECK(!harness_range(MODVMM_SPACE_PIO, 0x20, &r));
	pic_stop();
}

/* The host refuses a controller (here: there is one already); so does init. */
UNIT_TEST(pic_needs_host_irqchip)
{
	struct harness_range r;

	CHECK_EQ(pic_start(""), 0);
	CHECK(harness_device("pic8259") == NULL);
	CHECK_STR_CONTAINS(harness_last_error(), "init failed");
	CHECK_STR_CONTAINS(harness_last_error(), "interrupt controller");
	/* The first one is untouched. */
	CHECK(harness_range(MODVMM_SPACE_PIO, 0x20, &r) && r.dev == dev);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_power_on_delivers_nothing)
{
	CHECK_EQ(pic_start(""), 0);
	pulse(0);
	line(8, 1);
	CHECK_EQ(pending(), 0);
	CHECK_EQ(ack(), -1);
	/* IMR reads back, OCW1 before ICW1 is kept. */
	CHECK_EQ(harness_inb(0x21), 0xff);
	harness_outb(0x21, 0x00);
	CHECK_EQ(harness_inb(0x21), 0x00);
	CHECK_EQ(pending(), 0);
	pic_stop();
}

UNIT_TEST(pic_icw_sequence_cascade)
{
	CHECK_EQ(pic_start(""), 0);
	harness_outb(0x21, 0x5a);
	harness_outb(0x20, 0x11);
	CHECK_EQ(harness_inb(0x21), 0x00);	/* ICW1 clears IMR */
	harness_outb(0x21, 0x20);
	pulse(0);
	CHECK_EQ(pending(), 0);			/* mid-sequence */
	harness_outb(0x21, 0x04);
	CHECK_EQ(pending(), 0);
	harness_outb(0x21, 0x01);		/* ICW4: done */
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x20);
	/* After the sequence port 1 is OCW1 again. */
	harness_outb(0x21, 0xfe);
	CHECK_EQ(harness_inb(0x21), 0xfe);
	pic_stop();
}

UNIT_TEST(pic_icw_single_without_icw4)
{
	CHECK_EQ(pic_start(""), 0);
	harness_outb(0x20, 0x12);		/* SNGL, no IC4 */
	harness_outb(0x21, 0x47);		/* ICW2: low bits ignored */
	harness_outb(0x21, 0xfd);		/* OCW1 already */
	CHECK_EQ(harness_inb(0x21), 0xfd);
	pulse(1);
	CHECK_EQ(ack(), 0x41);
	/* Single: IR2 is an ordinary input, no slave involved. */
	harness_outb(0x21, 0x00);
	eoi_master();
	pulse(2);
	CHECK_EQ(ack(), 0x42);
	pic_stop();
}

UNIT_TEST(pic_icw1_restarts_sequence)
{
	CHECK_EQ(pic_start(""), 0);
	pic_program(0x01);
	harness_outb(0x20, 0x11);
	harness_outb(0x21, 0x60);
	harness_outb(0x20, 0x11);		/* again, mid-sequence */
	harness_outb(0x21, 0x80);
	harness_outb(0x21, 0x04);
	harness_outb(0x21, 0x01);
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
	CHECK_EQ(harness_inb(0x20), 0x01);	/* IRR after ICW1 */
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x20);
	CHECK_EQ(harness_inb(0x20), 0x00);
	CHECK_EQ(read_isr(0x20), 0x01);
	CHECK_EQ(pending(), 0);
	/* An edge during service waits in IRR for the EOI. */
	pulse(0);
	CHECK_EQ(pending(), 0);
	CHECK_EQ(harness_inb(0x20), 0x01);
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
	harness_outb(0x21, 0xfe);		/* only IRQ 0 */
	pulse(1);
	CHECK_EQ(pending(), 0);
	CHECK_EQ(harness_inb(0x20), 0x02);	/* latched in IRR anyway */
	harness_outb(0x21, 0xfc);
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x21);
	eoi_master();
	/* Masking a pending request drops INTR, unmasking restores it. */
	pulse(5);
	CHECK_EQ(pending(), 0);
	harness_outb(0x21, 0x00);
	CHECK_EQ(pending(), 1);
	harness_outb(0x21, 0x20);
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
	harness_outb(0x20, 0x64);		/* specific EOI 4 */
	CHECK_EQ(read_isr(0x20), 0x02);
	harness_outb(0x20, 0x61);
	CHECK_EQ(read_isr(0x20), 0x00);
	pic_stop();
}

UNIT_TEST(pic_rotation)
{
	setup_pc();
	/* Set priority: IR4 lowest, so IR5 is the highest. */
	harness_outb(0x20, 0xc4);
	pulse(1);
	pulse(6);
	CHECK_EQ(ack(), 0x26);
	/* Rotate on non-specific EOI: IR6 becomes the lowest, IR7 top. */
	harness_outb(0x20, 0xa0);
	pulse(7);
	pulse(6);
	CHECK_EQ(ack(), 0x27);
	harness_outb(0x20, 0xe7);		/* rotate on specific EOI 7 */
	CHECK_EQ(ack(), 0x20 | 1);		/* 0 (absent), then 1 */
	eoi_master();
	CHECK_EQ(ack(), 0x26);
	eoi_master();
	/* No-op command changes nothing. */
	harness_outb(0x20, 0x40);
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
	harness_outb(0x20, 0x80);
	pulse(2 + 1);
	CHECK_EQ(ack(), 0x23);
	pulse(0);
	pulse(4);
	CHECK_EQ(ack(), 0x24);			/* 4 is now the highest */
	harness_outb(0x20, 0x00);		/* rotate off */
	CHECK_EQ(ack(), 0x20);
	pic_stop();
}

UNIT_TEST(pic_cascade)
{
	setup_pc();
	pulse(10);
	CHECK_EQ(harness_inb(0xa0), 0x04);
	CHECK_EQ(harness_inb(0x20), 0x04);
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
	harness_outb(0x21, 0x04);
	pulse(9);
	CHECK_EQ(pending(), 0);
	harness_outb(0x21, 0x00);
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
	pic_program_icw4(0x11, 0x01);		/* master: SFNM */
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
	harness_outb(0xa1, 0x04);		/* masked after the edge */
	CHECK_EQ(ack(), 0x2f);
	CHECK_EQ(read_isr(0xa0), 0x00);
	CHECK_EQ(read_isr(0x20), 0x04);
	eoi_master();
	CHECK_EQ(pending(), 0);
	CHECK_EQ(harness_stat(dev, "spurious"), 2);
	pic_stop();
}

UNIT_TEST(pic_level_via_elcr)
{
	setup_pc();
	harness_outb(0x4d1, 0x04);		/* IRQ 10 level */
	CHECK_EQ(harness_inb(0x4d1), 0x04);
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
	CHECK_EQ(harness_inb(0xa0), 0x00);
	/*
	 * Released before the acknowledge: the slave's IRR follows the
	 * line, but the master latched the edge on IR2, so the acknowledge
	 * finds nothing on the slave: spurious IRQ 15 (as KVM's PIC does).
	 */
	line(10, 1);
	CHECK_EQ(pending(), 1);
	line(10, 0);
	CHECK_EQ(harness_inb(0xa0), 0x00);
	CHECK_EQ(ack(), 0x2f);
	eoi_master();
	CHECK_EQ(pending(), 0);
	/* On the master a level line that drops takes its request along. */
	harness_outb(0x4d0, 0x20);
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
	harness_outb(0x4d0, 0xff);
	harness_outb(0x4d1, 0xff);
	CHECK_EQ(harness_inb(0x4d0), 0xf8);	/* IRQ 0-2 always edge */
	CHECK_EQ(harness_inb(0x4d1), 0xde);	/* IRQ 8 and 13 too */
	harness_outb(0x4d0, 0x00);
	harness_outb(0x4d1, 0x00);
	/* A line already high requests as soon as it becomes level. */
	line(3, 1);
	CHECK_EQ(ack(), 0x23);
	eoi_master();
	CHECK_EQ(pending(), 0);
	harness_outb(0x4d0, 0x08);
	CHECK_EQ(pending(), 1);
	line(3, 0);
	CHECK_EQ(pending(), 0);
	/* Back to edge: the line must rise again. */
	harness_outb(0x4d0, 0x00);
	line(3, 1);
	CHECK_EQ(ack(), 0x23);
	pic_stop();
}

UNIT_TEST(pic_elcr_off)
{
	CHECK_EQ(pic_start("elcr=off"), 0);
	CHECK_EQ(harness_inb(0x4d0), 0xff);	/* unclaimed */
	pic_stop();
}

UNIT_TEST(pic_level_via_ltim)
{
	CHECK_EQ(pic_start(""), 0);
	harness_outb(0x20, 0x19);		/* LTIM */
	harness_outb(0x21, 0x20);
	harness_outb(0x21, 0x04);
	harness_outb(0x21, 0x01);
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
	CHECK_EQ(harness_inb(0x20), 0x40);	/* IRR */
	harness_outb(0x20, 0x0b);
	CHECK_EQ(harness_inb(0x20), 0x08);	/* ISR, and it sticks */
	CHECK_EQ(harness_inb(0x20), 0x08);
	harness_outb(0x20, 0x08);		/* RR=0: no change */
	CHECK_EQ(harness_inb(0x20), 0x08);
	harness_outb(0x20, 0x0a);
	CHECK_EQ(harness_inb(0x20), 0x40);
	pic_stop();
}

UNIT_TEST(pic_poll_command)
{
	setup_pc();
	harness_outb(0x20, 0x0c);
	CHECK_EQ(harness_inb(0x20), 0x00);	/* nothing */
	pulse(5);
	harness_outb(0x20, 0x0c);
	CHECK_EQ(harness_inb(0x20), 0x85);
	CHECK_EQ(read_isr(0x20), 0x20);		/* acknowledged */
	CHECK_EQ(pending(), 0);
	CHECK_EQ(harness_inb(0x20), 0x00);	/* poll was one read */
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
	harness_outb(0x21, 0x08);
	harness_outb(0x20, 0x68);
	CHECK_EQ(pending(), 1);
	CHECK_EQ(ack(), 0x25);
	harness_outb(0x20, 0x65);
	harness_outb(0x20, 0x48);		/* leave it */
	pulse(6);
	CHECK_EQ(pending(), 0);			/* 3 still in service */
	pic_stop();
}

/*
 * The core asks pending() before every guest entry (its irqchip_update
 * does nothing more), so INTR must follow every change at once.
 */
UNIT_TEST(pic_intr_follows_changes)
{
	setup_pc();
	CHECK_EQ(pending(), 0);
	pulse(0);
	CHECK_EQ(pending(), 1);
	pulse(1);				/* INTR already up */
	CHECK_EQ(pending(), 1);
	harness_outb(0x21, 0xff);
	CHECK_EQ(pending(), 0);
	harness_outb(0x21, 0xfe);
	CHECK_EQ(pending(), 1);
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
	harness_outb(0x21, 0xff);
	pulse(0);
	pulse(0);
	pulse(0);
	harness_outb(0x21, 0x00);
	CHECK_EQ(ack(), 0x20);
	eoi_master();
	CHECK_EQ(pending(), 0);			/* three edges, one interrupt */
	CHECK_EQ(harness_stat(dev, "coalesced"), 2);
	CHECK_EQ(harness_stat(dev, "interrupts"), 1);
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
			harness_outb(ports[(x >> 20) % 6], (uint8_t)(x >> 8));
			break;
		case 1:
			(void)harness_inb(ports[(x >> 20) % 6]);
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
