/* SPDX-License-Identifier: MIT */
/*
 * loadfuzz.h - feed a fuzzed image to loader_load() with a 4 MiB guest.
 */
#ifndef MODVMM_LOADFUZZ_H
#define MODVMM_LOADFUZZ_H

#include "fuzz.h"
#include "../../core/boot/loader.h"

/* Default options: no mode, address, entry, command line or modules. */
void loadfuzz_opts(struct load_opts *o, const uint8_t *data, size_t size);

/*
 * Load @o with --format @format into the fuzz guest and check what the
 * loader promises: a refused image leaves RAM untouched, an accepted one
 * starts the vCPU in a sane state.  Returns loader_load()'s result.
 */
int loadfuzz_load(const char *format, const struct load_opts *o);

/* Two small files the multiboot harness passes as modules. */
const char *loadfuzz_module_path(int i);

#endif
