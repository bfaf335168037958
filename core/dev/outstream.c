// SPDX-License-Identifier: MIT
/*
 * Console output streams (&modvmm_host.stream_open): what a console
 * device transmits, buffered and written in as few write() calls as the
 * guest's pace allows, and never a write that blocks the vm.
 *
 * Bytes are written out when the buffer is full, at a newline when the
 * sink is a terminal, FLUSH_DELAY_NS after the first unflushed byte (a
 * one-shot timer of the owning device), and at stream_flush() and
 * stream_close().  The fd comes from output_open(), so write() returns
 * EAGAIN instead of blocking.  A flush that may wait (a full buffer, an
 * explicit flush) waits at most WRITE_WAIT_MS for a full sink; when that
 * runs out the stream is stalled: what does not fit is dropped and
 * counted as the device's "tx_dropped", with one warning per stall, until
 * a write goes through again.  The timer's flush never waits: it keeps
 * the rest and tries again later.
 *
 * Streams live in one list; each names its device, so that
 * stream_close_owner() closes what a device left open.  Everything runs
 * under the device lock, like every device callback.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev/device.h"
#include "dev/dev_state.h"
#include "dev/outstream.h"
#include "event/event.h"
#include "io/output.h"
#include "vm/vm.h"

#define STREAM_BUF_SIZE	4096
#define FLUSH_DELAY_NS	5000000ull	/* 5 ms: invisible to a human */
#define WRITE_WAIT_MS	1000		/* longest wait on a full sink */

struct modvmm_stream {
	struct modvmm_dev *dev;
	int fd;			/* -1: output discarded */
	int tty;		/* a newline flushes */
	int stalled;		/* a bounded wait ran out: drop until it drains */
	int flush_armed;
	uint64_t dropped;	/* bytes lost to a sink that did not read */
	struct modvmm_timer *flush_timer;
	struct modvmm_stream *next;
	size_t len;
	uint8_t buf[STREAM_BUF_SIZE];
};


/* Stats and warnings are the device's own, as if it said them itself. */
static void stream_warn(struct modvmm_stream *s, const char *msg)
{
	device_host.log(s->dev, MODVMM_LOG_WARN, "%s", msg);
}

static void stream_stat(struct modvmm_stream *s, const char *name, uint64_t n)
{
	device_host.stat_add(s->dev, name, n);
}

/* Wait until @fd takes more output; 0 on timeout or error. */
static int stream_wait(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r;

	do {
		r = poll(&p, 1, WRITE_WAIT_MS);
	} while (r < 0 && errno == EINTR);
	return r > 0;
}

static void stream_arm(struct modvmm_stream *s, int on)
{
	if (on == s->flush_armed || !s->flush_timer)
		return;
	event_timer_arm(s->flush_timer, on ? FLUSH_DELAY_NS : 0, 0);
	s->flush_armed = on;
}

static void stream_fd_close(struct modvmm_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* The sink did not take @n bytes: count them, and say so once per stall. */
static void stream_drop(struct modvmm_stream *s, size_t n)
{
	if (!s->stalled)
		stream_warn(s, "output blocked: nobody reads it; dropping output until it drains");
	s->stalled = 1;
	s->dropped += n;
	stream_stat(s, "tx_dropped", n);
}

/*
 * Write the buffer out.  With @wait, a full sink is waited for, bounded,
 * and what still does not fit is dropped, so the buffer is empty after;
 * without @wait the rest stays buffered and the timer tries again.
 */
static void stream_write_out(struct modvmm_stream *s, int wait)
{
	size_t done = 0;

	while (done < s->len && s->fd >= 0) {
		ssize_t n = write(s->fd, s->buf + done, s->len - done);

		if (n > 0) {
			done += (size_t)n;
			s->stalled = 0;
			stream_stat(s, "tx_writes", 1);
			stream_stat(s, "tx_bytes", (uint64_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!wait)
				break;
			if (!s->stalled && stream_wait(s->fd))
				continue;
			stream_drop(s, s->len - done);
			done = s->len;
			break;
		}
		device_host.log(s->dev, MODVMM_LOG_WARN,
				"output: write: %s%s; output disabled",
				n < 0 ? strerror(errno) : "wrote nothing",
				n < 0 ? output_error_hint(errno) : "");
		stream_fd_close(s);
	}
	if (s->fd < 0)
		done = s->len;		/* discarded, or the output failed */
	if (done && done < s->len)
		memmove(s->buf, s->buf + done, s->len - done);
	s->len -= done;
	stream_arm(s, s->len != 0);
}

static void stream_flush_timer(void *opaque, uint64_t expired)
{
	struct modvmm_stream *s = opaque;

	(void)expired;
	s->flush_armed = 0;	/* one-shot: it has expired */
	stream_write_out(s, 0);
}

struct modvmm_stream *stream_open(struct modvmm_dev *dev, const char *spec)
{
	struct modvmm_stream *s;
	int err;

	if (!spec || !*spec) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->dev = dev;
	s->fd = -1;
	/* "null" discards without a file: nothing written, nothing counted */
	if (strcmp(spec, "null")) {
		s->fd = output_open(spec);
		if (s->fd < 0)
			goto fail;
		s->tty = isatty(s->fd);
		s->flush_timer = event_timer_new(dev, stream_flush_timer, s);
		if (!s->flush_timer) {
			errno = ENOMEM;
			goto fail;
		}
	}
	s->next = vm.dev->streams;
	vm.dev->streams = s;
	return s;
fail:
	err = errno;
	stream_fd_close(s);
	free(s);
	errno = err;
	return NULL;
}

void stream_write(struct modvmm_stream *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!s || s->fd < 0)
		return;		/* out=null, or the output failed */
	while (len) {
		size_t n = STREAM_BUF_SIZE - s->len;
		const uint8_t *nl;
		int eol = 0;

		if (!n) {
			stream_write_out(s, 1);
			if (s->fd < 0)
				return;
			continue;
		}
		if (n > len)
			n = len;
		if (s->tty) {
			nl = memchr(p, '\n', n);
			if (nl) {
				n = (size_t)(nl - p) + 1;
				eol = 1;
			}
		}
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		p += n;
		len -= n;
		if (eol || s->len == STREAM_BUF_SIZE)
			stream_write_out(s, 1);
		else
			stream_arm(s, 1);
		if (s->fd < 0)
			return;
	}
}

void stream_flush(struct modvmm_stream *s)
{
	if (s)
		stream_write_out(s, 1);
}

void stream_close(struct modvmm_stream *s)
{
	struct modvmm_stream **pp;

	if (!s)
		return;
	stream_write_out(s, 1);
	if (s->dropped)
		device_host.log(s->dev, MODVMM_LOG_WARN,
				"%llu bytes of output dropped: its reader did not keep up",
				(unsigned long long)s->dropped);
	for (pp = &vm.dev->streams; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	/* Idempotent: the host may have released the device's timers. */
	event_timer_free(s->flush_timer);
	stream_fd_close(s);
	free(s);
}

void stream_close_owner(struct modvmm_dev *dev)
{
	struct modvmm_stream *s = vm.dev->streams, *next;

	for (; s; s = next) {
		next = s->next;
		if (s->dev == dev)
			stream_close(s);
	}
}
