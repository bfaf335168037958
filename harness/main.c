// SPDX-License-Identifier: MIT
/*
 * modvmm-harness - drive devices from a script, without KVM, and check
 * what they do.  Prints TAP: one test per check, the plan at the end.
 *
 *   modvmm-harness [--plugin-dir DIR] [-m SIZE] SCRIPT...
 *
 * A script is one command per line; '#' starts a comment.  Numbers are
 * decimal or 0x hex; DURATION is a number with ns, us, ms or s.
 *
 *   device SPEC                create an instance ("NAME,key=val" or PATH.so)
 *   refused SPEC -- TEXT       creating it must fail, the error naming TEXT
 *   write io|mmio ADDR SIZE VAL
 *   read io|mmio ADDR SIZE     read and print the value (a comment)
 *   expect io|mmio ADDR SIZE VAL [MASK]  read; (value & MASK) must be VAL
 *   advance DURATION           virtual time moves on; due timers run
 *   input TEXT                 bytes into $INPUT (C escapes), then poll
 *   output TEXT                what arrived on $OUTPUT so far must be TEXT
 *   irq LINE LEVEL             line LINE must be at LEVEL (0 or 1)
 *   edges LINE COUNT           LINE must have risen COUNT times in all
 *   intr LEVEL                 the interrupt controller's INTR output (0 or 1)
 *   ack VECTOR                 acknowledge: the controller must give VECTOR
 *   line LINE LEVEL            drive LINE from the test (a wire of its own)
 *   route R ADDR DATA          MSI route R must hold ADDR, DATA ("route R
 *                              none": must not be set)
 *   fired R COUNT              route R must have been fired COUNT times
 *   eoi VECTOR                 a local APIC's EOI of a level VECTOR
 *   mem ADDR HEXBYTES          guest RAM at ADDR must hold these bytes
 *   poke ADDR HEXBYTES         put bytes into guest RAM (for DMA)
 *   stopped STATUS             a device must have asked to stop with STATUS
 *   running                    no device asked to stop
 *   log TEXT                   the log must contain TEXT
 *   reset                      reset the machine (every device's reset hook)
 *   cpus N                     the machine has N vCPUs (machine_info)
 *   fwfile NAME TEXT           publish firmware file NAME holding TEXT
 *                              (C escapes), as --fw-cfg name=,string= does
 *   sync                       run every device's sync hook
 *   remove                     remove the newest instance
 *
 * In SPEC, $DISK becomes the path of a 64 KiB zeroed regular file (one
 * per script, for disk devices), and $INPUT and $OUTPUT the paths of two
 * pipes: the device
 * reads its input from the first and writes its output to the second.
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 a bad script or
 * command line.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <modvmm/harness.h>

#include "../core/util/options.h"

#define MAX_DEVS	64

static int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
static char output[65536];
static size_t output_len;
static struct modvmm_dev *devs[MAX_DEVS];
static int nr_devs, nr_checks, nr_failed;
static const char *script;
static int lineno;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - %s:%d: ", ok ? "" : "not ", ++nr_checks, script, lineno);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		nr_failed++;
}

static int bad(const char *what)
{
	fprintf(stderr, "modvmm-harness: %s:%d: %s\n", script, lineno, what);
	return -1;
}

static int parse_num(const char *s, uint64_t *v)
{
	return s ? opt_parse_u64(s, v) : -1;
}

static int parse_space(const char *s, enum modvmm_space *sp)
{
	if (s && !strcmp(s, "io"))
		*sp = MODVMM_SPACE_PIO;
	else if (s && !strcmp(s, "mmio"))
		*sp = MODVMM_SPACE_MMIO;
	else
		return -1;
	return 0;
}

static int parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t mul; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	};
	char *end;
	unsigned long long v;
	size_t i;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!errno && !strcmp(end, units[i].unit) &&
		    v <= UINT64_MAX / units[i].mul) {
			*ns = v * units[i].mul;
			return 0;
		}
	return -1;
}

/* C escapes (\n, \t, \\, \xHH) in place; returns the length. */
static size_t unescape(char *s)
{
	char *o = s, *p = s;

	while (*p) {
		if (*p != '\\' || !p[1]) {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; p++; break;
		case 'r': *o++ = '\r'; p++; break;
		case 't': *o++ = '\t'; p++; break;
		case 'x': {
			char hex[3] = { 0 };

			strncpy(hex, p + 1, 2);
			*o++ = (char)strtoul(hex, NULL, 16);
			p += 1 + strlen(hex);
			break;
		}
		default: *o++ = *p++; break;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

static size_t parse_hex_bytes(const char *s, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	while (s[0] && s[1] && n < cap && isxdigit((unsigned char)s[0]) &&
	       isxdigit((unsigned char)s[1])) {
		char hex[3] = { s[0], s[1], 0 };

		buf[n++] = (uint8_t)strtoul(hex, NULL, 16);
		s += 2;
	}
	return *s ? 0 : n;
}

/* @buf as one printable line (a TAP line must not break), C escapes. */
static void show_bytes(const char *buf, size_t len, char *out, size_t cap)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n')
			o += (size_t)snprintf(out + o, cap - o, "\\n");
		else if (c < 0x20 || c >= 0x7f || c == '\\')
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void drain_output(void)
{
	ssize_t n;

	while (output_len < sizeof(output) - 1 &&
	       (n = read(out_pipe[0], output + output_len,
			 sizeof(output) - 1 - output_len)) > 0)
		output_len += (size_t)n;
	output[output_len] = '\0';
}

/* The script's disk: a memfd, a regular file that needs no directory. */
static int disk_fd = -1;

static int disk(void)
{
	if (disk_fd < 0) {
		disk_fd = memfd_create("modvmm-harness-disk", 0);
		if (disk_fd >= 0 && ftruncate(disk_fd, 65536)) {
			close(disk_fd);
			disk_fd = -1;
		}
	}
	return disk_fd;
}

/* $DISK, $INPUT and $OUTPUT in a device spec become paths. */
static void expand_spec(const char *spec, char *buf, size_t len)
{
	size_t o = 0;

	while (*spec && o + 32 < len) {
		if (!strncmp(spec, "$DISK", 5)) {
			o += (size_t)snprintf(buf + o, len - o, "/proc/self/fd/%d", disk());
			spec += 5;
		} else if (!strncmp(spec, "$INPUT", 6)) {
			o += (size_t)snprintf(buf + o, len - o, "/proc/self/fd/%d", in_pipe[0]);
			spec += 6;
		} else if (!strncmp(spec, "$OUTPUT", 7)) {
			o += (size_t)snprintf(buf + o, len - o, "/proc/self/fd/%d", out_pipe[1]);
			spec += 7;
		} else {
			buf[o++] = *spec++;
		}
	}
	buf[o] = '\0';
}

static int cmd_device(char *rest, int want_ok)
{
	char spec[1024], *text = NULL, *sep = strstr(rest, " -- ");
	struct modvmm_dev *dev;

	if (!want_ok) {
		if (!sep)
			return bad("refused needs 'SPEC -- TEXT'");
		*sep = '\0';
		text = sep + 4;
	}
	expand_spec(rest, spec, sizeof(spec));
	dev = harness_device(spec);
	if (want_ok) {
		check(dev != NULL, "device %s%s%s", rest, dev ? "" : ": ",
		      dev ? "" : harness_last_error());
		if (dev && nr_devs < MAX_DEVS)
			devs[nr_devs++] = dev;
		return 0;
	}
	check(!dev && strstr(harness_last_error(), text), "refused %s: %s",
	      rest, dev ? "it was created" : harness_last_error());
	if (dev)
		harness_device_remove(dev);
	return 0;
}

static int cmd_access(const char *cmd, char **argv, int argc)
{
	enum modvmm_space sp;
	uint64_t addr, size, val, got, mask = ~0ull;

	if (argc < 4 || parse_space(argv[1], &sp) || parse_num(argv[2], &addr) ||
	    parse_num(argv[3], &size))
		return bad("expected: io|mmio ADDR SIZE [VALUE]");
	if (!strcmp(cmd, "write")) {
		if (argc != 5 || parse_num(argv[4], &val))
			return bad("write needs a VALUE");
		harness_write(sp, addr, (unsigned int)size, val);
		return 0;
	}
	got = harness_read(sp, addr, (unsigned int)size);
	if (!strcmp(cmd, "read")) {
		printf("# %s %s 0x%llx/%llu = 0x%llx\n", cmd, argv[1],
		       (unsigned long long)addr, (unsigned long long)size,
		       (unsigned long long)got);
		return 0;
	}
	if (argc < 5 || argc > 6 || parse_num(argv[4], &val) ||
	    (argc == 6 && parse_num(argv[5], &mask)))
		return bad("expect needs a VALUE and an optional MASK");
	check((got & mask) == val, "%s 0x%llx/%llu: 0x%llx, expected 0x%llx%s%s",
	      argv[1], (unsigned long long)addr, (unsigned long long)size,
	      (unsigned long long)got, (unsigned long long)val,
	      argc == 6 ? " under mask " : "", argc == 6 ? argv[5] : "");
	return 0;
}

static int cmd_mem(char **argv, int argc, int poke)
{
	uint8_t want[256];
	uint64_t addr;
	size_t n;
	uint8_t *p;

	if (argc != 3 || parse_num(argv[1], &addr) ||
	    !(n = parse_hex_bytes(argv[2], want, sizeof(want))))
		return bad("expected: ADDR HEXBYTES");
	p = harness_mem(addr, n);
	if (!p)
		return bad("not guest RAM");
	if (poke)
		memcpy(p, want, n);
	else
		check(!memcmp(p, want, n), "mem 0x%llx holds %s",
		      (unsigned long long)addr, argv[2]);
	return 0;
}

static int cmd_irq(char **argv, int argc, int edges)
{
	uint64_t line, want, got;

	if (argc != 3 || parse_num(argv[1], &line) || parse_num(argv[2], &want))
		return bad("expected: LINE VALUE");
	got = edges ? harness_irq_edges((unsigned int)line) :
		      (uint64_t)harness_irq_level((unsigned int)line);
	check(got == want, "irq %llu %s %llu, expected %llu",
	      (unsigned long long)line, edges ? "edges" : "level",
	      (unsigned long long)got, (unsigned long long)want);
	return 0;
}

/* The CPU side of a userspace interrupt controller (pic8259). */
static int cmd_intr(char **argv, int argc, int ack)
{
	uint64_t want;
	int got;

	if (argc != 2 || parse_num(argv[1], &want))
		return bad(ack ? "ack needs a VECTOR" : "intr needs a LEVEL");
	if (ack) {
		got = harness_irqchip_ack();
		check(got == (int)want, "ack gives vector %d, expected %llu", got,
		      (unsigned long long)want);
		return 0;
	}
	got = harness_irqchip_pending();
	check(got >= 0 && !!got == (int)want, "intr %d, expected %llu%s", got,
	      (unsigned long long)want, got < 0 ? " (no interrupt controller)" : "");
	return 0;
}

/*
 * The MSI side of a split interrupt controller (ioapic): "line N LEVEL"
 * drives a wire, "route R ADDR DATA" (or "route R none") checks a route,
 * "fired R N" how often it was sent, "eoi VECTOR" ends an interrupt.
 */
static int cmd_msi(const char *cmd, char **argv, int argc)
{
	uint64_t a, b, c = 0;
	struct modvmm_msi m;

	if (!strcmp(cmd, "eoi")) {
		if (argc != 2 || parse_num(argv[1], &a) || a > 255)
			return bad("eoi needs a VECTOR (0-255)");
		harness_eoi((unsigned int)a);
		return 0;
	}
	if (!strcmp(cmd, "route") && argc == 3 && !strcmp(argv[2], "none")) {
		if (parse_num(argv[1], &a))
			return bad("expected: ROUTE none");
		check(harness_msi_route((unsigned int)a, &m) < 0,
		      "route %llu is not set", (unsigned long long)a);
		return 0;
	}
	if (argc != (strcmp(cmd, "route") ? 3 : 4) || parse_num(argv[1], &a) ||
	    parse_num(argv[2], &b) || (argc == 4 && parse_num(argv[3], &c)))
		return bad(!strcmp(cmd, "route") ? "expected: ROUTE ADDR DATA" :
			   !strcmp(cmd, "line") ? "expected: LINE LEVEL" :
			   "expected: ROUTE COUNT");
	if (!strcmp(cmd, "line")) {
		harness_irq_set((unsigned int)a, (int)b);
		return 0;
	}
	if (!strcmp(cmd, "fired")) {
		uint64_t got = harness_msi_fired((unsigned int)a);

		check(got == b, "route %llu fired %llu times, expected %llu",
		      (unsigned long long)a, (unsigned long long)got,
		      (unsigned long long)b);
		return 0;
	}
	if (harness_msi_route((unsigned int)a, &m)) {
		check(0, "route %llu is not set, expected 0x%llx 0x%llx",
		      (unsigned long long)a, (unsigned long long)b,
		      (unsigned long long)c);
		return 0;
	}
	check(m.addr == b && m.data == c,
	      "route %llu holds 0x%llx 0x%x, expected 0x%llx 0x%llx",
	      (unsigned long long)a, (unsigned long long)m.addr, m.data,
	      (unsigned long long)b, (unsigned long long)c);
	return 0;
}

static int cmd_text(const char *cmd, char *rest)
{
	size_t n = unescape(rest);

	if (!strcmp(cmd, "input")) {
		if (write(in_pipe[1], rest, n) != (ssize_t)n)
			return bad("input: the pipe is full");
		harness_poll();
		return 0;
	}
	if (!strcmp(cmd, "output")) {
		char shown[256];

		drain_output();
		show_bytes(output, output_len, shown, sizeof(shown));
		check(output_len == n && !memcmp(output, rest, n),
		      "output is \"%s\" (%zu bytes)", shown, output_len);
		return 0;
	}
	check(strstr(harness_log(), rest) != NULL, "log has \"%s\"", rest);
	return 0;
}

static int cmd_stop(char **argv, int argc, int want_stop)
{
	uint64_t want;
	int st = 0, stopped = harness_stopped(&st);

	if (!want_stop) {
		check(!stopped, "running (stopped with %d)", st);
		return 0;
	}
	if (argc != 2 || parse_num(argv[1], &want))
		return bad("stopped needs a STATUS");
	check(stopped && (uint64_t)st == want, "stopped with %d%s, expected %llu",
	      st, stopped ? "" : " (not stopped)", (unsigned long long)want);
	return 0;
}

static int run_line(char *line)
{
	char copy[4096], *argv[8], *save = NULL, *rest;
	uint64_t ns;
	int argc = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *t = strtok_r(copy, " \t", &save); t && argc < 8;
	     t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	if (!argc || argv[0][0] == '#')
		return 0;
	rest = line + strlen(argv[0]);
	rest += strspn(rest, " \t");
	if (!strcmp(argv[0], "device") || !strcmp(argv[0], "refused"))
		return cmd_device(rest, argv[0][0] == 'd');
	if (!strcmp(argv[0], "write") || !strcmp(argv[0], "read") ||
	    !strcmp(argv[0], "expect"))
		return cmd_access(argv[0], argv, argc);
	if (!strcmp(argv[0], "advance")) {
		if (argc != 2 || parse_duration(argv[1], &ns))
			return bad("advance needs a DURATION (10ms, 1s)");
		harness_advance(ns);
		return 0;
	}
	if (!strcmp(argv[0], "input") || !strcmp(argv[0], "output") ||
	    !strcmp(argv[0], "log"))
		return cmd_text(argv[0], rest);
	if (!strcmp(argv[0], "irq") || !strcmp(argv[0], "edges"))
		return cmd_irq(argv, argc, argv[0][0] == 'e');
	if (!strcmp(argv[0], "intr") || !strcmp(argv[0], "ack"))
		return cmd_intr(argv, argc, argv[0][0] == 'a');
	if (!strcmp(argv[0], "line") || !strcmp(argv[0], "route") ||
	    !strcmp(argv[0], "fired") || !strcmp(argv[0], "eoi"))
		return cmd_msi(argv[0], argv, argc);
	if (!strcmp(argv[0], "mem") || !strcmp(argv[0], "poke"))
		return cmd_mem(argv, argc, argv[0][0] == 'p');
	if (!strcmp(argv[0], "stopped") || !strcmp(argv[0], "running"))
		return cmd_stop(argv, argc, argv[0][0] == 's');
	if (!strcmp(argv[0], "reset") && argc == 1) {
		harness_reset();
		return 0;
	}
	if (!strcmp(argv[0], "cpus")) {
		uint64_t n;

		if (argc != 2 || parse_num(argv[1], &n) || !n || n > 4096)
			return bad("cpus needs a count (1-4096)");
		harness_set_cpus((unsigned int)n);
		return 0;
	}
	if (!strcmp(argv[0], "fwfile") && argc >= 3) {
		char *text = rest + strlen(argv[1]);

		text += strspn(text, " \t");
		if (harness_fw_file_add(argv[1], text, unescape(text)))
			return bad(harness_last_error());
		return 0;
	}
	if (!strcmp(argv[0], "sync") && argc == 1) {
		harness_sync();
		return 0;
	}
	if (!strcmp(argv[0], "remove") && argc == 1 && nr_devs) {
		harness_device_remove(devs[--nr_devs]);
		return 0;
	}
	return bad("unknown command (see modvmm-harness --help)");
}

static int run_script(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	int st = 0;

	if (!f) {
		fprintf(stderr, "modvmm-harness: %s: %s\n", path, strerror(errno));
		return -1;
	}
	script = path;
	lineno = 0;
	while (!st && fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		st = run_line(line);
	}
	fclose(f);
	return st;
}

static int usage(int st)
{
	fprintf(st ? stderr : stdout,
		"usage: modvmm-harness [--plugin-dir DIR] [-m SIZE] SCRIPT...\n"
		"Drives devices from each SCRIPT without KVM and prints TAP;\n"
		"the commands are listed at the top of harness/main.c and in\n"
		"doc/writing-plugins.md.\n");
	return st;
}

int main(int argc, char **argv)
{
	const char *plugin_dir = NULL;
	uint64_t ram = 0;
	int i = 1, st = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(0);
		if (!strcmp(argv[i], "--plugin-dir") && i + 1 < argc)
			plugin_dir = argv[++i];
		else if (!strcmp(argv[i], "-m") && i + 1 < argc &&
			 !opt_parse_size(argv[i + 1], &ram))
			i++;
		else
			return usage(2);
	}
	if (i == argc)
		return usage(2);
	if (pipe2(in_pipe, O_CLOEXEC | O_NONBLOCK) ||
	    pipe2(out_pipe, O_CLOEXEC | O_NONBLOCK)) {
		perror("modvmm-harness: pipe");
		return 2;
	}
	for (; i < argc && !st; i++) {
		nr_devs = 0;
		output_len = 0;
		if (harness_init(ram, plugin_dir)) {
			fprintf(stderr, "modvmm-harness: %s", harness_log());
			return 2;
		}
		st = run_script(argv[i]);
		harness_exit();
	}
	printf("1..%d\n", nr_checks);
	if (st)
		return 2;
	return nr_failed ? 1 : 0;
}
