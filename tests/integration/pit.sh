# SPDX-License-Identifier: MIT
# The pit8254 device with real guests: channel 2 timing the way Linux
# calibrates the TSC, channel 0 counter latch and read-back, built in and
# as a module.

pit_guest() {
	[ -f "$GUESTS/$1.bin" ] || fail "guest $GUESTS/$1.bin not built"
}

# pit_calibrate polls port 0x61 through 20 mode 0 rounds of 59659 ticks,
# 1193180 ticks or 0.999998 s of PIT time, and times them with the ACPI
# PM timer.  Fewer than 990 ms of it means the PIT counts fast (1% covers
# the timers' granularity).  There is no upper bound: load and nesting
# make the polling slower, never faster, so it would test the machine.
PIT_MIN_MS=990

run_calibrate() {
	vmm "$@" "$GUESTS/pit_calibrate.bin"
	assert_rc 1
	assert_err "pit: start"
	assert_err "pit: done"
	assert_pm_ms_at_least err pit "$PIT_MIN_MS"
}

test_pit_calibration_timing() {
	need_kvm
	need_device acpi
	pit_guest pit_calibrate
	run_calibrate
}

test_pit_readback() {
	need_kvm
	pit_guest pit_readback
	vmm "$GUESTS/pit_readback.bin"
	assert_rc 1
	assert_err "readback: OK"
}

# Without the PIT the ports read as all ones and the guest says FAIL,
# which shows that the OK above comes from the device.
test_pit_readback_without_pit() {
	need_kvm
	pit_guest pit_readback
	vmm --nodefaults -d debugport "$GUESTS/pit_readback.bin"
	assert_rc 3
	assert_err "readback: FAIL"
}

# Channel 0's IRQ timer, counted by --stats (no interrupt controller is
# needed for that): the guest runs it 200 ms at 1 kHz, stops it with a
# mode command for 50 ms, then sets one mode 0 tick; at least 200 ticks
# come (how many more depends on when the guest's vCPU gets a core; the
# stopped channel is unit-tested in test_pit8254.c).  Ticks the vCPU
# thread could not deliver in time are counted as ticks_lost; the sum is
# what the timer produced.
test_pit_irq0_ticks() {
	local line ticks lost

	need_kvm
	pit_guest pit_irq0
	vmm --stats "$GUESTS/pit_irq0.bin"
	assert_rc 1
	assert_err "pit_irq0: done"
	line=$(grep -E '^ *pit8254 ' "$TMP/err")
	ticks=$(echo "$line" | grep -oE 'ticks [0-9]+' | awk '{ print $2 }')
	lost=$(echo "$line" | grep -oE 'ticks_lost [0-9]+' | awk '{ print $2 }')
	echo "# pit_irq0: ticks ${ticks:-none}, ticks_lost ${lost:-0}" >&2
	[ -n "$ticks" ] || { show; fail "--stats shows no pit8254 ticks"; }
	ticks=$((ticks + ${lost:-0}))
	# The guest ends its 200 ms when it sees channel 2 run out, later
	# than that when its vCPU waits for a core: more ticks then, never
	# fewer (the same clock drives both channels).
	[ "$ticks" -ge 198 ] ||
		{ show; fail "$ticks IRQ 0 ticks, expected at least 200 (+-1 each end)"; }
}

test_pit_bad_options() {
	# refused before /dev/kvm is opened: no KVM needed
	pit_guest pit_readback
	vmm --nodefaults -d debugport -d pit8254,irq=300 "$GUESTS/pit_readback.bin"
	assert_rc 6
	assert_err "irq=300"
	vmm --nodefaults -d debugport -d pit8254,port=0xfffe "$GUESTS/pit_readback.bin"
	assert_rc 6
	assert_err "port=0xfffe"
}

test_pit_as_module() {
	need_kvm
	[ -f "$MODULES/pit8254.so" ] || skip "$MODULES/pit8254.so not built"
	pit_guest pit_readback
	vmm --nodefaults -d debugport -d "$MODULES/pit8254.so" \
		"$GUESTS/pit_readback.bin"
	assert_rc 1
	assert_err "readback: OK"
	need_device acpi
	run_calibrate --nodefaults -d debugport -d acpi -d "$MODULES/pit8254.so"
}
