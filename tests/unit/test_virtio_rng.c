// SPDX-License-Identifier: MIT
/*
 * Unit tests for devices/virtio_rng.c and, through it, the virtio-mmio
 * transport (devices/virtio_mmio.c): registers, feature negotiation,
 * queue set-up, descriptor chains (direct and indirect), EVENT_IDX,
 * the interrupt line, malformed chains, resets and how the guest is
 * told where the device is (ACPI DSDT, Linux command line).
 */
#include "harness_util.h"
#include "../../core/dev/platform.h"
#include "virtio_util.h"

#define RINGS		0x10000ull
#define BUF		0x20000ull
#define TABLE		0x30000ull
#define IRQ		5

static struct vt_queue q;

/* A running virtio-rng with queue 0 of @num entries, features @want. */
static void rng_start(uint64_t want, uint16_t num)
{
	CHECK(unit_start("virtio-rng") != NULL);
	CHECK_EQ(vt_negotiate(VT_BASE, want) & VT_ST_FEATURES_OK,
		 VT_ST_FEATURES_OK);
	vt_queue_setup(&q, VT_BASE, 0, num, RINGS);
	vt_wr(VT_BASE, VT_STATUS, VT_ST_ACK | VT_ST_DRIVER |
	      VT_ST_FEATURES_OK | VT_ST_DRIVER_OK);
}

/* 1 if the @len bytes at @gpa are not all zero. */
static int filled(uint64_t gpa, size_t len)
{
	const uint8_t *p = harness_mem(gpa, len);
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 1;
	return 0;
}

UNIT_TEST(virtio_mmio_identifies_itself)
{
	CHECK(unit_start("virtio-rng") != NULL);
	CHECK_EQ(vt_rd(VT_BASE, VT_MAGIC), 0x74726976);
	CHECK_EQ(vt_rd(VT_BASE, VT_VERSION), 2);
	CHECK_EQ(vt_rd(VT_BASE, VT_DEVICE_ID), VIRTIO_ID_RNG);
	vt_wr(VT_BASE, VT_DEV_FEATURES_SEL, 1);
	CHECK_EQ(vt_rd(VT_BASE, VT_DEV_FEATURES), 1);	/* VERSION_1 */
	vt_wr(VT_BASE, VT_DEV_FEATURES_SEL, 0);
	CHECK_EQ(vt_rd(VT_BASE, VT_DEV_FEATURES),
		 (1u << VIRTIO_F_INDIRECT_DESC) | (1u << VIRTIO_F_EVENT_IDX));
	vt_wr(VT_BASE, VT_QUEUE_SEL, 0);
	CHECK_EQ(vt_rd(VT_BASE, VT_QUEUE_NUM_MAX), 256);
	vt_wr(VT_BASE, VT_QUEUE_SEL, 1);
	CHECK_EQ(vt_rd(VT_BASE, VT_QUEUE_NUM_MAX), 0);
	/* registers are 32-bit: a byte read gives 0 */
	CHECK_EQ(harness_read(MODVMM_SPACE_MMIO, VT_BASE, 1), 0);
	harness_exit();
}

UNIT_TEST(virtio_mmio_refuses_a_legacy_driver)
{
	CHECK(unit_start("virtio-rng") != NULL);
	vt_wr(VT_BASE, VT_STATUS, VT_ST_ACK | VT_ST_DRIVER);
	vt_wr(VT_BASE, VT_DRV_FEATURES_SEL, 1);
	vt_wr(VT_BASE, VT_DRV_FEATURES, 0);		/* no VERSION_1 */
	vt_wr(VT_BASE, VT_STATUS, VT_ST_ACK | VT_ST_DRIVER | VT_ST_FEATURES_OK);
	CHECK_EQ(vt_rd(VT_BASE, VT_STATUS) & VT_ST_FEATURES_OK, 0);
	/* nor bits the device did not offer */
	vt_wr(VT_BASE, VT_STATUS, 0);
	vt_wr(VT_BASE, VT_STATUS, VT_ST_ACK | VT_ST_DRIVER);
	vt_wr(VT_BASE, VT_DRV_FEATURES_SEL, 1);
	vt_wr(VT_BASE, VT_DRV_FEATURES, 1 | 2);
	vt_wr(VT_BASE, VT_STATUS, VT_ST_ACK | VT_ST_DRIVER | VT_ST_FEATURES_OK);
	CHECK_EQ(vt_rd(VT_BASE, VT_STATUS) & VT_ST_FEATURES_OK, 0);
	harness_exit();
}

UNIT_TEST(virtio_rng_fills_buffers_and_interrupts)
{
	struct vt_buf b[2] = { { BUF, 64, 1 }, { BUF + 0x1000, 100, 1 } };
	uint32_t id, id2, len;
	uint16_t head;

	rng_start(0, 8);
	head = vt_add(&q, b, 2);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	vt_kick(&q);
	CHECK(vt_take_used(&q, &id, &len));
	CHECK_EQ(id, head);
	CHECK_EQ(len, 164);
	CHECK(filled(BUF, 64) && filled(BUF + 0x1000, 100));
	CHECK_EQ(vt_rd(VT_BASE, VT_INT_STATUS), 1);
	CHECK_EQ(harness_irq_level(IRQ), 1);
	vt_wr(VT_BASE, VT_INT_ACK, 1);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	CHECK_EQ(vt_rd(VT_BASE, VT_INT_STATUS), 0);
	/* the ring wraps: 20 more requests through 8 entries */
	for (id = 0; id < 20; id++) {
		vt_add(&q, b, 1);
		vt_kick(&q);
		CHECK(vt_take_used(&q, &id2, &len));
		CHECK_EQ(len, 64);
	}
	CHECK_EQ(vt_used_idx(&q), 21);
	harness_exit();
}

UNIT_TEST(virtio_mmio_indirect_descriptors)
{
	uint32_t id, len;
	uint16_t head;

	rng_start(1ull << VIRTIO_F_INDIRECT_DESC, 4);
	/* a table of three writable buffers, chained 0 -> 2 -> 1 */
	memset(harness_mem(TABLE, 48), 0, 48);
	{
		struct vt_queue t = q;

		t.desc = TABLE;
		vt_desc(&t, 0, BUF, 16, VT_DESC_WRITE | VT_DESC_NEXT, 2);
		vt_desc(&t, 2, BUF + 0x100, 16, VT_DESC_WRITE | VT_DESC_NEXT, 1);
		vt_desc(&t, 1, BUF + 0x200, 16, VT_DESC_WRITE, 0);
	}
	head = 3;
	vt_desc(&q, head, TABLE, 48, VT_DESC_INDIRECT, 0);
	vt_publish(&q, head);
	vt_kick(&q);
	CHECK(vt_take_used(&q, &id, &len));
	CHECK_EQ(id, 3);
	CHECK_EQ(len, 48);
	CHECK(filled(BUF + 0x200, 16));
	harness_exit();
}

UNIT_TEST(virtio_mmio_event_idx_suppresses_interrupts)
{
	struct vt_buf b = { BUF, 32, 1 };
	uint32_t id, len;
	uint16_t ev;

	rng_start(1ull << VIRTIO_F_EVENT_IDX, 8);
	/* used_event 0: interrupt when used->idx passes 0 */
	vt_add(&q, &b, 1);
	vt_kick(&q);
	CHECK(vt_take_used(&q, &id, &len));
	CHECK_EQ(harness_irq_level(IRQ), 1);
	vt_wr(VT_BASE, VT_INT_ACK, 1);
	/* the driver wants nothing until entry 5 is used */
	ev = 5;
	vt_put(q.avail + 4 + 2 * 8, &ev, 2);
	vt_add(&q, &b, 1);
	vt_kick(&q);
	CHECK(vt_take_used(&q, &id, &len));
	CHECK_EQ(harness_irq_level(IRQ), 0);
	/* the device asks to be told of the next entry (avail_event) */
	vt_get(q.used + 4 + 8 * 8, &ev, 2);
	CHECK_EQ(ev, 2);
	for (id = 0; id < 4; id++) {
		vt_add(&q, &b, 1);
		vt_kick(&q);
		CHECK_EQ(harness_irq_level(IRQ), id == 3);
	}
	CHECK_EQ(vt_used_idx(&q), 6);
	CHECK_EQ(harness_irq_level(IRQ), 1);
	harness_exit();
}

UNIT_TEST(virtio_mmio_malformed_chains_need_reset)
{
	struct vt_buf out = { BUF, 16, 0 }, in = { BUF + 0x100, 16, 1 };
	struct vt_buf bad[2] = { in, out };	/* readable after writable */
	uint32_t id, len;

	rng_start(0, 4);
	vt_add(&q, bad, 2);
	vt_kick(&q);
	CHECK(!vt_take_used(&q, &id, &len));
	CHECK(vt_rd(VT_BASE, VT_STATUS) & VT_ST_NEEDS_RESET);
	CHECK_EQ(vt_rd(VT_BASE, VT_INT_STATUS), 2);	/* config change */
	/* after a reset the device works again */
	vt_wr(VT_BASE, VT_STATUS, 0);
	CHECK_EQ(vt_rd(VT_BASE, VT_STATUS), 0);
	CHECK_EQ(harness_irq_level(IRQ), 0);
	CHECK_EQ(vt_negotiate(VT_BASE, 0) & VT_ST_FEATURES_OK, VT_ST_FEATURES_OK);
	vt_queue_setup(&q, VT_BASE, 0, 4, RINGS);
	vt_wr(VT_BASE, VT_STATUS, VT_ST_ACK | VT_ST_DRIVER |
	      VT_ST_FEATURES_OK | VT_ST_DRIVER_OK);
	vt_add(&q, &in, 1);
	vt_kick(&q);
	CHECK(vt_take_used(&q, &id, &len));
	/* a loop of descriptors */
	vt_desc(&q, 1, BUF, 16, VT_DESC_WRITE | VT_DESC_NEXT, 2);
	vt_desc(&q, 2, BUF, 16, VT_DESC_WRITE | VT_DESC_NEXT, 1);
	vt_publish(&q, 1);
	vt_kick(&q);
	CHECK(vt_rd(VT_BASE, VT_STATUS) & VT_ST_NEEDS_RESET);
	harness_exit();
	/* a buffer outside RAM */
	rng_start(0, 4);
	in.gpa = 0xfff00000;
	vt_add(&q, &in, 1);
	vt_kick(&q);
	CHECK(vt_rd(VT_BASE, VT_STATUS) & VT_ST_NEEDS_RESET);
	harness_exit();
}

UNIT_TEST(virtio_mmio_refuses_rings_outside_ram)
{
	CHECK(unit_start("virtio-rng") != NULL);
	vt_negotiate(VT_BASE, 0);
	vt_wr(VT_BASE, VT_QUEUE_SEL, 0);
	vt_wr(VT_BASE, VT_QUEUE_NUM, 8);
	vt_wr(VT_BASE, VT_QUEUE_DESC, 0xfff00000);
	vt_wr(VT_BASE, VT_QUEUE_READY, 1);
	CHECK_EQ(vt_rd(VT_BASE, VT_QUEUE_READY), 0);
	/* nor a size that is no power of 2 */
	vt_wr(VT_BASE, VT_QUEUE_NUM, 6);
	vt_wr(VT_BASE, VT_QUEUE_DESC, RINGS);
	vt_wr(VT_BASE, VT_QUEUE_READY, 1);
	CHECK_EQ(vt_rd(VT_BASE, VT_QUEUE_READY), 0);
	harness_exit();
}

UNIT_TEST(virtio_mmio_machine_reset)
{
	struct vt_buf b = { BUF, 32, 1 };

	rng_start(0, 4);
	vt_add(&q, &b, 1);
	vt_kick(&q);
	CHECK_EQ(harness_irq_level(IRQ), 1);
	harness_reset();
	CHECK_EQ(harness_irq_level(IRQ), 0);
	CHECK_EQ(vt_rd(VT_BASE, VT_STATUS), 0);
	CHECK_EQ(vt_rd(VT_BASE, VT_QUEUE_READY), 0);
	CHECK_EQ(vt_rd(VT_BASE, VT_INT_STATUS), 0);
	harness_exit();
}

/* Two instances get two windows and two lines; both are described. */
UNIT_TEST(virtio_mmio_places_and_describes_devices)
{
	struct modvmm_platform_dev pd;
	struct harness_range r;

	CHECK(unit_start("virtio-rng") != NULL);
	CHECK(harness_device("virtio-rng") != NULL);
	CHECK(harness_device("virtio-rng,addr=0xd0010000,irq=11") != NULL);
	CHECK(harness_range(MODVMM_SPACE_MMIO, VT_BASE + 0x200, &r));
	CHECK_EQ(platform_dev_get(0, &pd), 0);
	CHECK_STR_EQ(pd.hid, "LNRO0005");
	CHECK_EQ(pd.mmio_base, VT_BASE);
	CHECK_EQ(pd.mmio_len, 0x200);
	CHECK_EQ(pd.irq, 5);
	CHECK_EQ(platform_dev_get(1, &pd), 0);
	CHECK_EQ(pd.irq, 6);
	CHECK(pd.uid != 0);
	CHECK_EQ(platform_dev_get(2, &pd), 0);
	CHECK_EQ(pd.mmio_base, 0xd0010000);
	CHECK_EQ(pd.irq, 11);
	CHECK_EQ(platform_dev_get(3, &pd), -1);
	CHECK_STR_EQ(platform_cmdline_extra(),
		     "virtio_mmio.device=512@0xd0000000:5 "
		     "virtio_mmio.device=512@0xd0000200:6 "
		     "virtio_mmio.device=512@0xd0010000:11");
	harness_exit();
}

UNIT_TEST(virtio_mmio_refuses_bad_placement)
{
	struct modvmm_platform_dev pd;

	unit_refused("virtio-rng,addr=0xd0000100", "want a 4 KiB-aligned address",
		     MODVMM_SPACE_MMIO, 0xd0000100);
	unit_refused("virtio-rng,irq=24", "irq=24: want 0 to 23",
		     MODVMM_SPACE_MMIO, VT_BASE);
	/* an instance that failed gave its window back */
	CHECK(unit_start("virtio-rng,irq=24") == NULL);
	CHECK(harness_device("virtio-rng") != NULL);
	CHECK_EQ(platform_dev_get(0, &pd), 0);
	CHECK_EQ(pd.irq, 5);
	CHECK_EQ(platform_dev_get(1, &pd), -1);
	harness_exit();
}

/* The library module has no instances. */
UNIT_TEST(virtio_mmio_is_not_a_device)
{
	CHECK(unit_start("virtio-mmio") == NULL);
	CHECK_STR_CONTAINS(harness_last_error(), "a library module");
	harness_exit();
}
