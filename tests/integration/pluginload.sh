# SPDX-License-Identifier: MIT
# The plugin loader refusing broken plugins: each test loads one of the
# deliberately bad plugins of tests/plugins/ (built by `make test-plugins`
# into $O/tests/plugins/) and checks exit status 6 and the exact one-line
# message.  Also the search order for -d NAME: --plugin-dir, then
# $MODVMM_PLUGIN_DIR, then the modules/ directory next to the binary.
#
# Every device is checked (a dry run) before /dev/kvm is opened, so the
# refusals need no KVM; only the tests whose guest runs call need_kvm.
# --nodefaults keeps the default machine out of the way.

case ${O:-build} in
/*) TP=${O}/tests/plugins ;;
*) TP=$TOP/${O:-build}/tests/plugins ;;
esac
IMG=$GUESTS/exit_0.bin
unset MODVMM_PLUGIN_DIR

# Build the test plugins if `make` did not (test-plugins is not in all).
need_test_plugins() {
	[ -f "$IMG" ] || fail "guest $IMG not built"
	make -s -C "$TOP" O="${O:-build}" test-plugins >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log" >&2; fail "make test-plugins failed"; }
	[ -f "$TP/good.so" ] || fail "make test-plugins did not build $TP/good.so"
}

# assert_err_line TEXT: stderr is exactly the one line TEXT.
assert_err_line() {
	assert_one_line_err
	[ "$ERR" = "$1" ] || { show; fail "stderr is not exactly '$1'"; }
}

# The control: a well-formed plugin built the same way loads and runs
# (the guest's exit port is unclaimed without the default machine, so it
# halts with IF=0: status 0).
test_pluginload_good_plugin_loads() {
	need_test_plugins
	need_kvm
	vmm --nodefaults -d "$TP/good.so" "$IMG"
	assert_rc 0
	assert_eq "$ERR" "" "stderr"
}

test_pluginload_no_descriptor() {
	need_test_plugins
	vmm --nodefaults -d "$TP/nodesc.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TP/nodesc.so: not a modvmm plugin (no modvmm_device_descriptor symbol); build it with MODVMM_DEVICE() from <modvmm/device.h>"
}

test_pluginload_wrong_abi_version() {
	need_test_plugins
	vmm --nodefaults -d "$TP/abi3.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TP/abi3.so: plugin ABI 3, this modvmm speaks 1-2; rebuild it against this modvmm's include/modvmm/device.h"
}

test_pluginload_short_descriptor() {
	need_test_plugins
	vmm --nodefaults -d "$TP/short.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TP/short.so: descriptor is 8 bytes, ABI 2 needs at least 56; rebuild it against this modvmm's include/modvmm/device.h"
}

# plugin_script LINES...: run modvmm-harness on a script of LINES.
plugin_script() {
	printf '%s\n' "$@" >"$TMP/t.mh"
	timeout -k 5 60 "${MODVMM%modvmm}modvmm-harness" "$TMP/t.mh" \
		>"$TMP/out" 2>"$TMP/err" </dev/null
	RC=$?
}

# An ABI 1 plugin loads into this ABI 2 modvmm and keeps ABI 1's access
# sizes: whatever follows its range ops in memory (.valid) is not read,
# so a word read of its byte ports is split into bytes as before.
test_pluginload_abi1_plugin_keeps_its_access_sizes() {
	need_test_plugins
	plugin_script "device $TP/abi1.so" "expect io 0x5b0 2 0x7170" \
		"expect io 0x5b2 1 0x72" "expect io 0x5b0 4 0x73727170"
	assert_rc 0 "modvmm-harness"
	assert_out "ok 3 "
}

# ABI 2's valid sizes: the same ports valid for bytes only refuse the
# word and dword reads whole (all ones) instead of splitting them.
test_pluginload_abi2_valid_sizes_refuse_wider_accesses() {
	need_test_plugins
	plugin_script "device $TP/abi2.so" "expect io 0x5b0 2 0xffff" \
		"expect io 0x5b2 1 0x72" "expect io 0x5b0 4 0xffffffff" \
		"expect io 0x5b3 1 0x73"
	assert_rc 0 "modvmm-harness"
	assert_out "ok 4 "
}

# A plugin written in C++ (tests/plugins/cxx.cc, MODVMM_DEVICE with C++20
# designated initialisers) loads, runs and exits (its destructor path);
# the same source also compiles as a built-in (cxx-builtin.o).
test_pluginload_cxx_plugin() {
	need_test_plugins
	[ -f "$TP/cxx-builtin.o" ] || fail "make test-plugins did not build $TP/cxx-builtin.o"
	plugin_script "device $TP/cxx.so" "expect io 0x5c0 1 1" \
		"expect io 0x5c0 1 2" "write io 0x5c0 1 41" \
		"expect io 0x5c0 1 42" "expect io 0x5c0 2 0xffff" "remove"
	assert_rc 0 "modvmm-harness"
	assert_out "ok 4 "
	vmm --nodefaults --plugin-dir "$TP" --list-devices
	assert_rc 0 "--list-devices"
	assert_out "test plugin written in C++"
}

# --list-devices runs no device code: failinit's init, which fails with
# its own message, runs only with --probe, and its undeclared ranges say
# so.
test_pluginload_list_runs_no_init() {
	need_test_plugins
	vmm --nodefaults --plugin-dir "$TP" --list-devices
	assert_rc 0 "--list-devices"
	grep -A2 "^failinit " "$TMP/out" | grep -q "ranges: (not declared; --probe creates one to see)" ||
		{ show; fail "failinit's ranges are not shown as undeclared"; }
	assert_not_out "none with default options"
	vmm --nodefaults --plugin-dir "$TP" --list-devices --probe
	assert_rc 0 "--list-devices --probe"
	grep -A3 "^failinit " "$TMP/out" | grep -q "probed: (none with default options: refusing on purpose" ||
		{ show; fail "--probe did not run failinit's init"; }
}

# dlopen(RTLD_NOW) fails; its dlerror() text is in the message.
test_pluginload_missing_symbol() {
	need_test_plugins
	vmm --nodefaults -d "$TP/undef.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TP/undef.so: cannot load plugin: $TP/undef.so: undefined symbol: modvmm_no_such_function"
}

test_pluginload_not_elf() {
	need_test_plugins
	printf 'This is not a shared object.  It is a text file that someone\nnamed x.so, long enough for the ELF header check.\n' >"$TMP/x.so"
	vmm --nodefaults -d "$TMP/x.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TMP/x.so: cannot load plugin: $TMP/x.so: invalid ELF header"
	printf 'short\n' >"$TMP/y.so"
	vmm --nodefaults -d "$TMP/y.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TMP/y.so: cannot load plugin: $TMP/y.so: file too short"
}

test_pluginload_empty_file() {
	need_test_plugins
	: >"$TMP/empty.so"
	vmm --nodefaults -d "$TMP/empty.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TMP/empty.so: cannot load plugin: $TMP/empty.so: file too short"
}

# Two different files declaring one device name.
test_pluginload_duplicate_name() {
	need_test_plugins
	vmm --nodefaults -d "$TP/dup_a.so" -d "$TP/dup_b.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TP/dup_b.so: duplicate device name 'dupdev': already provided by $(realpath "$TP/dup_a.so")"
}

# The same file twice is two instances of one device, not a duplicate.
test_pluginload_same_file_twice() {
	need_test_plugins
	need_kvm
	vmm --nodefaults -d "$TP/good.so" -d "$TP/good.so,port=0x5b0" "$IMG"
	assert_rc 0
	assert_eq "$ERR" "" "stderr"
}

# The plugin's own message; its exit hook is not called and the timer it
# armed before failing never fires (either would print a second line).
test_pluginload_failing_init() {
	need_test_plugins
	vmm --nodefaults -d "$TP/failinit.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: failinit: init failed: refusing on purpose after claiming ports 0x5a0-0x5a3"
}

# Failing after the default machine was created: still one line.
test_pluginload_failing_init_with_defaults() {
	need_test_plugins
	vmm -d "$TP/failinit.so,port=0x5b0" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: failinit: init failed: refusing on purpose after claiming ports 0x5b0-0x5b3"
}

# Its ports clash with the default UART: the host's overlap message is
# the reason, naming both devices and both ranges.
test_pluginload_failing_register_overlap() {
	need_test_plugins
	vmm -d "$TP/failinit.so,port=0x3fc" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: failinit: init failed: serial8250 [0x3f8-0x3ff] overlaps failinit [0x3fc-0x3ff]"
}

test_pluginload_unknown_option() {
	need_test_plugins
	vmm --nodefaults -d "$TP/badopt.so,count=3,colour=red" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: badopt: unknown option 'colour' (accepted: count, verbose)"
}

test_pluginload_malformed_number() {
	need_test_plugins
	vmm --nodefaults -d "$TP/badopt.so,count=12abc" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: badopt: init failed: option count=12abc: not a number (want decimal, 0x hex or a K/M/G size)"
	vmm --nodefaults -d "$TP/badopt.so,count=-1" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: badopt: init failed: option count=-1: not a number (want decimal, 0x hex or a K/M/G size)"
}

test_pluginload_malformed_bool() {
	need_test_plugins
	vmm --nodefaults -d "$TP/badopt.so,verbose=maybe" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: badopt: init failed: option verbose=maybe: not a boolean (want on/off, yes/no, 1/0)"
}

test_pluginload_malformed_option_list() {
	need_test_plugins
	vmm --nodefaults -d "$TP/badopt.so,=5" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: -d $TP/badopt.so,=5: option '=5': empty key"
	vmm --nodefaults -d "$TP/badopt.so,count=1,count=2" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: -d $TP/badopt.so,count=1,count=2: option 'count' given twice"
}

test_pluginload_good_options_accepted() {
	need_test_plugins
	need_kvm
	vmm --nodefaults -d "$TP/badopt.so,count=0x10,verbose=yes" "$IMG"
	assert_rc 0
	assert_eq "$ERR" "" "stderr"
}

# The binary's own directory, as the loader computes it.
exe_dir() {
	dirname "$(readlink -f "$1")"
}

config_plugin_dir() {
	sed -n 's/^CONFIG_PLUGIN_DIR="\(.*\)"$/\1/p' "$TOP/.config"
}

test_pluginload_not_found_by_name() {
	local d cfg

	need_test_plugins
	d=$(exe_dir "$MODVMM")
	cfg=$(config_plugin_dir)
	vmm --nodefaults -d nosuchdev "$IMG"
	assert_rc 6
	assert_err_line "modvmm: device 'nosuchdev': not built in and no nosuchdev.so in $cfg, $d/modules, $d/../lib/modvmm; see --list-devices, or give a path"
	mkdir -p "$TMP/pd" "$TMP/env"
	MODVMM_PLUGIN_DIR=$TMP/env vmm --nodefaults --plugin-dir "$TMP/pd" \
		-d nosuchdev "$IMG"
	assert_rc 6
	assert_err_line "modvmm: device 'nosuchdev': not built in and no nosuchdev.so in $TMP/pd, $TMP/env, $cfg, $d/modules, $d/../lib/modvmm; see --list-devices, or give a path"
}

test_pluginload_not_found_by_path() {
	need_test_plugins
	vmm --nodefaults -d "$TMP/nosuchdev.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TMP/nosuchdev.so: no such plugin file"
	vmm --nodefaults -d "$TMP/nodir/nosuchdev" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TMP/nodir/nosuchdev: no such plugin file"
	mkdir "$TMP/adir.so"
	vmm --nodefaults -d "$TMP/adir.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TMP/adir.so: no such plugin file"
}

# A broken plugin found by name: the message names the file found.
test_pluginload_bad_plugin_by_name() {
	need_test_plugins
	vmm --nodefaults --plugin-dir "$TP" -d abi3 "$IMG"
	assert_rc 6
	assert_err_line "modvmm: $TP/abi3.so: plugin ABI 3, this modvmm speaks 1-2; rebuild it against this modvmm's include/modvmm/device.h"
}

# Three copies of "ordertest", each in one place of the search path and
# each failing its init with "this is copy X".  The binary is copied
# next to a modules/ directory of our own.
test_pluginload_search_order() {
	need_test_plugins
	mkdir -p "$TMP/bin/modules" "$TMP/pd" "$TMP/env"
	cp "$MODVMM" "$TMP/bin/modvmm"
	cp "$TP/order_a.so" "$TMP/pd/ordertest.so"
	cp "$TP/order_b.so" "$TMP/env/ordertest.so"
	cp "$TP/order_c.so" "$TMP/bin/modules/ordertest.so"
	MODVMM=$TMP/bin/modvmm

	MODVMM_PLUGIN_DIR=$TMP/env vmm --nodefaults --plugin-dir "$TMP/pd" \
		-d ordertest "$IMG"
	assert_rc 6
	assert_err_line "modvmm: ordertest: init failed: this is copy A"

	MODVMM_PLUGIN_DIR=$TMP/env vmm --nodefaults -d ordertest "$IMG"
	assert_rc 6
	assert_err_line "modvmm: ordertest: init failed: this is copy B"

	vmm --nodefaults -d ordertest "$IMG"
	assert_rc 6
	assert_err_line "modvmm: ordertest: init failed: this is copy C"

	MODVMM_PLUGIN_DIR= vmm --nodefaults -d ordertest "$IMG"
	assert_rc 6
	assert_err_line "modvmm: ordertest: init failed: this is copy C"

	# an explicit path comes before all of them
	MODVMM_PLUGIN_DIR=$TMP/env vmm --nodefaults --plugin-dir "$TMP/pd" \
		-d "$TMP/env/ordertest.so" "$IMG"
	assert_rc 6
	assert_err_line "modvmm: ordertest: init failed: this is copy B"

	# a directory without the plugin is passed over
	mkdir "$TMP/empty"
	MODVMM_PLUGIN_DIR=$TMP/env vmm --nodefaults --plugin-dir "$TMP/empty" \
		-d ordertest "$IMG"
	assert_rc 6
	assert_err_line "modvmm: ordertest: init failed: this is copy B"
}
