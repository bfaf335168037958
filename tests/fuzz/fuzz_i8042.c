// SPDX-License-Identifier: MIT
/*
 * fuzz_i8042 - the minimal PS/2 controller: commands and data bytes.
 *
 * A model of the controller (i8042.c's top comment) checks:
 *  - the machine stops, with status 18, exactly when a pulse command
 *    (0xf0-0xff) has bit 0 clear or the output port is written (0xd1,
 *    then a data byte) with bit 0 clear, and at no other access;
 *  - the status register: input buffer never full, output buffer full
 *    exactly while a reply waits, system flag = command byte bit 2,
 *    bit 3 = the last write was a command, bit 4 set, bit 5 = the byte
 *    waiting came through the aux loop (0xd3), bits 6-7 clear;
 *  - replies: 0x55 to 0xaa, 0x00 to 0xab and 0xa9, RAM bytes (0x20-0x3f)
 *    as written through 0x60-0x7f and the enable commands, the output
 *    port to 0xd0, the next data byte after 0xd2 or 0xd3; a read of 0x60
 *    with nothing waiting gives the last reply.
 */
#include <string.h>

#include "devfuzz.h"

static struct {
	uint8_t ram[32];
	uint8_t out_port;
	uint8_t obuf, obf, aux, last_cmd;
	int pending;		/* 0 none, 1 RAM byte, 2 output port, 3 loop */
	uint8_t loop_aux;	/* the pending loop is 0xd3's */
	uint8_t pending_ram;
	unsigned int stops;	/* resets the model expects */
} m;

static void kc_reset(const struct devfuzz_ctx *c)
{
	(void)c;
	memset(&m, 0, sizeof(m));
	m.ram[0] = 0x45;
	m.out_port = 0x03;
}

static void reply(uint8_t v)
{
	m.obuf = v;
	m.obf = 1;
	m.aux = 0;
}

static void command(uint8_t cmd)
{
	m.last_cmd = 1;
	m.pending = 0;
	if (cmd >= 0x20 && cmd <= 0x3f) {
		reply(m.ram[cmd & 0x1f]);
	} else if (cmd >= 0x60 && cmd <= 0x7f) {
		m.pending = 1;
		m.pending_ram = cmd & 0x1f;
	} else if (cmd >= 0xf0) {
		m.stops += !(cmd & 1);
	} else if (cmd == 0xa7 || cmd == 0xa8) {
		m.ram[0] = (uint8_t)((m.ram[0] & ~0x20) | (cmd == 0xa7 ? 0x20 : 0));
	} else if (cmd == 0xad || cmd == 0xae) {
		m.ram[0] = (uint8_t)((m.ram[0] & ~0x10) | (cmd == 0xad ? 0x10 : 0));
	} else if (cmd == 0xaa) {
		reply(0x55);
	} else if (cmd == 0xab || cmd == 0xa9) {
		reply(0x00);
	} else if (cmd == 0xd0) {
		reply(m.out_port);
	} else if (cmd == 0xd1) {
		m.pending = 2;
	} else if (cmd == 0xd2 || cmd == 0xd3) {
		m.pending = 3;
		m.loop_aux = cmd == 0xd3;
	}
}

static void data_write(uint8_t v)
{
	m.last_cmd = 0;
	if (m.pending == 1) {
		m.ram[m.pending_ram] = v;
	} else if (m.pending == 2) {
		m.out_port = v;
		m.stops += !(v & 1);
	} else if (m.pending == 3) {
		reply(v);
		m.aux = m.loop_aux;
	}
	m.pending = 0;
}

static void check_status(uint8_t v)
{
	uint8_t want = 0x10;

	if (m.obf)
		want |= 0x01;
	if (m.ram[0] & 0x04)
		want |= 0x04;
	if (m.last_cmd)
		want |= 0x08;
	if (m.obf && m.aux)
		want |= 0x20;
	FUZZ_ASSERT(v == want);
}

static void kc_access(const struct devfuzz_ctx *c,
		      const struct modvmm_access *a, uint64_t val)
{
	uint8_t v = (uint8_t)val;

	if (a->addr == 0x64 && a->is_write) {
		command(v);
	} else if (a->addr == 0x64) {
		check_status(v);
	} else if (a->is_write) {
		data_write(v);
	} else {
		FUZZ_ASSERT(v == m.obuf);
		m.obf = 0;
	}
	FUZZ_ASSERT(c->stops == m.stops);
	if (c->stops)
		FUZZ_ASSERT(c->stop_status == 18);
}

static const struct devfuzz_ops kc_checks = {
	.reset = kc_reset,
	.access = kc_access,
};

static const struct devfuzz_opt opts[] = {
	{ "", 0, DEVFUZZ_NO_IRQ, { { MODVMM_SPACE_PIO, 0x60, 1 },
				   { MODVMM_SPACE_PIO, 0x64, 1 } } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return devfuzz_run("i8042", &kc_checks, opts, 1, data, size);
}
