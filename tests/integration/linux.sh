# SPDX-License-Identifier: MIT
# Linux end to end: Debian's packaged kernel (guests/linux/mkguest, the
# same package the nested tier boots) with a busybox initramfs boots on
# the default machine, finds its CPU and the ACPI tables, runs the check
# given on its command line and powers off through ACPI S5 (status 0).

LINUX_DIR=${GUESTS%/guests}/linux

# linux_guest: build (or reuse) the guest; skip when the packages cannot
# be had (no archive, no busybox-static).
linux_guest() {
	local why

	why=$("$TOP/guests/linux/mkguest" "$LINUX_DIR" 2>&1 >/dev/null)
	case $? in
	0) ;;
	77) skip "${why#mkguest: }" ;;
	*) echo "$why" >&2; fail "guests/linux/mkguest failed" ;;
	esac
}

# boot_linux ARGS...: the guest with ARGS appended to its command line.
boot_linux() {
	VMM_TIMEOUT=280 vmm -m 512M --timeout 240 \
		--initrd "$LINUX_DIR/initramfs.cpio" \
		--append "console=ttyS0 panic=-1 $*" "$LINUX_DIR/vmlinuz"
}

test_linux_boots_to_init_and_powers_off() {
	need_kvm
	linux_guest
	boot_linux 'check="echo sum $((6 * 7))"'
	assert_rc 0 "powered off"
	assert_out "modvmm-linux: init"
	assert_out "modvmm-linux: cpus 1"
	# the tables of the acpi device, found by the kernel in the BIOS area
	assert_out "modvmm-linux: acpi APIC DSDT FACP FACS"
	assert_out "ACPI: Using ACPI (MADT) for SMP configuration information"
	# the timer reaches the I/O APIC on pin 2, as the MADT's override says
	assert_not_out "8254 timer not connected to IO-APIC"
	assert_out "modvmm-linux: check: sum 42"
	assert_out "reboot: Power down"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
}

# Two vCPUs: the kernel finds both in the MADT and starts the second
# with INIT and SIPI through the in-kernel local APICs.
test_linux_smp_two_cpus() {
	need_kvm
	linux_guest
	VMM_TIMEOUT=280 vmm -m 512M --cpus 2 --timeout 240 \
		--initrd "$LINUX_DIR/initramfs.cpio" \
		--append "console=ttyS0 panic=-1" "$LINUX_DIR/vmlinuz"
	assert_rc 0 "powered off"
	assert_out "smp: Brought up 1 node, 2 CPUs"
	assert_out "modvmm-linux: cpus 2"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
}
