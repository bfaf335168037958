// SPDX-License-Identifier: MIT
/*
 * KVM set-up: /dev/kvm, the VM, guest memory slots, the irqchip, the
 * vCPU and its initial state for each entry mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/kvm.h"
#include "modvmm.h"
#include "vm/vm.h"

/* Below 4 GiB, inside the 3-4 GiB hole; Intel needs them for real mode. */
#define KVM_TSS_ADDR		0xfffbd000ull
#define KVM_IDENTITY_MAP_ADDR	0xfffbc000ull

static const char *kvm_device_path(void)
{
	const char *p = getenv("MODVMM_KVM_DEVICE");

	return p && *p ? p : "/dev/kvm";
}

int kvm_open(struct vm *m)
{
	static const struct { int cap; const char *name; } caps[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
		{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	};
	const char *path = kvm_device_path();
	size_t i;
	int v;

	m->kvm_fd = open(path, O_RDWR | O_CLOEXEC);
	if (m->kvm_fd < 0) {
		int e = errno;

		if (e == ENOENT || e == ENXIO || e == ENODEV)
			pr_err("%s: %s; load the KVM module (modprobe kvm_intel or kvm_amd), enable VT-x/AMD-V in the firmware, or nested virtualization if this is a VM",
			       path, strerror(e));
		else if (e == EACCES || e == EPERM)
			pr_err("%s: %s; add your user to the 'kvm' group (usermod -aG kvm $USER, then log in again) or run as root",
			       path, strerror(e));
		else
			pr_err("%s: %s", path, strerror(e));
		return -1;
	}
	v = ioctl(m->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		pr_err("%s: KVM API version %d, modvmm needs %d; %s is not a KVM device",
		       path, v, KVM_API_VERSION, path);
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		if (ioctl(m->kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			pr_err("%s: this kernel's KVM lacks %s, which modvmm needs; use a newer kernel",
			       path, caps[i].name);
			return -1;
		}
	}
	return 0;
}

static int kvm_set_memory(struct vm *m)
{
	int i;

	for (i = 0; i < m->mem.nr_slots; i++) {
		struct guestmem_slot *s = &m->mem.slot[i];
		struct kvm_userspace_memory_region r = {
			.slot = (uint32_t)i,
			.guest_phys_addr = s->gpa,
			.memory_size = s->size,
			.userspace_addr = (uint64_t)(uintptr_t)s->host,
		};

		if (ioctl(m->vm_fd, KVM_SET_USER_MEMORY_REGION, &r)) {
			pr_err("guest RAM of %llu MiB: KVM refused slot %d at 0x%llx (%s); try a smaller -m",
			       (unsigned long long)(m->mem.size >> 20), i,
			       (unsigned long long)s->gpa, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * KVM's in-kernel 8259s start unmasked with vector base 0; real ones
 * deliver nothing until ICW1-4.  Mask them until the guest programs them
 * (ICW1 clears the mask, as on the chip).
 */
static int kvm_pic_power_on(struct vm *m)
{
	struct kvm_irqchip chip;
	int id;

	for (id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_PIC_SLAVE; id++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = (uint32_t)id;
		if (ioctl(m->vm_fd, KVM_GET_IRQCHIP, &chip))
			return -1;
		chip.chip.pic.imr = 0xff;
		if (ioctl(m->vm_fd, KVM_SET_IRQCHIP, &chip))
			return -1;
	}
	return 0;
}

/*
 * The PC's wiring of ISA interrupts, as the ACPI MADT describes it (an
 * override IRQ 0 -> GSI 2): line N drives 8259 input N and I/O APIC pin
 * N, except that the timer's line 0 reaches the I/O APIC on pin 2 and
 * line 2 is the 8259 cascade, on neither.  KVM's default routing would
 * put line 0 on pin 0, where an OS told about the override never looks.
 */
static int kvm_set_isa_routing(struct vm *m)
{
	size_t size = sizeof(struct kvm_irq_routing) +
		      (16 + 24) * sizeof(struct kvm_irq_routing_entry);
	struct kvm_irq_routing *rt = calloc(1, size);
	struct kvm_irq_routing_entry *e;
	unsigned int gsi;
	int r;

	if (!rt)
		return -1;
	e = rt->entries;
	for (gsi = 0; gsi < 24; gsi++) {
		if (gsi == 2)
			continue;
		if (gsi < 16) {
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
						       KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = gsi & 7;
			e++;
		}
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = gsi ? gsi : 2;
		e++;
	}
	rt->nr = (uint32_t)(e - rt->entries);
	r = ioctl(m->vm_fd, KVM_SET_GSI_ROUTING, rt);
	free(rt);
	return r;
}

/*
 * Split irqchip: the local APICs in KVM, the 8259s and the I/O APIC in
 * user space.  KVM reserves GSIs 0..MODVMM_MSI_ROUTES - 1 for the I/O
 * APIC's MSI routes; it must be enabled before any vCPU exists.
 */
static int kvm_enable_split_irqchip(struct vm *m)
{
	struct kvm_enable_cap cap;

	if (ioctl(m->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) <= 0) {
		pr_err("this KVM lacks KVM_CAP_SPLIT_IRQCHIP, which the split irqchip (CONFIG_IRQCHIP_SPLIT) needs; configure modvmm with another interrupt controller");
		return -1;
	}
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_SPLIT_IRQCHIP;
	cap.args[0] = MODVMM_MSI_ROUTES;
	if (ioctl(m->vm_fd, KVM_ENABLE_CAP, &cap)) {
		pr_err("KVM_ENABLE_CAP of KVM_CAP_SPLIT_IRQCHIP failed: %s",
		       strerror(errno));
		return -1;
	}
	return 0;
}

int kvm_create_vm(struct vm *m)
{
	uint64_t map = KVM_IDENTITY_MAP_ADDR;

	m->vm_fd = ioctl(m->kvm_fd, KVM_CREATE_VM, 0);
	if (m->vm_fd < 0) {
		pr_err("KVM_CREATE_VM failed: %s; is another hypervisor using the CPU's virtualization extensions?",
		       strerror(errno));
		return -1;
	}
	if (ioctl(m->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR)) {
		pr_err("KVM_SET_TSS_ADDR failed: %s", strerror(errno));
		return -1;
	}
	/* Optional: only Intel uses it, and not every KVM offers it. */
	if (ioctl(m->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0)
		ioctl(m->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &map);
	if (kvm_set_memory(m))
		return -1;
	if (m->irqchip == IRQCHIP_SPLIT)
		return kvm_enable_split_irqchip(m);
	if (m->irqchip == IRQCHIP_KVM) {
		if (ioctl(m->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0 ||
		    ioctl(m->vm_fd, KVM_CREATE_IRQCHIP, 0)) {
			pr_err("KVM_CREATE_IRQCHIP failed: %s; configure modvmm with the userspace irqchip (CONFIG_IRQCHIP_USER)",
			       strerror(errno));
			return -1;
		}
		if (kvm_set_isa_routing(m)) {
			pr_err("KVM_SET_GSI_ROUTING of the ISA lines failed: %s",
			       strerror(errno));
			return -1;
		}
		if (kvm_pic_power_on(m)) {
			pr_err("KVM_SET_IRQCHIP of the 8259s failed: %s",
			       strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Without the in-kernel irqchip there is no local APIC: say so. */
static void cpuid_hide_apic(struct kvm_cpuid2 *c)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		if (c->entries[i].function != 1)
			continue;
		c->entries[i].edx &= ~(1u << 9);	/* APIC */
		c->entries[i].ecx &= ~(1u << 21);	/* x2APIC */
	}
}

static int kvm_disable_apic_base(int fd)
{
	/* struct kvm_msrs ends in a flexible array: room for one entry */
	union {
		struct kvm_msrs msrs;
		uint8_t buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} u;

	memset(&u, 0, sizeof(u));
	u.msrs.nmsrs = 1;
	u.msrs.entries[0].index = 0x1b;		/* IA32_APIC_BASE */
	u.msrs.entries[0].data = 0;
	if (ioctl(fd, KVM_SET_MSRS, &u.msrs) != 1) {
		pr_err("KVM_SET_MSRS IA32_APIC_BASE failed");
		return -1;
	}
	return 0;
}

/* Each vCPU's initial APIC ID, as its local APIC and the MADT have it. */
static void cpuid_set_apic_id(struct kvm_cpuid2 *c, unsigned int id)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 1)
			c->entries[i].ebx = (c->entries[i].ebx & 0x00ffffffu) |
					    (id << 24);
		else if (c->entries[i].function == 0xb ||
			 c->entries[i].function == 0x1f)
			c->entries[i].edx = id;		/* x2APIC ID */
	}
}

/* CPUID bits modvmm sets or clears in what KVM supports. */
#define CPUID_1_ECX_HYPERVISOR		(1u << 31)
#define KVM_CPUID_FEATURES_LEAF		0x40000001u
#define KVM_F_PV_EOI			(1u << 6)
#define KVM_F_PV_UNHALT			(1u << 7)
#define KVM_F_PV_SEND_IPI		(1u << 11)
#define KVM_F_ASYNC_PF_INT		(1u << 14)
#define KVM_F_MSI_EXT_DEST_ID		(1u << 15)

/*
 * Say that the guest runs on KVM: KVM lists its own leaves (0x40000000,
 * "KVMKVMKVM", and the paravirtual features) but leaves the hypervisor
 * bit to the VMM, and without it a guest never looks at them.  Linux
 * then takes kvm-clock instead of calibrating the TSC against the PIT,
 * which costs seconds where an exit is slow.  Of the features, modvmm
 * takes away the extended MSI destination ID (neither its I/O APIC nor
 * KVM's decodes it) and, without a local APIC in KVM, those that need
 * one there (PV EOI, unhalt kicks, IPIs, the async-PF interrupt).
 */
static void cpuid_set_hypervisor(struct kvm_cpuid2 *c, int lapic_in_kernel)
{
	uint32_t i, drop = KVM_F_MSI_EXT_DEST_ID;

	if (!lapic_in_kernel)
		drop |= KVM_F_PV_EOI | KVM_F_PV_UNHALT | KVM_F_PV_SEND_IPI |
			KVM_F_ASYNC_PF_INT;
	for (i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= CPUID_1_ECX_HYPERVISOR;
		else if (c->entries[i].function == KVM_CPUID_FEATURES_LEAF)
			c->entries[i].eax &= ~drop;
	}
}

static int kvm_set_cpuid(struct vm *m, int fd, unsigned int id)
{
	struct kvm_cpuid2 *c;
	int n = 128, r;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -1;
		c->nent = (uint32_t)n;
		r = ioctl(m->kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (!r)
			break;
		free(c);
		if (errno != E2BIG || n > 4096) {
			pr_err("KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
			return -1;
		}
		n *= 2;
	}
	if (!vm_lapic_in_kernel(m))
		cpuid_hide_apic(c);
	else
		cpuid_set_apic_id(c, id);
	cpuid_set_hypervisor(c, vm_lapic_in_kernel(m));
	r = ioctl(fd, KVM_SET_CPUID2, c);
	if (r)
		pr_err("KVM_SET_CPUID2 failed: %s", strerror(errno));
	free(c);
	if (!r && !vm_lapic_in_kernel(m))
		r = kvm_disable_apic_base(fd);
	return r ? -1 : 0;
}

/* vCPU @id: its fd, its mapped kvm_run, its CPUID.  0, or -1 after pr_err. */
static int kvm_new_vcpu(struct vm *m, unsigned int id, int *fd,
			struct kvm_run **run, size_t *run_size)
{
	int size;

	*fd = ioctl(m->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (*fd < 0) {
		pr_err("KVM_CREATE_VCPU %u failed: %s", id, strerror(errno));
		return -1;
	}
	size = ioctl(m->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run)) {
		pr_err("KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
		return -1;
	}
	*run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    *fd, 0);
	if (*run == MAP_FAILED) {
		*run = NULL;
		pr_err("mmap of the vCPU run area failed: %s", strerror(errno));
		return -1;
	}
	*run_size = (size_t)size;
	return kvm_set_cpuid(m, *fd, id);
}

/* The array of every vCPU, none created yet. */
static int kvm_alloc_vcpus(struct vm *m)
{
	unsigned int i, n = m->nr_cpus ? m->nr_cpus : 1;

	if (m->vcpus)
		return 0;
	m->vcpus = calloc(n, sizeof(*m->vcpus));
	if (!m->vcpus) {
		pr_err("out of memory for %u vCPUs", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		m->vcpus[i].id = i;
		m->vcpus[i].fd = -1;
	}
	return 0;
}

int kvm_create_vcpu(struct vm *m)
{
	struct vcpu *v;

	if (kvm_alloc_vcpus(m))
		return -1;
	v = &m->vcpus[0];
	return kvm_new_vcpu(m, 0, &v->fd, &v->run, &v->run_size);
}

int kvm_has_cap(struct vm *m, long cap)
{
	return ioctl(m->kvm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

unsigned int kvm_max_vcpus(struct vm *m)
{
	int n = ioctl(m->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (n <= 0)	/* the API's advice: then KVM_CAP_NR_VCPUS, else 4 */
		n = ioctl(m->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	return n > 0 ? (unsigned int)n : 4;
}

int kvm_create_aps(struct vm *m)
{
	unsigned int i;

	if (kvm_alloc_vcpus(m))
		return -1;
	for (i = 1; i < m->nr_cpus; i++) {
		struct vcpu *v = &m->vcpus[i];

		if (kvm_new_vcpu(m, i, &v->fd, &v->run, &v->run_size))
			return -1;
	}
	return 0;
}

static void kvm_destroy_vcpus(struct vm *m)
{
	unsigned int i, n = m->nr_cpus ? m->nr_cpus : 1;

	for (i = 0; m->vcpus && i < n; i++) {
		if (m->vcpus[i].run)
			munmap(m->vcpus[i].run, m->vcpus[i].run_size);
		if (m->vcpus[i].fd > 0)
			close(m->vcpus[i].fd);
	}
	free(m->vcpus);
	m->vcpus = NULL;
}

void kvm_destroy_vm(struct vm *m)
{
	kvm_destroy_vcpus(m);
	if (m->vm_fd > 0)
		close(m->vm_fd);
	m->vm_fd = -1;
}

void kvm_close(struct vm *m)
{
	kvm_destroy_vm(m);
	if (m->kvm_fd > 0)
		close(m->kvm_fd);
	m->kvm_fd = -1;
}

/* ---- initial vCPU state ------------------------------------------------ */

#define GDT_CODE32	0x08
#define GDT_DATA	0x10
#define GDT_CODE64	0x18

#define CR0_PE		(1ull << 0)
#define CR0_ET		(1ull << 4)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type,
		     int code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = (uint8_t)code64;
	s->db = (uint8_t)!code64;
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

/* GDT: null, 32-bit code, data, 64-bit code; all flat 4 GiB. */
static const uint64_t gdt_modvmm[4] = {
	0,
	0x00cf9b000000ffffull,	/* 0x08: code, 32-bit, accessed */
	0x00cf93000000ffffull,	/* 0x10: data, accessed */
	0x00af9b000000ffffull,	/* 0x18: code, 64-bit, accessed */
};

/* The Linux boot protocol's: __BOOT_CS = 0x10, __BOOT_DS = 0x18. */
static const uint64_t gdt_linux[4] = {
	0,
	0x00cf9b000000ffffull,	/* 0x08: code, 32-bit (unused) */
	0x00af9b000000ffffull,	/* 0x10: __BOOT_CS, 64-bit code */
	0x00cf93000000ffffull,	/* 0x18: __BOOT_DS */
};

static int boot_write_gdt(struct vm *m, const uint64_t *gdt)
{
	void *p = guestmem_ptr(&m->mem, BOOT_GDT_ADDR, sizeof(gdt_modvmm));

	if (!p)
		return -1;
	memcpy(p, gdt, sizeof(gdt_modvmm));
	return 0;
}

/* Identity-map the low 4 GiB with 2 MiB pages. */
static int boot_write_page_tables(struct vm *m)
{
	uint64_t *pml4 = guestmem_ptr(&m->mem, BOOT_PML4_ADDR, 4096);
	uint64_t *pdpt = guestmem_ptr(&m->mem, BOOT_PDPT_ADDR, 4096);
	uint64_t *pd = guestmem_ptr(&m->mem, BOOT_PD_ADDR, 4 * 4096);
	uint64_t i;

	if (!pml4 || !pdpt || !pd)
		return -1;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT_ADDR | 0x3;		/* present, writable */
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * 4096) | 0x3;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83;	/* present, writable, 2 MiB */
	return 0;
}

static int vcpu_setup_sregs(struct vm *m, const struct boot_state *bs,
			    struct kvm_sregs *s)
{
	if (bs->mode == BOOT_REAL) {
		uint16_t cs = (uint16_t)((bs->rip >> 4) & 0xf000);

		seg_real(&s->cs, cs, 0xb);
		seg_real(&s->ds, 0, 0x3);
		seg_real(&s->es, 0, 0x3);
		seg_real(&s->fs, 0, 0x3);
		seg_real(&s->gs, 0, 0x3);
		seg_real(&s->ss, (uint16_t)(BOOT_STACK_TOP >> 4 & 0xf000), 0x3);
		s->cr0 = CR0_ET;
		s->cr4 = 0;
		s->efer = 0;
		return 0;
	}
	uint16_t cs64 = bs->linux_selectors ? 0x10 : GDT_CODE64;
	uint16_t ds = bs->linux_selectors ? 0x18 : GDT_DATA;

	if (boot_write_gdt(m, bs->linux_selectors ? gdt_linux : gdt_modvmm)) {
		pr_err("cannot write the GDT at 0x%llx: not RAM",
		       (unsigned long long)BOOT_GDT_ADDR);
		return -1;
	}
	s->gdt.base = BOOT_GDT_ADDR;
	s->gdt.limit = 4 * 8 - 1;
	seg_flat(&s->ds, ds, 0x3, 0);
	s->es = s->fs = s->gs = s->ss = s->ds;
	if (bs->mode == BOOT_PROTECTED) {
		seg_flat(&s->cs, GDT_CODE32, 0xb, 0);
		s->cr0 = CR0_PE | CR0_ET;
		s->cr4 = 0;
		s->efer = 0;
		return 0;
	}
	if (boot_write_page_tables(m)) {
		pr_err("cannot write the page tables at 0x%llx: not RAM",
		       (unsigned long long)BOOT_PML4_ADDR);
		return -1;
	}
	seg_flat(&s->cs, cs64, 0xb, 1);
	s->cr3 = BOOT_PML4_ADDR;
	s->cr4 = CR4_PAE;
	s->cr0 = CR0_PE | CR0_ET | CR0_PG;
	s->efer = EFER_LME | EFER_LMA;
	return 0;
}

int vcpu_setup(struct vm *m, const struct boot_state *bs)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(m->vcpus[0].fd, KVM_GET_SREGS, &s)) {
		pr_err("KVM_GET_SREGS failed: %s", strerror(errno));
		return -1;
	}
	if (vcpu_setup_sregs(m, bs, &s))
		return -1;
	if (ioctl(m->vcpus[0].fd, KVM_SET_SREGS, &s)) {
		pr_err("KVM_SET_SREGS failed: %s", strerror(errno));
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.rflags = 0x2;
	r.rax = bs->rax;
	r.rbx = bs->rbx;
	r.rsi = bs->rsi;
	r.rdi = bs->rdi;
	if (bs->mode == BOOT_REAL) {
		r.rip = bs->rip - ((bs->rip >> 4) & 0xf000) * 16;
		r.rsp = BOOT_STACK_TOP & 0xffff;
	} else {
		r.rip = bs->rip;
		r.rsp = bs->rsp ? bs->rsp : BOOT_STACK_TOP;
	}
	if (ioctl(m->vcpus[0].fd, KVM_SET_REGS, &r)) {
		pr_err("KVM_SET_REGS failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}
