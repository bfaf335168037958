// SPDX-License-Identifier: MIT
/* Unit tests for devices/debugport.c: console, detection, exit port. */
#include <stdio.h>
#include <unistd.h>

#include "harness_util.h"

/* A fresh machine with one debugport made with @opts; NULL if refused. */
static struct modvmm_dev *start(const char *opts)
{
	char spec[256];

	snprintf(spec, sizeof(spec), "debugport,%s", opts);
	return unit_start(spec);
}

/* A scratch file name unique to this process. */
static const char *tmp_path(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/unit-debugport.%d", (int)getpid());
	return path;
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static void out_str(uint16_t port, const char *s)
{
	while (*s)
		harness_outb(port, (uint8_t)*s++);
}

static struct modvmm_dev *start_to_file(void)
{
	char opts[128];

	snprintf(opts, sizeof(opts), "out=%s", tmp_path());
	return start(opts);
}

UNIT_TEST(debugport_console_to_file)
{
	char buf[256];

	CHECK(start_to_file() != NULL);
	out_str(0xe9, "hello\nworld");
	/* The line is out at the newline; "world" waits in the buffer. */
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "hello\n"));
	harness_exit();
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "hello\nworld"));
	unlink(tmp_path());
}

UNIT_TEST(debugport_flush_timer)
{
	char buf[256];

	CHECK(start_to_file() != NULL);
	out_str(0xe9, "prompt> ");
	harness_advance(5000000);
	CHECK_EQ(read_file(tmp_path(), buf, sizeof(buf)), 0);
	harness_advance(6000000);
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "prompt> "));
	/* A later byte arms the timer again. */
	out_str(0xe9, "x");
	harness_advance(11000000);
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "prompt> x"));
	harness_exit();
	unlink(tmp_path());
}

UNIT_TEST(debugport_sync_flushes)
{
	char buf[256];

	CHECK(start_to_file() != NULL);
	out_str(0xe9, "abc");
	harness_sync();
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "abc"));
	harness_exit();
	unlink(tmp_path());
}

UNIT_TEST(debugport_long_line)
{
	static char buf[4096];
	int i;

	CHECK(start_to_file() != NULL);
	for (i = 0; i < 3000; i++)
		harness_outb(0xe9, (uint8_t)('a' + i % 26));
	harness_exit();
	CHECK_EQ(read_file(tmp_path(), buf, sizeof(buf)), 3000);
	CHECK_EQ(buf[2999], 'a' + 2999 % 26);
	unlink(tmp_path());
}

UNIT_TEST(debugport_detect)
{
	CHECK(start("out=null") != NULL);
	CHECK_EQ(harness_inb(0xe9), 0xe9);
	/* The exit port reads as all ones, whatever the width. */
	CHECK_EQ(harness_inb(0xf4), 0xff);
	CHECK_EQ(harness_read(MODVMM_SPACE_PIO, 0xf4, 4), 0xffffffff);
	CHECK(!harness_stopped(NULL));
	harness_exit();
}

UNIT_TEST(debugport_port_option)
{
	CHECK(start("out=null,port=0x402") != NULL);
	CHECK_EQ(harness_inb(0x402), 0xe9);
	CHECK_EQ(harness_inb(0xe9), 0xff);	/* no longer claimed */
	harness_exit();
}

static int exit_status(const char *o, uint16_t port, unsigned int size,
		       uint64_t v)
{
	int st;

	CHECK(start(o) != NULL);
	harness_write(MODVMM_SPACE_PIO, port, size, v);
	if (!harness_stopped(&st))
		st = -1;
	harness_exit();
	return st;
}

UNIT_TEST(debugport_exit_sizes)
{
	CHECK_EQ(exit_status("out=null", 0xf4, 1, 0), 1);
	CHECK_EQ(exit_status("out=null", 0xf4, 1, 0x10), 33);
	CHECK_EQ(exit_status("out=null", 0xf4, 1, 21), 43);
	CHECK_EQ(exit_status("out=null", 0xf4, 1, 127), 255);
	CHECK_EQ(exit_status("out=null", 0xf4, 2, 0x10), 33);
	CHECK_EQ(exit_status("out=null", 0xf4, 2, 0x1234) & 0xff,
		 ((0x1234 << 1) | 1) & 0xff);
	CHECK_EQ(exit_status("out=null", 0xf4, 4, 0x10), 33);
	CHECK_EQ(exit_status("out=null", 0xf4, 4, 0xffffffff) & 0xff, 0xff);
	/* Any offset of the range is the exit port. */
	CHECK_EQ(exit_status("out=null", 0xf7, 1, 3), 7);
	/*
	 * Only the bytes of the access count.  modvmm keeps the low 8 bits of
	 * a status, as the process's exit status does.
	 */
	CHECK_EQ(exit_status("out=null", 0xf4, 1, 0x1ff), (0xff * 2 + 1) & 0xff);
	CHECK_EQ(exit_status("out=null", 0xf4, 1, 0x140), (0x40 * 2 + 1) & 0xff);
}

UNIT_TEST(debugport_exit_flushes_console)
{
	char buf[64];

	CHECK(start_to_file() != NULL);
	out_str(0xe9, "bye");
	harness_outb(0xf4, 0);
	CHECK(harness_stopped(NULL));
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "bye"));
	harness_exit();
	unlink(tmp_path());
}

UNIT_TEST(debugport_exit_size_option)
{
	int st = -1;

	CHECK(start("out=null,exit-size=1") != NULL);
	harness_outb(0xf5, 1);
	CHECK(!harness_stopped(NULL));
	CHECK_EQ(harness_inb(0xf5), 0xff);
	harness_outb(0xf4, 2);
	CHECK(harness_stopped(&st));
	CHECK_EQ(st, 5);
	harness_exit();

	CHECK_EQ(exit_status("out=null,exit-size=2,exit-port=0x501", 0x501, 2, 1),
		 3);
}

UNIT_TEST(debugport_exit_disabled)
{
	CHECK(start("out=null,exit-port=0") != NULL);
	harness_outb(0xf4, 1);
	harness_outb(0, 1);
	CHECK(!harness_stopped(NULL));
	harness_exit();
}

/* The core says why: "debugport: init failed: <the first reason>". */
static void check_bad(const char *o, const char *msg)
{
	char spec[256];

	snprintf(spec, sizeof(spec), "debugport,%s", o);
	unit_refused(spec, msg, MODVMM_SPACE_PIO, 0xe9);
}

UNIT_TEST(debugport_bad_options)
{
	check_bad("port=zz", "port=zz: not a number");
	check_bad("port=0x10000", "port=0x10000");
	check_bad("exit-size=3", "exit-size=3");
	check_bad("exit-size=8", "exit-size=8");
	check_bad("exit-port=0xfffe", "exit-port=0xfffe");
	check_bad("exit-port=-1", "exit-port=-1: not a number");
	check_bad("out=", "out=");
	check_bad("out=/nonexistent/dir/file", "/nonexistent/dir/file");
	check_bad("port=0xf4", "cannot claim");
}

/*
 * Every port at every width: the machine stops, with an odd status (the
 * guest's), exactly when an exit port is configured; the console port
 * still answers 0xe9 after it all.
 */
UNIT_TEST(debugport_fuzz)
{
	static const struct {
		const char *opts;
		uint16_t console;
		int exits;
	} cfgs[] = {
		{ "out=null", 0xe9, 1 },
		{ "out=null,exit-size=1", 0xe9, 1 },
		{ "out=null,exit-size=2", 0xe9, 1 },
		{ "out=null,exit-port=0", 0xe9, 0 },
		{ "out=null,port=0,exit-port=0xfffc", 0, 1 },
	};
	static const unsigned int sizes[] = { 1, 2, 4 };
	size_t c, s;
	unsigned int port;
	uint64_t v;
	int st;

	for (c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		for (s = 0; s < 3; s++) {
			CHECK(start(cfgs[c].opts) != NULL);
			for (port = 0; port <= 0xffff; port++) {
				v = (uint64_t)port * 0x9e3779b9u;
				harness_write(MODVMM_SPACE_PIO, port, sizes[s], v);
				harness_read(MODVMM_SPACE_PIO, port, sizes[s]);
			}
			for (v = 0; v < 256; v++)
				harness_outb(0xe9, (uint8_t)v);
			harness_advance(20000000);
			st = -1;
			CHECK_EQ(harness_stopped(&st), cfgs[c].exits);
			if (cfgs[c].exits)
				CHECK(st > 0 && st < 256 && (st & 1));
			CHECK_EQ(harness_inb(cfgs[c].console), 0xe9);
			harness_exit();
		}
	}
}
