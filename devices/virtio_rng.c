// SPDX-License-Identifier: MIT
/*
 * virtio-rng: an entropy source for the guest (Virtio 1.2, section 5.4),
 * filled from the host's getrandom().  One request queue; every buffer
 * the driver posts comes back full.  No configuration space, no feature
 * bits of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <modvmm/virtio.h>

#define RNG_QUEUE_MAX	256
/* What one request gets at most: Linux asks for 32 to 64 bytes. */
#define RNG_CHUNK	4096

struct virtio_rng {
	struct modvmm_dev *dev;
	const struct modvmm_host *host;
	const struct modvmm_virtio_api *vio;
	struct modvmm_virtio *vd;
	struct modvmm_virtio_req req;
	uint8_t buf[RNG_CHUNK];
};

/* @len random bytes into rng->buf; 0, or -1 when the host has none. */
static int rng_fill(struct virtio_rng *rng, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = getrandom(rng->buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static void rng_notify(void *opaque, unsigned int queue)
{
	struct virtio_rng *rng = opaque;
	size_t len, done;
	int served = 0;

	(void)queue;
	while (rng->vio->pop(rng->vd, 0, &rng->req) == 1) {
		len = rng->req.write_len < RNG_CHUNK ? rng->req.write_len : RNG_CHUNK;
		if (rng_fill(rng, len)) {
			rng->host->log(rng->dev, MODVMM_LOG_ERROR,
				       "getrandom: %s; the device stops",
				       strerror(errno));
			rng->vio->needs_reset(rng->vd);
			return;
		}
		done = rng->vio->copy_to(rng->vd, &rng->req, 0, rng->buf, len);
		rng->vio->push(rng->vd, 0, rng->req.head, (uint32_t)done);
		rng->host->stat_add(rng->dev, "bytes", done);
		served = 1;
	}
	if (served)
		rng->vio->notify(rng->vd, 0);
}

static const struct modvmm_virtio_ops rng_virtio_ops = {
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.queue_max = RNG_QUEUE_MAX,
	.queue_notify = rng_notify,
};

static int rng_init(struct modvmm_dev *dev, const struct modvmm_host *host,
		    void **priv)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));

	if (!rng) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	rng->dev = dev;
	rng->host = host;
	rng->vio = MODVMM_HOST_HAS(host, module_get) ?
		   host->module_get(dev, MODVMM_VIRTIO_MODULE) : NULL;
	if (!rng->vio || rng->vio->version != MODVMM_VIRTIO_API_VERSION) {
		host->set_error(dev, "no virtio-mmio transport of API version %d",
				MODVMM_VIRTIO_API_VERSION);
		free(rng);
		return -1;
	}
	rng->vd = rng->vio->create(dev, host, &rng_virtio_ops, NULL, rng);
	if (!rng->vd) {
		free(rng);
		return -1;
	}
	*priv = rng;
	return 0;
}

static void rng_exit(void *priv)
{
	struct virtio_rng *rng = priv;

	rng->vio->destroy(rng->vd);
	free(rng);
}

static void rng_reset(void *priv)
{
	struct virtio_rng *rng = priv;

	rng->vio->reset(rng->vd);
}

static const struct modvmm_option rng_options[] = {
	MODVMM_VIRTIO_OPTIONS,
	{ NULL, NULL, NULL }
};

static const char *const rng_depends[] = { MODVMM_VIRTIO_MODULE, NULL };

/* What --list-devices shows; init registers these with default options. */
static const struct modvmm_range_decl rng_ranges[] = {
	MODVMM_VIRTIO_RANGE,
	MODVMM_RANGES_END
};

MODVMM_DEVICE(virtio_rng) = {
	MODVMM_DESC_HEADER,
	.name = "virtio-rng",
	.license = "MIT",
	.description = "virtio entropy source, from the host's getrandom()",
	.options = rng_options,
	.init = rng_init,
	.exit = rng_exit,
	.reset = rng_reset,
	.depends = rng_depends,
	.ranges = rng_ranges,
};
