/* SPDX-License-Identifier: MIT */
#ifndef MODVMM_OPTIONS_H
#define MODVMM_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#define OPT_MAX_KV	32

/**
 * struct opt_kv - one key=value pair of a device option string.
 */
struct opt_kv {
	char *key;
	char *value;	/* "" when the option was given as a bare key */
};

/**
 * struct opt_list - the parsed "name,key=value,..." of one -d argument.
 */
struct opt_list {
	char *buf;	/* owned copy the pointers below point into */
	const char *name;
	struct opt_kv kv[OPT_MAX_KV];
	int count;
};

int opt_parse_u64(const char *s, uint64_t *out);
int opt_parse_bool(const char *s, int *out);
int opt_parse_size(const char *s, uint64_t *out);
int opt_list_parse(struct opt_list *l, const char *arg, char *err, size_t errlen);
void opt_list_free(struct opt_list *l);
const char *opt_list_get(const struct opt_list *l, const char *key);

#endif
