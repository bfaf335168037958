// SPDX-License-Identifier: MIT
/*
 * virtio_console.c - a virtio console (Virtio 1.2, section 5.3), device
 * ID 3, on the virtio-mmio transport (<modvmm/virtio.h>).
 *
 * One port, no VIRTIO_CONSOLE_F_SIZE, VIRTIO_CONSOLE_F_MULTIPORT or
 * VIRTIO_CONSOLE_F_EMERG_WRITE, so two queues:
 *
 *   0  receiveq  (port 0 input): host to guest
 *   1  transmitq (port 0 output): guest to host
 *
 * and a configuration space (cols, rows, max_nr_ports, emerg_wr) that
 * reads as zeros; the driver has no reason to read it without those
 * features, and its writes are dropped.
 *
 * Transmit: every chain the guest queues on the transmitq is read whole
 * (its readable buffers, in order) into the output stream and given back
 * with 0 bytes written.  The output is the host's console stream
 * (&modvmm_host.stream_open), the same backend the UART uses: buffered,
 * coalesced and never blocking the machine.
 *
 * Receive: input is read when the host says the fd is readable, into a
 * backlog of BACKLOG_SIZE bytes, and moved into the buffers the guest has
 * posted on the receiveq, as many bytes per buffer as fit.  With no
 * buffer posted (a driver not loaded yet, a guest that does not read)
 * the bytes wait in the backlog and nothing is lost; the fd is unwatched
 * while the backlog is full and watched again once it is half empty.
 * A driver reset and a machine reset keep the backlog, as bytes still on
 * the wire.
 *
 * Options out=, file= and in= mean what they mean for serial8250
 * (stdout, stderr, null or a path; stdin, null or a path), and so does
 * the console escape when the input is the console (in=stdin): Ctrl-A
 * then 'x' stops the run with status 20; Ctrl-A Ctrl-A sends one Ctrl-A;
 * Ctrl-A then any other byte sends both bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modvmm/device.h>
#include <modvmm/virtio.h>

#define VCON_RX_QUEUE	0
#define VCON_TX_QUEUE	1
#define VCON_NR_QUEUES	2
#define VCON_QUEUE_MAX	256

#define BACKLOG_SIZE	4096
#define COPY_CHUNK	4096
/* Chains served per call: a guest that refills the transmitq as fast as
 * it is emptied must not hold the device lock for ever. */
#define TX_BATCH	VCON_QUEUE_MAX
#define KICK_DELAY_NS	1000ull		/* "soon", from a timer */
#define ESCAPE_CHAR	0x01		/* Ctrl-A */

/* The configuration space (section 5.3.4), little-endian. */
struct vcon_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
};

struct vcon {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	const struct modvmm_virtio_api *vio;
	struct modvmm_virtio *vd;
	struct vcon_config config;
	struct modvmm_timer *kick;	/* serve both queues soon */

	struct modvmm_stream *out;	/* NULL: output discarded */

	int in_fd;		/* -1: no input */
	int in_owned;
	int in_console;		/* stdin: the escape sequence applies */
	int in_watched;
	int in_always_ready;	/* cannot be watched: read on demand */
	int in_done;		/* EOF, error or stop requested */
	int esc_pending;
	unsigned int bl_head, bl_count;
	uint8_t backlog[BACKLOG_SIZE];

	struct modvmm_virtio_req req;	/* the chain being served */
};

/* ---- input ----------------------------------------------------------- */

static void vcon_backlog_put(struct vcon *c, uint8_t b)
{
	if (c->bl_count >= BACKLOG_SIZE)
		return;		/* cannot happen: reads are sized to fit */
	c->backlog[(c->bl_head + c->bl_count) % BACKLOG_SIZE] = b;
	c->bl_count++;
}

/* One byte from the input fd; returns -1 when the escape stopped the run. */
static int vcon_in_byte(struct vcon *c, uint8_t b)
{
	if (c->in_console) {
		if (c->esc_pending) {
			c->esc_pending = 0;
			if (b == 'x') {
				c->host->request_stop(c->dev, MODVMM_STATUS_STOPPED);
				return -1;
			}
			if (b != ESCAPE_CHAR)
				vcon_backlog_put(c, ESCAPE_CHAR);
		} else if (b == ESCAPE_CHAR) {
			c->esc_pending = 1;
			return 0;
		}
	}
	vcon_backlog_put(c, b);
	return 0;
}

static void vcon_in_unwatch(struct vcon *c)
{
	if (c->in_watched)
		c->host->fd_unwatch(c->dev, c->in_fd);
	c->in_watched = 0;
}

static void vcon_in_stop(struct vcon *c)
{
	vcon_in_unwatch(c);
	c->in_done = 1;
}

/*
 * Read what the input has into the backlog.  Only called when the fd is
 * readable (or cannot be watched), so read() does not block; O_NONBLOCK
 * is never set on a shared stdin, whose open file the terminal's stdout
 * often is too.
 */
static void vcon_in_read(struct vcon *c)
{
	uint8_t buf[BACKLOG_SIZE];
	size_t room = BACKLOG_SIZE - c->bl_count;
	ssize_t n, i;

	/* One spare byte: a pending Ctrl-A may expand into two bytes. */
	if (room < 2) {
		vcon_in_unwatch(c);
		return;
	}
	n = read(c->in_fd, buf, room - 1);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		c->host->log(c->dev, MODVMM_LOG_WARN, "input: read: %s",
			     strerror(errno));
		vcon_in_stop(c);
		return;
	}
	if (n == 0) {
		vcon_in_stop(c);
		return;
	}
	c->host->stat_add(c->dev, "rx_bytes", (uint64_t)n);
	for (i = 0; i < n; i++) {
		if (vcon_in_byte(c, buf[i])) {
			vcon_in_stop(c);
			return;
		}
	}
	if (BACKLOG_SIZE - c->bl_count < 2)
		vcon_in_unwatch(c);
}

static void vcon_in_fd_ready(void *opaque, int fd);

/*
 * Watch the input fd.  A host that cannot watch it (no poll support)
 * leaves it to be read on demand, when the guest posts receive buffers.
 */
static void vcon_in_watch(struct vcon *c)
{
	if (c->in_watched || c->in_always_ready)
		return;
	if (c->host->fd_watch(c->dev, c->in_fd, vcon_in_fd_ready, c))
		c->in_always_ready = 1;
	else
		c->in_watched = 1;
}

/* Ask for more input while the backlog is at most half full. */
static void vcon_in_resume(struct vcon *c)
{
	if (c->in_done || c->in_fd < 0 || c->bl_count > BACKLOG_SIZE / 2)
		return;
	vcon_in_watch(c);
	if (c->in_always_ready)
		vcon_in_read(c);
}

/*
 * Move backlog bytes into the buffers the guest posted on the receiveq,
 * one chain at a time, until either runs out.  A chain is taken only
 * when there are bytes for it.
 */
static void vcon_rx_deliver(struct vcon *c)
{
	int used = 0;

	while (c->bl_count && c->vd) {
		uint32_t written = 0;

		if (c->vio->pop(c->vd, VCON_RX_QUEUE, &c->req) != 1)
			break;
		while (c->bl_count && written < c->req.write_len) {
			size_t run = BACKLOG_SIZE - c->bl_head, n;

			if (run > c->bl_count)
				run = c->bl_count;
			n = c->vio->copy_to(c->vd, &c->req, written,
					    c->backlog + c->bl_head, run);
			if (!n)
				break;
			c->bl_head = (unsigned int)((c->bl_head + n) % BACKLOG_SIZE);
			c->bl_count -= (unsigned int)n;
			written += (uint32_t)n;
		}
		c->vio->push(c->vd, VCON_RX_QUEUE, c->req.head, written);
		used = 1;
	}
	if (used)
		c->vio->notify(c->vd, VCON_RX_QUEUE);
}

/* The receive side: take what the input has, hand it to the guest. */
static void vcon_rx_run(struct vcon *c)
{
	vcon_rx_deliver(c);
	vcon_in_resume(c);
	vcon_rx_deliver(c);
}

/* The host saw the input fd readable. */
static void vcon_in_fd_ready(void *opaque, int fd)
{
	struct vcon *c = opaque;

	(void)fd;
	if (!c->in_watched)
		return;
	vcon_in_read(c);
	vcon_rx_run(c);
}

/* ---- output ---------------------------------------------------------- */

/*
 * Copy every chain the guest queued on the transmitq to the output and
 * give it back, at most TX_BATCH of them; returns 1 if more may wait.
 */
static int vcon_tx_run(struct vcon *c)
{
	uint8_t buf[COPY_CHUNK];
	int served = 0, r = 0;

	while (c->vd && served < TX_BATCH) {
		size_t off = 0, n;

		r = c->vio->pop(c->vd, VCON_TX_QUEUE, &c->req);
		if (r != 1)
			break;
		while (off < c->req.read_len) {
			n = c->vio->copy_from(c->vd, &c->req, off, buf,
					      sizeof(buf));
			if (!n)
				break;
			if (c->out)
				c->host->stream_write(c->out, buf, n);
			off += n;
		}
		c->vio->push(c->vd, VCON_TX_QUEUE, c->req.head, 0);
		served++;
	}
	if (served)
		c->vio->notify(c->vd, VCON_TX_QUEUE);
	return served == TX_BATCH && r == 1;
}

static void vcon_kick_later(struct vcon *c)
{
	c->host->timer_arm(c->kick, KICK_DELAY_NS, 0);
}

/* ---- transport callbacks --------------------------------------------- */

static void vcon_queue_notify(void *opaque, unsigned int queue)
{
	struct vcon *c = opaque;

	if (queue == VCON_RX_QUEUE)
		vcon_rx_run(c);
	else if (queue == VCON_TX_QUEUE && vcon_tx_run(c))
		vcon_kick_later(c);
}

/*
 * Buffers a driver posts before DRIVER_OK come with a notification the
 * transport does not pass on; look at both queues once the device is
 * live, from a timer rather than from inside the transport's call.
 */
static int vcon_activate(void *opaque, uint64_t features)
{
	struct vcon *c = opaque;

	(void)features;
	vcon_kick_later(c);
	return 0;
}

/* Nothing is held across calls, so a reset forgets nothing but the
 * pending look at the queues; the backlog stays for the next driver. */
static void vcon_virtio_reset(void *opaque)
{
	struct vcon *c = opaque;

	c->host->timer_arm(c->kick, 0, 0);
}

static void vcon_kick_timer(void *opaque, uint64_t expired)
{
	struct vcon *c = opaque;

	(void)expired;
	vcon_rx_run(c);
	if (vcon_tx_run(c))
		vcon_kick_later(c);
}

static const struct modvmm_virtio_ops vcon_virtio_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.features = 0,
	.nr_queues = VCON_NR_QUEUES,
	.queue_max = VCON_QUEUE_MAX,
	.config_len = sizeof(struct vcon_config),
	.config_write = NULL,
	.queue_notify = vcon_queue_notify,
	.activate = vcon_activate,
	.reset = vcon_virtio_reset,
};

/* ---- set-up ---------------------------------------------------------- */

static int vcon_open_out(struct vcon *c)
{
	const struct modvmm_host *h = c->host;
	const char *out = h->opt_str(c->dev, "out", NULL);
	const char *file = h->opt_str(c->dev, "file", NULL);
	char path[4096];

	if (out && file) {
		h->set_error(c->dev, "options out= and file= both given");
		return -1;
	}
	if (file)
		out = file;
	else if (!out)
		out = "stdout";
	if (!*out) {
		h->set_error(c->dev, "option %s=: empty", file ? "file" : "out");
		return -1;
	}
	if (!file && !strcmp(out, "null"))
		return 0;
	/* file=stdout is a file called stdout, not the stream */
	snprintf(path, sizeof(path), "%s%s", file && !strchr(out, '/') ?
		 "./" : "", out);
	c->out = h->stream_open(c->dev, path);
	if (!c->out) {
		h->set_error(c->dev, "option %s=%s: %s",
			     file ? "file" : "out", out, strerror(errno));
		return -1;
	}
	return 0;
}

static int vcon_open_in(struct vcon *c)
{
	const struct modvmm_host *h = c->host;
	const char *in = h->opt_str(c->dev, "in", "stdin");

	if (!*in) {
		h->set_error(c->dev, "option in=: empty");
		return -1;
	}
	if (!strcmp(in, "null"))
		return 0;
	if (!strcmp(in, "stdin")) {
		if (!h->console_acquire(c->dev)) {
			h->log(c->dev, MODVMM_LOG_INFO,
			       "console input belongs to another device; input is null");
			return 0;
		}
		c->in_fd = STDIN_FILENO;
		c->in_console = 1;
	} else {
		/* Our own open file: O_NONBLOCK touches nobody else. */
		c->in_fd = open(in, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (c->in_fd < 0) {
			h->set_error(c->dev, "option in=%s: %s", in,
				     strerror(errno));
			return -1;
		}
		c->in_owned = 1;
	}
	vcon_in_watch(c);
	return 0;
}

/* The transport's table, checked. */
static int vcon_get_transport(struct vcon *c)
{
	const struct modvmm_host *h = c->host;

	c->vio = h->module_get(c->dev, MODVMM_VIRTIO_MODULE);
	if (!c->vio) {
		h->set_error(c->dev, "module %s exports no transport",
			     MODVMM_VIRTIO_MODULE);
		return -1;
	}
	if (c->vio->version != MODVMM_VIRTIO_API_VERSION ||
	    c->vio->struct_size < sizeof(struct modvmm_virtio_api)) {
		h->set_error(c->dev, "module %s speaks virtio API %u, this device %u",
			     MODVMM_VIRTIO_MODULE, (unsigned int)c->vio->version,
			     (unsigned int)MODVMM_VIRTIO_API_VERSION);
		return -1;
	}
	return 0;
}

static void vcon_release(struct vcon *c)
{
	if (c->vd)
		c->vio->destroy(c->vd);
	c->vd = NULL;
	vcon_in_unwatch(c);
	if (c->in_owned)
		close(c->in_fd);
	if (c->kick)
		c->host->timer_free(c->kick);
	if (c->out)
		c->host->stream_close(c->out);	/* flushes what is left */
	free(c);
}

static int vcon_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		     void **priv)
{
	struct vcon *c;

	if (!MODVMM_HOST_HAS(host, stream_close) ||
	    !MODVMM_HOST_HAS(host, module_get)) {
		host->set_error(dev, "this modvmm is older than the plugin (no stream_open)");
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	c->dev = dev;
	c->host = host;
	c->in_fd = -1;
	if (vcon_get_transport(c))
		goto fail;
	c->kick = host->timer_new(dev, vcon_kick_timer, c);
	if (!c->kick) {
		host->set_error(dev, "cannot create a timer");
		goto fail;
	}
	/* Claim the window before opening files, so a clash truncates none. */
	c->vd = c->vio->create(dev, host, &vcon_virtio_ops, &c->config, c);
	if (!c->vd)
		goto fail;
	if (vcon_open_out(c) || vcon_open_in(c))
		goto fail;
	*priv = c;
	return 0;
fail:
	vcon_release(c);
	return -1;
}

static void vcon_exit(void *priv)
{
	vcon_release(priv);
}

static void vcon_sync(void *priv)
{
	struct vcon *c = priv;

	if (c->out)
		c->host->stream_flush(c->out);
}

/* A machine reset: what the guest sent is written out now, the transport
 * goes back to power-on; input not yet delivered stays in the backlog. */
static void vcon_reset(void *priv)
{
	struct vcon *c = priv;

	if (c->out)
		c->host->stream_flush(c->out);
	c->vio->reset(c->vd);
}

static const char *const vcon_depends[] = { MODVMM_VIRTIO_MODULE, NULL };

static const struct modvmm_option vcon_options[] = {
	{ "out", "transmit to stdout, stderr, null or a file PATH", "stdout" },
	{ "file", "transmit to file PATH (same as out=PATH)", NULL },
	{ "in", "receive from stdin (the console; Ctrl-A x quits), null or a file PATH",
	  "stdin" },
	MODVMM_VIRTIO_OPTIONS,
	{ NULL, NULL, NULL }
};

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl vcon_ranges[] = {
	MODVMM_VIRTIO_RANGE,
	MODVMM_RANGES_END
};

MODVMM_DEVICE(virtio_console) = {
	MODVMM_DESC_HEADER,
	.name = "virtio-console",
	.license = "MIT",
	.description = "virtio console (virtio-mmio): one port, console and file I/O",
	.options = vcon_options,
	.init = vcon_init,
	.exit = vcon_exit,
	.sync = vcon_sync,
	.reset = vcon_reset,
	.depends = vcon_depends,
	.ranges = vcon_ranges,
};
