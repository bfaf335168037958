# SPDX-License-Identifier: MIT
# The example plugins in plugins/ (counter, regbank): built the way an
# out-of-tree plugin is, loaded by path, by --plugin-dir and from
# $MODULES, driven by their guests, and refused with clear errors.
#
# plugins/NAME/NAME.so is shared by every build dir (make M= builds in
# the plugin's directory), so it is whatever flavour was built last; an
# ASan plugin cannot load into a plain modvmm.  Most tests therefore use
# this build's copy in $MODULES, and the ones about plugins/NAME itself
# skip when it is not the same file.

plugin_so() {
	if [ -f "$MODULES/$1.so" ]; then
		echo "$MODULES/$1.so"
	else
		echo "$TOP/plugins/$1/$1.so"
	fi
}

COUNTER_SO=$(plugin_so counter)
REGBANK_SO=$(plugin_so regbank)
REGBANK_ARGS=(--mode protected --load-addr 0x100000)

# need_plugin SO: skip when the example plugins are configured out,
# fail when they are configured in but were not built.
need_plugin() {
	[ -f "$1" ] && return 0
	grep -q '^CONFIG_EXAMPLE_PLUGINS=y' "$TOP/.config" 2>/dev/null &&
		fail "$1 missing although CONFIG_EXAMPLE_PLUGINS=y"
	skip "$1 not built (CONFIG_EXAMPLE_PLUGINS is off)"
}

# need_source_dir_plugin NAME: plugins/NAME/NAME.so, built for this build.
need_source_dir_plugin() {
	local so=$TOP/plugins/$1/$1.so

	need_plugin "$so"
	[ "$(plugin_so "$1")" = "$so" ] && return 0
	cmp -s "$so" "$MODULES/$1.so" ||
		skip "$so was built for another build dir (make O=/SANITIZE=)"
}

# The interrupt guests need an 8259, in the kernel or in userspace.
need_irqchip() {
	grep -q '^CONFIG_IRQCHIP_NONE=y' "$TOP/.config" 2>/dev/null &&
		skip "built without an interrupt controller (CONFIG_IRQCHIP_NONE)"
	return 0
}

# --- Build -----------------------------------------------------------------

test_plugins_built_into_modules() {
	need_plugin "$TOP/plugins/counter/counter.so"
	need_plugin "$TOP/plugins/regbank/regbank.so"
	[ -f "$MODULES/counter.so" ] || fail "make did not copy counter.so to $MODULES"
	[ -f "$MODULES/regbank.so" ] || fail "make did not copy regbank.so to $MODULES"
}

# A plugin exports its descriptor and nothing else.
test_plugins_export_only_descriptor() {
	local so syms

	need_plugin "$COUNTER_SO"
	need_plugin "$REGBANK_SO"
	for so in "$COUNTER_SO" "$REGBANK_SO"; do
		syms=$(nm -D --defined-only "$so" | awk '{ print $3 }' | sort -u)
		assert_eq "$syms" modvmm_device_descriptor "exports of $so"
	done
}

# What doc/writing-plugins.md tells a user: copy an example into a new
# directory and run make -C TREE M=DIR; the .so is named after the dir.
test_plugins_build_out_of_tree() {
	need_plugin "$COUNTER_SO"
	need_kvm
	need_guest counter_test.bin
	mkdir -p "$TMP/mydev"
	cp "$TOP/plugins/counter/counter.c" "$TMP/mydev/"
	make -s -C "$TOP" M="$TMP/mydev" >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log" >&2; fail "make M=$TMP/mydev failed"; }
	[ -f "$TMP/mydev/mydev.so" ] || fail "make M= did not produce mydev.so"
	vmm -d "$TMP/mydev/mydev.so" "$GUESTS/counter_test.bin"
	assert_rc 1
	assert_out "counter: OK 0xc0ffee42"
}

test_plugins_build_refuses_missing_dir() {
	make -s -C "$TOP" M="$TMP/nonexistent" >"$TMP/make.log" 2>&1 &&
		fail "make M= of a missing directory succeeded"
	grep -q nonexistent "$TMP/make.log" || fail "make did not name the directory"
}

# --- counter -----------------------------------------------------------------

test_counter_by_path() {
	need_kvm
	need_source_dir_plugin counter
	need_guest counter_test.bin
	vmm -d "$TOP/plugins/counter/counter.so" "$GUESTS/counter_test.bin"
	assert_rc 1 "guest wrote 0 to the exit port"
	assert_out_exact "counter: OK 0xc0ffee42"
}

test_counter_by_name_plugin_dir() {
	need_kvm
	need_source_dir_plugin counter
	need_guest counter_test.bin
	vmm --plugin-dir "$TOP/plugins/counter" -d counter "$GUESTS/counter_test.bin"
	assert_rc 1
	assert_out "counter: OK 0xc0ffee42"
}

test_counter_by_name_from_modules() {
	need_kvm
	[ -f "$MODULES/counter.so" ] || skip "no $MODULES/counter.so"
	need_guest counter_test.bin
	vmm -d counter "$GUESTS/counter_test.bin"
	assert_rc 1
	assert_out "counter: OK 0xc0ffee42"
}

# Without the device the guest sees all ones at the ID port and fails.
test_counter_guest_fails_without_device() {
	need_kvm
	need_guest counter_test.bin
	vmm "$GUESTS/counter_test.bin"
	assert_rc 3 "guest wrote 1 to the exit port"
	assert_out "counter: FAIL step 1"
}

test_counter_moved_port_not_at_default() {
	need_kvm
	need_plugin "$COUNTER_SO"
	need_guest counter_test.bin
	vmm -d "$COUNTER_SO,port=0x680,irq=7" "$GUESTS/counter_test.bin"
	assert_rc 3
	assert_out "counter: FAIL step 1"
}

test_counter_overlap_names_both() {
	need_plugin "$COUNTER_SO"
	need_guest counter_test.bin
	vmm -d "$COUNTER_SO" -d "$COUNTER_SO,port=0x562" "$GUESTS/counter_test.bin"
	assert_rc 6
	assert_one_line_err
	# The second instance of a device is named NAME.1.
	assert_err "counter [0x560-0x563] overlaps counter.1 [0x562-0x565]"
}

test_counter_bad_port() {
	need_plugin "$COUNTER_SO"
	need_guest counter_test.bin
	vmm -d "$COUNTER_SO,port=0xfffe" "$GUESTS/counter_test.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "port=0xfffe"
}

# The doorbell as an interrupt source through the 8259.
test_counter_doorbell_interrupts() {
	need_kvm
	need_irqchip
	need_plugin "$COUNTER_SO"
	need_guest counter_irq.bin
	vmm -d "$COUNTER_SO" "$GUESTS/counter_irq.bin"
	assert_rc 1
	assert_out_exact "counter_irq: OK 4 interrupts"
}

# --- regbank -----------------------------------------------------------------

test_regbank_guest() {
	need_kvm
	need_plugin "$REGBANK_SO"
	need_guest regbank_test.bin
	vmm "${REGBANK_ARGS[@]}" -d "$REGBANK_SO" "$GUESTS/regbank_test.bin"
	assert_rc 1
	assert_out_exact "regbank: OK"
}

test_regbank_guest_sizes() {
	local n

	need_kvm
	need_plugin "$REGBANK_SO"
	need_guest regbank_test.bin
	for n in 4 1024; do
		vmm "${REGBANK_ARGS[@]}" -d "$REGBANK_SO,regs=$n,irq=11" \
			"$GUESTS/regbank_test.bin"
		assert_rc 1 "regs=$n"
		assert_out "regbank: OK"
	done
}

# 8-byte accesses need 64-bit code.
test_regbank_long_mode_8_byte() {
	need_kvm
	need_plugin "$REGBANK_SO"
	need_guest regbank_long.bin
	vmm --mode long --load-addr 0x100000 -d "$REGBANK_SO" "$GUESTS/regbank_long.bin"
	assert_rc 1
	assert_out_exact "regbank: OK 64"
}

# A level line held and released by the plugin, seen through the 8259;
# base= in the 640K-1M hole so that a real-mode guest reaches it.
test_regbank_level_irq() {
	need_kvm
	need_irqchip
	need_plugin "$REGBANK_SO"
	need_guest regbank_irq.bin
	vmm -d "$REGBANK_SO,base=0xd0000" "$GUESTS/regbank_irq.bin"
	assert_rc 1
	assert_out_exact "regbank_irq: OK"
}

# The guest needs 4 registers and says which check failed.
test_regbank_guest_too_few_regs() {
	need_kvm
	need_plugin "$REGBANK_SO"
	need_guest regbank_test.bin
	vmm "${REGBANK_ARGS[@]}" -d "$REGBANK_SO,regs=3" "$GUESTS/regbank_test.bin"
	assert_rc 3
	assert_out "regbank: FAIL step 2"
}

test_regbank_with_counter() {
	need_kvm
	need_plugin "$REGBANK_SO"
	need_plugin "$COUNTER_SO"
	need_guest regbank_test.bin
	vmm "${REGBANK_ARGS[@]}" -d "$COUNTER_SO" -d "$REGBANK_SO" \
		"$GUESTS/regbank_test.bin"
	assert_rc 1
	assert_out "regbank: OK"
}

test_regbank_regs_zero() {
	need_plugin "$REGBANK_SO"
	need_guest regbank_test.bin
	vmm "${REGBANK_ARGS[@]}" -d "$REGBANK_SO,regs=0" "$GUESTS/regbank_test.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "regs=0"
}

test_regbank_regs_too_many() {
	need_plugin "$REGBANK_SO"
	need_guest regbank_test.bin
	vmm "${REGBANK_ARGS[@]}" -d "$REGBANK_SO,regs=1025" "$GUESTS/regbank_test.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "regs=1025"
}

test_regbank_regs_not_a_number() {
	need_plugin "$REGBANK_SO"
	need_guest regbank_test.bin
	vmm "${REGBANK_ARGS[@]}" -d "$REGBANK_SO,regs=abc" "$GUESTS/regbank_test.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "regs=abc"
}

test_regbank_unknown_option() {
	need_plugin "$REGBANK_SO"
	need_guest regbank_test.bin
	vmm "${REGBANK_ARGS[@]}" -d "$REGBANK_SO,size=4" "$GUESTS/regbank_test.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "size"
}

# The host refuses an MMIO range over guest RAM.
test_regbank_base_in_ram() {
	need_plugin "$REGBANK_SO"
	need_guest regbank_test.bin
	vmm "${REGBANK_ARGS[@]}" -d "$REGBANK_SO,base=0x200000" "$GUESTS/regbank_test.bin"
	assert_rc 6
	assert_err "regbank"
	assert_err "0x200000"
}

# --- Listing -------------------------------------------------------------------

test_plugins_list_devices() {
	need_plugin "$COUNTER_SO"
	need_plugin "$REGBANK_SO"
	mkdir -p "$TMP/plugins"
	cp "$COUNTER_SO" "$REGBANK_SO" "$TMP/plugins/"
	vmm --plugin-dir "$TMP/plugins" --list-devices
	assert_rc 0
	assert_out "counter"
	assert_out "example port I/O counter"
	assert_out "regbank"
	assert_out "example MMIO register bank"
	assert_out "port"
	assert_out "first of the 4 I/O ports"
	assert_out "regs"
	assert_out "number of 32-bit bank registers (1-1024)"
	assert_out "0xd0000000"
}

test_plugins_list_devices_json() {
	need_plugin "$COUNTER_SO"
	need_plugin "$REGBANK_SO"
	mkdir -p "$TMP/plugins"
	cp "$COUNTER_SO" "$REGBANK_SO" "$TMP/plugins/"
	vmm --plugin-dir "$TMP/plugins" --list-devices --json
	assert_rc 0
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; json.load(sys.stdin)' <"$TMP/out" ||
			{ show; fail "--list-devices --json is not JSON"; }
	fi
	assert_out '"counter"'
	assert_out '"regbank"'
}
