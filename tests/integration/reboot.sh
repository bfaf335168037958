# SPDX-License-Identifier: MIT
# A guest that resets the machine: without --reboot modvmm ends with
# status 18; with it, the guest boots again on a fresh machine (RAM
# cleared, the image loaded again, devices at power-on, CMOS RAM kept),
# through each way a PC resets: 0xCF9, the i8042 pulse, a triple fault.
# The guest (guests/reboot_count.asm) counts its boots in CMOS.

# reboot_image METHOD: reboot_count.bin resetting by METHOD (c, k or t).
reboot_image() {
	need_guest reboot_count.bin
	cp "$GUESTS/reboot_count.bin" "$TMP/reboot.bin"
	printf '%s' "$1" | dd of="$TMP/reboot.bin" bs=1 seek=3 conv=notrunc 2>/dev/null ||
		fail "cannot patch the reset method"
}

# assert_boots N: the guest printed boots 1..N, each on a fresh machine.
assert_boots() {
	local i

	for i in $(seq 1 "$1"); do
		assert_err "reboot: boot $i"
	done
	assert_not_err "reboot: boot $(($1 + 1))"
	assert_not_err "FAIL"
}

test_reset_without_reboot_ends_the_run() {
	need_kvm
	reboot_image c
	vmm "$TMP/reboot.bin"
	assert_rc 18 "the guest reset the machine"
	assert_boots 1
	assert_err "guest reset (0xCF9"
}

test_reboot_through_cf9_counts_boots() {
	need_kvm
	reboot_image c
	vmm --reboot --stats "$TMP/reboot.bin"
	assert_rc 7 "the third boot exits with 3"
	assert_boots 3
	assert_err "boots 3"
}

test_reboot_through_i8042() {
	need_kvm
	reboot_image k
	vmm --reboot "$TMP/reboot.bin"
	assert_rc 7
	assert_boots 3
	assert_err "guest reset (i8042 pulse)"
}

# A triple fault is a crash (status 10, registers dumped) unless --reboot
# makes it the reset it is on a PC.
test_reboot_after_triple_fault() {
	need_kvm
	reboot_image t
	vmm "$TMP/reboot.bin"
	assert_rc 10 "a triple fault without --reboot"
	assert_boots 1
	vmm --reboot -v "$TMP/reboot.bin"
	assert_rc 7
	assert_boots 3
	assert_err "triple fault: the machine resets"
	assert_err "the guest reset the machine: boot 3"
}

# Without the RTC the count never grows (CMOS reads all ones): the guest
# resets forever, and --timeout still ends it.
test_reboot_loop_ends_at_the_timeout() {
	need_kvm
	reboot_image c
	vmm --nodefaults -d debugport -d pc_reset --reboot --timeout 2 "$TMP/reboot.bin"
	assert_rc 12 "the timeout ends a reset loop"
	assert_err "reboot: boot 0"
}

# Without the device the guest asks for, nothing resets.
test_reset_without_pc_reset_runs_on() {
	need_kvm
	reboot_image c
	vmm --nodefaults -d debugport -d rtc_cmos --reboot "$TMP/reboot.bin"
	assert_rc 255 "the guest saw it still ran"
	assert_err "reboot: FAIL still running after the reset"
}

test_reboot_in_help() {
	vmm --help
	assert_rc 0
	assert_out "--reboot"
	assert_out "18 the guest reset the machine"
}
