/* SPDX-License-Identifier: MIT */
/*
 * modvmm/virtio_blk.h - the virtio block device's wire format, as the
 * Virtio 1.2 specification (section 5.2) defines it: feature bits,
 * request types, status values and the configuration space.  The device
 * (devices/virtio_blk.c), its tests and anyone driving it use these.
 */
#ifndef MODVMM_VIRTIO_BLK_H
#define MODVMM_VIRTIO_BLK_H

#include <stddef.h>
#include <stdint.h>

/* Feature bits (Virtio 1.2, 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX		1
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

/* Request types (5.2.6). */
#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_GET_LIFETIME	10
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13

/* Status byte values. */
#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

/* The flags of a discard / write zeroes segment. */
#define VIRTIO_BLK_WZ_UNMAP		1u

/* A request's header (le32 type, le32 reserved, le64 sector) and a
 * discard / write zeroes segment (le64 sector, le32 num, le32 flags). */
#define VIRTIO_BLK_HDR_LEN		16u
#define VIRTIO_BLK_DWZ_LEN		16u
/* GET_ID's answer, and the sector of every request. */
#define VIRTIO_BLK_ID_LEN		20u
#define VIRTIO_BLK_SECTOR		512u

/* struct virtio_blk_config up to write_zeroes_may_unmap (5.2.4). */
struct virtio_blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

_Static_assert(offsetof(struct virtio_blk_config, blk_size) == 20, "blk_size");
_Static_assert(offsetof(struct virtio_blk_config, writeback) == 32, "writeback");
_Static_assert(offsetof(struct virtio_blk_config, max_discard_sectors) == 36,
	       "max_discard_sectors");
_Static_assert(offsetof(struct virtio_blk_config, write_zeroes_may_unmap) == 56,
	       "write_zeroes_may_unmap");
_Static_assert(sizeof(struct virtio_blk_config) == 60, "virtio_blk_config size");

#endif /* MODVMM_VIRTIO_BLK_H */
