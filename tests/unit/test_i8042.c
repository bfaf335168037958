// SPDX-License-Identifier: MIT
/* Unit tests for devices/i8042.c: every way to reset the machine through
 * the controller, and the writes that must not. */
#include "harness_util.h"

#define STATUS_RESET	18

static void start(void)
{
	CHECK(unit_start("i8042") != NULL);
}

/* The run stopped with the reset status and the log says why. */
static void check_reset(const char *why)
{
	int st = -1;

	CHECK(harness_stopped(&st));
	CHECK_EQ(st, STATUS_RESET);
	CHECK_STR_CONTAINS(harness_log(), why);
	harness_exit();
}

static void check_running(void)
{
	CHECK(!harness_stopped(NULL));
	CHECK(!strstr(harness_log(), "guest reset"));
}

UNIT_TEST(i8042_pulse_resets)
{
	static const uint8_t cmds[] = { 0xfe, 0xf0, 0xfa, 0xf2 };
	unsigned int i;

	for (i = 0; i < sizeof(cmds); i++) {
		start();
		harness_outb(0x64, cmds[i]);
		check_reset("i8042: guest reset (i8042 pulse)");
	}
}

UNIT_TEST(i8042_output_port_resets)
{
	start();
	harness_outb(0x64, 0xd1);
	harness_outb(0x60, 0xfe);
	check_reset("i8042: guest reset (i8042 output port), 0xfe");
}

UNIT_TEST(i8042_no_reset)
{
	unsigned int cmd;

	start();
	/* pulses that leave bit 0 alone */
	for (cmd = 0xf1; cmd <= 0xff; cmd += 2)
		harness_outb(0x64, (uint8_t)cmd);
	/* the output port with the reset line high */
	harness_outb(0x64, 0xd1);
	harness_outb(0x60, 0x01);
	/* a byte with bit 0 clear for the keyboard, or the command byte */
	harness_outb(0x60, 0xfe);
	harness_outb(0x64, 0x60);
	harness_outb(0x60, 0xfe);
	/* a new command drops a pending D1 */
	harness_outb(0x64, 0xd1);
	harness_outb(0x64, 0xaa);
	harness_outb(0x60, 0x00);
	check_running();
	CHECK_EQ(harness_inb(0x60), 0x55);
	harness_exit();
}

UNIT_TEST(i8042_controller_ram)
{
	unsigned int i;

	start();
	for (i = 1; i < 32; i++) {
		harness_outb(0x64, (uint8_t)(0x60 + i));
		harness_outb(0x60, (uint8_t)(i * 7));
	}
	for (i = 1; i < 32; i++) {
		harness_outb(0x64, (uint8_t)(0x20 + i));
		CHECK_EQ(harness_inb(0x64) & 0x01, 0x01);
		CHECK_EQ(harness_inb(0x60), i * 7);
	}
	/* an empty output buffer reads as its last byte */
	CHECK_EQ(harness_inb(0x64) & 0x01, 0);
	CHECK_EQ(harness_inb(0x60), 31 * 7);
	check_running();
	harness_exit();
}

/*
 * The aux port probe an OS makes (Linux's i8042 driver): the loop comes
 * back at once, from the aux side (status bit 5), the interface test
 * says no fault, and the keyboard loop's byte is not the aux side's.
 */
UNIT_TEST(i8042_aux_probe_answered)
{
	start();
	harness_outb(0x64, 0xd3);
	harness_outb(0x60, 0x5a);
	CHECK_EQ(harness_inb(0x64) & 0x21, 0x21);
	CHECK_EQ(harness_inb(0x60), 0x5a);
	CHECK_EQ(harness_inb(0x64) & 0x21, 0);
	harness_outb(0x64, 0xa9);
	CHECK_EQ(harness_inb(0x64) & 0x21, 0x01);
	CHECK_EQ(harness_inb(0x60), 0x00);
	harness_outb(0x64, 0xd2);
	harness_outb(0x60, 0xa5);
	CHECK_EQ(harness_inb(0x64) & 0x21, 0x01);
	CHECK_EQ(harness_inb(0x60), 0xa5);
	check_running();
	harness_exit();
}
