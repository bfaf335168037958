// SPDX-License-Identifier: MIT
/*
 * cxx - a plugin written in C++ (C++20: designated initialisers, in the
 * order the structs declare their fields).  Port 0x5c0 counts the reads
 * made of it; a write sets the count.
 */
#include <modvmm/device.h>

#include <new>

namespace {

struct counter {
	uint64_t reads = 0;
};

uint64_t cxx_read(void *opaque, const struct modvmm_access *a)
{
	(void)a;
	return ++static_cast<counter *>(opaque)->reads;
}

void cxx_write(void *opaque, const struct modvmm_access *a, uint64_t val)
{
	(void)a;
	static_cast<counter *>(opaque)->reads = val;
}

const struct modvmm_range_ops cxx_ops = {
	.read = cxx_read,
	.write = cxx_write,
	.sizes = MODVMM_SIZE_1,
	.valid = MODVMM_SIZE_1,
};

int cxx_init(struct modvmm_dev *dev, const struct modvmm_host *host,
	     void **priv)
{
	counter *c = new (std::nothrow) counter;

	if (!c) {
		host->set_error(dev, "out of memory");
		return -1;
	}
	*priv = c;
	if (host->register_range(dev, MODVMM_SPACE_PIO, 0x5c0, 1, &cxx_ops, c)) {
		delete c;
		return -1;
	}
	return 0;
}

void cxx_exit(void *priv)
{
	delete static_cast<counter *>(priv);
}

} // namespace

MODVMM_DEVICE(cxx) = {
	MODVMM_DESC_HEADER,
	.name = "cxx",
	.license = "MIT",
	.description = "test plugin written in C++",
	.init = cxx_init,
	.exit = cxx_exit,
};
