/* SPDX-License-Identifier: MIT */
/*
 * outstream.h - buffered, never-blocking console output streams: the
 * one output backend of every console device (&modvmm_host.stream_open).
 */
#ifndef MODVMM_OUTSTREAM_H
#define MODVMM_OUTSTREAM_H

#include <stddef.h>

#include <modvmm/device.h>

struct modvmm_stream *stream_open(struct modvmm_dev *dev, const char *spec);
void stream_write(struct modvmm_stream *s, const void *buf, size_t len);
void stream_flush(struct modvmm_stream *s);
void stream_close(struct modvmm_stream *s);
/* Close every stream @dev still holds (after its exit). */
void stream_close_owner(struct modvmm_dev *dev);

#endif
