# SPDX-License-Identifier: MIT
# Plugin loading as a security boundary: a plugin is opened by one
# absolute path modvmm resolved itself, files and directories others can
# write are refused unless --insecure-plugins, and a plugin that crashes
# while being opened is named.  No guest runs: every device is checked
# before /dev/kvm is opened, so these run on any machine (status 8 below
# means "all devices accepted, then no KVM at the path given").

case ${O:-build} in
/*) TP=${O}/tests/plugins ;;
*) TP=$TOP/${O:-build}/tests/plugins ;;
esac
unset MODVMM_PLUGIN_DIR

plugins() {
	[ -f "$TP/good.so" ] || make -s -C "$TOP" O="${O:-build}" test-plugins \
		>"$TMP/make.log" 2>&1 || { cat "$TMP/make.log"; fail "make test-plugins"; }
	[ -f "$GUESTS/exit_0.bin" ] || fail "guest exit_0.bin not built"
}

# novm ARGS...: modvmm with a /dev/kvm that does not exist.
novm() {
	MODVMM_KVM_DEVICE=$TMP/no-kvm vmm --nodefaults "$@" "$GUESTS/exit_0.bin"
}

# -d NAME.so has no slash: it is the file in the current directory, never
# a library of that name found through LD_LIBRARY_PATH.
test_pluginsec_bare_so_name_is_the_local_file() {
	plugins
	mkdir -m 755 "$TMP/here" "$TMP/libs"
	cp "$TP/good.so" "$TMP/here/mine.so"
	cp "$TP/badopt.so" "$TMP/libs/mine.so"
	cd "$TMP/here" || fail "cd"
	LD_LIBRARY_PATH=$TMP/libs novm -v -d mine.so
	assert_rc 8 "the plugin was accepted"
	assert_err "modvmm: mine.so: loading plugin $TMP/here/mine.so"
	assert_not_out "badopt"
	# and with nothing here, LD_LIBRARY_PATH's one is not taken either
	rm "$TMP/here/mine.so"
	LD_LIBRARY_PATH=$TMP/libs novm -d mine.so
	assert_rc 6
	assert_err_is "modvmm: mine.so: no such plugin file"
}

assert_err_is() {
	assert_one_line_err
	[ "$ERR" = "$1" ] || { show; fail "stderr is not exactly '$1'"; }
}

test_pluginsec_writable_file_refused() {
	plugins
	mkdir -m 755 "$TMP/p"
	cp "$TP/good.so" "$TMP/p/good.so"
	chmod 666 "$TMP/p/good.so"
	novm -d "$TMP/p/good.so"
	assert_rc 6
	assert_err_is "modvmm: $TMP/p/good.so: refusing a plugin file others can write (mode 0666); chmod go-w $TMP/p/good.so, or pass --insecure-plugins"
	novm --insecure-plugins -d "$TMP/p/good.so"
	assert_rc 8 "--insecure-plugins loads it"
	chmod 644 "$TMP/p/good.so"
	novm -d "$TMP/p/good.so"
	assert_rc 8 "mode 0644 is fine"
}

test_pluginsec_writable_dir_refused_sticky_allowed() {
	plugins
	mkdir -m 777 "$TMP/open"
	chmod 777 "$TMP/open"
	cp "$TP/good.so" "$TMP/open/good.so"
	novm --plugin-dir "$TMP/open" -d good
	assert_rc 6
	assert_err "refusing a plugin directory others can write (mode 0777); chmod go-w $TMP/open"
	chmod 1777 "$TMP/open"
	novm --plugin-dir "$TMP/open" -d good
	assert_rc 8 "a sticky directory, like /tmp, is fine"
}

test_pluginsec_foreign_owner_refused() {
	plugins
	[ "$(id -u)" = 0 ] || skip "needs root to give a file away"
	mkdir -m 755 "$TMP/p"
	cp "$TP/good.so" "$TMP/p/good.so"
	chown 12345 "$TMP/p/good.so"
	novm -d "$TMP/p/good.so"
	assert_rc 6
	assert_err_is "modvmm: $TMP/p/good.so: refusing a plugin file owned by uid 12345 (neither root nor you); pass --insecure-plugins to load it anyway"
}

# A constructor that crashes inside dlopen(): the plugin is named, with
# the device-crash status, when loading and when listing.
test_pluginsec_constructor_crash_named() {
	plugins
	MODVMM_TEST_CTOR_CRASH=1 novm -d "$TP/ctorcrash.so"
	assert_rc 16
	assert_err "modvmm: plugin $TP/ctorcrash.so crashed (SIGSEGV) in its constructor or destructor, while being opened or closed"
	MODVMM_TEST_CTOR_CRASH=1 MODVMM_KVM_DEVICE=$TMP/no-kvm \
		vmm --plugin-dir "$TP" --list-devices
	assert_rc 16 "listing"
	assert_err "modvmm: plugin $TP/ctorcrash.so crashed (SIGSEGV)"
}
