// SPDX-License-Identifier: MIT
/*
 * Unit tests of core/options.c: numbers (decimal, hex, octal, K/M/G/T),
 * memory sizes (bare numbers are MiB), booleans, and "name,key=value"
 * lists with their error messages.
 */
#include "unit.h"
#include "../../core/util/options.h"


static uint64_t u64_ok(const char *s)
{
	uint64_t v = 0xdead;

	if (opt_parse_u64(s, &v)) {
		printf("#   opt_parse_u64(\"%s\") refused\n", s);
		unit_failed_checks++;
	}
	return v;
}

static int u64_refused(const char *s)
{
	uint64_t v = 0xdead;

	return opt_parse_u64(s, &v) == -1 && v == 0xdead;
}

static uint64_t size_ok(const char *s)
{
	uint64_t v = 0xdead;

	if (opt_parse_size(s, &v)) {
		printf("#   opt_parse_size(\"%s\") refused\n", s);
		unit_failed_checks++;
	}
	return v;
}

static int size_refused(const char *s)
{
	uint64_t v = 0xdead;

	return opt_parse_size(s, &v) == -1 && v == 0xdead;
}

/* ---- numbers -------------------------------------------------------- */

UNIT_TEST(options_u64_bases)
{
	CHECK_EQ(u64_ok("0"), 0);
	CHECK_EQ(u64_ok("1016"), 1016);
	CHECK_EQ(u64_ok("0x3f8"), 0x3f8);
	CHECK_EQ(u64_ok("0X3F8"), 0x3f8);
	CHECK_EQ(u64_ok("00"), 0);
	CHECK_EQ(u64_ok("18446744073709551615"), UINT64_MAX);
	CHECK_EQ(u64_ok("0xffffffffffffffff"), UINT64_MAX);
}

/* Decimal unless written 0x: a leading zero is not octal (issue 12). */
UNIT_TEST(options_u64_leading_zero_is_decimal)
{
	CHECK_EQ(u64_ok("010"), 10);
	CHECK_EQ(u64_ok("017"), 17);
	CHECK_EQ(u64_ok("08"), 8);
	CHECK_EQ(u64_ok("09"), 9);
	CHECK_EQ(u64_ok("0010k"), 10240);
	CHECK_EQ(u64_ok("0x010"), 16);
	CHECK_EQ(u64_ok("000000000000000000000000001"), 1);
}

UNIT_TEST(options_u64_suffixes)
{
	CHECK_EQ(u64_ok("1k"), 1024);
	CHECK_EQ(u64_ok("1K"), 1024);
	CHECK_EQ(u64_ok("3m"), 3ull << 20);
	CHECK_EQ(u64_ok("3M"), 3ull << 20);
	CHECK_EQ(u64_ok("4g"), 4ull << 30);
	CHECK_EQ(u64_ok("4G"), 4ull << 30);
	CHECK_EQ(u64_ok("2T"), 2ull << 40);
	CHECK_EQ(u64_ok("0x10k"), 0x4000);
	CHECK_EQ(u64_ok("0k"), 0);
	CHECK_EQ(u64_ok("16777215T"), 16777215ull << 40);
}

UNIT_TEST(options_u64_malformed)
{
	CHECK(u64_refused(""));
	CHECK(u64_refused(NULL));
	CHECK(u64_refused("-1"));
	CHECK(u64_refused("+1"));
	CHECK(u64_refused(" 1"));
	CHECK(u64_refused("1 "));
	CHECK(u64_refused("0x"));
	CHECK(u64_refused("0x0x10"));	/* strtoull would take the second 0x */
	CHECK(u64_refused("0x-5"));
	CHECK(u64_refused("0x+5"));
	CHECK(u64_refused("0x 5"));
	CHECK(u64_refused("0xx5"));
	CHECK(u64_refused("00x5"));
	CHECK(u64_refused("0b101"));
	CHECK(u64_refused("1KB"));
	CHECK(u64_refused("1k2"));
	CHECK(u64_refused("k"));
	CHECK(u64_refused("1P"));
	CHECK(u64_refused("0x3f8,"));
	CHECK(u64_refused("12abc"));
}

/* strtoull() skips any white space and then takes a sign. */
UNIT_TEST(options_u64_no_leading_space_or_sign)
{
	CHECK(u64_refused("\t1"));
	CHECK(u64_refused("\n1"));
	CHECK(u64_refused("\r07"));
	CHECK(u64_refused("\t-5"));
	CHECK(u64_refused("\v+5"));
	CHECK(u64_refused("\f0x10"));
}

UNIT_TEST(options_u64_overflow)
{
	CHECK(u64_refused("18446744073709551616"));
	CHECK(u64_refused("0x10000000000000000"));
	CHECK(u64_refused("99999999999999999999999"));
	CHECK(u64_refused("16777216T"));	/* 2^64 */
	CHECK(u64_refused("17179869184G"));
	CHECK(u64_refused("18014398509481984k"));
}

/* ---- sizes ---------------------------------------------------------- */

UNIT_TEST(options_size_bare_is_mib)
{
	CHECK_EQ(size_ok("128"), 128ull << 20);
	CHECK_EQ(size_ok("1"), 1ull << 20);
	CHECK_EQ(size_ok("0"), 0);
	CHECK_EQ(size_ok("0x10"), 16ull << 20);
	/* a bare hex number is MiB too, whatever its last digit */
	CHECK_EQ(size_ok("0x10a"), 0x10aull << 20);
	CHECK_EQ(size_ok("0x109"), 0x109ull << 20);
	CHECK_EQ(size_ok("4096K"), 4ull << 20);
	CHECK_EQ(size_ok("4G"), 4ull << 30);
	CHECK_EQ(size_ok("512m"), 512ull << 20);
	CHECK_EQ(size_ok("17592186044415"), 17592186044415ull << 20);
}

/* -m 010 is 10 MiB, not 8 (strtoull's octal). */
UNIT_TEST(options_size_leading_zero_is_decimal)
{
	CHECK_EQ(size_ok("010"), 10ull << 20);
	CHECK_EQ(size_ok("08"), 8ull << 20);
	CHECK_EQ(size_ok("0128M"), 128ull << 20);
	CHECK_EQ(size_ok("010K"), 10ull << 10);
}

UNIT_TEST(options_size_malformed)
{
	CHECK(size_refused(""));
	CHECK(size_refused(NULL));
	CHECK(size_refused("-128"));
	CHECK(size_refused("128MB"));
	CHECK(size_refused("1.5G"));
	CHECK(size_refused("17592186044416"));	/* 2^44 MiB = 2^64 */
	CHECK(size_refused("18446744073709551615"));
	CHECK(size_refused("\t128"));
}

/* ---- booleans --------------------------------------------------------- */

UNIT_TEST(options_bool)
{
	static const char *const yes[] = { "1", "on", "yes", "true", "y" };
	static const char *const no[] = { "0", "off", "no", "false", "n" };
	static const char *const bad[] = {
		"", "2", "Yes", "ON", "t", "f", "yes ", " no", "nope", "01",
	};
	size_t i;
	int v;

	for (i = 0; i < 5; i++) {
		v = 7;
		CHECK_EQ(opt_parse_bool(yes[i], &v), 0);
		CHECK_EQ(v, 1);
		v = 7;
		CHECK_EQ(opt_parse_bool(no[i], &v), 0);
		CHECK_EQ(v, 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		CHECK_EQ(opt_parse_bool(bad[i], &v), -1);
		CHECK_EQ(v, 7);
	}
	CHECK_EQ(opt_parse_bool(NULL, &v), -1);
}

/* ---- lists ------------------------------------------------------------ */

UNIT_TEST(options_list_basic)
{
	struct opt_list l;
	char err[128] = "";

	CHECK_EQ(opt_list_parse(&l, "serial8250,port=0x2f8,irq=3", err,
				sizeof(err)), 0);
	CHECK_STR_EQ(l.name, "serial8250");
	CHECK_EQ(l.count, 2);
	CHECK_STR_EQ(l.kv[0].key, "port");
	CHECK_STR_EQ(l.kv[0].value, "0x2f8");
	CHECK_STR_EQ(l.kv[1].key, "irq");
	CHECK_STR_EQ(l.kv[1].value, "3");
	CHECK_STR_EQ(opt_list_get(&l, "irq"), "3");
	CHECK(opt_list_get(&l, "out") == NULL);
	CHECK(opt_list_get(&l, "serial8250") == NULL);
	CHECK_STR_EQ(err, "");
	opt_list_free(&l);
	CHECK(l.buf == NULL);
	CHECK_EQ(l.count, 0);
}

UNIT_TEST(options_list_name_only)
{
	struct opt_list l;
	char err[128];

	CHECK_EQ(opt_list_parse(&l, "debugport", err, sizeof(err)), 0);
	CHECK_STR_EQ(l.name, "debugport");
	CHECK_EQ(l.count, 0);
	opt_list_free(&l);
	CHECK_EQ(opt_list_parse(&l, "/tmp/x/my,dev.so", err, sizeof(err)), 0);
	CHECK_STR_EQ(l.name, "/tmp/x/my");	/* a comma always separates */
	CHECK_STR_EQ(l.kv[0].key, "dev.so");
	opt_list_free(&l);
}

UNIT_TEST(options_list_values)
{
	struct opt_list l;
	char err[128];

	CHECK_EQ(opt_list_parse(&l, "x,flag,empty=,eq=a=b,path=/tmp/a b", err,
				sizeof(err)), 0);
	CHECK_EQ(l.count, 4);
	CHECK_STR_EQ(opt_list_get(&l, "flag"), "");
	CHECK_STR_EQ(opt_list_get(&l, "empty"), "");
	CHECK_STR_EQ(opt_list_get(&l, "eq"), "a=b");
	CHECK_STR_EQ(opt_list_get(&l, "path"), "/tmp/a b");
	opt_list_free(&l);
	/* empty items between commas are skipped */
	CHECK_EQ(opt_list_parse(&l, "x,,a=1,,,b=2,", err, sizeof(err)), 0);
	CHECK_EQ(l.count, 2);
	CHECK_STR_EQ(opt_list_get(&l, "b"), "2");
	opt_list_free(&l);
}

/* The list owns a copy: the argument may change afterwards. */
UNIT_TEST(options_list_copies)
{
	char arg[] = "dev,k=v";
	struct opt_list l;
	char err[128];

	CHECK_EQ(opt_list_parse(&l, arg, err, sizeof(err)), 0);
	memset(arg, 'z', sizeof(arg) - 1);
	CHECK_STR_EQ(l.name, "dev");
	CHECK_STR_EQ(opt_list_get(&l, "k"), "v");
	opt_list_free(&l);
}

static void check_list_error(const char *arg, const char *msg)
{
	struct opt_list l;
	char err[128] = "";

	memset(&l, 0x55, sizeof(l));
	CHECK_EQ(opt_list_parse(&l, arg, err, sizeof(err)), -1);
	CHECK_STR_EQ(err, msg);
	CHECK(l.buf == NULL);
	CHECK_EQ(l.count, 0);
}

UNIT_TEST(options_list_errors)
{
	check_list_error("", "'': missing device name before the options");
	check_list_error(",port=1", "',port=1': missing device name before the options");
	check_list_error(NULL, "'': missing device name before the options");
	check_list_error("dev,=5", "option '=5': empty key");
	check_list_error("dev,a=1,=", "option '=': empty key");
	check_list_error("dev,port=1,port=2", "option 'port' given twice");
	check_list_error("dev,flag,flag", "option 'flag' given twice");
}

UNIT_TEST(options_list_limit)
{
	char arg[512];
	struct opt_list l;
	char err[128];
	int i, n;

	n = snprintf(arg, sizeof(arg), "dev");
	for (i = 0; i < OPT_MAX_KV; i++)
		n += snprintf(arg + n, sizeof(arg) - (size_t)n, ",k%d=%d", i, i);
	CHECK_EQ(opt_list_parse(&l, arg, err, sizeof(err)), 0);
	CHECK_EQ(l.count, OPT_MAX_KV);
	CHECK_STR_EQ(opt_list_get(&l, "k31"), "31");
	opt_list_free(&l);
	snprintf(arg + n, sizeof(arg) - (size_t)n, ",one=more");
	check_list_error(arg, "too many options (at most 32)");
}

/* A tiny error buffer truncates the message but stays a string. */
UNIT_TEST(options_list_short_err_buffer)
{
	struct opt_list l;
	char err[8];

	memset(err, 'x', sizeof(err));
	CHECK_EQ(opt_list_parse(&l, "dev,a,a", err, sizeof(err)), -1);
	CHECK_EQ(err[7], '\0');
	CHECK_STR_EQ(err, "option ");
}
