/* SPDX-License-Identifier: MIT */
/*
 * unit.h - a minimal TAP-producing unit test harness.
 *
 * UNIT_TEST(name) { ... CHECK(cond); CHECK_EQ(a, b); ... }
 * Each test prints "ok N - name" or "not ok N - name"; tests/run-tests
 * counts those lines.  The binary exits non-zero if any test failed.
 */
#ifndef MODVMM_UNIT_H
#define MODVMM_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

extern int unit_failed_checks;

#define UNIT_TEST(tname) \
	static void unit_fn_##tname(void); \
	static const struct unit_test unit_desc_##tname = { #tname, unit_fn_##tname }; \
	static const struct unit_test *const unit_ptr_##tname \
		__attribute__((section("unit_tests"), used, aligned(sizeof(void *)))) = \
		&unit_desc_##tname; \
	static void unit_fn_##tname(void)

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		unit_failed_checks++; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	unsigned long long _a = (unsigned long long)(a); \
	unsigned long long _b = (unsigned long long)(b); \
	if (_a != _b) { \
		printf("#   %s:%d: %s == %s failed: 0x%llx != 0x%llx\n", \
		       __FILE__, __LINE__, #a, #b, _a, _b); \
		unit_failed_checks++; \
	} \
} while (0)

#define CHECK_STR_EQ(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (!_a || strcmp(_a, _b)) { \
		printf("#   %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
		       _a ? _a : "(null)", _b); \
		unit_failed_checks++; \
	} \
} while (0)

#define CHECK_STR_CONTAINS(hay, needle) do { \
	const char *_h = (hay); \
	if (!_h || !strstr(_h, (needle))) { \
		printf("#   %s:%d: \"%s\" does not contain \"%s\"\n", \
		       __FILE__, __LINE__, _h ? _h : "(null)", (needle)); \
		unit_failed_checks++; \
	} \
} while (0)

#endif
