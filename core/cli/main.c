// SPDX-License-Identifier: MIT
/*
 * modvmm: the command line, and the order in which a machine is built:
 * command line -> image file -> guest RAM and loader -> devices (a dry
 * run, outputs masked) -> KVM, VM and vCPU -> devices for real, output
 * files -> run.  Every usage, image and device error is found before
 * /dev/kvm is touched and before any output file is created or truncated.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "boot/loader.h"
#include "dev/device.h"
#include "dev/platform.h"
#include "event/event.h"
#include "kvm/ioevent.h"
#include "event/watchdog.h"
#include "io/console.h"
#include "io/output.h"
#include "irq/irq.h"
#include "kvm/kvm.h"
#include "modvmm.h"
#include "util/options.h"
#include "vm/vm.h"

/* Longer than any honest handler; short enough that nobody reaches for kill -9. */
#define WATCHDOG_DEFAULT_NS	5000000000ull

#ifndef MODVMM_VERSION
#define MODVMM_VERSION "0.0.0"
#endif

#define MAX_DEVICES	64

struct cmdline {
	uint64_t mem_size;
	const char *devices[MAX_DEVICES];
	int nr_devices;
	int nodefaults;
	const char *plugin_dir;
	int insecure_plugins;
	int list_devices, json, probe;
	const char *format;
	double timeout;
	uint64_t timeout_ns;
	uint64_t watchdog_ns;		/* 0: no device watchdog */
	int stats;
	const char *trace;
	int trace_io, trace_mmio;
	const char *trace_path;		/* points into trace_buf */
	char *trace_buf;
	int debug_unclaimed;
	int reboot;
	unsigned int cpus;
	const char *console;		/* --console NAME, or NULL */
	struct load_opts load;
};

enum {
	OPT_NODEFAULTS = 256, OPT_PLUGIN_DIR, OPT_INSECURE_PLUGINS,
	OPT_LIST_DEVICES, OPT_JSON, OPT_PROBE,
	OPT_FORMAT, OPT_MODE, OPT_LOAD_ADDR, OPT_ENTRY, OPT_APPEND, OPT_INITRD,
	OPT_MODULE, OPT_FW_CFG, OPT_TIMEOUT, OPT_WATCHDOG, OPT_STATS, OPT_TRACE, OPT_DEBUG_UNCLAIMED,
	OPT_REBOOT, OPT_CPUS, OPT_CONSOLE,
};

static const struct option long_opts[] = {
	{ "memory", required_argument, NULL, 'm' },
	{ "device", required_argument, NULL, 'd' },
	{ "nodefaults", no_argument, NULL, OPT_NODEFAULTS },
	{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
	{ "insecure-plugins", no_argument, NULL, OPT_INSECURE_PLUGINS },
	{ "list-devices", no_argument, NULL, OPT_LIST_DEVICES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "load-addr", required_argument, NULL, OPT_LOAD_ADDR },
	{ "entry", required_argument, NULL, OPT_ENTRY },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "fw-cfg", required_argument, NULL, OPT_FW_CFG },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "watchdog", required_argument, NULL, OPT_WATCHDOG },
	{ "reboot", no_argument, NULL, OPT_REBOOT },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "debug-unclaimed", no_argument, NULL, OPT_DEBUG_UNCLAIMED },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: modvmm [options] IMAGE\n"
"Run IMAGE (flat binary, multiboot ELF32/a.out kludge, ELF64 or Linux bzImage) under KVM.\n"
"\n"
"Machine:\n"
"  -m, --memory SIZE        guest RAM, e.g. 64M, 1G (bare number: MiB; default %d MiB)\n"
"      --cpus N             vCPUs, 1 to 254 (default %d; more need KVM's local APICs)\n"
"  -d, --device SPEC        add a device: NAME|PATH.so[,key=value...] (repeatable)\n"
"      --nodefaults         no default devices (default: %s)\n"
"      --plugin-dir DIR     look for NAME.so in DIR first\n"
"      --insecure-plugins   load plugins that others could have replaced\n"
"      --list-devices       list built-in and loadable devices, then exit\n"
"      --json               with --list-devices: JSON output\n"
"      --probe              with --list-devices: also create each device with\n"
"                           its default options (runs its init) and show the\n"
"                           ranges it claims\n"
"Image:\n"
"      --format FMT         auto, flat, multiboot, elf or bzimage (default auto)\n"
"      --mode MODE          flat image entry mode: real, protected or long\n"
"      --load-addr ADDR     flat image load address (real: 0, else 0x100000)\n"
"      --entry ADDR         flat image entry point (default: load address)\n"
"      --append TEXT        kernel command line (multiboot: after the image path)\n"
"      --initrd FILE        bzImage initrd; multiboot module (as --module FILE)\n"
"      --module FILE[,ARGS] multiboot module with its command line (repeatable)\n"
"      --fw-cfg name=NAME,file=PATH|string=TEXT\n"
"                           add a firmware file (fw_cfg), as QEMU's -fw_cfg\n"
"Run:\n"
"      --timeout SECONDS    stop the guest after SECONDS\n"
"      --watchdog SECONDS   end the run when a device handler has not returned\n"
"                           after SECONDS (default 5; 0: never)\n"
"      --reboot             when the guest resets the machine (0xCF9, i8042,\n"
"                           triple fault), boot it again instead of exiting\n"
"      --console NAME       the device that reads the terminal (NAME as in\n"
"                           --stats: virtio-console, serial8250.1, ...);\n"
"                           default: the first device that asks\n"
"      --stats              print exit and device counts at exit\n"
"      --trace io,mmio[,file=PATH]  print every access\n"
"      --debug-unclaimed    log every unclaimed access, not once per port\n"
"  -v, --verbose            more messages (twice: debug)\n"
"  -h, --help               this help\n"
"  -V, --version            version and plugin ABI\n"
"\n"
"Exit status: 0 guest halted with interrupts off; odd (v<<1)|1 guest wrote v\n"
"to the exit port 0xF4; 2 usage error; 4 image error; 6 device or plugin\n"
"error; 8 KVM unavailable or failed; 10 guest crashed (triple fault, entry\n"
"failure, emulation failure); 12 timeout; 14 internal error; 16 a device\n"
"crashed, hung, called exit() or asked for a status it may not give;\n"
"18 the guest reset the machine (without --reboot); 20 stopped by a signal\n"
"(SIGINT, SIGTERM, SIGHUP...) or the console escape (Ctrl-A x).\n",
		CONFIG_MEM_SIZE_MB, CONFIG_NR_CPUS, CONFIG_DEFAULT_DEVICES);
}

static int parse_addr(const char *opt, const char *s, uint64_t *out)
{
	if (opt_parse_u64(s, out)) {
		pr_err("%s %s: not an address (want decimal or 0x hex)", opt, s);
		return -1;
	}
	return 0;
}

static int parse_mode(const char *s, int *mode)
{
	if (!strcmp(s, "real"))
		*mode = BOOT_REAL;
	else if (!strcmp(s, "protected"))
		*mode = BOOT_PROTECTED;
	else if (!strcmp(s, "long"))
		*mode = BOOT_LONG;
	else {
		pr_err("--mode %s: unknown mode (want real, protected or long)", s);
		return -1;
	}
	return 0;
}

static int parse_memory(const char *s, uint64_t *out)
{
	if (opt_parse_size(s, out)) {
		pr_err("-m %s: not a size (want e.g. 64M, 1G, 512K or a number of MiB)", s);
		return -1;
	}
	if (*out < (1ull << 20) || *out & 0xfff) {
		pr_err("-m %s: guest RAM must be at least 1 MiB and a multiple of 4 KiB", s);
		return -1;
	}
	if (*out > (1ull << 40)) {
		pr_err("-m %s: more than 1 TiB of guest RAM is not supported", s);
		return -1;
	}
	return 0;
}

static int add_module(struct cmdline *c, const char *arg)
{
	struct loader_module *mod;
	char *copy, *comma;

	if (c->load.nr_modules == LOADER_MAX_MODULES) {
		pr_err("--module %s: at most %d modules", arg, LOADER_MAX_MODULES);
		return -1;
	}
	copy = strdup(arg);
	if (!copy)
		return -1;
	mod = &c->load.modules[c->load.nr_modules++];
	comma = strchr(copy, ',');
	if (comma)
		*comma = '\0';
	mod->path = copy;
	mod->cmdline = comma ? comma + 1 : NULL;
	return 0;
}

/*
 * Seconds, as a plain decimal number (no sign, nan, inf or hex float),
 * from the timer's 1 ns resolution up to 10^7 s (115 days; the ns count
 * would overflow 64 bits at 1.8e10 s).
 */
/* More than one vCPU needs KVM's irqchip: its local APICs start them. */
static int check_cpus(const char *what, uint64_t n)
{
#if !defined(CONFIG_IRQCHIP_KVM) && !defined(CONFIG_IRQCHIP_SPLIT)
	if (n > 1) {
		pr_err("%s: several vCPUs need KVM's local APICs (CONFIG_IRQCHIP_KVM or CONFIG_IRQCHIP_SPLIT): they start them; this modvmm is built with another",
		       what);
		return -1;
	}
#endif
	(void)what;
	(void)n;
	return 0;
}

/* --cpus: 1 to VM_MAX_CPUS. */
static int parse_cpus(const char *s, unsigned int *out)
{
	char what[64];
	uint64_t n;

	if (opt_parse_u64(s, &n) || n < 1 || n > VM_MAX_CPUS) {
		pr_err("--cpus %s: want a count from 1 to %d", s, VM_MAX_CPUS);
		return -1;
	}
	snprintf(what, sizeof(what), "--cpus %s", s);
	if (check_cpus(what, n))
		return -1;
	*out = (unsigned int)n;
	return 0;
}

static int parse_seconds(const char *opt, const char *s, double *out,
			 uint64_t *ns)
{
	const char *p;
	char *end;
	double ns_d;

	for (p = s; *p; p++)
		if (!strchr("0123456789.eE+-", *p))
			break;
	errno = 0;
	*out = strtod(s, &end);
	ns_d = *out * 1e9;
	if (*p || !s[0] || !(isdigit((unsigned char)s[0]) || s[0] == '.') ||
	    errno || end == s || *end || !isfinite(*out) ||
	    *out > 1e7 || ns_d < 1.0) {
		pr_err("%s %s: not a positive number of seconds (want a decimal number from 0.000000001 to 10000000, e.g. 0.5)",
		       opt, s);
		return -1;
	}
	*ns = (uint64_t)(ns_d + 0.5);	/* nearest: 1e-9 * 1e9 may be 0.99... */
	return 0;
}

/* --trace io,mmio[,file=PATH]: checked here, its file opened last. */
static int parse_trace(struct cmdline *c, const char *arg)
{
	char *tok, *save = NULL;

	free(c->trace_buf);
	c->trace_buf = strdup(arg);
	c->trace = arg;
	c->trace_io = c->trace_mmio = 0;
	c->trace_path = NULL;
	if (!c->trace_buf)
		return -1;
	for (tok = strtok_r(c->trace_buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "io"))
			c->trace_io = 1;
		else if (!strcmp(tok, "mmio"))
			c->trace_mmio = 1;
		else if (!strncmp(tok, "file=", 5) && tok[5] && !c->trace_path)
			c->trace_path = tok + 5;
		else {
			pr_err("--trace %s: unknown item '%s' (want io, mmio, file=PATH)",
			       arg, tok);
			return -1;
		}
	}
	return 0;
}

/* Returns 0, 1 to exit 0 at once (help/version), or -1 on a usage error. */
static int parse_args(struct cmdline *c, int argc, char **argv)
{
	double secs;
	int opt;

	c->mem_size = (uint64_t)CONFIG_MEM_SIZE_MB << 20;
	c->watchdog_ns = WATCHDOG_DEFAULT_NS;
	c->load.mode = -1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":m:d:vhV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (parse_memory(optarg, &c->mem_size))
				return -1;
			break;
		case 'd':
			if (c->nr_devices == MAX_DEVICES) {
				pr_err("-d %s: at most %d devices", optarg, MAX_DEVICES);
				return -1;
			}
			c->devices[c->nr_devices++] = optarg;
			break;
		case OPT_NODEFAULTS: c->nodefaults = 1; break;
		case OPT_PLUGIN_DIR: c->plugin_dir = optarg; break;
		case OPT_INSECURE_PLUGINS: c->insecure_plugins = 1; break;
		case OPT_LIST_DEVICES: c->list_devices = 1; break;
		case OPT_JSON: c->json = 1; break;
		case OPT_PROBE: c->probe = 1; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "auto") && strcmp(optarg, "flat") &&
			    strcmp(optarg, "multiboot") && strcmp(optarg, "elf") &&
			    strcmp(optarg, "bzimage")) {
				pr_err("--format %s: unknown format (want auto, flat, multiboot, elf or bzimage)",
				       optarg);
				return -1;
			}
			c->format = optarg;
			break;
		case OPT_MODE:
			if (parse_mode(optarg, &c->load.mode))
				return -1;
			break;
		case OPT_LOAD_ADDR:
			if (parse_addr("--load-addr", optarg, &c->load.load_addr))
				return -1;
			c->load.have_load_addr = 1;
			break;
		case OPT_ENTRY:
			if (parse_addr("--entry", optarg, &c->load.entry))
				return -1;
			c->load.have_entry = 1;
			break;
		case OPT_APPEND: c->load.append = optarg; break;
		case OPT_INITRD:
		case OPT_MODULE:
			if (add_module(c, optarg))
				return -1;
			break;
		case OPT_FW_CFG:
			if (platform_user_file(optarg))
				return -1;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds("--timeout", optarg, &c->timeout, &c->timeout_ns))
				return -1;
			break;
		case OPT_WATCHDOG:
			c->watchdog_ns = 0;
			if (strcmp(optarg, "0") &&
			    parse_seconds("--watchdog", optarg, &secs, &c->watchdog_ns))
				return -1;
			break;
		case OPT_STATS: c->stats = 1; break;
		case OPT_REBOOT: c->reboot = 1; break;
		case OPT_CONSOLE: c->console = optarg; break;
		case OPT_CPUS:
			if (parse_cpus(optarg, &c->cpus))
				return -1;
			break;
		case OPT_TRACE:
			if (parse_trace(c, optarg))
				return -1;
			break;
		case OPT_DEBUG_UNCLAIMED: c->debug_unclaimed = 1; break;
		case 'v': log_verbosity++; break;
		case 'h': usage(stdout); return 1;
		case 'V':
			printf("modvmm %s (plugin ABI %d, accepts %d-%d)\n", MODVMM_VERSION,
			       MODVMM_ABI_VERSION, MODVMM_ABI_MIN_VERSION,
			       MODVMM_ABI_VERSION);
			return 1;
		case ':':
			pr_err("option %s needs a value; see modvmm --help", argv[optind - 1]);
			return -1;
		default:
			pr_err("unknown option '%s'; see modvmm --help", argv[optind - 1]);
			return -1;
		}
	}
	if (!c->cpus) {
		if (check_cpus("CONFIG_NR_CPUS=" MODVMM_STR(CONFIG_NR_CPUS),
			       CONFIG_NR_CPUS))
			return -1;
		c->cpus = CONFIG_NR_CPUS;
	}
	if (!c->list_devices && (c->json || c->probe)) {
		pr_err("--%s applies to --list-devices only", c->json ? "json" : "probe");
		return -1;
	}
	if (c->list_devices)
		return 0;
	if (optind == argc) {
		pr_err("no guest image given; usage: modvmm [options] IMAGE (see --help)");
		return -1;
	}
	if (optind + 1 < argc) {
		pr_err("'%s': only one IMAGE may be given; options go before it",
		       argv[optind + 1]);
		return -1;
	}
	c->load.path = argv[optind];
	return 0;
}

/*
 * Open the trace file, last of all.  O_NONBLOCK so a FIFO whose reader
 * went away since it was checked fails here rather than blocking; the
 * trace then writes blocking, so a slow reader loses nothing.
 */
static int setup_trace(struct cmdline *c)
{
	FILE *f = NULL;
	int fd, flags;

	if (c->trace_path) {
		fd = open(c->trace_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
			  O_NOCTTY | O_NONBLOCK, 0666);
		if (fd < 0) {
			pr_err("--trace file=%s: %s", c->trace_path,
			       errno == ENXIO ? "a FIFO that nobody reads" :
			       strerror(errno));
			return -1;
		}
		flags = fcntl(fd, F_GETFL);
		if (flags >= 0)
			fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
		f = fdopen(fd, "we");
		if (!f) {
			pr_err("--trace file=%s: %s", c->trace_path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	vm.pio.trace = c->trace_io;
	vm.mmio.trace = c->trace_mmio;
	vm.pio.trace_file = vm.mmio.trace_file = f;
	return 0;
}

/* A trace that could not be written whole says so (a full disk, ulimit -f). */
static void trace_close(const struct cmdline *c)
{
	int err = vm.pio.trace_errno ? vm.pio.trace_errno : vm.mmio.trace_errno;

	if (fclose(vm.pio.trace_file) && !err)
		err = errno;
	if (err)
		pr_err("--trace file=%s: write: %s%s; the trace is incomplete",
		       c->trace_path, strerror(err), output_error_hint(err));
}

/* 1 if some -d option creates device @name. */
static int cmdline_has_device(const struct cmdline *c, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < c->nr_devices; i++)
		if (!strncmp(c->devices[i], name, n) &&
		    (c->devices[i][n] == '\0' || c->devices[i][n] == ','))
			return 1;
	return 0;
}

/*
 * The board's interrupt controller (Kconfig names it), then the default
 * machine's devices, then the -d ones.
 */
static int create_devices(struct cmdline *c)
{
	static const char *const chips[] = {
		CONFIG_IRQCHIP_DEVICE, CONFIG_IRQCHIP_IOAPIC_DEVICE,
	};
	size_t k;
	int i;

	for (k = 0; k < ARRAY_SIZE(chips); k++)
		if (chips[k][0] && !cmdline_has_device(c, chips[k]) &&
		    device_create(chips[k]))
			return -1;
	if (!c->nodefaults) {
		char *list = strdup(CONFIG_DEFAULT_DEVICES), *tok, *save = NULL;

		for (tok = strtok_r(list, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			if (device_create(tok)) {
				free(list);
				return -1;
			}
		}
		free(list);
	}
	for (i = 0; i < c->nr_devices; i++)
		if (device_create(c->devices[i]))
			return -1;
	return 0;
}

static void timeout_fired(void *opaque, uint64_t n)
{
	double *secs = opaque;

	(void)n;
	vm.timeout_hit = 1;
	device_sync_all();
	pr_err("guest still running after --timeout %g s; stopped", *secs);
	vm_request_stop(EXIT_TIMEOUT);
}

static void print_stats(struct vm *m)
{
	extern const char *vcpu_exit_name(uint32_t r);
	double secs = (double)(clock_now_ns() - m->start_ns) / 1e9;
	uint32_t i;

	fprintf(stderr, "modvmm: stats: run time %.6f s, kicks %" PRIu64 ", boots %u\n",
		secs, (uint64_t)READ_ONCE(m->kicks), m->boots);
	fprintf(stderr, "  exits:");
	for (i = 0; i < ARRAY_SIZE(m->exits); i++)
		if (m->exits[i])
			fprintf(stderr, " %s %" PRIu64, vcpu_exit_name(i), m->exits[i]);
	if (m->nr_cpus > 1 && m->vcpus) {
		fprintf(stderr, "\n  per vCPU: 0 %" PRIu64, m->vcpus[0].exits);
		for (i = 1; i < m->nr_cpus; i++)
			fprintf(stderr, ", %u %" PRIu64, m->vcpus[i].id,
				m->vcpus[i].exits);
	}
	fprintf(stderr, "\n  unclaimed: io %" PRIu64 ", mmio %" PRIu64 "\n",
		m->pio.unclaimed, m->mmio.unclaimed);
	device_print_stats(stderr);
}

static enum irqchip_kind configured_irqchip(void)
{
#if defined(CONFIG_IRQCHIP_KVM)
	return IRQCHIP_KVM;
#elif defined(CONFIG_IRQCHIP_USER)
	return IRQCHIP_USER;
#elif defined(CONFIG_IRQCHIP_SPLIT)
	return IRQCHIP_SPLIT;
#else
	return IRQCHIP_NONE;
#endif
}

/*
 * The image into guest RAM, mapped first if it is not yet (a reboot
 * loads it again into the cleared RAM): status 0, or the error's.
 */
static int load_image(struct cmdline *c, struct boot_state *bs)
{
	uint8_t *image = NULL;
	int status;

	if (loader_read_file(c->load.path, &image, &c->load.size, c->mem_size))
		return EXIT_IMAGE;
	c->load.data = image;
	if (!vm.mem.base && guestmem_init(&vm.mem, c->mem_size)) {
		pr_err("-m: cannot map %" PRIu64 " MiB of guest RAM: %s; use a smaller -m",
		       c->mem_size >> 20, strerror(errno));
		loader_free_file(image, c->load.size);
		return EXIT_USAGE;
	}
	status = loader_load(&vm.mem, c->format, &c->load, bs);
	loader_free_file(image, c->load.size);
	c->load.data = NULL;
	return status ? EXIT_IMAGE : 0;
}

/* What devices learn about the machine: facts and firmware files. */
static int describe_platform(struct cmdline *c)
{
	struct platform *pf = platform_facts();
	struct stat st;

	pf->nr_cpus = c->cpus ? c->cpus : 1;
	vm.nr_cpus = pf->nr_cpus;
	pf->cmdline = c->load.append ? c->load.append : "";
	pf->kernel_size = c->load.size;
	pf->kernel_path = c->load.path;
	if (c->load.nr_modules && !stat(c->load.modules[0].path, &st)) {
		pf->initrd_size = (uint64_t)st.st_size;
		pf->initrd_path = c->load.modules[0].path;
	}
	if (platform_add_e820(&vm.mem) ||
	    platform_add_user_files(c->mem_size))
		return EXIT_USAGE;
	return 0;
}

/*
 * A flat or ELF64 image has no way to receive --append or --initrd but
 * a device that passes them on: without one they would be dropped.
 */
static int boot_files_unused(const struct cmdline *c,
			     const struct boot_state *bs)
{
	pr_err("%s: --append, --initrd and --module reach %s only through a device that passes them on, such as fw_cfg, and this machine has none: add -d fw_cfg, or boot a multiboot or bzImage kernel",
	       c->load.path, bs->boot_files_via_device);
	return EXIT_IMAGE;
}

/*
 * Every device once with its output files masked, then gone again: all
 * device errors (unknown device, bad option, overlap, plugin refused)
 * show now, before /dev/kvm and before any output file is touched.  The
 * interrupt controller kind and the RAM hook are what devices see at init.
 */
static int validate_devices(struct cmdline *c, const struct boot_state *bs)
{
	int r;

	vm.irqchip = configured_irqchip();
	vm_guard_ram();
	if (c->trace_path &&
	    device_output_claim("--trace", "file", c->trace_path))
		return EXIT_USAGE;
	device_console_prefer(c->console);
	device_dry_run_begin();
	r = create_devices(c);
	if (!r)
		r = device_ready_all();
	/* the words the devices add to a Linux command line must fit */
	if (!r && loader_cmdline_add(&vm.mem, bs, platform_cmdline_extra(), 1))
		r = EXIT_USAGE;
	else if (r)
		r = EXIT_DEVICE;
	else if (bs->boot_files_via_device &&
		 !device_any_flagged(MODVMM_DEVF_BOOT_FILES))
		r = boot_files_unused(c, bs);
	device_dry_run_end();
	if (r)
		return r;
	if (c->console && !device_console_preferred_asked()) {
		pr_err("--console %s: no device of this machine by that name reads the terminal (names as in --stats, such as virtio-console or serial8250)",
		       c->console);
		return EXIT_USAGE;
	}
	return 0;
}

/* /dev/kvm, the VM with its RAM and irqchip, the vCPU in its boot state. */
static int create_vm(const struct boot_state *bs)
{
	enum irqchip_kind chip = vm.irqchip;

	if (vm.kvm_fd <= 0 && kvm_open(&vm))
		return EXIT_KVM;
	if (vm.nr_cpus > kvm_max_vcpus(&vm)) {
		pr_err("--cpus %u: this KVM runs at most %u vCPUs in a VM",
		       vm.nr_cpus, kvm_max_vcpus(&vm));
		return EXIT_USAGE;
	}
	if (kvm_create_vm(&vm))
		return EXIT_KVM;
	vm.irqchip = chip;
	if (vm_lapic_in_kernel(&vm)) {
		irq_kvm_replay();
		ioevent_kvm_replay();
	}
	if (kvm_create_vcpu(&vm) || vcpu_setup(&vm, bs) ||
	    kvm_create_aps(&vm))
		return EXIT_KVM;
	vcpu_kick_init(&vm);
	return 0;
}

/*
 * The guest reset the machine and --reboot asks for another boot: what a
 * reset does to a PC, in the same process — a new VM and vCPU over the
 * same RAM, cleared and loaded again, every device back to power-on.
 * Returns 0 to run again, or the status to end with (a signal or the
 * timeout that came meanwhile wins).
 */
static int reboot_machine(struct cmdline *c)
{
	struct boot_state bs;
	sigset_t all, old;
	int status;

	event_stop();
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	status = vm.stop && vm.stop_status != EXIT_GUEST_RESET ?
		 vm.stop_status : 0;
	if (!status) {
		vm.stop = 0;
		vm.stop_status = 0;
		vm.stop_claimed = 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (status)
		return status;
	vm.boots++;
	pr_info("the guest reset the machine: boot %u", vm.boots);
	/* no device thread may still be writing into the RAM we clear */
	device_pause_all();
	kvm_destroy_vm(&vm);
	guestmem_clear(&vm.mem);
	status = load_image(c, &bs);
	if (!status && loader_cmdline_append(&vm.mem, &bs,
					     platform_cmdline_extra()))
		status = EXIT_USAGE;
	if (!status)
		status = create_vm(&bs);
	if (status)
		return status;
	device_reset_all();
	device_resume_all();
	if (event_start(vm_lapic_in_kernel(&vm) ? 200 : 0)) {
		pr_err("cannot start the event thread: %s", strerror(errno));
		return EXIT_INTERNAL;
	}
	return 0;
}

static int run_machine(struct cmdline *c)
{
	struct boot_state bs;
	int status;

	status = load_image(c, &bs);
	if (!status)
		status = describe_platform(c);
	if (status)
		return status;
	if (event_init()) {
		pr_err("cannot create the event loop: %s", strerror(errno));
		return EXIT_INTERNAL;
	}
	status = validate_devices(c, &bs);
	if (!status)
		status = create_vm(&bs);
	if (status)
		return status;
	/* outputs last: devices open their files, then the trace */
	if (create_devices(c) || device_ready_all())
		return EXIT_DEVICE;
	if (loader_cmdline_append(&vm.mem, &bs, platform_cmdline_extra()))
		return EXIT_USAGE;
	if (setup_trace(c))
		return EXIT_USAGE;
	if (c->timeout_ns) {
		struct modvmm_timer *t = event_timer_new(NULL, timeout_fired, &c->timeout);

		if (!t) {
			pr_err("cannot create the --timeout timer: %s", strerror(errno));
			return EXIT_INTERNAL;
		}
		event_timer_arm(t, c->timeout_ns, 0);
	}
	if (event_start(vm_lapic_in_kernel(&vm) ? 200 : 0)) {
		pr_err("cannot start the event thread: %s", strerror(errno));
		return EXIT_INTERNAL;
	}
	if (watchdog_start(c->watchdog_ns)) {
		pr_err("cannot start the device watchdog: %s", strerror(errno));
		return EXIT_INTERNAL;
	}
	vm.start_ns = clock_now_ns();
	vm.reboot = c->reboot;
	vm.boots = 1;
	do {
		status = vcpu_start_aps(&vm) ? EXIT_INTERNAL :
			 vcpu_run_loop(&vm);
		vcpu_stop_aps(&vm, status);
	} while (c->reboot && status == EXIT_GUEST_RESET &&
		 !(status = reboot_machine(c)));
	device_pause_all();
	device_sync_all();
	/* where a guest that never finished was: -v says */
	if (status == EXIT_TIMEOUT && log_verbosity >= 1)
		vcpu_dump_state(&vm, "where --timeout found it");
	if (c->stats)
		print_stats(&vm);
	return status;
}

/*
 * A closed fd 0, 1 or 2 would be reused by the next open(), and the
 * guest's console or our messages would land in a file or a KVM fd:
 * put /dev/null there before anything is opened.
 */
static void fds_sanitize(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			_exit(EXIT_INTERNAL);
	}
}

int main(int argc, char **argv)
{
	struct plugin_search search = { 0 };
	const char *stop_signal;
	struct cmdline c;
	int status, i;

	fds_sanitize();
	memset(&c, 0, sizeof(c));
	status = parse_args(&c, argc, argv);
	if (status) {
		free(c.trace_buf);
		return status > 0 ? 0 : EXIT_USAGE;
	}
	search.plugin_dir = c.plugin_dir;
	search.insecure = c.insecure_plugins;
	device_set_search(&search);
	bus_init(&vm.pio, "io", MODVMM_SPACE_PIO, 0xffff);
	bus_init(&vm.mmio, "mmio", MODVMM_SPACE_MMIO, UINT64_MAX);
	/* before any plugin is opened: a crash in one is reported as such */
	vm_install_signals();
	if (c.list_devices) {
#if defined(CONFIG_IRQCHIP_USER) || defined(CONFIG_IRQCHIP_SPLIT)
		/* so that the interrupt controllers can probe */
		vm.irqchip = configured_irqchip();
#endif
		status = event_init() ? EXIT_INTERNAL : device_list(c.json, c.probe);
		device_exit_all();
		event_shutdown();
		bus_free(&vm.pio);
		bus_free(&vm.mmio);
		vm_exit_expected();
		return status;
	}
	vm.pio.log_all_unclaimed = vm.mmio.log_all_unclaimed =
		c.debug_unclaimed;
	status = run_machine(&c);

	event_stop();
	ioevent_shutdown();
	device_exit_all();
	watchdog_stop();
	event_shutdown();
	console_restore();
	stop_signal = vm_stop_signal_name();
	if (status == EXIT_SIGNAL && stop_signal)
		pr_err("stopped by %s", stop_signal);
	bus_free(&vm.pio);
	bus_free(&vm.mmio);
	if (vm.pio.trace_file)
		trace_close(&c);
	kvm_close(&vm);
	guestmem_free(&vm.mem);
	platform_free();
	for (i = 0; i < c.load.nr_modules; i++)
		free((char *)c.load.modules[i].path);
	free(c.trace_buf);
	vm_exit_expected();
	return status;
}
