// SPDX-License-Identifier: MIT
/*
 * fuzz_options - core/options.c: "name,key=value,..." lists and the
 * number, size and boolean parsers.
 *
 * The input is one string (up to its first NUL).  It is split as a -d
 * argument, and every value, and the string itself, goes through the
 * parsers, which are compared with a simple reference: the grammar the
 * documentation gives (decimal, 0x hex, never octal: a leading 0 is still
 * decimal; one K/M/G/T suffix; a bare size is MiB), written out digit by
 * digit.
 */
#include <string.h>

#include "fuzz.h"
#include "../../core/util/options.h"

static int digit_value(char c, unsigned int base)
{
	unsigned int v;

	if (c >= '0' && c <= '9')
		v = (unsigned int)(c - '0');
	else if (c >= 'a' && c <= 'f')
		v = (unsigned int)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		v = (unsigned int)(c - 'A' + 10);
	else
		return -1;
	return v < base ? (int)v : -1;
}

static int ref_parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10, shift = 0;
	uint64_t v = 0;
	int d, digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = digit_value(*s, base)) >= 0; s++, digits++) {
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			return -1;
		v = v * base + (unsigned int)d;
	}
	if (!digits)
		return -1;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	case 't': case 'T': shift = 40; s++; break;
	default: break;
	}
	if (*s || (shift && v > UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

static int ref_parse_size(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t v;

	if (ref_parse_u64(s, &v))
		return -1;
	/* MiB unless the number ends in a K/M/G/T suffix (0x10a is MiB) */
	if (n && !strchr("kKmMgGtT", s[n - 1])) {
		if (v > UINT64_MAX >> 20)
			return -1;
		v <<= 20;
	}
	*out = v;
	return 0;
}

static int ref_parse_bool(const char *s)
{
	static const char *const words[] = {
		"0", "off", "no", "false", "n", "1", "on", "yes", "true", "y",
	};
	int i;

	for (i = 0; i < 10; i++)
		if (!strcmp(s, words[i]))
			return i >= 5;
	return -1;
}

static void check_parsers(const char *s)
{
	uint64_t got = 0x5555, want = 0xaaaa;
	int rc, b = 7;

	rc = opt_parse_u64(s, &got);
	FUZZ_ASSERT(rc == ref_parse_u64(s, &want));
	if (!rc)
		FUZZ_ASSERT(got == want);
	rc = opt_parse_size(s, &got);
	FUZZ_ASSERT(rc == ref_parse_size(s, &want));
	if (!rc)
		FUZZ_ASSERT(got == want);
	rc = opt_parse_bool(s, &b);
	FUZZ_ASSERT(rc == 0 ? b == ref_parse_bool(s) : ref_parse_bool(s) < 0);
}

static void check_list(const char *s)
{
	struct opt_list l;
	char err[256];
	size_t len = strlen(s);
	int i, j;

	err[0] = '\0';
	if (opt_list_parse(&l, s, err, sizeof(err))) {
		/* the message quotes the input, newlines and all */
		FUZZ_ASSERT(err[0]);
		FUZZ_ASSERT(!l.buf && !l.count);
		return;
	}
	FUZZ_ASSERT(l.name && l.name[0] && !strchr(l.name, ','));
	FUZZ_ASSERT(l.name == l.buf);
	FUZZ_ASSERT(l.count >= 0 && l.count <= OPT_MAX_KV);
	for (i = 0; i < l.count; i++) {
		const char *k = l.kv[i].key, *v = l.kv[i].value;

		/* pointers into the owned copy, in order, nothing shared */
		FUZZ_ASSERT(k > l.buf && k < l.buf + len);
		FUZZ_ASSERT(v >= k + strlen(k) && v <= l.buf + len);
		FUZZ_ASSERT(k[0] && !strchr(k, ',') && !strchr(k, '='));
		FUZZ_ASSERT(!strchr(v, ','));
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(l.kv[j].key, k));
		FUZZ_ASSERT(opt_list_get(&l, k) == v);
		check_parsers(v);
	}
	FUZZ_ASSERT(!opt_list_get(&l, ""));
	opt_list_free(&l);
	FUZZ_ASSERT(!l.buf && !l.count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_parsers(s);
	check_list(s);
	free(s);
	return 0;
}
