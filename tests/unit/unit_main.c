// SPDX-License-Identifier: MIT
/* Runs every UNIT_TEST() linked into the binary, printing TAP. */
#include "unit.h"

int unit_failed_checks;

extern const struct unit_test *const __start_unit_tests[];
extern const struct unit_test *const __stop_unit_tests[];

int main(int argc, char **argv)
{
	const struct unit_test *const *t;
	int n = 0, failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	/* The plan counts what will run: a filter that names no test is a
	 * short run, which the runner reports. */
	printf("1..%d\n", only ? 1 : (int)(__stop_unit_tests - __start_unit_tests));
	for (t = __start_unit_tests; t < __stop_unit_tests; t++) {
		int before = unit_failed_checks;

		if (only && strcmp(only, (*t)->name))
			continue;
		(*t)->fn();
		n++;
		if (unit_failed_checks != before)
			failed++;
		printf("%sok %d - %s\n", unit_failed_checks != before ? "not " : "",
		       n, (*t)->name);
	}
	fflush(stdout);
	return failed ? 1 : 0;
}
