// SPDX-License-Identifier: MIT
/*
 * debugport - the bochs/QEMU "debugcon" console on port 0xE9 and QEMU's
 * isa-debug-exit port on 0xF4.
 *
 * Console: every byte the guest writes to the console port is printed.
 * Output is buffered so that a guest printing one byte per exit does not
 * cost one write(2) per byte; the buffer is flushed at a newline, when it
 * is full, ~10 ms after the first unflushed byte (a one-shot host timer,
 * so a prompt without a newline still appears), in sync() and at exit.
 * Reading the console port returns 0xE9, which is how guests (and bochs'
 * convention) detect that the port is there.
 *
 * A machine reset (--reboot) writes out what is buffered, so that the
 * last boot's partial line is not lost, and disarms the flush timer; the
 * device has no other state.
 *
 * Exit port: a write of value v (1, 2 or 4 bytes, zero-extended) stops
 * the machine with status (v << 1) | 1, as QEMU's isa-debug-exit does, so
 * a guest can never produce one of modvmm's own (even) statuses.  Reads
 * return all ones, like an unclaimed port.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modvmm/device.h>

#define DEBUGPORT_BUF_SIZE	1024
#define DEBUGPORT_FLUSH_NS	10000000ull	/* 10 ms */
#define DEBUGPORT_DETECT	0xE9	/* value a read of the console returns */

struct debugport {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	struct modvmm_timer *flush_timer;
	int timer_armed;
	int fd;			/* -1: out=null */
	int own_fd;		/* fd was opened for out=PATH */
	size_t len;
	char buf[DEBUGPORT_BUF_SIZE];
};

/*
 * Write the whole buffer; on an error other than EINTR the output is
 * dropped rather than retried, since a closed stderr must not stall the
 * guest.
 */
static void debugport_flush(struct debugport *dp)
{
	size_t done = 0;

	if (!dp->len)
		return;
	dp->host->stat_add(dp->dev, "console_bytes", dp->len);
	while (dp->fd >= 0 && done < dp->len) {
		ssize_t n = write(dp->fd, dp->buf + done, dp->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			dp->host->stat_add(dp->dev, "console_dropped", dp->len - done);
			break;
		}
		done += (size_t)n;
	}
	dp->len = 0;
}

static void debugport_timer(void *opaque, uint64_t expired)
{
	struct debugport *dp = opaque;

	(void)expired;
	dp->timer_armed = 0;
	debugport_flush(dp);
}

static uint64_t debugport_console_read(void *opaque,
				       const struct modvmm_access *a)
{
	(void)opaque;
	(void)a;
	return DEBUGPORT_DETECT;
}

static void debugport_console_write(void *opaque,
				    const struct modvmm_access *a, uint64_t val)
{
	struct debugport *dp = opaque;
	char c = (char)(uint8_t)val;

	(void)a;
	dp->buf[dp->len++] = c;
	if (c == '\n' || dp->len == sizeof(dp->buf)) {
		debugport_flush(dp);
		return;
	}
	if (!dp->timer_armed) {
		dp->host->timer_arm(dp->flush_timer, DEBUGPORT_FLUSH_NS, 0);
		dp->timer_armed = 1;
	}
}

static void debugport_exit_write(void *opaque, const struct modvmm_access *a,
				 uint64_t val)
{
	struct debugport *dp = opaque;
	uint64_t v = val;
	uint64_t status;

	if (a->size < 8)
		v &= (1ull << (a->size * 8)) - 1;
	/* a process's exit status keeps 8 bits, as under QEMU: 0x80 gives 1 */
	status = ((v << 1) | 1) & 0xff;
	debugport_flush(dp);
	dp->host->request_stop(dp->dev, (int)status);
}

static const struct modvmm_range_ops debugport_console_ops = {
	.read = debugport_console_read,
	.write = debugport_console_write,
	.sizes = MODVMM_SIZE_1,
};

static const struct modvmm_range_ops debugport_exit_ops = {
	.read = NULL,		/* all ones, as QEMU's isa-debug-exit */
	.write = debugport_exit_write,
	.sizes = MODVMM_SIZE_1 | MODVMM_SIZE_2 | MODVMM_SIZE_4,
};

static int debugport_open_out(struct debugport *dp, const char *out)
{
	dp->own_fd = 0;
	if (!strcmp(out, "null")) {
		dp->fd = -1;
	} else if (!*out) {
		dp->host->set_error(dp->dev,
				    "out=: expected stderr, stdout, null or a file path");
		return -1;
	} else if (!MODVMM_HOST_HAS(dp->host, out_open)) {
		dp->host->set_error(dp->dev, "this modvmm is older than the plugin (no out_open)");
		return -1;
	} else {
		/* never blocks: a reader that does not keep up loses output */
		dp->fd = dp->host->out_open(dp->dev, out);
		if (dp->fd < 0) {
			dp->host->set_error(dp->dev, "out=%s: %s", out,
					    strerror(errno));
			return -1;
		}
		dp->own_fd = 1;
	}
	return 0;
}

struct debugport_cfg {
	uint64_t port, exit_port, exit_size;
};

static int debugport_parse(struct debugport *dp, struct debugport_cfg *cfg)
{
	const struct modvmm_host *h = dp->host;

	if (h->opt_u64(dp->dev, "port", 0xe9, &cfg->port) ||
	    h->opt_u64(dp->dev, "exit-port", 0xf4, &cfg->exit_port) ||
	    h->opt_u64(dp->dev, "exit-size", 4, &cfg->exit_size)) {
		h->set_error(dp->dev, "malformed option value");
		return -1;
	}
	if (cfg->port > 0xffff) {
		h->set_error(dp->dev, "port=0x%llx: not an I/O port (0-0xffff)",
			     (unsigned long long)cfg->port);
		return -1;
	}
	if (cfg->exit_size != 1 && cfg->exit_size != 2 && cfg->exit_size != 4) {
		h->set_error(dp->dev, "exit-size=%llu: must be 1, 2 or 4",
			     (unsigned long long)cfg->exit_size);
		return -1;
	}
	if (cfg->exit_port > 0x10000 - cfg->exit_size) {
		h->set_error(dp->dev,
			     "exit-port=0x%llx: range does not fit below 0x10000",
			     (unsigned long long)cfg->exit_port);
		return -1;
	}
	return 0;
}

static int debugport_register(struct debugport *dp,
			      const struct debugport_cfg *cfg)
{
	const struct modvmm_host *h = dp->host;

	if (h->register_range(dp->dev, MODVMM_SPACE_PIO, cfg->port, 1,
			      &debugport_console_ops, dp)) {
		h->set_error(dp->dev, "cannot claim console port 0x%llx",
			     (unsigned long long)cfg->port);
		return -1;
	}
	if (cfg->exit_port &&
	    h->register_range(dp->dev, MODVMM_SPACE_PIO, cfg->exit_port,
			      cfg->exit_size, &debugport_exit_ops, dp)) {
		h->set_error(dp->dev, "cannot claim exit ports 0x%llx-0x%llx",
			     (unsigned long long)cfg->exit_port,
			     (unsigned long long)(cfg->exit_port +
						  cfg->exit_size - 1));
		return -1;
	}
	return 0;
}

static int debugport_init(struct modvmm_dev *dev,
			  const struct modvmm_host *host, void **priv)
{
	struct debugport_cfg cfg;
	struct debugport *dp;

	dp = calloc(1, sizeof(*dp));
	if (!dp) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	dp->dev = dev;
	dp->host = host;
	dp->fd = -1;
	if (debugport_parse(dp, &cfg))
		goto fail;
	dp->flush_timer = host->timer_new(dev, debugport_timer, dp);
	if (!dp->flush_timer) {
		host->set_error(dev, "cannot create the flush timer");
		goto fail;
	}
	if (debugport_open_out(dp, host->opt_str(dev, "out", "stderr")))
		goto fail;
	if (debugport_register(dp, &cfg))
		goto fail;
	*priv = dp;
	return 0;
fail:
	/* The host releases the timer and ranges of a failed instance. */
	if (dp->own_fd)
		close(dp->fd);
	free(dp);
	return -1;
}

static void debugport_sync(void *priv)
{
	debugport_flush(priv);
}

static void debugport_reset(void *priv)
{
	struct debugport *dp = priv;

	debugport_flush(dp);
	if (dp->timer_armed) {
		dp->host->timer_arm(dp->flush_timer, 0, 0);
		dp->timer_armed = 0;
	}
}

/* The host frees the flush timer itself; touching it here could race its
 * own teardown order, and a flush leaves nothing for it to do. */
static void debugport_exit(void *priv)
{
	struct debugport *dp = priv;

	if (!dp)
		return;
	debugport_flush(dp);
	if (dp->own_fd)
		close(dp->fd);
	free(dp);
}

static const struct modvmm_option debugport_options[] = {
	{ "port", "console I/O port (bochs/QEMU debugcon)", "0xe9" },
	{ "out", "console output: stderr, stdout, null or a file path",
	  "stderr" },
	{ "exit-port", "isa-debug-exit port; a write of v exits with "
	  "(v << 1) | 1; 0 disables", "0xf4" },
	{ "exit-size", "width of the exit port range: 1, 2 or 4", "4" },
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl debugport_ranges[] = {
	{ MODVMM_SPACE_PIO, 0xe9, 1 },
	{ MODVMM_SPACE_PIO, 0xf4, 4 },
	MODVMM_RANGES_END
};

MODVMM_DEVICE(debugport) = {
	MODVMM_DESC_HEADER,
	.name = "debugport",
	.license = "MIT",
	.description = "debug console on port 0xE9 and exit port 0xF4",
	.options = debugport_options,
	.init = debugport_init,
	.exit = debugport_exit,
	.sync = debugport_sync,
	.reset = debugport_reset,
	.ranges = debugport_ranges,
};
