/* SPDX-License-Identifier: MIT */
/*
 * modvmm/device.h - the modvmm device plugin ABI.
 *
 * This header is the whole contract between modvmm and a device, whether
 * the device is linked into the binary (Kconfig "y") or loaded as a .so
 * plugin (Kconfig "m", or a custom plugin built out of tree).  A device
 * includes nothing else from modvmm.
 *
 * A device defines exactly one descriptor with MODVMM_DEVICE().  Built
 * without -DMODULE the descriptor goes into a linker section that the core
 * walks at start-up; built with -DMODULE it becomes the single exported
 * symbol "modvmm_device_descriptor" that the plugin loader looks up.
 *
 * The device never sees modvmm's internals: at init it receives an opaque
 * &struct modvmm_dev handle and a &struct modvmm_host function table, and
 * everything it does to the machine goes through that table.
 *
 * Threading: the callbacks of one device instance (access handlers,
 * timers, fd watchers, sync, reset, exit) run one at a time: on the boot
 * vCPU's thread, or, with several vCPUs (--cpus), on the thread of the
 * vCPU that made the access, or, for &modvmm_host.ioevent_add and
 * &modvmm_host.fd_watch_direct, on the host's I/O thread, always under a
 * lock the host holds for that instance (MODVMM_DEVF_CONCURRENT turns it
 * off).  Different instances run in parallel.  A device needs no locks
 * of its own, except for threads it starts itself, which may call only
 * &modvmm_host.mem_ptr and write an &modvmm_host.irqfd_new eventfd.
 */
#ifndef MODVMM_DEVICE_H
#define MODVMM_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * MODVMM_ABI_VERSION - the plugin ABI version this header describes.
 *
 * Bumped whenever a change breaks existing plugins (a field removed or
 * moved, a callback's meaning changed, a struct without a struct_size
 * grown).  Appending fields to the end of &struct modvmm_device_desc or
 * &struct modvmm_host does not bump it: the struct_size fields tell both
 * sides what the other one knows.
 *
 * ABI 2 added &modvmm_range_ops.valid and renamed the descriptor's
 * "requires" (a C++20 keyword) &modvmm_device_desc.depends, at the same
 * place.  Plugins built for ABI 1 still load: the host reads their range ops as ABI 1 defined them (any access
 * size valid), so they behave exactly as before.  A plugin built for
 * ABI 2 is refused by an ABI 1 host with a message to rebuild it.
 */
#define MODVMM_ABI_VERSION	2

/**
 * MODVMM_ABI_MIN_VERSION - the oldest plugin ABI this header's host accepts.
 */
#define MODVMM_ABI_MIN_VERSION	1

/**
 * MODVMM_DESCRIPTOR_SYMBOL - name of the symbol a .so plugin exports.
 */
#define MODVMM_DESCRIPTOR_SYMBOL "modvmm_device_descriptor"

struct modvmm_dev;
struct modvmm_timer;
struct modvmm_stream;

/*
 * Exit statuses a device may pass to &modvmm_host.request_stop for the
 * machine-level events every PC device reports the same way.
 */
/** MODVMM_STATUS_POWEROFF - the guest powered the machine off (ACPI S5). */
#define MODVMM_STATUS_POWEROFF	0
/** MODVMM_STATUS_RESET - the guest reset the machine (0xCF9, i8042). */
#define MODVMM_STATUS_RESET	18
/** MODVMM_STATUS_STOPPED - the user stopped the run (a console escape). */
#define MODVMM_STATUS_STOPPED	20

/**
 * MODVMM_IRQ_LINES - the interrupt lines a device may drive: 0 to 23, the
 * PC's ISA lines 0-15 and the IOAPIC's further inputs 16-23.  Line 0 is
 * the PIT's, 2 the cascade (never raised), 8 the RTC's.
 */
#define MODVMM_IRQ_LINES	24

/**
 * MODVMM_LAPIC_BASE - where every local APIC's registers are (and where
 * MSIs are written).
 */
#define MODVMM_LAPIC_BASE	0xfee00000u

/**
 * MODVMM_IOAPIC_BASE - the I/O APIC's register window (KVM's, or the
 * ioapic device's with the split irqchip).
 */
#define MODVMM_IOAPIC_BASE	0xfec00000u

/**
 * MODVMM_IOAPIC_ID - the I/O APIC's ID, in its register and in the
 * firmware tables (ACPI MADT, MP table): 0, the value KVM's own I/O APIC
 * resets to and the one QEMU's tables give.  I/O APIC and local APIC IDs
 * need not differ since the xAPIC (messages go over the system bus, not
 * an APIC bus), and the register holds 4 bits, which a "first ID after
 * the CPUs'" would outgrow at 16 vCPUs.
 */
#define MODVMM_IOAPIC_ID	0

/*
 * Memory map entry types, as in the PC's e820 map.
 */
#define MODVMM_MEM_RAM		1	/* usable RAM */
#define MODVMM_MEM_RESERVED	2	/* RAM or holes the OS must not use */
#define MODVMM_MEM_ACPI		3	/* ACPI tables, reclaimable */

/**
 * struct modvmm_mem_range - one entry of the guest's physical memory map.
 * @addr: first guest physical address.
 * @size: length in bytes.
 * @type: MODVMM_MEM_RAM, MODVMM_MEM_RESERVED or MODVMM_MEM_ACPI.
 */
struct modvmm_mem_range {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/** MODVMM_MAX_MEM_RANGES - the most entries &modvmm_machine_info.map has. */
#define MODVMM_MAX_MEM_RANGES	8

/**
 * struct modvmm_machine_info - the machine a device is part of.
 * @struct_size: set by the caller to sizeof(struct modvmm_machine_info);
 *               the host fills only what both sides know.
 * @nr_cpus:     number of vCPUs.
 * @ram_size:    guest RAM in bytes (-m), holes not counted.
 * @nr_map:      entries used in @map.
 * @map:         the memory map the boot information gives the guest
 *               (e820 for Linux, the multiboot memory map), in address
 *               order: RAM, the BIOS area, the holes left out.
 * @cmdline:     the kernel command line given (--append), or "".
 * @kernel_size: bytes of the image file.
 * @initrd_size: bytes of the initrd (the first --initrd or --module
 *               file); 0 if none.
 * @kernel_path: the image file, for a device that hands it to the guest
 *               (fw_cfg's kernel data item); NULL in hosts before it.
 * @initrd_path: the initrd file, or NULL.
 */
struct modvmm_machine_info {
	uint32_t struct_size;
	uint32_t nr_cpus;
	uint64_t ram_size;
	uint32_t nr_map;
	uint32_t reserved;
	struct modvmm_mem_range map[MODVMM_MAX_MEM_RANGES];
	const char *cmdline;
	uint64_t kernel_size;
	uint64_t initrd_size;
	const char *kernel_path;
	const char *initrd_path;
};

/** MODVMM_FW_NAME_MAX - longest firmware file name, with its NUL. */
#define MODVMM_FW_NAME_MAX	56

/*
 * Flags of &struct modvmm_platform_dev: how its interrupt line is
 * triggered.
 */
#define MODVMM_PDEV_IRQ_EDGE	0	/* edge-triggered, active high */
#define MODVMM_PDEV_IRQ_LEVEL	1	/* level-triggered, active high */
#define MODVMM_PDEV_NO_IRQ	2	/* no interrupt */

/**
 * struct modvmm_platform_dev - a memory-mapped device the firmware
 * tables describe (ACPI: one DSDT Device with _HID, _UID and _CRS).
 * @hid:       the ACPI hardware ID, like "LNRO0005" (virtio-mmio); at
 *             most 8 characters.
 * @uid:       unique among the entries of one @hid.
 * @mmio_base: first byte of its register window (below 4 GiB).
 * @mmio_len:  length of the window.
 * @irq:       its interrupt line (GSI).
 * @flags:     MODVMM_PDEV_IRQ_EDGE, _LEVEL or MODVMM_PDEV_NO_IRQ.
 */
struct modvmm_platform_dev {
	char hid[9];
	uint32_t uid;
	uint64_t mmio_base;
	uint64_t mmio_len;
	uint32_t irq;
	uint32_t flags;
};

/**
 * enum modvmm_space - the address space a range lives in.
 * @MODVMM_SPACE_PIO:  x86 port I/O, addresses 0 to 0xffff.
 * @MODVMM_SPACE_MMIO: guest physical memory-mapped I/O.
 */
enum modvmm_space {
	MODVMM_SPACE_PIO = 0,
	MODVMM_SPACE_MMIO = 1,
};

/**
 * struct modvmm_range_decl - a range a device declares in its descriptor.
 * @space: the address space.
 * @base:  first address.
 * @len:   length in bytes; 0 ends a list.
 *
 * Only what --list-devices shows: the device still registers its ranges
 * with &modvmm_host.register_range at init.
 */
struct modvmm_range_decl {
	enum modvmm_space space;
	uint64_t base;
	uint64_t len;
};

/** MODVMM_RANGES_END - the entry that ends a &modvmm_range_decl list. */
#define MODVMM_RANGES_END	{ MODVMM_SPACE_PIO, 0, 0 }

/**
 * enum modvmm_log_level - severity passed to &modvmm_host.log.
 * @MODVMM_LOG_ERROR: something failed; always printed.
 * @MODVMM_LOG_WARN:  the guest or the user did something odd; always printed.
 * @MODVMM_LOG_INFO:  printed with --verbose.
 * @MODVMM_LOG_DEBUG: printed with --verbose --verbose.
 */
enum modvmm_log_level {
	MODVMM_LOG_ERROR = 0,
	MODVMM_LOG_WARN = 1,
	MODVMM_LOG_INFO = 2,
	MODVMM_LOG_DEBUG = 3,
};

/*
 * Access sizes, for &modvmm_range_ops.sizes (what the handlers take) and
 * &modvmm_range_ops.valid (what the guest may do).  The bus splits a
 * valid access the handlers do not take into smaller ones they take
 * (little-endian), so a device never sees a size it did not ask for.
 */
#define MODVMM_SIZE_1	(1u << 0)
#define MODVMM_SIZE_2	(1u << 1)
#define MODVMM_SIZE_4	(1u << 2)
#define MODVMM_SIZE_8	(1u << 3)
#define MODVMM_SIZE_ANY	(MODVMM_SIZE_1 | MODVMM_SIZE_2 | MODVMM_SIZE_4 | \
			 MODVMM_SIZE_8)

/**
 * struct modvmm_access - one guest access, as a device sees it.
 * @addr:     absolute port number or guest physical address.
 * @offset:   @addr minus the base of the range the device registered.
 * @size:     access width in bytes: 1, 2, 4 or 8, always one the range
 *            declared in &modvmm_range_ops.sizes.
 * @is_write: 1 for a guest write (OUT, store), 0 for a read.
 * @space:    &enum modvmm_space of the range.
 * @vcpu:     index of the vCPU that made the access.
 */
struct modvmm_access {
	uint64_t addr;
	uint64_t offset;
	uint32_t size;
	uint8_t is_write;
	uint8_t space;
	uint16_t vcpu;
};

/**
 * struct modvmm_range_ops - how a device answers accesses to one range.
 * @read:  returns the value the guest reads; only the low @a->size bytes
 *         are used.  NULL makes reads return all ones.
 * @write: takes the value the guest wrote (zero-extended to 64 bits).
 *         NULL drops writes.
 * @sizes: mask of MODVMM_SIZE_* the handlers accept (the sizes the device
 *         implements); 0 means MODVMM_SIZE_1.
 * @valid: mask of MODVMM_SIZE_* the guest may use on this range (ABI 2).
 *         An access of another power-of-two size is refused as a real
 *         bus would: a read returns all ones, a write is dropped, and the
 *         refusal is logged once per port or page.  A valid access the
 *         handlers do not take whole is split into @sizes pieces.  0
 *         means every size is valid (ABI 1's behaviour).  Accesses KVM
 *         cut at a page boundary (3, 5, 6 or 7 bytes) are always split.
 *
 * Handlers must accept any value at any offset of the range: the guest is
 * untrusted and every register write is attacker-chosen.
 */
struct modvmm_range_ops {
	uint64_t (*read)(void *opaque, const struct modvmm_access *a);
	void (*write)(void *opaque, const struct modvmm_access *a, uint64_t val);
	uint32_t sizes;
	uint32_t valid;
};

/**
 * typedef modvmm_timer_fn - a timer expired.
 * @opaque:  the pointer given to &modvmm_host.timer_new.
 * @expired: how many periods elapsed since the last call (at least 1); a
 *           periodic timer that the vCPU thread could not serve in time
 *           reports the missed periods here instead of calling again.
 */
typedef void (*modvmm_timer_fn)(void *opaque, uint64_t expired);

/**
 * typedef modvmm_fd_fn - a watched file descriptor is readable.
 * @opaque: the pointer given to &modvmm_host.fd_watch.
 * @fd:     the descriptor.
 *
 * The callback should read what is available without blocking.  The
 * watch stays armed; it fires again while data remains.
 */
typedef void (*modvmm_fd_fn)(void *opaque, int fd);

/**
 * typedef modvmm_ioevent_fn - the guest made the write an ioevent waits for.
 * @opaque: the pointer given to &modvmm_host.ioevent_add.
 */
typedef void (*modvmm_ioevent_fn)(void *opaque);

/**
 * struct modvmm_irqchip_ops - an interrupt controller implemented by a device.
 * @set_irq: input line @irq changed to @level (1 asserted).  Edge-
 *           triggered inputs act on the 0 -> 1 transition.
 * @pending: 1 if the controller asserts INTR towards the CPU.
 * @ack:     the CPU's interrupt acknowledge cycle: returns the vector to
 *           deliver (0-255) and updates the controller's state, or -1 if
 *           nothing is pending any more.
 *
 * With the split irqchip (local APICs in KVM) several controllers may
 * register: each gets every line through @set_irq.  At most one has
 * @pending and @ack (the 8259, whose INTR reaches the boot CPU's LINT0
 * as ExtINT); the others leave both NULL and deliver their interrupts as
 * MSIs (&modvmm_host.msi_route_set), as an I/O APIC does.
 */
struct modvmm_irqchip_ops {
	void (*set_irq)(void *opaque, unsigned int irq, int level);
	int (*pending)(void *opaque);
	int (*ack)(void *opaque);
};

/**
 * struct modvmm_msi - a message-signalled interrupt: a 32-bit write of
 * @data to @addr in the local APICs' window (0xfee00000-0xfeefffff).
 * @addr:  the address: 0xfee00000 | destination APIC ID << 12, bit 2
 *         for logical destination mode, bit 3 for redirection hint.
 * @data:  the vector in bits 0-7, the delivery mode in bits 8-10 (0 fixed,
 *         1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT), bit 14 the
 *         level (assert) and bit 15 the trigger mode (1 level).
 * @flags: 0; reserved.
 */
struct modvmm_msi {
	uint64_t addr;
	uint32_t data;
	uint32_t flags;
};

/**
 * MODVMM_MSI_ROUTES - how many MSI routes &modvmm_host.msi_route_set
 * knows: 0 to MODVMM_MSI_ROUTES - 1.  With the split irqchip they are the
 * GSIs KVM reserves for a userspace I/O APIC, the only ones whose
 * level-triggered interrupts KVM reports the end of (&modvmm_eoi_fn).
 */
#define MODVMM_MSI_ROUTES	24

/**
 * typedef modvmm_eoi_fn - a local APIC ended a level-triggered interrupt.
 * @opaque: the pointer given to &modvmm_host.eoi_watch.
 * @vector: the vector the guest's EOI was for.
 */
typedef void (*modvmm_eoi_fn)(void *opaque, unsigned int vector);

/**
 * struct modvmm_host - the functions modvmm offers a device.
 * @abi_version: MODVMM_ABI_VERSION of the host.
 * @struct_size: sizeof(struct modvmm_host) in the host; fields beyond it
 *               do not exist in that host.
 *
 * @register_range: claim [@base, @base + @len) in @space for @ops, passing
 *     @opaque to its handlers.  Returns 0, or -1 after logging why (zero
 *     length, overflow, overlap with another device's range: the message
 *     names both devices and both ranges, or an MMIO range over RAM).
 * @unregister_range: give back the range that starts at @base in @space.
 *     Returns 0, or -1 if @dev has no range there.  Every range is also
 *     released when the device exits or fails its init.
 * @irq_set: drive interrupt line @irq to @level (1 asserted, 0 not), as a
 *     level-triggered line.  A machine without an interrupt controller
 *     ignores it.
 * @irq_pulse: assert then deassert @irq: one edge.
 * @mem_read: copy @len bytes of guest physical memory at @gpa into @buf.
 *     Returns 0, or -1 if any byte lies outside guest RAM (nothing copied).
 * @mem_write: copy @len bytes from @buf to guest RAM at @gpa.  Returns 0,
 *     or -1 if any byte lies outside guest RAM (nothing copied).
 * @log: print a message prefixed with the device instance's name.
 * @opt_str: the string value of option @key given on the command line
 *     (``-d name,key=value``), or @def when absent.  Only options listed
 *     in &modvmm_device_desc.options reach a device.
 * @opt_u64: parse option @key as an unsigned number (decimal, or hex when
 *     written 0x...; a leading 0 is still decimal, never octal; K/M/G/T
 *     suffixes) into @out, or store @def when absent.
 *     Returns 0, or -1 after logging "option KEY=VALUE: ..." when the value
 *     is malformed; the device should then fail its init.
 * @opt_bool: parse option @key as on/off/yes/no/1/0/true/false into @out,
 *     or store @def; the key alone (``-d disk,readonly``) means on.
 *     Returns 0, or -1 after logging when malformed.
 * @set_error: record why init failed; the loader prints it as
 *     "NAME: init failed: MESSAGE".
 * @timer_new: create a disarmed timer that calls @fn(@opaque, n) on the
 *     vCPU thread.  Returns NULL on failure.
 * @timer_arm: (re)arm @t to fire @delay_ns from now, then every
 *     @period_ns (0 for a one-shot).  @delay_ns 0 disarms.
 * @timer_free: disarm and free @t.  Timers and fd watches a device still
 *     holds are released by the host after its &modvmm_device_desc.exit
 *     returns; none fires once exit has been called.
 * @fd_watch: call @fn(@opaque, @fd) on the vCPU thread while @fd is
 *     readable.  Returns 0 or -1.
 * @fd_unwatch: stop watching @fd.
 * @clock_ns: the host's monotonic clock in nanoseconds.
 * @request_stop: end the run after the current access; the process exits
 *     with @status: %MODVMM_STATUS_POWEROFF, %MODVMM_STATUS_RESET,
 *     %MODVMM_STATUS_STOPPED or an odd status from 1 to 255 that the guest
 *     chose (QEMU's isa-debug-exit convention).  Any other value is a
 *     device fault: the run ends with modvmm's device-fault status, 16,
 *     and a message naming the device, never with a status the device did
 *     not earn (a crash's, a timeout's, or one exit() would cut to 8 bits).
 * @console_acquire: ask for the terminal's input.  Returns 1 if this device
 *     instance owns stdin now (the host puts a terminal in raw mode and
 *     restores it on every exit path), 0 if another device has it.
 * @stat_add: add @n to the device's counter @name in --stats output.
 *     @name must be a string with static storage.
 * @irqchip_register: become the machine's interrupt controller (only
 *     when modvmm is configured with the userspace or the split irqchip;
 *     returns -1 otherwise or when another device already is).  From
 *     then on the core hands every &modvmm_host.irq_set of every device
 *     to @ops->set_irq, and asks @ops for the vector to inject.  With the
 *     split irqchip a controller without @ops->pending and @ops->ack (an
 *     I/O APIC) may register beside the one that has them.
 * @irqchip_update: tell the core that the controller's output (INTR)
 *     may have changed, so it asks KVM for an interrupt window.
 * @irq_timer_new: a timer that, instead of calling the device, pulses
 *     line @irq at every expiry; arm and free it with @timer_arm and
 *     @timer_free.  The host counts delivered and missed periods as
 *     "ticks" and "ticks_lost" in --stats.  With the in-kernel irqchip the
 *     host delivers these pulses without waking the vCPU thread, which is
 *     what keeps a halted guest with a periodic tick cheap.  May be
 *     absent in hosts older than this field (check @struct_size).
 * @out_open: open the output @spec names ("stdout", "stderr", "null" or
 *     a file path, created or truncated) for this device alone.  Returns
 *     an fd the device owns (and closes in exit), or -1 with errno set
 *     (ENXIO: a FIFO that nobody reads).  A write to it never blocks: a pipe, FIFO or
 *     terminal is opened O_NONBLOCK on a description of its own (the
 *     user's terminal keeps its flags), so write() returns EAGAIN when
 *     the reader does not keep up, and the device decides whether to
 *     wait (bounded), buffer or drop.  Use it instead of writing to fd 1
 *     or 2: a blocked stdout must not freeze the machine.  Check with
 *     MODVMM_HOST_HAS(); hosts before it lack it.
 * @machine_info: fill @info (whose struct_size the caller sets) with the
 *     machine's vCPU count, RAM and memory map.  Returns 0.  Hosts before
 *     it lack it (MODVMM_HOST_HAS()).
 * @fw_file_add: publish @len bytes at @data as firmware file @name (at
 *     most MODVMM_FW_NAME_MAX - 1 characters, like "etc/acpi/tables"),
 *     for a firmware interface such as fw_cfg to show the guest.  The host
 *     copies the bytes.  Returns 0, or -1 with the reason (name empty,
 *     too long or already taken) recorded as by @set_error, so that an
 *     init that fails on it is reported with it.  The host itself
 *     publishes "etc/e820" and the user's --fw-cfg items first.
 * @fw_file_get: the @index-th firmware file (0, 1, ... in the order they
 *     were added): sets *@name, *@data and *@len and returns 0, or -1
 *     when there are fewer files.  The pointers stay valid while the
 *     machine runs.
 * @module_get: the interface module @name exports
 *     (&modvmm_device_desc.exports), or NULL.  @name must be listed in
 *     the calling device's &modvmm_device_desc.depends: the host loaded
 *     it before the device's init ran, so NULL means a module that
 *     exports nothing.  This is how device modules use a library module
 *     such as the virtio-mmio transport (<modvmm/virtio.h>).
 * @mem_ptr: the host address of guest RAM [@gpa, @gpa + @len), or NULL
 *     when any byte of it is not RAM or the range crosses from one RAM
 *     block into another.  Valid until the machine stops; a device may
 *     use it from threads of its own (a disk's I/O worker) and so move
 *     data without a copy.  The guest can change the bytes at any time.
 * @platform_dev_add: describe a memory-mapped device to the guest's
 *     firmware interfaces: @pd is copied into the machine's list, which
 *     the ACPI tables (a DSDT device per entry) are built from.  Returns
 *     0, or -1 with the reason recorded as by @set_error.  Entries go
 *     with the instance if its init fails.
 * @platform_dev_get: the @index-th entry added with @platform_dev_add
 *     (by any device) into *@pd: 0, or -1 past the last.  Called from
 *     &modvmm_device_desc.ready it sees every device of the machine.
 * @cmdline_append: add @text (one word, like "virtio_mmio.device=..."),
 *     separated by a space, to the kernel command line a Linux image
 *     (bzImage) gets after the user's --append.  Returns 0, or -1 with
 *     the reason recorded as by @set_error (the line would be too long).
 * @stream_open: open output @spec (as @out_open: "stdout", "stderr",
 *     "null" or a file path) behind a buffer that the host writes out:
 *     bytes given to @stream_write are coalesced and written at a newline
 *     when the sink is a terminal, when the buffer fills, 5 ms after the
 *     first unflushed byte (a timer of the device's own), at
 *     @stream_flush and at @stream_close.  The host does not flush
 *     streams by itself when the machine syncs: call @stream_flush from
 *     the device's &modvmm_device_desc.sync (and .reset, so that output
 *     sent before a reset is not held back).  It never blocks the
 *     machine: a sink that does not keep up is waited for a bounded time
 *     (1 s), then output is dropped and counted ("tx_dropped" in --stats,
 *     one warning per stall) until it drains; "tx_writes" and "tx_bytes"
 *     count what was written.  "null" discards the bytes (counted
 *     nowhere).  This is the one implementation of console output that
 *     every console device (the UART, virtio-console) uses.  Returns
 *     NULL with errno set (ENXIO: a FIFO that nobody reads).
 * @stream_write: queue @len bytes of @buf on @s.  May write out at once
 *     (bounded wait), never blocks longer.
 * @stream_flush: write out what @s holds now (bounded wait).
 * @ioevent_add: let KVM take the guest's @len-byte writes of @datamatch
 *     to @addr in @space (inside a range @dev registered; a virtio queue
 *     notify) without an exit to modvmm's run loop (KVM_IOEVENTFD): a
 *     thread of the host's calls @fn(@opaque) for them, under the device
 *     lock like every callback.  Returns 1 when KVM takes them, 0 when it
 *     cannot (no such KVM, the userspace irqchip, the device test harness),
 *     and then the writes reach the range's write handler as before: the
 *     device must treat both paths alike.  -1 for bad arguments.  The
 *     ioevents go with the device.  Lines raised from @fn reach KVM
 *     directly (KVM_IRQ_LINE), with no exit either, so no irqfd is needed.
 * @fd_watch_direct: as @fd_watch, but where the machine allows it (the
 *     in-kernel irqchip) the callback runs on the host's I/O thread, under
 *     the device lock, without stopping a vCPU for it: a device thread's
 *     completions (a disk's) reach the guest with no exit at all.
 *     Elsewhere it is @fd_watch.  Stop it with @fd_unwatch.
 * @stream_close: flush and close @s; says how many bytes were dropped, if
 *     any.  Streams a device still holds are closed by the host after its
 *     exit.  The stream functions accept NULL for @s and then do nothing.
 * @irqfd_new: an eventfd that raises line @irq (below MODVMM_IRQ_LINES)
 *     inside KVM (KVM_IRQFD): each write of a nonzero 8-byte count to it
 *     is one edge on the line, as @irq_pulse, and no thread of the host
 *     runs for it.  Any thread may write it, a device thread of its own
 *     included, so a worker can interrupt the guest without a callback.
 *     Do not also drive @irq with @irq_set: an irqfd's edge ends low.
 *     The host owns the fd and closes it after the device's exit (and
 *     keeps it working across --reboot).  Returns the fd, or -1 with
 *     errno EOPNOTSUPP where KVM cannot (the userspace irqchip, a KVM
 *     without the capability, the dry run and the device test harness):
 *     the device then uses @irq_set or @irq_pulse, and must treat both
 *     paths alike; EINVAL for a line out of range.
 * @msi_send: deliver @msi to the local APICs now (KVM_SIGNAL_MSI).
 *     Returns 1 when an APIC took it, 0 when none did (the guest masked
 *     or disabled them) or the machine is not running yet (the device
 *     test harness counts it then), -1 when the machine has no local
 *     APICs in KVM (the userspace irqchip) or @msi is malformed.  No end
 *     of interrupt is reported for it; a level-triggered source uses a
 *     route.
 * @msi_route_set: program route @route (below MODVMM_MSI_ROUTES) to send
 *     @msi when fired, or remove it with @msi NULL.  A route belongs to
 *     the first device that sets it, until that device exits.  KVM learns
 *     from the routes which vectors are level-triggered (@msi->data bit
 *     15), and reports the guest's EOI of those to @eoi_watch callbacks.
 *     Returns 0, or -1 (a bad route, one another device owns, no local
 *     APICs in KVM).
 * @msi_route_fire: send the MSI route @route holds now (KVM_IRQ_LINE on
 *     its GSI).  Returns 1 when delivered, 0 when not (no such route set,
 *     no VM yet, blocked by the guest), -1 on a bad @route.
 * @eoi_watch: call @fn(@opaque, vector) on the vCPU thread, under the
 *     device lock, whenever a local APIC ends a level-triggered interrupt
 *     that came through a route (KVM_EXIT_IOAPIC_EOI).  One watch per
 *     device; it goes with the device.  Returns 0, or -1 when the machine
 *     has no local APICs in KVM or @dev watches already.
 */
struct modvmm_host {
	uint32_t abi_version;
	uint32_t struct_size;

	int (*register_range)(struct modvmm_dev *dev, enum modvmm_space space,
			      uint64_t base, uint64_t len,
			      const struct modvmm_range_ops *ops, void *opaque);
	int (*unregister_range)(struct modvmm_dev *dev, enum modvmm_space space,
				uint64_t base);

	void (*irq_set)(struct modvmm_dev *dev, unsigned int irq, int level);
	void (*irq_pulse)(struct modvmm_dev *dev, unsigned int irq);

	int (*mem_read)(struct modvmm_dev *dev, uint64_t gpa, void *buf,
			size_t len);
	int (*mem_write)(struct modvmm_dev *dev, uint64_t gpa, const void *buf,
			 size_t len);

	void (*log)(struct modvmm_dev *dev, enum modvmm_log_level level,
		    const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	const char *(*opt_str)(struct modvmm_dev *dev, const char *key,
			       const char *def);
	int (*opt_u64)(struct modvmm_dev *dev, const char *key, uint64_t def,
		       uint64_t *out);
	int (*opt_bool)(struct modvmm_dev *dev, const char *key, int def,
			int *out);
	void (*set_error)(struct modvmm_dev *dev, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

	struct modvmm_timer *(*timer_new)(struct modvmm_dev *dev,
					  modvmm_timer_fn fn, void *opaque);
	void (*timer_arm)(struct modvmm_timer *t, uint64_t delay_ns,
			  uint64_t period_ns);
	void (*timer_free)(struct modvmm_timer *t);

	int (*fd_watch)(struct modvmm_dev *dev, int fd, modvmm_fd_fn fn,
			void *opaque);
	void (*fd_unwatch)(struct modvmm_dev *dev, int fd);

	uint64_t (*clock_ns)(void);
	void (*request_stop)(struct modvmm_dev *dev, int status);
	int (*console_acquire)(struct modvmm_dev *dev);
	void (*stat_add)(struct modvmm_dev *dev, const char *name, uint64_t n);
	int (*irqchip_register)(struct modvmm_dev *dev,
				const struct modvmm_irqchip_ops *ops,
				void *opaque);
	void (*irqchip_update)(struct modvmm_dev *dev);
	struct modvmm_timer *(*irq_timer_new)(struct modvmm_dev *dev,
					      unsigned int irq);
	int (*out_open)(struct modvmm_dev *dev, const char *spec);
	int (*machine_info)(struct modvmm_dev *dev,
			    struct modvmm_machine_info *info);
	int (*fw_file_add)(struct modvmm_dev *dev, const char *name,
			   const void *data, size_t len);
	int (*fw_file_get)(struct modvmm_dev *dev, unsigned int index,
			   const char **name, const void **data, size_t *len);
	const void *(*module_get)(struct modvmm_dev *dev, const char *name);
	void *(*mem_ptr)(struct modvmm_dev *dev, uint64_t gpa, size_t len);
	int (*platform_dev_add)(struct modvmm_dev *dev,
				const struct modvmm_platform_dev *pd);
	int (*platform_dev_get)(struct modvmm_dev *dev, unsigned int index,
				struct modvmm_platform_dev *pd);
	int (*cmdline_append)(struct modvmm_dev *dev, const char *text);
	struct modvmm_stream *(*stream_open)(struct modvmm_dev *dev,
					     const char *spec);
	void (*stream_write)(struct modvmm_stream *s, const void *buf,
			     size_t len);
	void (*stream_flush)(struct modvmm_stream *s);
	void (*stream_close)(struct modvmm_stream *s);
	int (*ioevent_add)(struct modvmm_dev *dev, enum modvmm_space space,
			   uint64_t addr, uint32_t len, uint64_t datamatch,
			   modvmm_ioevent_fn fn, void *opaque);
	int (*fd_watch_direct)(struct modvmm_dev *dev, int fd, modvmm_fd_fn fn,
			       void *opaque);
	int (*irqfd_new)(struct modvmm_dev *dev, unsigned int irq);
	int (*msi_send)(struct modvmm_dev *dev, const struct modvmm_msi *msi);
	int (*msi_route_set)(struct modvmm_dev *dev, unsigned int route,
			     const struct modvmm_msi *msi);
	int (*msi_route_fire)(struct modvmm_dev *dev, unsigned int route);
	int (*eoi_watch)(struct modvmm_dev *dev, modvmm_eoi_fn fn, void *opaque);
};

/**
 * MODVMM_HOST_HAS() - whether host table @h has a non-NULL @field.
 *
 * Fields appended to &struct modvmm_host after a plugin was built are
 * unknown to it; fields appended after the host was built are beyond
 * its struct_size.  Test before calling an optional field.
 */
#define MODVMM_HOST_HAS(h, field) \
	((h)->struct_size >= offsetof(struct modvmm_host, field) + \
	 sizeof((h)->field) && (h)->field)

/**
 * struct modvmm_option - one option a device takes.
 * @name: the key in ``-d device,key=value``.
 * @help: one line for --list-devices.
 * @def:  the default shown by --list-devices (text; NULL for none).
 */
struct modvmm_option {
	const char *name;
	const char *help;
	const char *def;
};

/**
 * struct modvmm_device_desc - what a device is; one per device.
 * @abi_version: MODVMM_ABI_VERSION the device was built against.
 * @struct_size: sizeof(struct modvmm_device_desc) when it was built.
 * @name:        unique device name, used by ``-d NAME``; [a-z0-9_-]+.
 * @license:     licence of the device code, e.g. "MIT", "GPL-2.0".
 * @description: one line for --list-devices.
 * @options:     array of accepted options ended by an entry with a NULL
 *               name; NULL when the device takes none.  The host rejects
 *               any other key with "unknown option" before init runs.
 * @init:        create one instance: register ranges, timers and so on.
 *               Store the instance's state in *@priv.  Return 0, or -1
 *               after calling &modvmm_host.set_error; the host then
 *               releases everything the instance registered.  Called once
 *               per ``-d`` instance.
 * @exit:        free an instance (@priv from @init); may be NULL.
 * @sync:        flush buffered output; called when the guest halts and
 *               before the machine stops.  May be NULL.
 * @reset:       the machine is reset and boots again (--reboot): go back
 *               to the state the device has at power-on — registers,
 *               interrupt lines low, timers disarmed — keeping what the
 *               command line configured (options, output files, input)
 *               and what real hardware keeps across a reset (CMOS RAM
 *               and the RTC's time, buffered output).  Called on the vCPU
 *               thread after guest RAM was cleared and the image loaded
 *               again, so a device may write guest RAM (tables) here.
 *               May be NULL: the device then keeps its state.  Absent in
 *               descriptors built before it (struct_size tells).
 * @depends:     NULL-terminated list of the modules this one needs (by
 *               name), or NULL.  Before the first instance's init, the
 *               host makes each available: built in, or NAME.so from the
 *               plugin search path (a '-' in the name may be '_' in the
 *               file name); a missing one fails the instance with a
 *               message naming it.  &modvmm_host.module_get returns what
 *               they export.
 * @exports:     the interface this module offers the modules that
 *               require it (a table of functions, say), or NULL.
 * @ready:       every device of the machine exists: describe the others
 *               (the ACPI tables' DSDT lists &modvmm_host.platform_dev_add
 *               entries).  Called once per instance, after all inits and
 *               before the guest runs.  Returns 0, or -1 after
 *               &modvmm_host.set_error; the machine then does not start.
 *               May be NULL.
 * @pause:       the vCPUs have stopped and guest RAM is about to change
 *               under the device (cleared for a --reboot) or the machine
 *               to end: let threads of the device's own finish what they
 *               do with guest memory (a bounded wait) and start nothing
 *               new until @resume; keep what is queued.  No access or
 *               timer reaches the device while it is paused.  Called on
 *               the boot vCPU's thread, under the device lock.  May be
 *               NULL.
 * @resume:      the vCPUs run again after a @pause (after &.reset, at a
 *               reboot): go on with what was queued.  May be NULL.
 * @flags:       MODVMM_DEVF_* bits.
 * @ranges:      the ranges an instance with default options registers,
 *               ended by MODVMM_RANGES_END (which alone says "none"), or
 *               NULL.  --list-devices shows them from here and runs no
 *               device code; without them it says they are not declared
 *               (--list-devices --probe creates an instance to find out).
 *               A device whose ranges depend on others (a virtio window:
 *               the first free one) declares what it takes alone.
 *               Absent in descriptors built before it (struct_size tells).
 *
 * A library module (such as virtio-mmio) has no @init: it cannot be
 * instantiated with -d, only required by others.
 */
struct modvmm_device_desc {
	uint32_t abi_version;
	uint32_t struct_size;
	const char *name;
	const char *license;
	const char *description;
	const struct modvmm_option *options;
	int (*init)(struct modvmm_dev *dev, const struct modvmm_host *host,
		    void **priv);
	void (*exit)(void *priv);
	void (*sync)(void *priv);
	void (*reset)(void *priv);
	const char *const *depends;
	const void *exports;
	int (*ready)(void *priv);
	void (*pause)(void *priv);
	void (*resume)(void *priv);
	uint32_t flags;
	const struct modvmm_range_decl *ranges;
};

/**
 * MODVMM_DEVF_CONCURRENT - the device serializes itself.
 *
 * By default the host runs every call into one device instance (access
 * handlers, timers, fd and ioevent callbacks, hooks) one at a time, under
 * a lock of that instance's own, whichever thread makes it: a device is
 * written as if single-threaded, and different devices still run in
 * parallel on different vCPUs.  With this flag the host takes no lock
 * for the device: its handlers may run on several vCPU threads at once,
 * and the device protects its own state (atomics, a lock of its own).
 * Host functions are safe to call from any of those threads.
 */
#define MODVMM_DEVF_CONCURRENT	(1u << 0)

/**
 * MODVMM_DEVF_BOOT_FILES - the device hands the guest what the command
 * line gives for booting: --append, --initrd (the first --module), and
 * the image itself (&struct modvmm_machine_info.cmdline, .initrd_path,
 * .kernel_path), as fw_cfg does.  An image format with no boot protocol
 * of its own (flat, ELF64) takes --append and --initrd only when a
 * device with this flag is in the machine; otherwise they are refused
 * rather than silently dropped.
 */
#define MODVMM_DEVF_BOOT_FILES	(1u << 1)

/**
 * MODVMM_DESC_HEADER - initialise the version fields of a descriptor.
 *
 * Use as the first line of a MODVMM_DEVICE() initialiser.
 */
#define MODVMM_DESC_HEADER \
	.abi_version = MODVMM_ABI_VERSION, \
	.struct_size = sizeof(struct modvmm_device_desc)

/**
 * MODVMM_DEVICE() - define the descriptor of device @id.
 * @id: a C identifier for the device (usually its name).
 *
 * Follow with ``= { MODVMM_DESC_HEADER, .name = ..., };``.
 * With -DMODULE this defines the exported symbol modvmm_device_descriptor;
 * without it, a static descriptor plus a pointer to it in the
 * "modvmm_devices" section, which the core walks at start-up.
 */
#ifdef __cplusplus
/*
 * C++: a namespace-scope const has internal linkage and a const cannot be
 * declared without its initialiser, so both forms are extern "C"
 * definitions; initialise the fields in declaration order (C++20
 * designated initialisers).
 */
#ifdef MODULE
#define MODVMM_DEVICE(id) \
	extern "C" __attribute__((visibility("default"))) \
	const struct modvmm_device_desc modvmm_device_descriptor
#else
#define MODVMM_DEVICE(id) \
	extern "C" const struct modvmm_device_desc __modvmm_desc_##id; \
	static const struct modvmm_device_desc *const __modvmm_ptr_##id \
		__attribute__((section("modvmm_devices"), used, \
			       aligned(sizeof(void *)))) = \
		&__modvmm_desc_##id; \
	extern "C" const struct modvmm_device_desc __modvmm_desc_##id
#endif
#else
#ifdef MODULE
#define MODVMM_DEVICE(id) \
	__attribute__((visibility("default"))) \
	const struct modvmm_device_desc modvmm_device_descriptor
#else
#define MODVMM_DEVICE(id) \
	static const struct modvmm_device_desc __modvmm_desc_##id; \
	static const struct modvmm_device_desc *const __modvmm_ptr_##id \
		__attribute__((section("modvmm_devices"), used, \
			       aligned(sizeof(void *)))) = \
		&__modvmm_desc_##id; \
	static const struct modvmm_device_desc __modvmm_desc_##id
#endif
#endif

#ifdef __cplusplus
}
#endif

#endif /* MODVMM_DEVICE_H */
