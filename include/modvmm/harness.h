/* SPDX-License-Identifier: MIT */
/*
 * modvmm/harness.h - drive a device model without KVM.
 *
 * The harness is modvmm without a CPU: the same device registry, plugin
 * loader, bus and host API (&struct modvmm_host) as the VMM, linked from
 * the same objects, with three differences that make a test repeatable:
 *
 * - time is virtual: it starts at 1 s and moves only with
 *   harness_advance(), which runs every timer that falls due, in
 *   deadline order, on the caller's thread;
 * - there is no interrupt controller (unless a device registers one):
 *   IRQ lines are recorded, with their level and count of rising edges;
 * - fds a device watches (its input) are run by harness_poll().
 *
 * Guest accesses come from harness_read()/harness_write() instead of a
 * vCPU, through the real bus: a device sees exactly the sizes and splits
 * it would see under KVM, unclaimed reads return all ones.
 *
 * A process has one harness machine at a time (modvmm itself runs one VM
 * per process).  Everything runs on the calling thread.  Messages the
 * core and devices print ("modvmm: ...") go to an in-memory log, readable
 * with harness_log(), and to stderr when $MODVMM_HARNESS_VERBOSE is set.
 *
 * Link with libmodvmm-harness.a (built with modvmm, installed with the
 * SDK); `make M=DIR test` builds DIR's tests against it (see
 * doc/writing-plugins.md).
 */
#ifndef MODVMM_HARNESS_H
#define MODVMM_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <modvmm/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * harness_init() - create the harness machine.
 * @ram_size:   bytes of guest RAM at guest physical 0 that devices reach
 *              with &modvmm_host.mem_read and .mem_write (DMA); 0 gives
 *              1 MiB.
 * @plugin_dir: where NAME.so plugins are looked for first, or NULL (then
 *              $MODVMM_PLUGIN_DIR and the usual search path).
 *
 * Return: 0, or -1 with the reason in harness_log().
 */
int harness_init(uint64_t ram_size, const char *plugin_dir);

/**
 * harness_exit() - exit every device (newest first), close the plugins
 * and free the machine.  harness_init() may be called again afterwards.
 */
void harness_exit(void);

/**
 * harness_device() - create a device instance as `modvmm -d SPEC` would.
 * @spec: "NAME[,key=value...]" (built in, or NAME.so on the search path)
 *        or "PATH.so[,key=value...]".
 *
 * The harness machine is always running: the instance's ready hook
 * (&modvmm_device_desc.ready) runs right after its init, so it sees the
 * devices created before it (create the ones a DSDT lists before acpi).
 *
 * Return: the instance, or NULL when the device was refused (unknown
 * name, bad option, init or ready failed, overlapping range); the
 * one-line reason is then harness_last_error().
 */
struct modvmm_dev *harness_device(const char *spec);

/**
 * harness_device_remove() - exit one instance and release its ranges,
 * IRQ lines, timers and fds, as if it had never been created.
 * @dev: an instance from harness_device().
 */
void harness_device_remove(struct modvmm_dev *dev);

/**
 * harness_device_priv() - the private pointer @dev's init stored, for
 * white-box tests of the device's own state.
 * @dev: an instance.
 *
 * Return: what the device passed as its private data, or NULL.
 */
void *harness_device_priv(struct modvmm_dev *dev);

/**
 * harness_read() - a guest read through the bus.
 * @space: MODVMM_SPACE_PIO or MODVMM_SPACE_MMIO.
 * @addr:  port or guest physical address.
 * @size:  1, 2, 4 or 8 bytes.
 *
 * Return: the value read; all ones (of @size) where no device answers.
 */
uint64_t harness_read(enum modvmm_space space, uint64_t addr, unsigned int size);

/**
 * harness_write() - a guest write through the bus.
 * @space: MODVMM_SPACE_PIO or MODVMM_SPACE_MMIO.
 * @addr:  port or guest physical address.
 * @size:  1, 2, 4 or 8 bytes.
 * @val:   the value; bits above @size are ignored.
 */
void harness_write(enum modvmm_space space, uint64_t addr, unsigned int size,
		   uint64_t val);

/**
 * harness_access() - a guest access through the bus as KVM hands it
 * over, of any length: an MMIO exit may be 3, 5, 6 or 7 bytes long, and
 * the bus splits such an access for the device.
 * @space:    MODVMM_SPACE_PIO or MODVMM_SPACE_MMIO.
 * @addr:     port or guest physical address.
 * @size:     1 to 8 bytes; other sizes do nothing.
 * @is_write: nonzero for a write.
 * @data:     @size bytes, little-endian: the value to write, or where
 *            the value read goes (all ones where no device answers).
 */
void harness_access(enum modvmm_space space, uint64_t addr, unsigned int size,
		    int is_write, void *data);

/**
 * harness_advance() - move virtual time forward by @ns nanoseconds,
 * running every timer that falls due on the way, each at its own
 * deadline (harness_now() is that deadline while it runs).  A periodic
 * timer more than 1000 periods behind is called once for the rest, with
 * the number of expirations, as a busy vCPU thread would see it.
 * @ns: nanoseconds; 0 runs what is due now.
 */
void harness_advance(uint64_t ns);

/**
 * harness_now() - the virtual time in nanoseconds (&modvmm_host.clock_ns).
 *
 * Return: nanoseconds since an arbitrary start (1 s after boot).
 */
uint64_t harness_now(void);

/**
 * harness_poll() - run the callbacks of the watched fds that are ready
 * (input waiting in a pipe, say), once each.
 *
 * Return: how many callbacks ran.
 */
int harness_poll(void);

/**
 * harness_poll_wait() - harness_poll(), first waiting up to @ms
 * milliseconds for a watched fd to become ready (a device's I/O thread
 * signalling a completion, say).  A bounded wait for a condition: loop
 * on it with a deadline, never sleep instead.
 * @ms: the most to wait; 0 does not wait.
 *
 * Return: how many callbacks ran.
 */
int harness_poll_wait(int ms);

/**
 * harness_sync() - call every device's sync hook, as modvmm does before
 * it exits (flushes buffered output).
 */
void harness_sync(void);

/**
 * harness_irq_level() - the level of IRQ line @irq (0 to 23) as devices
 * drive it.
 * @irq: the line.
 *
 * Return: 0 or 1.
 */
int harness_irq_level(unsigned int irq);

/**
 * harness_irq_edges() - rising edges of IRQ line @irq since
 * harness_init(), each pulse (&modvmm_host.irq_pulse) included.
 * @irq: the line.
 *
 * Return: the count.
 */
uint64_t harness_irq_edges(unsigned int irq);

/**
 * harness_irq_pulses() - pulses (&modvmm_host.irq_pulse and IRQ timers)
 * on line @irq since harness_init(); a pulse while a device holds the
 * line high is no pulse (it could not be seen).
 * @irq: the line.
 *
 * Return: the count.
 */
uint64_t harness_irq_pulses(unsigned int irq);

/**
 * harness_irq_set() - drive IRQ line @irq as a wire of the test's own:
 * the level goes to the line through the path a device's
 * &modvmm_host.irq_set ends in, and so to the interrupt controller a
 * device registered.  Nothing else holds this wire, so it is not shared
 * with the lines devices hold: use it to test a controller.
 * @irq:   the line, 0 to 23 (others are ignored, as the core ignores them).
 * @level: 0 or nonzero.
 */
void harness_irq_set(unsigned int irq, int level);

/**
 * harness_irqchip_pending() - ask the interrupt controller a device
 * registered (&modvmm_host.irqchip_register) whether it has an interrupt
 * for the CPU, as the vCPU loop does before entering the guest.
 *
 * Return: the controller's answer (nonzero: INTR asserted), or -1 when no
 * device registered a controller.
 */
int harness_irqchip_pending(void);

/**
 * harness_irqchip_ack() - the CPU's interrupt acknowledge cycle.
 *
 * Return: the vector the controller delivers, or -1 (none, or no
 * controller).
 */
int harness_irqchip_ack(void);

/**
 * harness_msi_route() - what MSI route @route holds
 * (&modvmm_host.msi_route_set): the harness machine is a split one, whose
 * routes are recorded, not sent.
 * @route: 0 to MODVMM_MSI_ROUTES - 1.
 * @msi:   filled with the route's message when it is set.
 *
 * Return: 0, or -1 when the route is not set.
 */
int harness_msi_route(unsigned int route, struct modvmm_msi *msi);

/**
 * harness_msi_fired() - how often route @route was fired
 * (&modvmm_host.msi_route_fire) while set, since harness_init().
 * @route: 0 to MODVMM_MSI_ROUTES - 1.
 *
 * Return: the count.
 */
uint64_t harness_msi_fired(unsigned int route);

/**
 * harness_eoi() - a local APIC ends a level-triggered interrupt of
 * @vector: the device watching EOIs (&modvmm_host.eoi_watch) hears of
 * it, as from KVM_EXIT_IOAPIC_EOI.
 * @vector: 0 to 255.
 */
void harness_eoi(unsigned int vector);

/**
 * harness_mem() - guest RAM as the devices' DMA sees it.
 * @gpa: guest physical address.
 * @len: bytes wanted.
 *
 * Return: a pointer to @len bytes at @gpa, or NULL if they are not RAM.
 */
void *harness_mem(uint64_t gpa, size_t len);

/**
 * harness_reset() - reset the machine as --reboot does: every device's
 * &modvmm_device_desc.pause hook, then its reset hook, then its resume
 * hook, oldest instance first.  Guest RAM is left as it is.
 */
void harness_reset(void);

/**
 * harness_pause() - pause the machine: every device's
 * &modvmm_device_desc.pause hook, oldest instance first.
 */
void harness_pause(void);

/**
 * harness_resume() - every device's &modvmm_device_desc.resume hook.
 */
void harness_resume(void);

/**
 * harness_set_cpus() - the vCPU count &modvmm_host.machine_info reports.
 * @n: number of vCPUs (1 after harness_init()).
 */
void harness_set_cpus(unsigned int n);

/**
 * harness_fw_file_add() - publish a firmware file, as --fw-cfg does.
 * @name: file name ("opt/x").
 * @data: contents (copied).
 * @len:  bytes.
 *
 * The machine already has "etc/e820" after harness_init().
 *
 * Return: 0, or -1 after logging why.
 */
int harness_fw_file_add(const char *name, const void *data, size_t len);

/**
 * harness_stopped() - whether a device asked the machine to stop
 * (&modvmm_host.request_stop), and with which status.
 * @status: where the status goes when stopped; may be NULL.
 *
 * Return: 1 if stopped, else 0.
 */
int harness_stopped(int *status);

/**
 * struct harness_range - a range registered on the bus.
 * @dev:   the instance that registered it.
 * @base:  first address.
 * @len:   length in bytes.
 * @sizes: the access sizes it accepts (MODVMM_SIZE_* mask).
 */
struct harness_range {
	struct modvmm_dev *dev;
	uint64_t base, len;
	uint32_t sizes;
};

/**
 * harness_range() - the range that covers an address.
 * @space: MODVMM_SPACE_PIO or MODVMM_SPACE_MMIO.
 * @addr:  port or guest physical address.
 * @r:     filled in when the address is claimed.
 *
 * Return: 1 if a device claims @addr, else 0.
 */
int harness_range(enum modvmm_space space, uint64_t addr,
		  struct harness_range *r);

/**
 * harness_range_call() - call the handler of the range that covers @addr
 * directly, bypassing the bus: @a goes to the device as it is, with any
 * offset and size, even ones the bus never sends (robustness tests).
 * @space: MODVMM_SPACE_PIO or MODVMM_SPACE_MMIO.
 * @addr:  an address in the range.
 * @a:     the access; @a->is_write picks the read or write handler.
 * @val:   the value of a write.
 *
 * Return: what the read handler returned; all ones for a write, or when
 * no range covers @addr or it has no such handler.
 */
uint64_t harness_range_call(enum modvmm_space space, uint64_t addr,
			    const struct modvmm_access *a, uint64_t val);

/**
 * harness_timers_armed() - how many of @dev's timers are armed.
 * @dev: an instance.
 *
 * Return: the count.
 */
int harness_timers_armed(const struct modvmm_dev *dev);

/**
 * harness_fds_watched() - how many fds @dev watches (&modvmm_host.fd_watch).
 * @dev: an instance.
 *
 * Return: the count.
 */
int harness_fds_watched(const struct modvmm_dev *dev);

/**
 * harness_stat() - a counter modvmm --stats prints for @dev: "accesses"
 * (bus accesses it handled), what the device added with
 * &modvmm_host.stat_add, and "ticks"/"ticks_lost" of its IRQ timers.
 * @dev:  an instance.
 * @name: the counter's name.
 *
 * Return: the counter's value; 0 if it was never counted.
 */
uint64_t harness_stat(const struct modvmm_dev *dev, const char *name);

/**
 * harness_log() - everything logged since harness_init() or the last
 * harness_log_clear(): one "modvmm: ..." line per message, as modvmm
 * prints them on stderr.
 *
 * Return: a NUL-terminated string owned by the harness.
 */
const char *harness_log(void);

/**
 * harness_last_error() - the last error line logged (without the
 * "modvmm: " prefix and the newline), or "" if there was none.
 *
 * Return: a NUL-terminated string owned by the harness.
 */
const char *harness_last_error(void);

/** harness_log_clear() - empty harness_log() and harness_last_error(). */
void harness_log_clear(void);

/* Shorthands for port I/O. */
static inline uint8_t harness_inb(uint16_t port)
{
	return (uint8_t)harness_read(MODVMM_SPACE_PIO, port, 1);
}

static inline void harness_outb(uint16_t port, uint8_t val)
{
	harness_write(MODVMM_SPACE_PIO, port, 1, val);
}

#ifdef __cplusplus
}
#endif

#endif
