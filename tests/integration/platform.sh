# SPDX-License-Identifier: MIT
# The PC platform devices: the RTC and CMOS (rtc_cmos), the PS/2
# controller (i8042) and the reset control register (pc_reset), with real
# guests; their options and listings; their harness scripts.

HARNESS=${MODVMM%modvmm}modvmm-harness

# The machine a test names, without the default devices, so that a later
# default machine with these devices in it does not change what is tested.
PLATFORM_BASE="--nodefaults -d debugport -d pit8254"

# --- Without KVM -------------------------------------------------------------

test_platform_list_devices() {
	vmm --list-devices
	assert_rc 0
	assert_out "rtc_cmos"
	assert_out "io 0x70-0x71"
	assert_out "base=utc"
	assert_out "irq=8"
	assert_out "i8042"
	assert_out "io 0x60-0x60, io 0x64-0x64"
	assert_out "pc_reset"
	assert_out "io 0xcf9-0xcf9"
}

# The harness scripts of the three devices, on their own (harness.sh runs
# every script; this is what T=platform runs).  The memory size fields
# for other -m sizes are checked in unit-rtc_cmos.
test_platform_harness_scripts() {
	local f

	for f in rtc_cmos i8042 pc_reset; do
		timeout -k 5 60 "$HARNESS" "$TOP/tests/harness/$f.mh" \
			>"$TMP/out" 2>"$TMP/err" </dev/null
		RC=$?
		assert_rc 0 "$f.mh"
		assert_not_out "not ok"
	done
}

test_platform_rtc_bad_base() {
	need_guest rtc_tick.bin
	vmm $PLATFORM_BASE -d rtc_cmos,base=yesterday "$GUESTS/rtc_tick.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "rtc_cmos: init failed: base=yesterday: expected utc, localtime or YYYY-MM-DDTHH:MM:SS"
	# a date that does not exist
	vmm $PLATFORM_BASE -d rtc_cmos,base=2026-13-01T00:00:00 "$GUESTS/rtc_tick.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "base=2026-13-01T00:00:00"
}

test_platform_rtc_bad_irq() {
	need_guest rtc_tick.bin
	vmm $PLATFORM_BASE -d rtc_cmos,irq=24 "$GUESTS/rtc_tick.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "irq=24: out of range (0-23)"
	vmm $PLATFORM_BASE -d rtc_cmos,irq=8x "$GUESTS/rtc_tick.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "irq=8x"
}

# i8042 and pc_reset take no options.
test_platform_reset_devices_bad_option() {
	need_guest reset_kbd.bin
	vmm $PLATFORM_BASE -d i8042,irq=1 "$GUESTS/reset_kbd.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "i8042: unknown option 'irq'"
	need_guest reset_cf9.bin
	vmm $PLATFORM_BASE -d pc_reset,port=0xcf8 "$GUESTS/reset_cf9.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "pc_reset: unknown option 'port'"
}

# Two of a device that claims fixed ports: the second is refused.
test_platform_rtc_twice() {
	need_guest rtc_tick.bin
	vmm $PLATFORM_BASE -d rtc_cmos -d rtc_cmos "$GUESTS/rtc_tick.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "cannot claim ports 0x70-0x71"
}

# --- With KVM ----------------------------------------------------------------

test_platform_rtc_tick() {
	need_kvm
	need_guest rtc_tick.bin
	vmm $PLATFORM_BASE -d rtc_cmos "$GUESTS/rtc_tick.bin"
	assert_rc 1 "rtc_tick exits with value 0"
	assert_err "rtc_tick: OK"
}

# A fixed start: the guest's first read is 58, or a little later on a
# slow host, and the seconds tick on across midnight.
test_platform_rtc_tick_fixed_base() {
	need_kvm
	need_guest rtc_tick.bin
	vmm $PLATFORM_BASE -d rtc_cmos,base=2026-12-31T23:59:58 "$GUESTS/rtc_tick.bin"
	assert_rc 1 "rtc_tick exits with value 0"
	grep -qE "rtc_tick: OK (58 -> 59|59 -> 00|00 -> 01)" "$TMP/err" ||
		{ show; fail "not 58 -> 59, 59 -> 00 or 00 -> 01"; }
}

# Without the RTC, port 0x71 reads all ones: the guest says so.
test_platform_rtc_tick_without_rtc() {
	need_kvm
	need_guest rtc_tick.bin
	vmm $PLATFORM_BASE "$GUESTS/rtc_tick.bin"
	assert_rc 5 "rtc_tick exits with value 2"
	assert_err "rtc_tick: no RTC"
}

test_platform_reset_cf9() {
	need_kvm
	need_guest reset_cf9.bin
	vmm $PLATFORM_BASE -d pc_reset "$GUESTS/reset_cf9.bin"
	assert_rc 18 "MODVMM_STATUS_RESET"
	assert_err "reset_cf9: resetting"
	assert_err "pc_reset: guest reset (0xCF9 hard reset, 0x06)"
	grep -q "FAIL" "$TMP/err" && { show; fail "the guest ran on"; }
	true
}

test_platform_reset_cf9_without_device() {
	need_kvm
	need_guest reset_cf9.bin
	vmm $PLATFORM_BASE "$GUESTS/reset_cf9.bin"
	assert_rc 3 "the guest ran on"
	assert_err "reset_cf9: FAIL still running"
}

test_platform_reset_kbd() {
	need_kvm
	need_guest reset_kbd.bin
	vmm $PLATFORM_BASE -d i8042 "$GUESTS/reset_kbd.bin"
	assert_rc 18 "MODVMM_STATUS_RESET"
	assert_err "reset_kbd: resetting"
	assert_err "i8042: guest reset (i8042 pulse)"
	grep -q "FAIL" "$TMP/err" && { show; fail "the guest ran on"; }
	true
}

test_platform_reset_kbd_without_device() {
	need_kvm
	need_guest reset_kbd.bin
	vmm $PLATFORM_BASE "$GUESTS/reset_kbd.bin"
	assert_rc 3 "the guest ran on"
	assert_err "reset_kbd: FAIL still running"
}

# --- The MP tables (mptable) --------------------------------------------------

# guests/mp_walk finds the floating pointer as an OS scans for it, checks
# both checksums and counts the enabled processors: one per vCPU, the
# boot one flagged, the I/O APIC with the MADT's ID (0, for any count) and
# the 15 ISA interrupts (all but the cascade).
test_platform_mptable_lists_every_cpu() {
	local n

	need_kvm
	need_guest mp_walk.bin
	for n in 1 2 4 8 16; do
		vmm --cpus "$n" --mode protected -d mptable "$GUESTS/mp_walk.bin"
		assert_rc 1 "the guest's EXIT 0 with $n vCPUs"
		assert_err "mp_walk: floating pointer at 0x000f0000, checksums OK"
		assert_err "mp_walk: $n processors, boot 1, I/O APIC 0x00000000 at 0xfec00000, 15 ISA interrupts"
	done
}

# Without the device nothing is there: the tables come from mptable, and
# the dry run of the default machine left the BIOS area clean.
test_platform_mptable_absent_without_device() {
	need_kvm
	need_guest mp_walk.bin
	vmm --mode protected "$GUESTS/mp_walk.bin"
	assert_rc 3 "no floating pointer"
	assert_err "mp_walk: FAIL step 1"
}
