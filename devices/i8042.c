// SPDX-License-Identifier: MIT
/*
 * i8042 - a minimal PS/2 keyboard controller (Intel 8042 / the AT's
 * keyboard controller) at port 0x60 (data) and 0x64 (status, command):
 * enough for an OS to find it and to reset the machine through it.  No
 * keyboard or mouse is attached and no interrupt is raised.
 *
 * Status register (read 0x64):
 *   0  output buffer full: a reply waits at 0x60 (reading it clears it)
 *   1  input buffer full: always 0, every write is taken at once
 *   2  system flag: bit 2 of the command byte
 *   3  the last write went to 0x64 (a command), not 0x60
 *   4  keyboard not inhibited: always 1
 *   5  the byte waiting came from the aux (mouse) side: 0xd3's loop
 *
 * Commands (write 0x64):
 *   0x20-0x3f  read byte N of the controller RAM (0x20: the command byte)
 *   0x60-0x7f  write byte N: the next byte written to 0x60
 *   0xa7/0xa8  disable/enable the aux (mouse) port: command byte bit 5
 *   0xa9       aux interface test: replies 0x00 (no fault)
 *   0xaa       self test: replies 0x55
 *   0xab       keyboard interface test: replies 0x00 (no fault)
 *   0xad/0xae  disable/enable the keyboard port: command byte bit 4
 *   0xd0       read the output port
 *   0xd1       write the output port: the next byte written to 0x60; bit
 *              0 clear pulls the CPU's reset line
 *   0xd2/0xd3  loop back the next byte written to 0x60 as if the keyboard
 *              (0xd2) or the mouse (0xd3, status bit 5 set) had sent it
 *   0xf0-0xff  pulse the output port bits whose command bit is 0 for a
 *              moment: with bit 0 (0xfe, 0xf0, ...) that resets the CPU
 * Others are ignored (logged at debug level), as are bytes written to
 * 0x60 for the keyboard, which is not there.  An OS probing the aux port
 * (Linux's i8042 driver) finds the loop and the interface test answered
 * at once, where ignoring them cost it a long polling timeout each; with
 * no interrupt raised, its interrupt test then finds no mouse port.
 *
 * A reset logs a WARN line ("guest reset (i8042 pulse)") and stops the
 * machine with MODVMM_STATUS_RESET.  When the machine boots again
 * (--reboot) the controller is back at its power-on state: command byte
 * 0x45, output port 0x03, output buffer empty.
 */
#include <stdlib.h>
#include <string.h>

#include <modvmm/device.h>

#define I8042_DATA		0x60
#define I8042_CMD		0x64

#define I8042_STS_OBF		0x01
#define I8042_STS_SYS		0x04
#define I8042_STS_CMD		0x08
#define I8042_STS_UNLOCKED	0x10
#define I8042_STS_AUX		0x20

#define I8042_CB_SYS		0x04
#define I8042_CB_KBD_OFF	0x10
#define I8042_CB_AUX_OFF	0x20
/* As a BIOS leaves it: keyboard interrupt, system flag, translation. */
#define I8042_CB_DEFAULT	0x45

#define I8042_OUT_RESET		0x01	/* 0: CPU reset asserted */
#define I8042_OUT_A20		0x02
#define I8042_OUT_DEFAULT	(I8042_OUT_RESET | I8042_OUT_A20)

#define I8042_RAM_SIZE		32

/* What the next byte written to the data port is for. */
enum i8042_pending {
	I8042_TO_KBD = 0,
	I8042_TO_RAM,
	I8042_TO_OUTPORT,
	I8042_TO_KBD_LOOP,
	I8042_TO_AUX_LOOP,
};

struct i8042 {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	uint8_t ram[I8042_RAM_SIZE];	/* ram[0] is the command byte */
	uint8_t out_port;
	uint8_t obuf;
	uint8_t obf;
	uint8_t obuf_aux;		/* the byte waiting is the aux side's */
	uint8_t last_cmd;		/* the last write went to 0x64 */
	uint8_t pending;		/* enum i8042_pending */
	uint8_t pending_ram;		/* the RAM byte for I8042_TO_RAM */
};

static void i8042_reply(struct i8042 *kc, uint8_t v)
{
	kc->obuf = v;
	kc->obf = 1;
	kc->obuf_aux = 0;
}

static void i8042_cpu_reset(struct i8042 *kc, const char *why, uint8_t v)
{
	kc->host->log(kc->dev, MODVMM_LOG_WARN, "guest reset (i8042 %s), 0x%02x",
		      why, (unsigned int)v);
	kc->host->stat_add(kc->dev, "resets", 1);
	kc->host->request_stop(kc->dev, MODVMM_STATUS_RESET);
}

static void i8042_write_outport(struct i8042 *kc, uint8_t v)
{
	kc->out_port = v;
	if (!(v & I8042_OUT_RESET))
		i8042_cpu_reset(kc, "output port", v);
}

static void i8042_data_write(struct i8042 *kc, uint8_t v)
{
	enum i8042_pending p = (enum i8042_pending)kc->pending;

	kc->last_cmd = 0;
	kc->pending = I8042_TO_KBD;
	switch (p) {
	case I8042_TO_RAM:
		kc->ram[kc->pending_ram] = v;
		break;
	case I8042_TO_OUTPORT:
		i8042_write_outport(kc, v);
		break;
	case I8042_TO_KBD_LOOP:
		i8042_reply(kc, v);
		break;
	case I8042_TO_AUX_LOOP:
		i8042_reply(kc, v);
		kc->obuf_aux = 1;
		break;
	default:
		kc->host->log(kc->dev, MODVMM_LOG_DEBUG,
			      "byte 0x%02x for the keyboard: none attached",
			      (unsigned int)v);
		break;
	}
}

/* The commands that are one byte and no range. */
static void i8042_simple_command(struct i8042 *kc, uint8_t cmd)
{
	switch (cmd) {
	case 0xa7:
		kc->ram[0] |= I8042_CB_AUX_OFF;
		break;
	case 0xa8:
		kc->ram[0] &= (uint8_t)~I8042_CB_AUX_OFF;
		break;
	case 0xa9:
		i8042_reply(kc, 0x00);	/* aux interface: no fault */
		break;
	case 0xaa:
		i8042_reply(kc, 0x55);	/* self test passed */
		break;
	case 0xab:
		i8042_reply(kc, 0x00);	/* keyboard interface: no fault */
		break;
	case 0xad:
		kc->ram[0] |= I8042_CB_KBD_OFF;
		break;
	case 0xae:
		kc->ram[0] &= (uint8_t)~I8042_CB_KBD_OFF;
		break;
	case 0xd0:
		i8042_reply(kc, kc->out_port);
		break;
	case 0xd1:
		kc->pending = I8042_TO_OUTPORT;
		break;
	case 0xd2:
		kc->pending = I8042_TO_KBD_LOOP;
		break;
	case 0xd3:
		kc->pending = I8042_TO_AUX_LOOP;
		break;
	default:
		kc->host->log(kc->dev, MODVMM_LOG_DEBUG,
			      "command 0x%02x ignored", (unsigned int)cmd);
		break;
	}
}

static void i8042_command(struct i8042 *kc, uint8_t cmd)
{
	kc->last_cmd = 1;
	kc->pending = I8042_TO_KBD;
	if (cmd >= 0x20 && cmd <= 0x3f) {
		i8042_reply(kc, kc->ram[cmd & 0x1f]);
	} else if (cmd >= 0x60 && cmd <= 0x7f) {
		kc->pending = I8042_TO_RAM;
		kc->pending_ram = cmd & 0x1f;
	} else if (cmd >= 0xf0) {
		if (!(cmd & I8042_OUT_RESET))
			i8042_cpu_reset(kc, "pulse", cmd);
	} else {
		i8042_simple_command(kc, cmd);
	}
}

static uint8_t i8042_status(const struct i8042 *kc)
{
	uint8_t s = I8042_STS_UNLOCKED;

	if (kc->obf)
		s |= I8042_STS_OBF;
	if (kc->ram[0] & I8042_CB_SYS)
		s |= I8042_STS_SYS;
	if (kc->last_cmd)
		s |= I8042_STS_CMD;
	if (kc->obf && kc->obuf_aux)
		s |= I8042_STS_AUX;
	return s;
}

static uint64_t i8042_read(void *opaque, const struct modvmm_access *a)
{
	struct i8042 *kc = opaque;

	if (a->addr == I8042_CMD)
		return i8042_status(kc);
	/* an empty buffer reads as the byte it last held */
	kc->obf = 0;
	return kc->obuf;
}

static void i8042_write(void *opaque, const struct modvmm_access *a,
			uint64_t val)
{
	struct i8042 *kc = opaque;

	if (a->addr == I8042_CMD)
		i8042_command(kc, (uint8_t)val);
	else
		i8042_data_write(kc, (uint8_t)val);
}

static const struct modvmm_range_ops i8042_ops = {
	.read = i8042_read,
	.write = i8042_write,
	.sizes = MODVMM_SIZE_1,
};

/* The controller as a BIOS leaves it; nothing to read, no command. */
static void i8042_power_on(struct i8042 *kc)
{
	memset(kc->ram, 0, sizeof(kc->ram));
	kc->ram[0] = I8042_CB_DEFAULT;
	kc->out_port = I8042_OUT_DEFAULT;
	kc->obuf = 0;
	kc->obf = 0;
	kc->obuf_aux = 0;
	kc->last_cmd = 0;
	kc->pending = I8042_TO_KBD;
	kc->pending_ram = 0;
}

static int i8042_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		      void **priv)
{
	struct i8042 *kc;

	kc = calloc(1, sizeof(*kc));
	if (!kc) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	kc->dev = dev;
	kc->host = host;
	i8042_power_on(kc);
	if (host->register_range(dev, MODVMM_SPACE_PIO, I8042_DATA, 1,
				 &i8042_ops, kc) ||
	    host->register_range(dev, MODVMM_SPACE_PIO, I8042_CMD, 1,
				 &i8042_ops, kc)) {
		host->set_error(dev, "cannot claim ports 0x60 and 0x64");
		free(kc);
		return -1;
	}
	*priv = kc;
	return 0;
}

/* A platform reset also resets the controller: power-on state. */
static void i8042_reset(void *priv)
{
	i8042_power_on(priv);
}

static void i8042_exit(void *priv)
{
	free(priv);
}

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl i8042_ranges[] = {
	{ MODVMM_SPACE_PIO, I8042_DATA, 1 },
	{ MODVMM_SPACE_PIO, I8042_CMD, 1 },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(i8042) = {
	MODVMM_DESC_HEADER,
	.name = "i8042",
	.license = "MIT",
	.description = "minimal PS/2 controller for probing and reset (ports 0x60, 0x64)",
	.options = NULL,
	.init = i8042_init,
	.exit = i8042_exit,
	.reset = i8042_reset,
	.ranges = i8042_ranges,
};
