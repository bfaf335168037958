// SPDX-License-Identifier: MIT
/*
 * floor - the bare KVM_RUN loop that modvmm is measured against.
 *
 * It builds the VM modvmm builds for a flat real-mode image (the same RAM
 * slots around the 640 KiB-1 MiB hole, TSS and identity-map pages, the
 * in-kernel irqchip, the host's CPUID, CS:IP 0:0, SS:SP 0x9000:0xfff0)
 * and runs it with no dispatch at all:
 *
 *   - a port I/O write to 0xF4 ends the run with (value << 1) | 1, like
 *     modvmm's exit port;
 *   - every other port I/O and every MMIO exit is ignored (an MMIO or
 *     port read sees whatever the run area holds);
 *   - HLT ends the run with 0 (only reached with -n: KVM keeps HLT to
 *     itself when it has the irqchip).
 *
 * So its cost per exit is KVM's own plus one switch on the exit reason:
 * the floor for any VMM that handles exits in user space.
 *
 *   floor [-m MIB] [-n] [-p] IMAGE
 *     -m MIB  guest RAM in MiB (default: CONFIG_MEM_SIZE_MB, as modvmm)
 *     -n      no in-kernel irqchip
 *     -p      KVM's in-kernel 8254 (KVM_CREATE_PIT2), for the idle
 *             benchmark: the cheapest timer tick there is, no exit at all
 *
 * Exit status: 0 HLT, odd from port 0xF4, 2 usage, 4 image, 8 KVM error,
 * 10 any other exit reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#ifndef CONFIG_MEM_SIZE_MB
#define CONFIG_MEM_SIZE_MB	128
#endif

/* The same addresses modvmm uses (core/kvm.c, core/guestmem.h). */
#define TSS_ADDR		0xfffbd000ull
#define IDENTITY_MAP_ADDR	0xfffbc000ull
#define HOLE_START		0xa0000ull
#define HOLE_END		0x100000ull
#define LOW_END			0xc0000000ull
#define STACK_SEG		0x9000
#define STACK_PTR		0xfff0
#define EXIT_PORT		0xf4

struct floor {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	uint8_t *ram;
	uint64_t ram_size;
};

static int die(int status, const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	return status;
}

static int floor_add_slot(struct floor *f, uint32_t slot, uint64_t gpa,
			  uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)(f->ram + gpa),
	};

	return ioctl(f->vm, KVM_SET_USER_MEMORY_REGION, &r);
}

/* RAM below the legacy hole, then from 1 MiB up to 3 GiB, as modvmm. */
static int floor_map_ram(struct floor *f)
{
	uint64_t top = f->ram_size < LOW_END ? f->ram_size : LOW_END;

	f->ram = mmap(NULL, f->ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (f->ram == MAP_FAILED)
		return -1;
	if (floor_add_slot(f, 0, 0, f->ram_size < HOLE_START ?
			   f->ram_size : HOLE_START))
		return -1;
	if (top > HOLE_END && floor_add_slot(f, 1, HOLE_END, top - HOLE_END))
		return -1;
	return 0;
}

static int floor_load(struct floor *f, const char *path)
{
	FILE *img = fopen(path, "rb");
	size_t n;

	if (!img)
		return -1;
	n = fread(f->ram, 1, HOLE_START, img);
	fclose(img);
	return n ? 0 : -1;
}

static int floor_set_cpuid(struct floor *f)
{
	struct kvm_cpuid2 *c;
	uint32_t n = 256;
	int r;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (!c)
		return -1;
	c->nent = n;
	r = ioctl(f->kvm, KVM_GET_SUPPORTED_CPUID, c);
	if (!r)
		r = ioctl(f->vcpu, KVM_SET_CPUID2, c);
	free(c);
	return r;
}

static void seg_real(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

/* Real mode at 0:0, the stack at 0x9000:0xfff0. */
static int floor_reset_vcpu(struct floor *f)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(f->vcpu, KVM_GET_SREGS, &s))
		return -1;
	seg_real(&s.cs, 0, 0xb);
	seg_real(&s.ds, 0, 0x3);
	seg_real(&s.es, 0, 0x3);
	seg_real(&s.fs, 0, 0x3);
	seg_real(&s.gs, 0, 0x3);
	seg_real(&s.ss, STACK_SEG, 0x3);
	s.cr0 = 1u << 4;	/* ET */
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(f->vcpu, KVM_SET_SREGS, &s))
		return -1;
	memset(&r, 0, sizeof(r));
	r.rflags = 0x2;
	r.rsp = STACK_PTR;
	return ioctl(f->vcpu, KVM_SET_REGS, &r);
}

static int floor_create(struct floor *f, int irqchip, int pit)
{
	struct kvm_pit_config pit_config = { .flags = 0 };
	uint64_t map = IDENTITY_MAP_ADDR;
	int size;

	f->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (f->kvm < 0)
		return -1;
	f->vm = ioctl(f->kvm, KVM_CREATE_VM, 0);
	if (f->vm < 0 || ioctl(f->vm, KVM_SET_TSS_ADDR, (unsigned long)TSS_ADDR))
		return -1;
	if (ioctl(f->kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0)
		ioctl(f->vm, KVM_SET_IDENTITY_MAP_ADDR, &map);
	if (floor_map_ram(f))
		return -1;
	if (irqchip && ioctl(f->vm, KVM_CREATE_IRQCHIP, 0))
		return -1;
	if (pit && ioctl(f->vm, KVM_CREATE_PIT2, &pit_config))
		return -1;
	f->vcpu = ioctl(f->vm, KVM_CREATE_VCPU, 0);
	size = ioctl(f->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (f->vcpu < 0 || size < (int)sizeof(*f->run))
		return -1;
	f->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      f->vcpu, 0);
	if (f->run == MAP_FAILED)
		return -1;
	if (floor_set_cpuid(f))
		return -1;
	return floor_reset_vcpu(f);
}

static int floor_run(struct floor *f)
{
	struct kvm_run *run = f->run;

	for (;;) {
		if (ioctl(f->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return die(8, "KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == EXIT_PORT &&
			    run->io.direction == KVM_EXIT_IO_OUT)
				return ((((uint8_t *)run)[run->io.data_offset] << 1) | 1) & 0xff;
			break;
		case KVM_EXIT_MMIO:
			break;
		case KVM_EXIT_HLT:
			return 0;
		default:
			fprintf(stderr, "floor: exit reason %u\n", run->exit_reason);
			return 10;
		}
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: floor [-m MIB] [-n] [-p] IMAGE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct floor f = { .ram_size = (uint64_t)CONFIG_MEM_SIZE_MB << 20 };
	int irqchip = 1, pit = 0, opt;

	while ((opt = getopt(argc, argv, "m:np")) != -1) {
		switch (opt) {
		case 'm':
			f.ram_size = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'n':
			irqchip = 0;
			break;
		case 'p':
			pit = 1;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1 || f.ram_size < HOLE_START || (pit && !irqchip))
		return usage();
	if (floor_create(&f, irqchip, pit))
		return die(8, "KVM set-up");
	if (floor_load(&f, argv[optind]))
		return die(4, argv[optind]);
	return floor_run(&f);
}
