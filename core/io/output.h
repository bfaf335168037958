/* SPDX-License-Identifier: MIT */
/*
 * output.h - where devices' output goes: stdout, stderr, a file, and
 * never a write that blocks the vCPU thread.
 */
#ifndef MODVMM_OUTPUT_H
#define MODVMM_OUTPUT_H

/*
 * Open output @spec ("stdout", "stderr", "null" or a file path, created
 * or truncated) for one device's own use.  The fd returned never blocks
 * a write: a pipe, FIFO, terminal or character device gets an open file
 * description of its own with O_NONBLOCK (the shell's terminal keeps its
 * flags); regular files do not wait.  Returns the fd, or -1 with errno
 * (ENXIO: a FIFO that nobody reads).
 */
int output_open(const char *spec);

/*
 * What to add to strerror(@err) after a failed write to an output, such
 * as " (the file-size limit, ulimit -f)" for EFBIG; "" when nothing.
 */
const char *output_error_hint(int err);

#endif
