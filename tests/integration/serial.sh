# SPDX-License-Identifier: MIT
# The serial8250 UART driven by real guests: Linux-style detection, polled
# and interrupt-driven input from stdin or a file, output to stdout or a
# file, two UARTs at once, the device built as a plugin, and option errors.
#
# Guests (guests/uart_*.asm) end with cli; hlt (status 0) when they pass
# and write 1 to the exit port (status 3) when a check fails.

# in_file TEXT: a file holding TEXT (printf format), for $VMM_STDIN or in=.
in_file() {
	printf "$1" >"$TMP/in"
	echo "$TMP/in"
}

# --- Detection and output --------------------------------------------------

test_serial_detect_16550a() {
	need_kvm
	need_guest uart_detect.bin
	vmm "$GUESTS/uart_detect.bin"
	assert_rc 0
	assert_out_exact "uart: 16550A detected"
}

test_serial_out_file() {
	need_kvm
	need_guest uart_detect.bin
	vmm --nodefaults -d serial8250,out="$TMP/com1.txt" "$GUESTS/uart_detect.bin"
	assert_rc 0
	assert_out_exact ""
	assert_eq "$(cat "$TMP/com1.txt")" "uart: 16550A detected" "out= file"
}

test_serial_file_synonym_and_null() {
	need_kvm
	need_guest uart_detect.bin
	vmm --nodefaults -d serial8250,file="$TMP/f.txt" "$GUESTS/uart_detect.bin"
	assert_rc 0
	assert_eq "$(cat "$TMP/f.txt")" "uart: 16550A detected" "file= file"
	vmm --nodefaults -d serial8250,out=null "$GUESTS/uart_detect.bin"
	assert_rc 0
	assert_out_exact ""
}

test_serial_out_stderr() {
	need_kvm
	need_guest uart_detect.bin
	vmm --nodefaults -d serial8250,out=stderr "$GUESTS/uart_detect.bin"
	assert_rc 0
	assert_out_exact ""
	assert_err "uart: 16550A detected"
}

# Two UARTs at once: COM1 on stdout, COM2 (irq 3) into a file.
test_serial_two_instances() {
	need_kvm
	need_guest uart_dual.bin
	vmm -d serial8250,port=0x2f8,irq=3,out="$TMP/com2.txt" "$GUESTS/uart_dual.bin"
	assert_rc 0
	assert_out_exact "com1: hello"
	assert_eq "$(cat "$TMP/com2.txt")" "com2: hello" "COM2 output"
}

# --- Input -----------------------------------------------------------------

test_serial_echo_stdin() {
	need_kvm
	need_guest uart_echo.bin
	VMM_STDIN=$(in_file 'hello world\n')
	vmm --timeout 10 "$GUESTS/uart_echo.bin"
	assert_rc 0
	assert_out_exact "uart_echo: type a line
hello world
got: hello world"
}

# What a raw terminal sends: CR for Enter, DEL for backspace.
test_serial_echo_raw_keys() {
	need_kvm
	need_guest uart_echo.bin
	VMM_STDIN=$(in_file 'abx\177c\r')
	vmm --timeout 10 "$GUESTS/uart_echo.bin"
	assert_rc 0
	assert_out "got: abc"
}

test_serial_echo_in_file() {
	need_kvm
	need_guest uart_echo.bin
	in_file 'from a file\n' >/dev/null
	vmm --timeout 10 --nodefaults -d serial8250,in="$TMP/in" "$GUESTS/uart_echo.bin"
	assert_rc 0
	assert_out "got: from a file"
}

# Pasted input longer than the 16-byte FIFO arrives whole.
test_serial_echo_long_line() {
	local line

	need_kvm
	need_guest uart_echo.bin
	line=$(printf '%0150d' 7)
	VMM_STDIN=$(in_file "$line\\n")
	vmm --timeout 10 "$GUESTS/uart_echo.bin"
	assert_rc 0
	assert_out "got: $line"
}

# Ctrl-A x stops the run (status 20), and what the guest wrote before
# still comes out.  The escape comes through a pipe once the guest has
# echoed what came before it, as if typed at the prompt.
test_serial_escape_stop() {
	need_kvm
	need_guest uart_echo.bin
	mkfifo "$TMP/fifo"
	{ printf 'ab'; wait_for "$TMP/out" "ab" && printf '\001xcd\n'; } >"$TMP/fifo" &
	VMM_STDIN=$TMP/fifo
	vmm --timeout 60 "$GUESTS/uart_echo.bin"
	wait
	assert_rc 20
	assert_out_exact "uart_echo: type a line
ab"
}

# Ctrl-A Ctrl-A sends one Ctrl-A.
test_serial_escape_literal_ctrl_a() {
	need_kvm
	need_guest uart_echo.bin
	VMM_STDIN=$(in_file 'a\001\001b\n')
	vmm --timeout 10 "$GUESTS/uart_echo.bin"
	assert_rc 0
	assert_out "got: a$(printf '\001')b"
}

# Interrupt-driven input: the guest sleeps in hlt with IF=1 and the bytes
# from stdin wake it through IRQ 4.
test_serial_irq_input() {
	need_kvm
	need_guest uart_irq.bin
	grep -q '^CONFIG_IRQCHIP_NONE=y' "$TOP/.config" 2>/dev/null &&
		skip "no interrupt controller configured"
	VMM_STDIN=$(in_file 'typed while asleep\n')
	vmm --timeout 10 "$GUESTS/uart_irq.bin"
	assert_rc 0
	assert_out "uart_irq: thre interrupt ok"
	assert_out "uart_irq: got typed while asleep"
	assert_out "uart_irq: loopback rx interrupt ok"
}

# --- Built as a plugin -----------------------------------------------------

# The same source as a .so plugin.  With CONFIG_SERIAL8250=m that is the
# one make put in $MODULES.  With serial8250 built in, the loader rightly
# refuses a second "serial8250", so the source is built out of tree, as a
# user would, under another device name.
test_serial_module() {
	local so=$MODULES/serial8250.so name=serial8250

	need_kvm
	need_guest uart_detect.bin
	need_guest uart_dual.bin
	if [ ! -f "$so" ]; then
		name=uart_oot
		mkdir -p "$TMP/$name"
		sed 's/\.name = "serial8250"/.name = "'$name'"/' \
			"$TOP/devices/serial8250.c" >"$TMP/$name/$name.c"
		grep -q "\"$name\"" "$TMP/$name/$name.c" ||
			fail "could not rename the device in the copied source"
		make -s -C "$TOP" M="$TMP/$name" >"$TMP/make.log" 2>&1 ||
			{ cat "$TMP/make.log" >&2; fail "make M= of serial8250.c failed"; }
		so=$TMP/$name/$name.so
	fi
	[ -f "$so" ] || fail "no $so"
	vmm --nodefaults -d "$so" "$GUESTS/uart_detect.bin"
	assert_rc 0
	assert_out_exact "uart: 16550A detected"
	vmm --nodefaults -d "$so",port=0x2f8,out="$TMP/m.txt" -d "$so" \
		"$GUESTS/uart_dual.bin"
	assert_rc 0
	assert_out_exact "com1: hello"
	assert_eq "$(cat "$TMP/m.txt")" "com2: hello" "COM2 output of the plugin"
	# It exports its descriptor and nothing else.
	assert_eq "$(nm -D --defined-only "$so" | awk '{ print $3 }' | sort -u)" \
		modvmm_device_descriptor "exports of $so"
}

# --- Options ---------------------------------------------------------------

test_serial_listed_with_options() {
	local opt

	vmm --list-devices
	assert_rc 0
	assert_out serial8250
	for opt in port irq out file in; do
		grep -qw -- "$opt" "$TMP/out" || { show; fail "option $opt not listed"; }
	done
}

test_serial_bad_port() {
	need_guest uart_detect.bin
	vmm --nodefaults -d serial8250,port=xyz "$GUESTS/uart_detect.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "port=xyz"
}

test_serial_bad_irq() {
	need_guest uart_detect.bin
	vmm --nodefaults -d serial8250,irq=4x "$GUESTS/uart_detect.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "irq=4x"
}

test_serial_bad_out_path() {
	need_guest uart_detect.bin
	vmm --nodefaults -d serial8250,out=/nonexistent/dir/x "$GUESTS/uart_detect.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "out=/nonexistent/dir/x"
}

test_serial_port_clash() {
	need_guest uart_detect.bin
	vmm -d serial8250 "$GUESTS/uart_detect.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "0x3f8"
}
