# SPDX-License-Identifier: MIT
# Issue 12, the command line and file hygiene: every usage, image and
# device error shows before /dev/kvm is opened and before any output file
# is touched; --timeout and numbers are strict; closed stdio, FIFOs, huge
# sparse files and shared output paths neither block nor fool modvmm.
#
# Most tests point MODVMM_KVM_DEVICE at a missing file: status 8 then
# proves that everything before KVM was accepted, on any machine.

HELLO=$GUESTS/hello.bin
MB_ELF=$GUESTS/mb_elf.elf
BZ=$GUESTS/bzimage_test.bin

# novm ARGS...: vmm without any KVM device.
novm() {
	MODVMM_KVM_DEVICE=$TMP/no-kvm vmm "$@"
}

# refused STATUS TEXT ARGS...: one line naming TEXT, status STATUS.
refused() {
	local status=$1 text=$2

	shift 2
	novm "$@"
	assert_rc "$status" "$*"
	assert_one_line_err
	assert_err "$text"
}

regbank_so() {
	if [ -f "$MODULES/regbank.so" ]; then
		echo "$MODULES/regbank.so"
	else
		echo "$TOP/plugins/regbank/regbank.so"
	fi
}

# --- 1. Validation before /dev/kvm, outputs last ---------------------------

test_hardening_device_errors_before_kvm() {
	refused 6 "device 'nosuch'" -d nosuch "$HELLO"
	refused 6 "port=0x10000: out of range" -d serial8250,port=0x10000 "$HELLO"
	refused 6 "overlaps serial8250.1" -d serial8250 "$HELLO"
	refused 6 "unknown option 'speed'" -d pit8254,speed=9 "$HELLO"
	refused 6 "irq=99: out of range" --nodefaults -d serial8250,irq=99 "$HELLO"
}

test_hardening_plugin_errors_before_kvm() {
	local so

	so=$(regbank_so)
	[ -f "$so" ] || skip "regbank plugin not built"
	refused 6 "regs=0" -d "$so,regs=0" "$HELLO"
	refused 6 "regbank" -d "$so,base=0x1000" "$HELLO"
	refused 6 "regs=2000" -d "$so,regs=2000" "$HELLO"
}

# Image errors (4) come before device errors (6), usage (2) before both.
test_hardening_error_order() {
	refused 4 "$TMP/missing.bin" -d nosuch "$TMP/missing.bin"
	refused 2 "--timeout" --timeout 0 -d nosuch "$TMP/missing.bin"
	refused 8 "no-kvm" -d serial8250,port=0x2f8,irq=3 "$HELLO"
}

# A run refused for a bad option leaves an existing output file alone.
test_hardening_refused_run_keeps_outputs() {
	local f=$TMP/keep.txt

	echo precious >"$f"
	refused 6 "nosuch" --trace io,file="$f" -d nosuch "$HELLO"
	refused 6 "overlaps" --nodefaults -d serial8250,file="$f" \
		-d serial8250 "$HELLO"
	refused 6 "exit-size" --nodefaults -d debugport,out="$f" \
		-d debugport,port=0xe8,exit-port=0x500,exit-size=3 "$HELLO"
	refused 4 "$TMP/missing.bin" -d serial8250,port=0x2f8,file="$f" \
		"$TMP/missing.bin"
	refused 2 "--timeout" --trace io,file="$f" --timeout nan "$HELLO"
	assert_eq "$(cat "$f")" "precious" "output file touched by a refused run"
	[ ! -e "$TMP/new.txt" ] || fail "setup"
	refused 6 "nosuch" --nodefaults -d debugport,out="$TMP/new.txt" \
		-d nosuch "$HELLO"
	[ ! -e "$TMP/new.txt" ] || fail "a refused run created its output file"
}

# Without KVM nothing is written either: the outputs are opened last.
test_hardening_kvm_missing_keeps_outputs() {
	local f=$TMP/keep.txt

	echo precious >"$f"
	refused 8 "no-kvm" --nodefaults -d serial8250,file="$f" "$HELLO"
	assert_eq "$(cat "$f")" "precious" "output file touched without KVM"
}

# Where there is KVM: the outputs are written after all.
test_hardening_outputs_written_with_kvm() {
	need_kvm
	vmm --nodefaults -d serial8250,file="$TMP/com1.txt" \
		--trace io,file="$TMP/trace.txt" "$HELLO"
	assert_rc 0
	assert_eq "$(cat "$TMP/com1.txt")" "Hello from modvmm!" "serial file"
	[ -s "$TMP/trace.txt" ] || fail "trace file empty"
}

# --- 2. --timeout ------------------------------------------------------------

test_hardening_timeout_values() {
	local v

	for v in nan NaN inf -inf infinity -1 0 0.0 -0 1e-10 0.0000000001 \
		 1e300 1e8 10000001 0x10 0x1p3 " 5" "5 " "" . e5 1e 5s; do
		refused 2 "--timeout $v: not a positive number of seconds" \
			--timeout "$v" "$HELLO"
		assert_err "0.000000001 to 10000000"
	done
	for v in 1e-9 0.000000001 0.5 30 .5 1e7 10000000; do
		novm --timeout "$v" "$HELLO"
		assert_rc 8 "--timeout $v is accepted"
	done
}

# --- 3. Numbers are decimal unless 0x ----------------------------------------

# -m 010 is 10 MiB: a 9 MiB image at 1 MiB fits; -m 09 (9 MiB) is too
# small for it; octal would have read 8 MiB and refused "09".
test_hardening_sizes_are_decimal() {
	truncate -s 9M "$TMP/nine.bin"
	novm -m 010 --mode protected --load-addr 0x100000 "$TMP/nine.bin"
	assert_rc 8 "-m 010 is 10 MiB"
	refused 4 "do not fit in guest RAM" -m 09 --mode protected \
		--load-addr 0x100000 "$TMP/nine.bin"
	refused 4 "cannot fit in 8 MiB" -m 08 "$TMP/nine.bin"
	novm -m 0x10 "$HELLO"
	assert_rc 8 "-m 0x10 is 16 MiB"
}

# Device options: irq=025 is 25 (out of range), not octal 21.
test_hardening_device_numbers_are_decimal() {
	refused 6 "irq=025: out of range" --nodefaults -d serial8250,irq=025 "$HELLO"
	refused 6 "port=0x: not a number" --nodefaults -d serial8250,port=0x "$HELLO"
	novm --nodefaults -d serial8250,irq=010,port=01016 "$HELLO"
	assert_rc 8 "irq=010 port=01016 (0x3f8) are accepted"
	refused 2 "--load-addr 0x-1" --load-addr 0x-1 "$HELLO"
}

# --- 4. stdio and close-on-exec -------------------------------------------------

test_hardening_closed_stdout() {
	MODVMM_KVM_DEVICE=$TMP/no-kvm timeout 20 "$MODVMM" -d nosuch "$HELLO" \
		>&- 2>"$TMP/err" </dev/null
	RC=$?
	assert_rc 6
	assert_one_line_err
	assert_err "device 'nosuch'"
	timeout 20 "$MODVMM" --help >&-
	RC=$?
	assert_rc 0 "--help with stdout closed"
}

test_hardening_closed_stderr_and_stdin() {
	MODVMM_KVM_DEVICE=$TMP/no-kvm timeout 20 "$MODVMM" -d nosuch "$HELLO" \
		2>&- <&- >"$TMP/out"
	RC=$?
	assert_rc 6 "stderr and stdin closed"
	# fd 2 was /dev/null: the message went nowhere, and not into a file
	[ ! -s "$TMP/out" ] || fail "the error went to stdout"
	echo precious >"$TMP/keep.txt"
	MODVMM_KVM_DEVICE=$TMP/no-kvm timeout 20 "$MODVMM" --nodefaults \
		-d serial8250,file="$TMP/keep.txt" "$HELLO" 2>&- <&- >&-
	RC=$?
	assert_rc 8 "all three closed"
	assert_eq "$(cat "$TMP/keep.txt")" "precious" "kept"
}

# Every fd modvmm opens is close-on-exec: in the source, and (with
# strace) in what a run that stops at /dev/kvm opens.
test_hardening_fds_cloexec_in_source() {
	local bad

	# comments aside; fds 0-2 get /dev/null without it, as stdio should
	bad=$(grep -nE '\b(open|openat|open64|creat|pipe|pipe2|eventfd|timerfd_create|epoll_create1?|signalfd|memfd_create|socket|dup[23]?|accept|inotify_init1?)\(' \
		"$TOP"/core/*/*.c "$TOP"/devices/*.c "$TOP"/plugins/*/*.c |
		grep -v CLOEXEC | grep -vE '^[^:]+:[0-9]+:\s*(\*|/\*)' |
		grep -vF 'open("/dev/null", fd ? O_WRONLY : O_RDONLY)' || true)
	[ -z "$bad" ] || fail "opened without CLOEXEC: $bad"
	bad=$(grep -nE '\bf(d?open|reopen)\(' "$TOP"/core/*/*.c \
		"$TOP"/devices/*.c "$TOP"/plugins/*/*.c | grep -vE '"[rwa]\+?e"' || true)
	[ -z "$bad" ] || fail "fopen without \"e\": $bad"
}

test_hardening_fds_cloexec_strace() {
	local bad

	need_tool strace strace
	mkfifo "$TMP/fifo"
	# a reader for the FIFO check (read-write: opening it cannot block)
	exec 3<>"$TMP/fifo"
	# LeakSanitizer cannot run under ptrace (a SANITIZE=1 build)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	MODVMM_KVM_DEVICE=/dev/null strace -f -qq -e trace=open,openat,creat \
		-o "$TMP/strace" "$MODVMM" --nodefaults \
		-d serial8250,out="$TMP/fifo" -d debugport,out="$TMP/dbg.txt" \
		--module "$HELLO" "$MB_ELF" >/dev/null 2>"$TMP/err"
	RC=$?
	exec 3>&-
	assert_rc 8 "stops at /dev/null, not a KVM device"
	grep -q 'fifo' "$TMP/strace" || fail "strace saw no FIFO check"
	grep -q 'O_WRONLY|O_NONBLOCK' "$TMP/strace" || fail "no O_NONBLOCK probe"
	bad=$(grep -E 'open(at)?\(' "$TMP/strace" | grep -v 'O_CLOEXEC' | grep -v ' = -1 ')
	# the ASan runtime reads /proc/self/maps and the like: not ours
	modvmm_is_asan && bad=$(printf '%s\n' "$bad" |
		grep -vE '"/proc/self/(maps|environ|cmdline|auxv|status|exe)"')
	[ -z "$bad" ] || fail "fds opened without O_CLOEXEC: $bad"
}

# --- 5. Non-regular files --------------------------------------------------------

test_hardening_fifo_image() {
	mkfifo "$TMP/img"
	refused 4 "$TMP/img: not a regular file (a FIFO)" "$TMP/img"
	refused 4 "$TMP/img: not a regular file (a FIFO)" --format flat "$TMP/img"
	refused 4 "/dev/zero: not a regular file (a character device)" /dev/zero
	refused 4 "$TMP: not a regular file (a directory)" "$TMP"
}

test_hardening_fifo_module_and_initrd() {
	mkfifo "$TMP/mod"
	[ -f "$MB_ELF" ] || fail "guest $MB_ELF not built"
	refused 4 "$TMP/mod: not a regular file (a FIFO)" --module "$TMP/mod" "$MB_ELF"
	[ -f "$BZ" ] || fail "guest $BZ not built"
	refused 4 "$TMP/mod: not a regular file (a FIFO)" --initrd "$TMP/mod" "$BZ"
	refused 4 "/dev/null: not a regular file" --initrd /dev/null "$BZ"
}

# serial8250's in= opens with O_NONBLOCK: a FIFO without a writer does not
# block, and works as input once the guest runs.
test_hardening_fifo_device_input() {
	mkfifo "$TMP/in"
	novm --nodefaults -d serial8250,in="$TMP/in" "$HELLO"
	assert_rc 8 "in=FIFO did not block"
}

test_hardening_fifo_outputs() {
	mkfifo "$TMP/out.fifo"
	refused 6 "serial8250: option out=$TMP/out.fifo: is a FIFO that nobody reads" \
		--nodefaults -d serial8250,out="$TMP/out.fifo" "$HELLO"
	refused 6 "debugport: option out=$TMP/out.fifo: is a FIFO that nobody reads" \
		--nodefaults -d debugport,out="$TMP/out.fifo" "$HELLO"
	refused 2 "--trace: option file=$TMP/out.fifo: is a FIFO that nobody reads" \
		--trace io,file="$TMP/out.fifo" "$HELLO"
	refused 6 "option file=$TMP: is a directory" \
		--nodefaults -d serial8250,file="$TMP" "$HELLO"
	refused 6 "option out=$TMP/no/such/x: No such file or directory" \
		--nodefaults -d debugport,out="$TMP/no/such/x" "$HELLO"
	# with a reader (read-write: opening it cannot block), it is accepted
	exec 3<>"$TMP/out.fifo"
	novm --nodefaults -d serial8250,out="$TMP/out.fifo" "$HELLO"
	exec 3>&-
	assert_rc 8 "FIFO with a reader"
}

# --- 6. Huge sparse files are refused from their size --------------------------

# Under ulimit -v 512 MiB, mapping or reading 4 GiB would fail: the size
# alone must refuse them.
test_hardening_sparse_huge_image() {
	truncate -s 4G "$TMP/huge.img"
	(vm_limit; novm "$TMP/huge.img"
	 echo "$RC" >"$TMP/rc")
	RC=$(cat "$TMP/rc")
	assert_rc 4
	assert_one_line_err
	assert_err "$TMP/huge.img: 4294967296 bytes cannot fit in 128 MiB of guest RAM; use a larger -m"
	truncate -s 3M "$TMP/three.img"
	refused 4 "3145728 bytes cannot fit in 2 MiB of guest RAM" -m 2M "$TMP/three.img"
}

test_hardening_sparse_huge_module_and_initrd() {
	truncate -s 4G "$TMP/huge.img"
	(vm_limit
	 novm --module "$TMP/huge.img" "$MB_ELF"
	 echo "$RC" >"$TMP/rc1"
	 novm --initrd "$TMP/huge.img" "$BZ"
	 echo "$RC" >"$TMP/rc2")
	assert_eq "$(cat "$TMP/rc1")" 4 "--module 4G"
	assert_eq "$(cat "$TMP/rc2")" 4 "--initrd 4G"
	assert_err "$TMP/huge.img: 4294967296 bytes cannot fit in 128 MiB of guest RAM"
}

test_hardening_sparse_image_peak_rss() {
	need_tool /usr/bin/time time
	truncate -s 4G "$TMP/huge.img"
	MODVMM_KVM_DEVICE=$TMP/no-kvm /usr/bin/time -f %M -o "$TMP/rss" \
		"$MODVMM" -m 8G "$TMP/huge.img" >/dev/null 2>"$TMP/err"
	RC=$?
	assert_rc 4
	assert_one_line_err
	# time(1) says "Command exited with non-zero status 4" first
	[ "$(tail -n 1 "$TMP/rss")" -lt 65536 ] ||
		fail "peak RSS $(tail -n 1 "$TMP/rss") KiB: the image was read"
}

# --- 7. One output file, one writer -----------------------------------------------

test_hardening_two_devices_one_output() {
	refused 6 "debugport: option out=$TMP/o.txt: serial8250 writes to that file too (file=$TMP/o.txt)" \
		--nodefaults -d serial8250,file="$TMP/o.txt" -d debugport,out="$TMP/o.txt" "$HELLO"
	[ ! -e "$TMP/o.txt" ] || fail "the refused run created the file"
	echo x >"$TMP/o.txt"
	refused 6 "serial8250.1: option out=$TMP/./o.txt: serial8250 writes to that file too" \
		--nodefaults -d serial8250,out="$TMP/o.txt" \
		-d serial8250,port=0x2f8,irq=3,out="$TMP/./o.txt" "$HELLO"
	refused 6 "serial8250: option file=$TMP/o.txt: --trace writes to that file too" \
		--trace io,file="$TMP/o.txt" --nodefaults -d serial8250,file="$TMP/o.txt" "$HELLO"
	assert_eq "$(cat "$TMP/o.txt")" x "kept"
}
