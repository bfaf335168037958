# SPDX-License-Identifier: MIT
# Core machine: entry modes, string I/O, run-loop endings and every
# command-line and KVM error path, each with its exit status.

# --- guests that boot ---------------------------------------------------

test_classic_demo_prints_test() {
	need_kvm
	vmm "$GUESTS/test.bin"
	assert_rc 0 "hlt ends the run"
	assert_out_exact "test"
}

test_hello_default_guest() {
	need_kvm
	vmm "$GUESTS/hello.bin"
	assert_rc 0
	assert_out_exact "Hello from modvmm!"
	[ -z "$ERR" ] || { show; fail "stderr not empty"; }
}

test_protected_mode_flat() {
	need_kvm
	vmm --mode protected "$GUESTS/pm32_hello.bin"
	assert_rc 33 "exit port value 0x10"
	assert_out_exact "protected mode OK"
}

test_long_mode_flat() {
	need_kvm
	vmm --mode long "$GUESTS/lm64_hello.bin"
	assert_rc 35 "exit port value 0x11"
	assert_out_exact "long mode OK"
}

test_flat_load_addr_and_entry() {
	need_kvm
	# the real-mode hello guest is position-dependent (org 0): load it at
	# 0x10000 and enter at 0x10000 -> CS=0x1000, IP=0, and it still works
	# because it addresses its message through CS
	vmm --load-addr 0x10000 --entry 0x10000 "$GUESTS/hello.bin"
	assert_rc 0
	assert_out_exact "Hello from modvmm!"
}

test_string_io_rep_outsb_insb() {
	need_kvm
	vmm --stats "$GUESTS/strio.bin"
	assert_rc 1 "guest saw the right values"
	assert_out "strio: printed with one rep outsb"
	assert_out "strio: insb and insw OK"
}

test_memory_sizes_accepted() {
	need_kvm
	for m in 1M 64M 1G 3584M 4G 512; do
		vmm -m "$m" "$GUESTS/hello.bin"
		assert_rc 0 "-m $m"
		assert_out_exact "Hello from modvmm!"
	done
}

# --- how runs end ----------------------------------------------------------

test_triple_fault_is_a_crash() {
	need_kvm
	vmm "$GUESTS/triple_fault.bin"
	assert_rc 10
	assert_out_exact "x"
	assert_err "guest crashed"
	assert_err "RIP="
	assert_err "CS  sel="
}

test_timeout_stops_guest() {
	need_kvm
	# Status 12, not the helper's own 20 s limit (124): the timer fired.
	vmm --timeout 0.5 "$GUESTS/forever.bin"
	assert_rc 12
	assert_err "--timeout 0.5"
	assert_out "."
	assert_not_err "where --timeout found it"
	# -v says where the guest was: registers and the bytes at CS:RIP
	# (the loop of forever.asm: loop at 0xc, in at 0xe, jmp at 0x10)
	vmm -v --timeout 0.3 "$GUESTS/forever.bin"
	assert_rc 12
	assert_err "modvmm: boot vCPU: where --timeout found it"
	echo "$ERR" | grep -Eq "code at 0x(c: e2 fe e4 80 eb f7|e: e4 80 eb f7|10: eb f7)" ||
		{ show; fail "no code bytes at the loop's RIP"; }
}

test_sigterm_stops_cleanly() {
	need_kvm
	"$MODVMM" "$GUESTS/forever.bin" >"$TMP/out" 2>"$TMP/err" </dev/null &
	local pid=$!
	wait_for "$TMP/out" "."
	kill -TERM $pid
	wait $pid
	RC=$?
	assert_rc 20
	assert_out "."
}

test_sigint_stops_cleanly() {
	need_kvm
	"$MODVMM" "$GUESTS/forever.bin" >"$TMP/out" 2>"$TMP/err" </dev/null &
	local pid=$!
	wait_for "$TMP/out" "."
	kill -INT $pid
	wait $pid
	RC=$?
	assert_rc 20
}

# --- command line errors: status 2, one line -----------------------------

expect_usage_error() {	# expect_usage_error "text in message" ARGS...
	local want=$1
	shift
	vmm "$@"
	assert_rc 2 "modvmm $*"
	assert_one_line_err
	assert_err "$want"
}

test_unknown_option() {
	expect_usage_error "unknown option '--bogus'" --bogus "$GUESTS/hello.bin"
}

# --console names an instance; one that never asks for the terminal is
# refused before the guest starts, and the named one gets the input.
test_console_names_the_device() {
	need_kvm
	need_guest hello.bin
	expect_usage_error "--console nosuch: no device of this machine by that name reads the terminal" \
		--console nosuch "$GUESTS/hello.bin"
	expect_usage_error "--console debugport: no device of this machine by that name" \
		--console debugport "$GUESTS/hello.bin"
	vmm --console serial8250 "$GUESTS/hello.bin"
	assert_rc 0 "--console serial8250"
	assert_out_exact "Hello from modvmm!"
}

test_option_missing_value() {
	expect_usage_error "needs a value" "$GUESTS/hello.bin" -m
}

test_no_image() {
	expect_usage_error "no guest image given"
}

test_two_images() {
	expect_usage_error "only one IMAGE" "$GUESTS/hello.bin" "$GUESTS/test.bin"
}

test_bad_memory_sizes() {
	expect_usage_error "-m abc: not a size" -m abc "$GUESTS/hello.bin"
	expect_usage_error "-m 0: guest RAM must be at least 1 MiB" -m 0 "$GUESTS/hello.bin"
	expect_usage_error "-m 100K: guest RAM must be at least 1 MiB" -m 100K "$GUESTS/hello.bin"
	expect_usage_error "-m -5: not a size" -m -5 "$GUESTS/hello.bin"
	expect_usage_error "-m 1Q: not a size" -m 1Q "$GUESTS/hello.bin"
	expect_usage_error "-m 2T: more than 1 TiB" -m 2T "$GUESTS/hello.bin"
	expect_usage_error "-m 99999999999999999999: not a size" -m 99999999999999999999 "$GUESTS/hello.bin"
}

test_bad_mode_format_timeout_trace() {
	expect_usage_error "--mode weird: unknown mode" --mode weird "$GUESTS/hello.bin"
	expect_usage_error "--format pe: unknown format" --format pe "$GUESTS/hello.bin"
	expect_usage_error "--timeout -1: not a positive number" --timeout -1 "$GUESTS/hello.bin"
	expect_usage_error "--timeout soon: not a positive number" --timeout soon "$GUESTS/hello.bin"
	expect_usage_error "unknown item 'pio'" --trace pio "$GUESTS/hello.bin"
	expect_usage_error "--load-addr 0xZZ: not an address" --load-addr 0xZZ "$GUESTS/hello.bin"
}

test_help_and_version() {
	vmm --help
	assert_rc 0
	for o in --memory --device --nodefaults --plugin-dir --list-devices --format \
		 --mode --load-addr --entry --append --initrd --module --timeout \
		 --stats --trace --debug-unclaimed --version "Exit status"; do
		assert_out "$o"
	done
	vmm --version
	assert_rc 0
	assert_out "plugin ABI 2, accepts 1-2"
}

# --- image errors: status 4, one line naming the file -------------------

test_missing_image() {
	vmm "$TMP/nope.bin"
	assert_rc 4
	assert_one_line_err
	assert_err "$TMP/nope.bin: cannot open: No such file or directory"
}

test_empty_image() {
	: >"$TMP/empty.bin"
	vmm "$TMP/empty.bin"
	assert_rc 4
	assert_one_line_err
	assert_err "$TMP/empty.bin: empty file"
}

test_directory_as_image() {
	vmm "$TMP"
	assert_rc 4
	assert_one_line_err
	assert_err "not a regular file"
}

test_real_mode_image_too_big() {
	head -c 700000 /dev/zero >"$TMP/big.bin"
	vmm "$TMP/big.bin"
	assert_rc 4
	assert_one_line_err
	assert_err "$TMP/big.bin: real-mode image [0x0-0xaae60)"
}

test_flat_image_past_ram() {
	head -c 200000 /dev/zero >"$TMP/big.bin"
	vmm -m 2M --mode protected --load-addr 0x1f0000 "$TMP/big.bin"
	assert_rc 4
	assert_one_line_err
	assert_err "do not fit in guest RAM"
}

test_flat_image_over_boot_tables() {
	head -c 8192 /dev/zero >"$TMP/img.bin"
	vmm --mode protected --load-addr 0 "$TMP/img.bin"
	assert_rc 4
	assert_one_line_err
	assert_err "overlaps the boot tables"
}

# --fw-cfg items are checked before KVM: bad syntax, a file that cannot
# be read, a name taken twice (etc/e820 is the machine's own).
test_fw_cfg_option_refusals() {
	need_guest hello.bin
	vmm --fw-cfg bogus "$GUESTS/hello.bin"
	assert_rc 2
	assert_one_line_err
	assert_err "modvmm: --fw-cfg bogus: want name=NAME,file=PATH or name=NAME,string=TEXT"
	vmm --fw-cfg name=opt/x "$GUESTS/hello.bin"
	assert_rc 2
	assert_err "--fw-cfg name=opt/x: want name=NAME,file=PATH"
	vmm --fw-cfg name=opt/x,file=$TMP/missing "$GUESTS/hello.bin"
	assert_rc 2
	assert_one_line_err
	assert_err "$TMP/missing"
	mkfifo "$TMP/fifo"
	vmm --fw-cfg name=opt/x,file=$TMP/fifo "$GUESTS/hello.bin"
	assert_rc 2
	assert_err "not a regular file"
	vmm --fw-cfg name=opt/x,string=a --fw-cfg name=opt/x,string=b "$GUESTS/hello.bin"
	assert_rc 2
	assert_one_line_err
	assert_err "modvmm: --fw-cfg name=opt/x: firmware file 'opt/x' already exists"
	vmm --fw-cfg name=etc/e820,string=x "$GUESTS/hello.bin"
	assert_rc 2
	assert_err "firmware file 'etc/e820' already exists"
	vmm --fw-cfg "name=$(printf 'n%.0s' $(seq 60)),string=x" "$GUESTS/hello.bin"
	assert_rc 2
	assert_err "is longer than 55 characters"
}

# --cpus is a count from 1 to 254, checked before KVM.
test_cpus_option_refusals() {
	need_guest hello.bin
	for n in 0 255 two -1 1.5; do
		vmm --cpus "$n" "$GUESTS/hello.bin"
		assert_rc 2 "--cpus $n"
		assert_one_line_err
		assert_err "modvmm: --cpus $n: want a count from 1 to 254"
	done
	vmm --help
	assert_out "--cpus N"
}

# --- KVM errors: status 8 -------------------------------------------------

test_kvm_missing() {
	MODVMM_KVM_DEVICE=$TMP/no-kvm vmm "$GUESTS/hello.bin"
	assert_rc 8
	assert_one_line_err
	assert_err "No such file or directory; load the KVM module"
}

test_kvm_not_a_kvm_device() {
	MODVMM_KVM_DEVICE=/dev/null vmm "$GUESTS/hello.bin"
	assert_rc 8
	assert_one_line_err
	assert_err "is not a KVM device"
}

test_kvm_permission_denied() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "needs root to switch to an unprivileged user"
	need_tool setpriv util-linux
	# a copy of the binary and guest that the nobody user can read
	cp "$MODVMM" "$TMP/modvmm"
	cp "$GUESTS/hello.bin" "$TMP/hello.bin"
	chmod 755 "$TMP" "$TMP/modvmm"
	chmod 644 "$TMP/hello.bin"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$TMP/modvmm" --nodefaults "$TMP/hello.bin" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	assert_rc 8
	assert_one_line_err
	assert_err "Permission denied; add your user to the 'kvm' group"
}

# --- observability -------------------------------------------------------

test_stats_counts_exits_and_devices() {
	need_kvm
	vmm --stats "$GUESTS/hello.bin"
	assert_rc 0
	assert_err "modvmm: stats: run time"
	assert_err "exits: io 19"
	assert_err "serial8250       accesses 19"
}

test_trace_io_shows_device_address_size_value() {
	need_kvm
	vmm --trace io "$GUESTS/test.bin"
	assert_rc 0
	assert_err "io   serial8250   0x3f8 w 1 0x74"
	[ "$(grep -c '^io ' "$TMP/err")" = 5 ] || { show; fail "want 5 trace lines"; }
}

test_trace_to_file() {
	need_kvm
	vmm --trace io,mmio,file="$TMP/trace.txt" "$GUESTS/test.bin"
	assert_rc 0
	grep -q "serial8250   0x3f8 w 1 0x0a" "$TMP/trace.txt" || fail "trace file lacks the newline write"
}

test_unclaimed_ports_read_ones_logged_once() {
	need_kvm
	# forever.bin reads port 0x80 (nothing there) over and over
	vmm -v --timeout 0.5 "$GUESTS/forever.bin"
	assert_rc 12
	[ "$(grep -c 'io read of 1 byte at 0x80: no device' "$TMP/err")" = 1 ] ||
		{ show; fail "unclaimed port 0x80 not logged exactly once"; }
	vmm -v --debug-unclaimed --timeout 0.5 "$GUESTS/forever.bin"
	[ "$(grep -c 'at 0x80: no device' "$TMP/err")" -gt 1 ] ||
		{ show; fail "--debug-unclaimed did not log every access"; }
}

test_nodefaults_has_no_serial() {
	need_kvm
	vmm --nodefaults "$GUESTS/hello.bin"
	assert_rc 0
	assert_out_exact ""
}

test_list_devices() {
	vmm --list-devices
	assert_rc 0
	assert_out "serial8250"
	assert_out "debugport"
	assert_out "pit8254"
	assert_out "ranges: io 0x3f8-0x3ff"
	assert_out "ranges: io 0xe9-0xe9, io 0xf4-0xf7"
	assert_out "port=0x3f8  I/O port base"
	vmm --list-devices --json
	assert_rc 0
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(x["name"]=="serial8250" for x in d)' "$TMP/out" ||
		fail "--json output is not the expected JSON"
}

# The ranges --list-devices shows come from the descriptors; --probe
# creates each device to show what it claims, and the two agree for
# every device of the tree (built in or a module) that starts with its
# default options.
test_list_devices_ranges_declared_as_claimed() {
	assert_ranges_declared_as_probed
	grep -q "^ *probed: mmio 0xd0000000-0xd00001ff$" "$TMP/out" ||
		{ show; fail "no virtio device was probed"; }
	vmm --list-devices --probe --json
	assert_rc 0
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all("probed" in x and "ranges" in x for x in d)' "$TMP/out" ||
		fail "--probe --json lacks probed or ranges"
	vmm --probe "$GUESTS/exit_0.bin"
	assert_rc 2 "usage"
	assert_err "--probe applies to --list-devices only"
}
