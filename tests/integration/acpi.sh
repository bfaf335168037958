# SPDX-License-Identifier: MIT
# The acpi device: a guest that finds the tables as an OS does, walks
# the XSDT to the MADT and powers off through the FADT's PM1a control
# block; --list-devices; the options and images it refuses, which need
# no KVM (devices are checked before /dev/kvm).  The tables and the
# registers in detail: tests/unit/test_acpi.c, tests/harness/acpi.mh.

HARNESS=${MODVMM%modvmm}modvmm-harness

# Without the default devices, so that a later default machine does not
# change what is tested.
ACPI_BASE="--nodefaults -d debugport"

# --- Without KVM -------------------------------------------------------------

test_acpi_list_devices() {
	vmm --list-devices
	assert_rc 0
	assert_out "acpi"
	assert_out "io 0x600-0x603, io 0x604-0x605, io 0x608-0x60b"
	assert_out "port=0x600"
}

test_acpi_harness_script() {
	timeout -k 5 60 "$HARNESS" "$TOP/tests/harness/acpi.mh" \
		>"$TMP/out" 2>"$TMP/err" </dev/null
	RC=$?
	assert_rc 0 "acpi.mh"
	assert_not_out "not ok"
}

test_acpi_bad_port() {
	need_guest acpi_walk.bin
	vmm $ACPI_BASE -d acpi,port=0xfff8 --mode protected "$GUESTS/acpi_walk.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "acpi: init failed: port=0xfff8: the 12 ports must fit below 0x10000"
	vmm $ACPI_BASE -d acpi,port=banana --mode protected "$GUESTS/acpi_walk.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "acpi: init failed: option port=banana: not a number"
}

test_acpi_unknown_option() {
	need_guest acpi_walk.bin
	vmm $ACPI_BASE -d acpi,cpus=4 --mode protected "$GUESTS/acpi_walk.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "acpi: unknown option 'cpus' (accepted: port)"
}

# A flat image loaded over the tables' place: refused, naming the range.
test_acpi_image_in_the_tables_place() {
	need_guest acpi_walk.bin
	vmm $ACPI_BASE -d acpi --mode protected --load-addr 0xe0100 \
		--entry 0xe0100 "$GUESTS/acpi_walk.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "acpi: the image has data at 0xe0100 in 0xe0000-0xe0"
	assert_err "where the ACPI tables go"
}

# Two instances: the second's ports may move, the BIOS area may not.
test_acpi_twice() {
	need_guest acpi_walk.bin
	vmm $ACPI_BASE -d acpi -d acpi,port=0x700 --mode protected "$GUESTS/acpi_walk.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "acpi.1: the image has data at 0xe0000"
}

# --- With KVM ----------------------------------------------------------------

test_acpi_guest_walks_tables_and_powers_off() {
	need_kvm
	need_guest acpi_walk.bin
	vmm $ACPI_BASE -d acpi --mode protected "$GUESTS/acpi_walk.bin"
	assert_rc 0 "MODVMM_STATUS_POWEROFF"
	assert_err "acpi_walk: RSDP at 0x000e0000, checksums OK"
	assert_err "acpi_walk: MADT lists 1 local APIC(s)"
	assert_err "acpi_walk: S5 through PM1a_CNT 0x00000604"
	assert_err "acpi: guest powered off (ACPI S5)"
	grep -q "FAIL" "$TMP/err" && { show; fail "the guest failed"; }
	true
}

# --cpus 3: three local APICs in the MADT;
# the two application processors wait for a SIPI that never comes.
test_acpi_guest_counts_cpus() {
	need_kvm
	need_guest acpi_walk.bin
	vmm $ACPI_BASE -d acpi --cpus 3 --mode protected "$GUESTS/acpi_walk.bin"
	assert_rc 0 "MODVMM_STATUS_POWEROFF"
	assert_err "acpi_walk: MADT lists 3 local APIC(s)"
	assert_err "acpi: guest powered off (ACPI S5)"
}

# The FADT follows port=: the guest powers off through the moved block.
test_acpi_guest_follows_port() {
	need_kvm
	need_guest acpi_walk.bin
	vmm $ACPI_BASE -d acpi,port=0xb000 --mode protected "$GUESTS/acpi_walk.bin"
	assert_rc 0 "MODVMM_STATUS_POWEROFF"
	assert_err "acpi_walk: S5 through PM1a_CNT 0x0000b004"
	assert_err "acpi: guest powered off (ACPI S5)"
}

# Without the device there is no RSDP: the guest says so (value 1).
test_acpi_guest_without_device() {
	need_kvm
	need_guest acpi_walk.bin
	vmm $ACPI_BASE --mode protected "$GUESTS/acpi_walk.bin"
	assert_rc 3 "the guest's EXIT 1"
	assert_err "acpi_walk: FAIL no RSDP in 0xe0000-0xfffff"
}
