# SPDX-License-Identifier: MIT
# The debugport device: the 0xE9 debug console (output, detection, out=)
# and the isa-debug-exit compatible exit port (statuses for 1-, 2- and
# 4-byte writes, exit-port= and exit-size=), built in and as a module.

dp_guest() {
	[ -f "$GUESTS/$1.bin" ] || fail "guest $GUESTS/$1.bin not built"
}

test_debugport_console_on_stderr() {
	need_kvm
	dp_guest debugcon
	vmm "$GUESTS/debugcon.bin"
	assert_rc 1 "exit port value 0"
	assert_err "debugcon OK"
	assert_not_out "debugcon OK"
}

# Each guest writes one value: 1-byte 0, 21, 127; a 2-byte 0x0a0b and a
# 4-byte 0x12345645, whose statuses are the low 8 bits of (v << 1) | 1.
test_debugport_exit_statuses() {
	local g want

	need_kvm
	for g in exit_0:1 exit_21:43 exit_127:255 exit_16bit:23 exit_32bit:139; do
		want=${g#*:}
		dp_guest "${g%:*}"
		vmm "$GUESTS/${g%:*}.bin"
		assert_rc "$want" "${g%:*}"
	done
}

test_debugport_exit_port_option() {
	need_kvm
	dp_guest exit_port501
	vmm --nodefaults -d debugport,exit-port=0x501,exit-size=2 \
		"$GUESTS/exit_port501.bin"
	assert_rc 11 "2-byte write of 5 to exit-port=0x501"
	# The default machine has nothing at 0x501: the guest halts.
	vmm "$GUESTS/exit_port501.bin"
	assert_rc 0 "write to an unclaimed 0x501"
}

test_debugport_exit_port_disabled() {
	need_kvm
	dp_guest exit_0
	vmm --nodefaults -d debugport,exit-port=0 "$GUESTS/exit_0.bin"
	assert_rc 0 "exit-port=0: the write is dropped and the guest halts"
}

test_debugport_exit_size_1() {
	need_kvm
	dp_guest exit_21
	vmm --nodefaults -d debugport,exit-size=1 "$GUESTS/exit_21.bin"
	assert_rc 43
}

test_debugport_out_file() {
	need_kvm
	dp_guest debugcon
	vmm --nodefaults -d "debugport,out=$TMP/con.txt" "$GUESTS/debugcon.bin"
	assert_rc 1
	[ -f "$TMP/con.txt" ] || fail "out=$TMP/con.txt was not created"
	assert_eq "$(cat "$TMP/con.txt")" "debugcon OK" "console file content"
	! grep -q "debugcon OK" "$TMP/err" || { show; fail "console also on stderr"; }
}

test_debugport_out_stdout_and_null() {
	need_kvm
	dp_guest debugcon
	vmm --nodefaults -d debugport,out=stdout "$GUESTS/debugcon.bin"
	assert_rc 1
	assert_out "debugcon OK"
	vmm --nodefaults -d debugport,out=null "$GUESTS/debugcon.bin"
	assert_rc 1
	assert_not_out "debugcon OK"
	! grep -q "debugcon OK" "$TMP/err" || { show; fail "out=null printed"; }
}

# Without the device the guest reads 0xff from 0xE9 and reports it.
test_debugport_detection_fails_without_device() {
	need_kvm
	dp_guest debugcon
	vmm --nodefaults -d debugport,port=0x402 "$GUESTS/debugcon.bin"
	assert_rc 3 "0xE9 unclaimed: the guest sees no console"
	assert_not_out "debugcon OK"
}

test_debugport_bad_options() {
	# refused before /dev/kvm is opened: no KVM needed
	dp_guest exit_0
	vmm --nodefaults -d debugport,exit-size=3 "$GUESTS/exit_0.bin"
	assert_rc 6
	assert_err "exit-size=3"
	vmm --nodefaults -d debugport,port=0x10000 "$GUESTS/exit_0.bin"
	assert_rc 6
	assert_err "port=0x10000"
	vmm --nodefaults -d debugport,out=/nonexistent/dir/x "$GUESTS/exit_0.bin"
	assert_rc 6
	assert_err "/nonexistent/dir/x"
}

# The same source as a .so: the tree's own =m build when debugport is
# configured =m, else devices/debugport.c built out of tree with make M=
# (a plugin named by path may stand in for the built-in device).
test_debugport_as_module() {
	local so=$MODULES/debugport.so

	need_kvm
	if [ ! -f "$so" ]; then
		mkdir -p "$TMP/debugport"
		cp "$TOP/devices/debugport.c" "$TMP/debugport/"
		make -s -C "$TOP" M="$TMP/debugport" >"$TMP/build.log" 2>&1 ||
			{ cat "$TMP/build.log"; fail "make M= of devices/debugport.c failed"; }
		so=$TMP/debugport/debugport.so
	fi
	dp_guest debugcon
	vmm --nodefaults -d "$so" "$GUESTS/debugcon.bin"
	assert_rc 1
	assert_err "debugcon OK"
	vmm --nodefaults -d "$so" "$GUESTS/exit_32bit.bin"
	assert_rc 139
}
