// SPDX-License-Identifier: MIT
/*
 * Parsing of numbers, sizes, booleans and "name,key=value,..." strings,
 * shared by the command line and the device option accessors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/options.h"

/*
 * Parse an unsigned number with an optional K/M/G/T suffix.  Decimal,
 * or hex when written 0x...: never octal, so "010" is ten, as a user
 * typing -m 010 or irq=08 means (strtoull's base 0 would read 8, or
 * refuse "08").
 */
int opt_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0, base = 10;
	const char *digits = s;
	char *end;

	if (!s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
	}
	/* strtoull() would skip white space and take a sign or, in base 16,
	 * a second 0x ("0x0x10") */
	if (base == 16 ? !isxdigit((unsigned char)*digits) ||
			 (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) :
			 !isdigit((unsigned char)*digits))
		return -1;
	errno = 0;
	v = strtoull(digits, &end, (int)base);
	if (errno || end == digits)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/*
 * A memory size: like opt_parse_u64, but a bare number means MiB, as in
 * QEMU's -m.
 */
int opt_parse_size(const char *s, uint64_t *out)
{
	size_t n = s ? strlen(s) : 0;
	uint64_t v;

	if (opt_parse_u64(s, &v))
		return -1;
	/* no K/M/G/T suffix (0x10a ends in a hex digit, not a suffix) */
	if (n && !strchr("kKmMgGtT", s[n - 1])) {
		if (v > (UINT64_MAX >> 20))
			return -1;
		v <<= 20;
	}
	*out = v;
	return 0;
}

int opt_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true", "y" };
	static const char *const no[] = { "0", "off", "no", "false", "n" };
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * Split "name,key=value,key2=value2" into @l.  A key given twice is an
 * error, as is an empty key or name.
 */
int opt_list_parse(struct opt_list *l, const char *arg, char *err, size_t errlen)
{
	char *p, *tok, *save = NULL;
	int i;

	memset(l, 0, sizeof(*l));
	l->buf = strdup(arg ? arg : "");
	if (!l->buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p = l->buf;
	tok = strtok_r(p, ",", &save);
	if (!tok || !*tok || arg[0] == ',') {
		snprintf(err, errlen, "'%s': missing device name before the options",
			 arg ? arg : "");
		goto fail;
	}
	l->name = tok;
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');

		if (l->count == OPT_MAX_KV) {
			snprintf(err, errlen, "too many options (at most %d)", OPT_MAX_KV);
			goto fail;
		}
		if (eq)
			*eq = '\0';
		if (!*tok) {
			snprintf(err, errlen, "option '=%s': empty key", eq ? eq + 1 : "");
			goto fail;
		}
		for (i = 0; i < l->count; i++) {
			if (!strcmp(l->kv[i].key, tok)) {
				snprintf(err, errlen, "option '%s' given twice", tok);
				goto fail;
			}
		}
		l->kv[l->count].key = tok;
		l->kv[l->count].value = eq ? eq + 1 : tok + strlen(tok);
		l->count++;
	}
	return 0;
fail:
	opt_list_free(l);
	return -1;
}

void opt_list_free(struct opt_list *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

const char *opt_list_get(const struct opt_list *l, const char *key)
{
	int i;

	for (i = 0; i < l->count; i++)
		if (!strcmp(l->kv[i].key, key))
			return l->kv[i].value;
	return NULL;
}
