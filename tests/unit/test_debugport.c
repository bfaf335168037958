// SPDX-License-Identifier: MIT
/* Unit tests for devices/debugport.c: console, detection, exit port. */
#include <stdio.h>
#include <unistd.h>

#include "mock_host.h"
#include "unit.h"

static struct modvmm_dev dev;

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
		mock_outb(&dev, port, (uint8_t)*s++);
}

static char opts[128];

static int init_to_file(const char *extra)
{
	snprintf(opts, sizeof(opts), "out=%s%s", tmp_path(), extra);
	return mock_dev_init(&dev, "debugport", opts);
}

UNIT_TEST(debugport_console_to_file)
{
	char buf[256];

	CHECK_EQ(init_to_file(""), 0);
	out_str(0xe9, "hello\nworld");
	/* The line is out at the newline; "world" waits in the buffer. */
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "hello\n"));
	mock_dev_exit(&dev);
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "hello\nworld"));
	unlink(tmp_path());
}

UNIT_TEST(debugport_flush_timer)
{
	char buf[256];

	CHECK_EQ(init_to_file(""), 0);
	out_str(0xe9, "prompt> ");
	mock_clock_advance(&dev, 5000000);
	CHECK_EQ(read_file(tmp_path(), buf, sizeof(buf)), 0);
	mock_clock_advance(&dev, 6000000);
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "prompt> "));
	/* A later byte arms the timer again. */
	out_str(0xe9, "x");
	mock_clock_advance(&dev, 11000000);
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "prompt> x"));
	mock_dev_exit(&dev);
	unlink(tmp_path());
}

UNIT_TEST(debugport_sync_flushes)
{
	char buf[256];

	CHECK_EQ(init_to_file(""), 0);
	out_str(0xe9, "abc");
	dev.desc->sync(dev.priv);
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "abc"));
	mock_dev_exit(&dev);
	unlink(tmp_path());
}

UNIT_TEST(debugport_long_line)
{
	static char buf[4096];
	int i;

	CHECK_EQ(init_to_file(""), 0);
	for (i = 0; i < 3000; i++)
		mock_outb(&dev, 0xe9, (uint8_t)('a' + i % 26));
	mock_dev_exit(&dev);
	CHECK_EQ(read_file(tmp_path(), buf, sizeof(buf)), 3000);
	CHECK_EQ(buf[2999], 'a' + 2999 % 26);
	unlink(tmp_path());
}

UNIT_TEST(debugport_detect)
{
	CHECK_EQ(mock_dev_init(&dev, "debugport", "out=null"), 0);
	CHECK_EQ(mock_inb(&dev, 0xe9), 0xe9);
	/* The exit port reads as all ones, whatever the width. */
	CHECK_EQ(mock_inb(&dev, 0xf4), 0xff);
	CHECK_EQ(mock_io(&dev, MODVMM_SPACE_PIO, 0xf4, 4, 0, 0) & 0xffffffff,
		 0xffffffff);
	CHECK(!dev.stopped);
	mock_dev_exit(&dev);
}

UNIT_TEST(debugport_port_option)
{
	CHECK_EQ(mock_dev_init(&dev, "debugport", "out=null,port=0x402"), 0);
	CHECK_EQ(mock_inb(&dev, 0x402), 0xe9);
	CHECK_EQ(mock_inb(&dev, 0xe9), 0xff);	/* no longer claimed */
	mock_dev_exit(&dev);
}

static int exit_status(const char *o, uint16_t port, unsigned int size,
		       uint64_t v)
{
	int st;

	CHECK_EQ(mock_dev_init(&dev, "debugport", o), 0);
	mock_io(&dev, MODVMM_SPACE_PIO, port, size, 1, v);
	st = dev.stopped ? dev.stop_status : -1;
	mock_dev_exit(&dev);
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
	/* Only the bytes of the access count. */
	CHECK_EQ(exit_status("out=null", 0xf4, 1, 0x1ff), 0xff * 2 + 1);
}

UNIT_TEST(debugport_exit_flushes_console)
{
	char buf[64];

	CHECK_EQ(init_to_file(""), 0);
	out_str(0xe9, "bye");
	mock_outb(&dev, 0xf4, 0);
	CHECK(dev.stopped);
	read_file(tmp_path(), buf, sizeof(buf));
	CHECK(!strcmp(buf, "bye"));
	mock_dev_exit(&dev);
	unlink(tmp_path());
}

UNIT_TEST(debugport_exit_size_option)
{
	CHECK_EQ(mock_dev_init(&dev, "debugport", "out=null,exit-size=1"), 0);
	mock_outb(&dev, 0xf5, 1);
	CHECK(!dev.stopped);
	CHECK_EQ(mock_inb(&dev, 0xf5), 0xff);
	mock_outb(&dev, 0xf4, 2);
	CHECK(dev.stopped);
	CHECK_EQ(dev.stop_status, 5);
	mock_dev_exit(&dev);

	CHECK_EQ(exit_status("out=null,exit-size=2,exit-port=0x501", 0x501, 2, 1),
		 3);
}

UNIT_TEST(debugport_exit_disabled)
{
	CHECK_EQ(mock_dev_init(&dev, "debugport", "out=null,exit-port=0"), 0);
	mock_outb(&dev, 0xf4, 1);
	mock_outb(&dev, 0, 1);
	CHECK(!dev.stopped);
	mock_dev_exit(&dev);
}

static void check_bad(const char *o, const char *msg)
{
	CHECK(mock_dev_init(&dev, "debugport", o) != 0);
	CHECK_STR_CONTAINS(dev.error, msg);
	if (dev.priv)
		mock_dev_exit(&dev);
}

UNIT_TEST(debugport_bad_options)
{
	check_bad("port=zz", "malformed");
	CHECK_STR_CONTAINS(dev.log, "port=zz");
	check_bad("port=0x10000", "port=0x10000");
	check_bad("exit-size=3", "exit-size=3");
	check_bad("exit-size=8", "exit-size=8");
	check_bad("exit-port=0xfffe", "exit-port=0xfffe");
	check_bad("exit-port=-1", "malformed");
	check_bad("out=", "out=");
	check_bad("out=/nonexistent/dir/file", "/nonexistent/dir/file");
	check_bad("port=0xf4", "cannot claim");
}

UNIT_TEST(debugport_fuzz)
{
	static const char *const cfgs[] = {
		"out=null", "out=null,exit-size=1", "out=null,exit-size=2",
		"out=null,exit-port=0", "out=null,port=0,exit-port=0xfffc",
	};
	static const unsigned int sizes[] = { 1, 2, 4 };
	size_t c, s;
	unsigned int port;
	uint64_t v;

	for (c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		for (s = 0; s < 3; s++) {
			CHECK_EQ(mock_dev_init(&dev, "debugport", cfgs[c]), 0);
			for (port = 0; port <= 0xffff; port++) {
				v = (uint64_t)port * 0x9e3779b9u;
				mock_io(&dev, MODVMM_SPACE_PIO, port, sizes[s], 1, v);
				mock_io(&dev, MODVMM_SPACE_PIO, port, sizes[s], 0, 0);
			}
			for (v = 0; v < 256; v++)
				mock_outb(&dev, 0xe9, (uint8_t)v);
			mock_clock_advance(&dev, 20000000);
			mock_dev_exit(&dev);
		}
	}
}
