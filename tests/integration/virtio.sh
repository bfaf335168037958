# SPDX-License-Identifier: MIT
# The virtio-rng and virtio-console devices with real guests (guests/
# virtio_rng.asm and guests/virtio_console.asm, on the virtio-mmio driver
# of guests/virtio.inc), several virtio devices on one machine (their
# windows and interrupt lines), and the errors of bad transport options.
# virtio-blk has tests/integration/virtio_blk.sh.
#
# Both guests print their progress on the debug console (stderr) and exit
# 0 (status 1) when they pass, 1 (status 3) on a failed step; the console
# guest exits 2 (status 5) when no input came.  What the console guest
# transmits is the device's output: stdout unless out=/file= say else.
# The dword at offset 8 of either image is the window it drives
# (vio_guest patches it).

VCON_HELLO='hello from virtio-console
second chain: two buffers'

# vio_need DEVICE GUEST: the guest is built and modvmm has the device
# (built in or a module in $MODULES).
vio_need() {
	need_guest "$2"
	"$MODVMM" --plugin-dir "$MODULES" --list-devices 2>/dev/null |
		grep -q "^$1 " ||
		skip "$1 is not configured"
}

# vio_guest NAME WINDOW: $TMP/NAME.bin, guest NAME.bin driving the
# virtio-mmio window at WINDOW (the little-endian dword at offset 8).
vio_guest() {
	local w=$(($2))

	cp "$GUESTS/$1.bin" "$TMP/$1.bin" || fail "cannot copy $1.bin"
	printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((w & 255)) \
		$(((w >> 8) & 255)) $(((w >> 16) & 255)) $(((w >> 24) & 255)))" |
		dd of="$TMP/$1.bin" bs=1 seek=8 conv=notrunc status=none ||
		fail "cannot patch the window of $1.bin"
}

# in_file TEXT: a file holding TEXT (printf format), for $VMM_STDIN or in=.
in_file() {
	printf "$1" >"$TMP/in"
	echo "$TMP/in"
}

# vio_run ARGS...: modvmm with the plugin directory and a flat 32-bit image
# (the last of ARGS).
vio_run() {
	vmm --plugin-dir "$MODULES" --mode protected "$@"
}

# assert_err_count N TEXT: stderr has TEXT on exactly N lines.
assert_err_count() {
	local n

	n=$(grep -cF -- "$2" "$TMP/err")
	[ "$n" = "$1" ] || { show; fail "stderr has '$2' on $n lines, not $1"; }
}

# --- virtio-rng ------------------------------------------------------------

# Two 64-byte requests come back full, different and not all zeros (the
# guest checks); two runs do not get the same bytes either.
test_virtio_rng_guest_two_buffers() {
	local first

	need_kvm
	vio_need virtio-rng virtio_rng.bin
	vio_run -d virtio-rng --stats "$GUESTS/virtio_rng.bin"
	assert_rc 1 "the guest's EXIT 0"
	assert_err "virtio-rng: window 0xd0000000"
	assert_err_count 2 "virtio-rng: used 64"
	assert_err "virtio-rng: OK"
	assert_not_err "FAIL"
	assert_err "bytes 128"
	assert_err "notifies 2"
	first=$(grep -F "virtio-rng: buffer 1" "$TMP/err")
	vio_run --nodefaults -d debugport -d virtio-rng "$GUESTS/virtio_rng.bin"
	assert_rc 1 "the second run, on a minimal machine"
	assert_err "virtio-rng: OK"
	[ "$first" != "$(grep -F "virtio-rng: buffer 1" "$TMP/err")" ] ||
		fail "two runs got the same random bytes: $first"
}

# The device where addr= and irq= put it, and the guest there works.
test_virtio_rng_explicit_addr_and_irq() {
	need_kvm
	vio_need virtio-rng virtio_rng.bin
	vio_guest virtio_rng 0xd0010000
	vio_run -v -d virtio-rng,addr=0xd0010000,irq=11 "$TMP/virtio_rng.bin"
	assert_rc 1
	assert_err "virtio-rng: virtio-mmio at 0xd0010000-0xd00101ff, irq 11"
	assert_err "virtio-rng: window 0xd0010000"
	assert_err "virtio-rng: OK"
	# nothing at the default window: the guest finds no magic (error 1)
	vio_run -d virtio-rng,addr=0xd0010000 "$GUESTS/virtio_rng.bin"
	assert_rc 3 "the guest's EXIT 1"
	assert_err "virtio-rng: FAIL step 1 error 1"
}

# --- virtio-console --------------------------------------------------------

# Output to stdout on a machine of the debug port and the console alone;
# the input of in=FILE comes back after "got: ".
test_virtio_console_out_stdout_and_echo() {
	need_kvm
	vio_need virtio-console virtio_console.bin
	in_file 'ping 42\n' >/dev/null
	vio_run --nodefaults -d debugport -d virtio-console,in="$TMP/in" --stats \
		"$GUESTS/virtio_console.bin"
	assert_rc 1 "the guest's EXIT 0"
	assert_out_exact "$VCON_HELLO
got: ping 42"
	assert_err "virtio-console: sent 2 chains"
	assert_err "virtio-console: received 8 bytes"
	assert_err "virtio-console: OK"
	assert_not_err "FAIL"
	assert_err "rx_bytes 8"
}

# out=FILE and file=FILE: everything goes to the file, nothing to stdout
# (the default machine's UART has stdout, and the guest never uses it).
test_virtio_console_out_file() {
	need_kvm
	vio_need virtio-console virtio_console.bin
	in_file 'to a file\n' >/dev/null
	vio_run -d virtio-console,out="$TMP/con.txt",in="$TMP/in" \
		"$GUESTS/virtio_console.bin"
	assert_rc 1
	assert_out_exact ""
	assert_eq "$(cat "$TMP/con.txt")" "$VCON_HELLO
got: to a file" "out= file"
	assert_err "virtio-console: OK"
	vio_run -d virtio-console,file="$TMP/f.txt",in="$TMP/in" \
		"$GUESTS/virtio_console.bin"
	assert_rc 1
	assert_out_exact ""
	assert_eq "$(cat "$TMP/f.txt")" "$VCON_HELLO
got: to a file" "file= file"
	vio_run -d virtio-console,out=null,in="$TMP/in" "$GUESTS/virtio_console.bin"
	assert_rc 1 "out=null"
	assert_out_exact ""
	assert_err "virtio-console: OK"
}

# A line longer than the guest's 64-byte receive buffers: the device keeps
# the rest for the buffers posted next, nothing is lost or reordered.
test_virtio_console_input_spans_buffers() {
	local line

	need_kvm
	vio_need virtio-console virtio_console.bin
	line=$(printf 'line%0146d' 7)
	in_file "$line\\n" >/dev/null
	vio_run --nodefaults -d debugport -d virtio-console,in="$TMP/in" --stats \
		"$GUESTS/virtio_console.bin"
	assert_rc 1
	assert_err "virtio-console: received 151 bytes"
	assert_err "rx_bytes 151"
	assert_out_exact "$VCON_HELLO
got: $line"
}

# in=null: no input ever, and the guest's bounded wait says so.
test_virtio_console_in_null_no_input() {
	need_kvm
	vio_need virtio-console virtio_console.bin
	vio_run --nodefaults -d debugport -d virtio-console,in=null \
		"$GUESTS/virtio_console.bin"
	assert_rc 5 "the guest's EXIT 2: no input"
	assert_err "virtio-console: no input"
	assert_out_exact "$VCON_HELLO"
}

# One device reads the terminal: on the default machine the UART asked
# first, so the console's input is null (-v says why); --console gives it
# to the console; with no UART the console is the first that asks.
test_virtio_console_stdin_ownership() {
	need_kvm
	vio_need virtio-console virtio_console.bin
	VMM_STDIN=$(in_file 'from stdin\n')
	vio_run -v -d virtio-console "$GUESTS/virtio_console.bin"
	assert_rc 5 "the UART has stdin: no input"
	assert_err "virtio-console: console input belongs to another device; input is null"
	assert_err "virtio-console: no input"
	vio_run --console virtio-console -d virtio-console "$GUESTS/virtio_console.bin"
	assert_rc 1 "--console virtio-console"
	assert_out_exact "$VCON_HELLO
got: from stdin"
	vio_run --nodefaults -d debugport -d virtio-console "$GUESTS/virtio_console.bin"
	assert_rc 1 "no UART"
	assert_out_exact "$VCON_HELLO
got: from stdin"
}

# The console escape on stdin: Ctrl-A Ctrl-A is one Ctrl-A for the guest;
# Ctrl-A x stops the run with status 20.  A file on stdin is read as soon
# as the device is live, so both are deterministic.
test_virtio_console_stdin_escape() {
	need_kvm
	vio_need virtio-console virtio_console.bin
	VMM_STDIN=$(in_file 'a\001\001b\n')
	vio_run --nodefaults -d debugport -d virtio-console "$GUESTS/virtio_console.bin"
	assert_rc 1
	assert_err "virtio-console: received 4 bytes"
	assert_out_exact "$VCON_HELLO
got: a$(printf '\001')b"
	VMM_STDIN=$(in_file 'ab\001xcd\n')
	vio_run --nodefaults -d debugport -d virtio-console "$GUESTS/virtio_console.bin"
	assert_rc 20 "Ctrl-A x"
	assert_not_out "got:"
}

# --- Several devices -------------------------------------------------------

# Three virtio devices take the windows and lines in -d order; the console
# guest drives the second window; the rng guest finds its device only in
# the first, and says which device it found in the second (ID 3: error 3).
test_virtio_three_devices_placement() {
	local devs

	need_kvm
	vio_need virtio-rng virtio_rng.bin
	vio_need virtio-console virtio_console.bin
	vio_need virtio-blk virtio_console.bin
	truncate -s 65536 "$TMP/disk.img" || fail "cannot make the image"
	in_file 'second window\n' >/dev/null
	devs=(-d virtio-rng -d "virtio-console,in=$TMP/in" -d "virtio-blk,file=$TMP/disk.img")
	vio_guest virtio_console 0xd0000200
	vio_run -v "${devs[@]}" "$TMP/virtio_console.bin"
	assert_rc 1 "the console guest in the second window"
	assert_err "virtio-rng: virtio-mmio at 0xd0000000-0xd00001ff, irq 5"
	assert_err "virtio-console: virtio-mmio at 0xd0000200-0xd00003ff, irq 6"
	assert_err "virtio-blk: virtio-mmio at 0xd0000400-0xd00005ff, irq 7"
	assert_err "virtio-console: window 0xd0000200"
	assert_err "virtio-console: OK"
	assert_out_exact "$VCON_HELLO
got: second window"

	vio_run "${devs[@]}" "$GUESTS/virtio_rng.bin"
	assert_rc 1 "the rng guest in the first window"
	assert_err "virtio-rng: OK"

	vio_guest virtio_rng 0xd0000200
	vio_run "${devs[@]}" "$TMP/virtio_rng.bin"
	assert_rc 3 "the rng guest finds the console in the second window"
	assert_err "virtio-rng: FAIL step 1 error 3"
}

# --- Errors ------------------------------------------------------------------
# Command-line errors need no KVM: devices are checked first.

# vio_bad SPEC TEXT: -d SPEC is refused in one line with TEXT, status 6.
vio_bad() {
	vio_run -d "$1" "$GUESTS/virtio_rng.bin"
	assert_rc 6 "-d $1"
	assert_one_line_err
	assert_err "$2"
	assert_not_err "virtio-rng: window"
}

test_virtio_console_bad_options() {
	vio_need virtio-console virtio_console.bin
	vio_bad virtio-console,irq=99 "modvmm: virtio-console: init failed: irq=99: want 0 to 23"
	vio_bad virtio-console,addr=0x123 \
		"modvmm: virtio-console: init failed: addr=0x123: want a 4 KiB-aligned address below 4 GiB"
	vio_bad virtio-console,addr=0x100000000 "addr=0x100000000: want a 4 KiB-aligned address below 4 GiB"
	vio_bad virtio-console,out="$TMP/a",file="$TMP/b" "options out= and file= both given"
	vio_bad virtio-console,in="$TMP/nope" "in=$TMP/nope: No such file or directory"
	# refused before its output file is opened: the file is left alone
	echo keep >"$TMP/keep.txt"
	vio_bad virtio-console,irq=99,out="$TMP/keep.txt" "irq=99: want 0 to 23"
	assert_eq "$(cat "$TMP/keep.txt")" keep "the out= file of a refused device"
}

test_virtio_rng_bad_options() {
	vio_need virtio-rng virtio_rng.bin
	vio_need virtio-console virtio_rng.bin
	vio_bad virtio-rng,irq=99 "modvmm: virtio-rng: init failed: irq=99: want 0 to 23"
	vio_bad virtio-rng,addr=0x123 \
		"modvmm: virtio-rng: init failed: addr=0x123: want a 4 KiB-aligned address below 4 GiB"
	vio_run -d virtio-rng,addr=0xd0000000 -d virtio-console,addr=0xd0000000,in=null \
		"$GUESTS/virtio_rng.bin"
	assert_rc 6 "two devices in one window"
	assert_one_line_err
	assert_err "virtio-console: init failed: addr=0xd0000000: cannot claim the window"
}
