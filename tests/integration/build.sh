# SPDX-License-Identifier: MIT
# The Kbuild-style build itself: configuring, tristate devices, rebuilds
# after a .config change, M= plugins, install and the installed SDK, clang,
# clean/mrproper and a real menuconfig session.  Every test works on a
# temporary copy of the tree (tracked and untracked files, no build
# products), never on $TOP.  One defconfig build per tree content is kept
# under /tmp and copied: compile commands use relative paths, so a copy of
# a built tree is up to date.

BUILD_CACHE=/tmp/modvmm-build-cache

# The files of the tree that exist (a tracked file may be deleted).
tree_files() {
	git -C "$TOP" ls-files -co --exclude-standard | while IFS= read -r f; do
		[ -f "$TOP/$f" ] && printf '%s\n' "$f"
	done
}

need_git_tree() {
	git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
		skip "$TOP is not a git work tree"
}

# copy_tree DIR: copy the sources of $TOP (nothing built) to DIR.
copy_tree() {
	need_git_tree
	mkdir -p "$1"
	tree_files | tar -C "$TOP" -cf - -T - | tar -C "$1" -xf - ||
		fail "copying the tree to $1 failed"
}

# plain_make DIR ARGS...: make in DIR without the outer `make test`'s
# variables and jobserver: these builds are plain defconfig ones.  CI=true
# (-Werror) stays: it is part of the cache key below.  MAKE_LIMIT=SECS
# bounds the make.
plain_make() {
	local dir=$1

	shift
	(cd "$dir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u O \
		-u SANITIZE -u V -u M -u CC -u WERROR -u T -u PREFIX \
		timeout "${MAKE_LIMIT:-0}" make "$@")
}

# mk DIR ARGS...: plain_make, output in $TMP/make.log; fails the test with
# the end of the log if make fails.
mk() {
	local dir=$1

	plain_make "$@" >"$TMP/make.log" 2>&1 ||
		{ tail -40 "$TMP/make.log" >&2; fail "make $* failed in $dir"; }
}

# mk_fails DIR ARGS...: like mk, but make must fail.
mk_fails() {
	local dir=$1

	shift
	if plain_make "$dir" "$@" >"$TMP/make.log" 2>&1; then
		cat "$TMP/make.log" >&2
		fail "make $* succeeded in $dir"
	fi
}

# The Kbuild-style lines of what make built ("  CC      core/cli/main.o").
built_lines() {
	grep -E '^  (CC|LD|AS)( \[M\])? ' "${1:-$TMP/make.log}"
}

# The cache key: the tree's content and what else decides the compile
# flags (CI=true means -Werror; the compiler), so that a build made by a
# run with other settings is never taken for this one's.
tree_key() {
	{
		tree_files | LC_ALL=C sort | tr '\n' '\0' |
			(cd "$TOP" && xargs -0 sha1sum)
		echo "CI=${CI:-}"
		gcc --version | head -n 1
	} | sha1sum | cut -c1-16
}

# built_tree DIR: DIR becomes a copy of the tree built with `make -j2` from
# no .config (the defconfig build); its make output is DIR/.make.log.
# The build is done once per tree content and cached; the lock keeps other
# test runs from building, using or removing an entry at the same time.
built_tree() {
	local key cache

	need_git_tree
	key=$(tree_key)
	cache=$BUILD_CACHE/$key
	mkdir -p "$BUILD_CACHE" || fail "cannot create $BUILD_CACHE"
	(
		flock 9 || exit 1
		if [ ! -f "$cache/rc" ]; then
			rm -rf "$cache.new"
			mkdir -p "$cache.new/tree"
			tree_files | tar -C "$TOP" -cf - -T - |
				tar -C "$cache.new/tree" -xf - || exit 1
			plain_make "$cache.new/tree" -j2 \
				>"$cache.new/make.log" 2>&1
			echo $? >"$cache.new/rc"
			mv "$cache.new" "$cache" || exit 1
		fi
		touch "$cache"
		# Builds of other tree contents not used for 10 minutes go.
		find "$BUILD_CACHE" -mindepth 1 -maxdepth 1 -type d \
			! -name "$key" -mmin +10 -exec rm -rf {} + 2>/dev/null
		[ "$(cat "$cache/rc")" = 0 ] || exit 2
		cp -a "$cache/tree" "$1" && cp "$cache/make.log" "$1/.make.log"
	) 9>"$BUILD_CACHE/lock"
	case $? in
	0) ;;
	2) tail -40 "$cache/make.log" >&2
	   fail "the defconfig build failed (log: $cache/make.log)" ;;
	*) fail "cannot build or copy the cached defconfig tree $cache" ;;
	esac
}

# set_config TREE SYMBOL VALUE: VALUE n unsets it, as kconfig writes it.
set_config() {
	local cfg=$1/.config sym=CONFIG_$2

	sed -i -e "/^$sym=/d" -e "/^# $sym is not set/d" "$cfg"
	if [ "$3" = n ]; then
		echo "# $sym is not set" >>"$cfg"
	else
		echo "$sym=$3" >>"$cfg"
	fi
}

# vmm_in TREE ARGS...: run TREE's modvmm (lib.sh's vmm with $MODVMM).
vmm_in() {
	local tree=$1

	shift
	MODVMM=$tree/modvmm vmm "$@"
}

# The one-line contract: exactly $2 lines of $1 match $3.
assert_count() {
	local n

	n=$(grep -c -- "$3" "$1")
	[ "$n" = "$2" ] || { cat "$1" >&2; fail "$n lines of $1 match '$3', expected $2"; }
}

# --- defconfig build ---------------------------------------------------------

# A fresh tree with no .config: one line says where the configuration came
# from, and make builds the binary, modules, guests and unit tests with
# quiet Kbuild lines; the binary boots the hello guest.
test_build_fresh_defconfig() {
	local t=$TMP/tree log

	built_tree "$t"
	log=$t/.make.log
	assert_count "$log" 1 'defconfig'
	assert_count "$log" 1 '^  No .config found: configuring from configs/defconfig$'
	[ -f "$t/.config" ] || fail "no .config written"
	[ -x "$t/modvmm" ] || fail "no modvmm binary"
	[ -f "$t/build/guests/hello.bin" ] || fail "no build/guests/hello.bin"
	ls "$t"/build/tests/unit-* >/dev/null 2>&1 || fail "no unit tests in build/tests"
	grep -qx '  CC      core/cli/main.o' "$log" || fail "no '  CC      core/cli/main.o' line"
	grep -qx '  LD      modvmm' "$log" || fail "no '  LD      modvmm' line"
	grep -q 'gcc ' "$log" && fail "quiet build printed a command line"
	# Every =m device became modules/NAME.so, built with -DMODULE.
	for sym in $(sed -n 's/^CONFIG_\([A-Z0-9_]*\)=m$/\1/p' "$t/.config"); do
		name=$(grep -E "CONFIG_$sym\)" "$t/devices/Makefile" |
			sed 's/.*+= *\([a-z0-9_]*\)\.o.*/\1/')
		[ -n "$name" ] || continue
		[ -f "$t/modules/$name.so" ] || fail "CONFIG_$sym=m but no modules/$name.so"
		grep -qx "  CC \[M\]  devices/$name.mod.o" "$log" ||
			fail "no '  CC [M]  devices/$name.mod.o' line"
	done
	need_kvm
	vmm_in "$t" "$t/build/guests/hello.bin"
	assert_rc 0
	assert_out "Hello from modvmm!"
}

# The README's first command.
test_build_make_run() {
	local t=$TMP/tree

	built_tree "$t"
	need_kvm
	MAKE_LIMIT=60 plain_make "$t" run </dev/null >"$TMP/run.out" 2>"$TMP/run.err" ||
		{ cat "$TMP/run.out" "$TMP/run.err" >&2; fail "make run failed"; }
	assert_eq "$(cat "$TMP/run.out")" "Hello from modvmm!" "make run output"
}

# CONFIG_NR_CPUS is --cpus's default: it rebuilds main.o alone, --help
# shows it, and a build whose irqchip cannot start more than one vCPU
# refuses to run with such a default (one line, before KVM).
test_build_nr_cpus_default() {
	local t=$TMP/tree

	built_tree "$t"
	set_config "$t" NR_CPUS 3
	mk "$t" olddefconfig
	mk "$t" -j2
	assert_eq "$(built_lines)" "$(printf '  CC      core/cli/main.o\n  LD      modvmm')" \
		"what CONFIG_NR_CPUS rebuilt"
	vmm_in "$t" --help
	assert_out "(default 3;"
	mk "$t" irqchip_user_defconfig
	set_config "$t" NR_CPUS 2
	mk "$t" olddefconfig
	mk "$t" -j2
	vmm_in "$t" "$t/build/guests/hello.bin"
	assert_rc 2
	assert_one_line_err
	assert_err "CONFIG_NR_CPUS=2: several vCPUs need KVM's local APICs"
	vmm_in "$t" --cpus 1 "$t/build/guests/hello.bin"
	assert_not_err "several vCPUs"
}

# A second make with nothing changed does nothing.
test_build_second_make_does_nothing() {
	local t=$TMP/tree

	built_tree "$t"
	mk "$t"
	[ -z "$(built_lines)" ] || { cat "$TMP/make.log" >&2; fail "make rebuilt something"; }
	mk "$t" -j2
	[ ! -s "$TMP/make.log" ] || { cat "$TMP/make.log" >&2; fail "make -j2 printed something"; }
}

# --- tristate devices -------------------------------------------------------

# CONFIG_SERIAL8250=m: serial8250.so exports only its descriptor, the
# binary has nothing of the device, and -d serial8250 loads the module.
test_build_device_as_module() {
	local t=$TMP/tree fns f

	built_tree "$t"
	grep -qx 'CONFIG_SERIAL8250=y' "$t/.config" || set_config "$t" SERIAL8250 y
	mk "$t" olddefconfig
	mk "$t" -j2
	# The device's own symbols, from its built-in object.
	fns=$(nm --defined-only "$t/build/devices/serial8250.o" | awk '{ print $3 }')
	[ -n "$fns" ] || fail "no symbols in build/devices/serial8250.o"
	nm "$t/modvmm" | grep -q '__modvmm_desc_serial8250' ||
		fail "built-in serial8250 has no __modvmm_desc_serial8250"

	set_config "$t" SERIAL8250 m
	mk "$t" olddefconfig
	grep -qx 'CONFIG_SERIAL8250=m' "$t/.config" || fail "olddefconfig dropped SERIAL8250=m"
	mk "$t" -j2
	grep -qx '  CC \[M\]  devices/serial8250.mod.o' "$TMP/make.log" ||
		{ cat "$TMP/make.log" >&2; fail "no '  CC [M]  devices/serial8250.mod.o' line"; }
	grep -qx '  LD \[M\]  modules/serial8250.so' "$TMP/make.log" ||
		fail "no '  LD [M]  modules/serial8250.so' line"
	[ -f "$t/modules/serial8250.so" ] || fail "no modules/serial8250.so"
	nm "$t/modvmm" >"$TMP/nm"
	grep -i serial "$TMP/nm" >&2 && fail "modvmm has serial symbols with SERIAL8250=m"
	for f in $fns; do
		awk '{ print $NF }' "$TMP/nm" | grep -qx -- "$f" &&
			fail "modvmm has $f with SERIAL8250=m"
	done
	assert_eq "$(nm -D --defined-only "$t/modules/serial8250.so" | awk '{ print $3 }')" \
		modvmm_device_descriptor "dynamic symbols of serial8250.so"

	MODVMM=$t/modvmm vmm --list-devices
	assert_rc 0
	assert_out "modules/serial8250.so"
	need_kvm
	vmm_in "$t" --nodefaults -d serial8250 -d debugport "$t/build/guests/hello.bin"
	assert_rc 0 "serial8250 loaded by name"
	assert_out_exact "Hello from modvmm!"
	vmm_in "$t" "$t/build/guests/hello.bin"
	assert_rc 0 "default machine with serial8250 as a module"
	assert_out_exact "Hello from modvmm!"
}

# CONFIG_SERIAL8250=n: neither the module nor any of its symbols; the
# device is unknown at run time.
test_build_device_left_out() {
	local t=$TMP/tree

	built_tree "$t"
	set_config "$t" SERIAL8250 n
	mk "$t" olddefconfig
	grep -qx '# CONFIG_SERIAL8250 is not set' "$t/.config" ||
		fail "olddefconfig did not keep SERIAL8250=n"
	mk "$t" -j2
	[ -e "$t/modules/serial8250.so" ] && fail "modules/serial8250.so exists with SERIAL8250=n"
	nm "$t/modvmm" | grep -i serial >&2 && fail "modvmm has serial symbols with SERIAL8250=n"
	MODVMM=$t/modvmm vmm --nodefaults -d serial8250 "$t/build/guests/hello.bin"
	assert_rc 6 "unknown device"
	assert_one_line_err
	assert_err serial8250
}

# Every device =m: the core links with no built-in device at all and the
# default machine comes up from modules/.
test_build_all_devices_modules() {
	local t=$TMP/tree sym

	built_tree "$t"
	for sym in $(sed -n 's/^CONFIG_\([A-Z0-9_]*\)=y$/\1/p' "$t/.config"); do
		grep -q "CONFIG_$sym)" "$t/devices/Makefile" && set_config "$t" "$sym" m
	done
	mk "$t" olddefconfig
	mk "$t" -j2
	nm "$t/modvmm" | grep '__modvmm_desc_' >&2 &&
		fail "modvmm has built-in devices although all are =m"
	for sym in SERIAL8250 DEBUGPORT PIT8254; do
		name=$(echo "$sym" | tr A-Z a-z)
		[ -f "$t/modules/$name.so" ] || fail "no modules/$name.so"
	done
	need_kvm
	vmm_in "$t" "$t/build/guests/hello.bin"
	assert_rc 0
	assert_out_exact "Hello from modvmm!"
}

# CONFIG_MODULES=n: no m at all; module devices become built in and
# nothing is left in modules/.
test_build_modules_off() {
	local t=$TMP/tree

	built_tree "$t"
	grep -qx 'CONFIG_PIT8254=m' "$t/.config" || set_config "$t" PIT8254 m
	set_config "$t" MODULES n
	mk "$t" olddefconfig
	grep -q '=m$' "$t/.config" && fail ".config has =m with MODULES=n"
	mk "$t" -j2
	ls "$t"/modules/*.so >/dev/null 2>&1 && fail "modules/ has plugins with MODULES=n"
	nm "$t/modvmm" | grep -q __modvmm_desc_pit8254 || fail "pit8254 not built in"
}

# --- rebuilding after a .config change ---------------------------------------

# Flipping one symbol rebuilds only the files that use it.
test_build_symbol_change_rebuilds_users() {
	local t=$TMP/tree mem

	built_tree "$t"
	mem=$(sed -n 's/^CONFIG_MEM_SIZE_MB=//p' "$t/.config")
	set_config "$t" MEM_SIZE_MB $((mem + 64))
	mk "$t" olddefconfig
	mk "$t" -j2
	assert_eq "$(built_lines)" "$(printf '  CC      core/cli/main.o\n  LD      modvmm')" \
		"what CONFIG_MEM_SIZE_MB rebuilt"
	mk "$t" -j2
	[ -z "$(built_lines)" ] || { cat "$TMP/make.log" >&2; fail "second make rebuilt something"; }

	set_config "$t" SERIAL_PORT 0x2f8
	mk "$t" olddefconfig
	mk "$t" -j2
	built_lines | grep '  CC' >"$TMP/cc"
	grep -qE '^  CC( \[M\])? +devices/serial8250(\.mod)?\.o$' "$TMP/cc" ||
		{ cat "$TMP/make.log" >&2; fail "CONFIG_SERIAL_PORT did not rebuild serial8250"; }
	grep -v serial8250 "$TMP/cc" >&2 &&
		fail "CONFIG_SERIAL_PORT rebuilt objects that do not use it"
	built_lines | grep '  LD' | grep -vE '  (modvmm|modvmm-harness|modules/serial8250\.so|tests/unit-serial8250)$' >&2 &&
		fail "CONFIG_SERIAL_PORT relinked something else"
	MODVMM=$t/modvmm vmm --list-devices
	assert_out "port=0x2f8"
}

# Editing a Kconfig file re-runs the configuration.
test_build_kconfig_edit_reconfigures() {
	local t=$TMP/tree

	built_tree "$t"
	sed -i 's/default 0x3f8/default 0x2e8/' "$t/Kconfig"
	sed -i '/^CONFIG_SERIAL_PORT=/d' "$t/.config"
	mk "$t" -j2
	grep -q '^  CONF' "$TMP/make.log" || { cat "$TMP/make.log" >&2; fail "no CONF after a Kconfig edit"; }
	grep -qx 'CONFIG_SERIAL_PORT=0x2e8' "$t/build/include/config/auto.conf" ||
		fail "new default of SERIAL_PORT not in auto.conf"
}

# --- configuration targets ---------------------------------------------------

test_build_olddefconfig_without_config() {
	local t=$TMP/tree

	built_tree "$t"
	cp "$t/.config" "$TMP/config.default"
	rm "$t/.config"
	mk "$t" olddefconfig
	grep -qx '  No .config found: configuring from configs/defconfig' "$TMP/make.log" ||
		{ cat "$TMP/make.log" >&2; fail "olddefconfig did not say where .config comes from"; }
	[ -f "$t/.config" ] || fail "olddefconfig did not create .config"
	assert_eq "$(grep -v '^#' "$t/.config")" "$(grep -v '^#' "$TMP/config.default")" \
		"olddefconfig without .config differs from the defconfig build's"
	mk "$t" -j2
	[ -z "$(built_lines)" ] || { cat "$TMP/make.log" >&2; fail "the same .config rebuilt something"; }
}

# savedefconfig writes ./defconfig, which gives back the same .config.
test_build_savedefconfig_roundtrip() {
	local t=$TMP/tree

	built_tree "$t"
	set_config "$t" SERIAL8250 m
	mk "$t" olddefconfig
	cp "$t/.config" "$TMP/config.before"
	mk "$t" savedefconfig
	[ -s "$t/defconfig" ] || fail "savedefconfig wrote no ./defconfig"
	grep -qx 'CONFIG_SERIAL8250=m' "$t/defconfig" || fail "defconfig lacks the changed symbol"
	cp "$t/defconfig" "$t/configs/defconfig"
	mk "$t" defconfig
	assert_eq "$(grep -v '^#' "$t/.config")" "$(grep -v '^#' "$TMP/config.before")" \
		".config from the saved defconfig"
}

test_build_help_lists_targets() {
	local t=$TMP/tree target

	copy_tree "$t"
	mk "$t" help
	for target in menuconfig nconfig defconfig olddefconfig savedefconfig \
		all M= install clean mrproper run test V=1 O= SANITIZE=1; do
		grep -qF -- "$target" "$TMP/make.log" || fail "make help does not mention $target"
	done
	[ -e "$t/.config" ] && fail "make help created .config"
	[ -e "$t/build" ] && fail "make help created build/"
	true
}

# clean removes what make built and keeps .config; mrproper leaves exactly
# the source files.
test_build_clean_mrproper() {
	local t=$TMP/tree

	built_tree "$t"
	rm -f "$t/.make.log"
	mk "$t" savedefconfig
	mk "$t" clean
	for f in modvmm modules build plugins/counter/counter.so plugins/counter/counter.o; do
		[ -e "$t/$f" ] && fail "make clean left $f"
	done
	[ -f "$t/.config" ] || fail "make clean removed .config"
	mk "$t" mrproper
	(cd "$t" && find . -type f -o -type l | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/after"
	tree_files | LC_ALL=C sort >"$TMP/sources"
	diff "$TMP/sources" "$TMP/after" >&2 || fail "mrproper left (>) or removed (<) files"
}

# V=1 prints the compiler's command lines; the quiet default does not.
test_build_verbose() {
	local t=$TMP/tree

	built_tree "$t"
	# core/cli/main.c is the one core file that no unit test links.
	touch "$t/core/cli/main.c"
	mk "$t" V=1
	grep -E '^(gcc|cc) .* -c -o build/core/cli/main\.o core/cli/main\.c' "$TMP/make.log" >/dev/null ||
		{ cat "$TMP/make.log" >&2; fail "V=1 did not show the gcc command"; }
	grep -E '^(gcc|cc) .* -o modvmm ' "$TMP/make.log" >/dev/null || fail "V=1 did not show the link"
	touch "$t/core/cli/main.c"
	mk "$t"
	assert_eq "$(built_lines)" "$(printf '  CC      core/cli/main.o\n  LD      modvmm')" "quiet rebuild"
	grep -v '^  ' "$TMP/make.log" >&2 && fail "quiet make printed other lines"
	true
}

# --- out-of-tree plugins -----------------------------------------------------

test_build_plugin_m_in_tree() {
	local t=$TMP/tree

	built_tree "$t"
	[ -d "$t/plugins/counter" ] || skip "no plugins/counter"
	rm -f "$t"/plugins/counter/*.so "$t"/plugins/counter/*.o
	mk "$t" M=plugins/counter
	grep -qx '  CC \[M\]  plugins/counter/counter.o' "$TMP/make.log" ||
		{ cat "$TMP/make.log" >&2; fail "no '  CC [M]  plugins/counter/counter.o' line"; }
	[ -f "$t/plugins/counter/counter.so" ] || fail "make M=plugins/counter built no counter.so"
	assert_eq "$(nm -D --defined-only "$t/plugins/counter/counter.so" | awk '{ print $3 }')" \
		modvmm_device_descriptor "dynamic symbols of counter.so"
	mk "$t" M=plugins/counter
	[ -z "$(built_lines)" ] || fail "a second make M= rebuilt"
}

# no_config_probe DIR: a source in the plugin DIR that fails to compile
# when the plugin is built against modvmm's autoconf.h (CONFIG_MODULES is
# set in every configuration that builds plugins).
no_config_probe() {
	printf '%s\n' '#ifdef CONFIG_MODULES' \
		'#error built against the autoconf.h of a modvmm build' '#endif' \
		'typedef int no_config_probe_t;' >"$1/noconf.c"
}

# make -C TREE M=/abs/dir, for a plugin outside the tree, as a user does;
# it sees the SDK, not the tree's configuration.
test_build_plugin_outside_tree() {
	local t=$TMP/tree d=$TMP/outside/mydev

	built_tree "$t"
	[ -f "$t/plugins/counter/counter.c" ] || skip "no plugins/counter"
	mkdir -p "$d"
	cp "$t/plugins/counter/counter.c" "$d/"
	no_config_probe "$d"
	mk "$TMP" -C "$t" M="$d"
	[ -f "$d/mydev.so" ] || fail "make -C TREE M=DIR built no mydev.so"
	assert_eq "$(nm -D --defined-only "$d/mydev.so" | awk '{ print $3 }')" \
		modvmm_device_descriptor "dynamic symbols of mydev.so"
	need_kvm
	vmm_in "$t" -d "$d/mydev.so" "$t/build/guests/hello.bin"
	assert_rc 0 "hello with the plugin loaded"
	assert_out_exact "Hello from modvmm!"
}

test_build_plugin_refused_unconfigured() {
	local t=$TMP/tree

	copy_tree "$t"
	rm -f "$t/.config"
	mk_fails "$t" M=plugins/counter
	grep -q 'is not configured' "$TMP/make.log" ||
		{ cat "$TMP/make.log" >&2; fail "make M= did not say the tree is not configured"; }
	assert_count "$TMP/make.log" 1 .
	[ -e "$t/plugins/counter/counter.so" ] && fail "make M= built in an unconfigured tree"
	true
}

# --- install and the installed SDK -------------------------------------------

test_build_install_sdk() {
	local t=$TMP/tree inst=$TMP/inst d=$TMP/sdkplugin/sdkdev f

	built_tree "$t"
	mk "$t" install PREFIX="$inst"
	for f in bin/modvmm include/modvmm/device.h share/modvmm/plugin.mk \
		share/modvmm/Makefile; do
		[ -f "$inst/$f" ] || fail "make install did not install $f"
	done
	[ -e "$inst/share/modvmm/autoconf.h" ] &&
		fail "make install installed the build's autoconf.h: plugins must not see it"
	for f in "$t"/modules/*.so; do
		[ -e "$f" ] || continue
		[ -f "$inst/lib/modvmm/${f##*/}" ] || fail "make install did not install ${f##*/}"
	done
	[ -f "$t/plugins/counter/counter.c" ] || skip "no plugins/counter"
	mkdir -p "$d"
	cp "$t/plugins/counter/counter.c" "$d/"
	no_config_probe "$d"
	mk "$TMP" -C "$inst/share/modvmm" M="$d"
	[ -f "$d/sdkdev.so" ] || fail "the installed SDK built no sdkdev.so"
	assert_eq "$(nm -D --defined-only "$d/sdkdev.so" | awk '{ print $3 }')" \
		modvmm_device_descriptor "dynamic symbols of sdkdev.so"
	need_kvm
	MODVMM=$inst/bin/modvmm vmm --plugin-dir "$d" -d sdkdev "$t/build/guests/hello.bin"
	assert_rc 0 "installed modvmm with a plugin built against the SDK"
	assert_out_exact "Hello from modvmm!"
}

# The virtio transport as a module: a virtio device module loads it from
# the same directory (virtio-mmio is virtio_mmio.so), and without it the
# device is refused in one line naming what is missing and who needs it.
# A virtio device built out of tree against the installed SDK works too.
test_build_virtio_transport_module() {
	local t=$TMP/tree inst=$TMP/inst d=$TMP/vdev/sdkrng

	built_tree "$t"
	set_config "$t" VIRTIO_MMIO m
	set_config "$t" VIRTIO_RNG m
	mk "$t" olddefconfig
	grep -qx 'CONFIG_VIRTIO_MMIO=m' "$t/.config" || fail "VIRTIO_MMIO did not stay m"
	mk "$t" -j2
	[ -f "$t/modules/virtio_mmio.so" ] || fail "no modules/virtio_mmio.so"
	nm "$t/modvmm" | grep -q __modvmm_desc_virtio_mmio &&
		fail "virtio_mmio is built in although =m"
	mk "$t" install PREFIX="$inst"
	[ -f "$inst/include/modvmm/virtio.h" ] || fail "make install did not install virtio.h"
	mkdir -p "$d"
	sed 's/"virtio-rng"/"sdkrng"/' "$t/devices/virtio_rng.c" >"$d/sdkrng.c"
	mk "$TMP" -C "$inst/share/modvmm" M="$d"
	[ -f "$d/sdkrng.so" ] || fail "the installed SDK built no sdkrng.so"
	need_kvm
	vmm_in "$t" -v -d virtio-rng "$t/build/guests/hello.bin"
	assert_rc 0 "virtio-rng with the transport as a module"
	assert_err "loading plugin $t/modules/virtio_mmio.so"
	assert_err "virtio-rng: virtio-mmio at 0xd0000000-0xd00001ff, irq 5"
	MODVMM=$inst/bin/modvmm vmm -v --plugin-dir "$d" -d sdkrng "$t/build/guests/hello.bin"
	assert_rc 0 "an out-of-tree virtio device"
	assert_err "sdkrng: virtio-mmio at 0xd0000000-0xd00001ff, irq 5"
	rm "$t/modules/virtio_mmio.so"
	vmm_in "$t" -d virtio-rng "$t/build/guests/hello.bin"
	assert_rc 6 "virtio-rng without its transport"
	assert_err "device 'virtio-mmio' (needed by virtio-rng): not built in and no virtio-mmio.so"
}

# --- compilers ---------------------------------------------------------------

test_build_clang_no_warnings() {
	local t=$TMP/tree

	need_tool clang clang
	copy_tree "$t"
	mk "$t" -j2 CC=clang WERROR=1
	grep -E 'warning:|error:' "$TMP/make.log" >&2 && fail "clang printed warnings"
	readelf -p .comment "$t/build/core/cli/main.o" | grep -q clang ||
		fail "core/cli/main.o was not compiled by clang"
	readelf -p .comment "$t/plugins/counter/counter.o" 2>/dev/null | grep -q clang ||
		[ ! -d "$t/plugins/counter" ] || fail "counter.o was not compiled by clang"
	[ -x "$t/modvmm" ] || fail "no modvmm"
}

# --- menuconfig ----------------------------------------------------------------

# mc_wait TEXT: wait until the menuconfig screen shows TEXT; the screen
# is left in $TMP/screen.
mc_wait() {
	local i

	for i in $(seq 50); do
		tmux -L "$MC_SOCK" capture-pane -p -t mc >"$TMP/screen" 2>/dev/null
		grep -qF -- "$1" "$TMP/screen" && return 0
		sleep 0.2
	done
	cat "$TMP/screen" >&2
	fail "menuconfig never showed '$1'"
}

# mc_down_to TEXT: move the cursor from the first item to the one showing TEXT.
mc_down_to() {
	local items n

	# Menu items are the lines inside the inner box, after the legend;
	# box lines are drawn with │ or, without UTF-8, x.
	items=$(sed -e 's/│/|/g' "$TMP/screen" | awk '/Legend:/ { f = 1; next } f' |
		sed -n 's/^ *[|x] [|x] *\(.*[^ ]\) *[|x] [|x] *$/\1/p')
	n=$(printf '%s\n' "$items" | grep -nF -- "$1" | head -1 | cut -d: -f1)
	[ -n "$n" ] || { cat "$TMP/screen" >&2; fail "no menu item '$1'"; }
	while [ "$n" -gt 1 ]; do
		tmux -L "$MC_SOCK" send-keys -t mc Down
		n=$((n - 1))
	done
}

# Drive make menuconfig in tmux: Devices, serial8250 to M, save, exit.
test_build_menuconfig_in_tmux() {
	local t=$TMP/tree

	need_tool tmux tmux
	built_tree "$t"
	grep -qx 'CONFIG_SERIAL8250=y' "$t/.config" || set_config "$t" SERIAL8250 y
	mk "$t" olddefconfig
	cp "$t/.config" "$TMP/config.before"
	MC_SOCK=modvmm-test-$$
	tmux -L "$MC_SOCK" -f /dev/null new-session -d -s mc -x 100 -y 32 \
		"cd '$t' && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL TERM=screen make menuconfig; echo \$? >'$TMP/mc.rc'; read -r keep_pane_open" ||
		fail "cannot start tmux"
	trap 'tmux -L "$MC_SOCK" kill-server 2>/dev/null' EXIT
	mc_wait "Devices  --->"
	mc_down_to "Devices  --->"
	tmux -L "$MC_SOCK" send-keys -t mc Enter
	mc_wait "(serial8250)"
	mc_down_to "(serial8250)"
	tmux -L "$MC_SOCK" send-keys -t mc m
	mc_wait "<M> 16550A UART (serial8250)"
	cp "$TMP/screen" "$TMP/screen.devices"
	tmux -L "$MC_SOCK" send-keys -t mc Escape Escape
	mc_wait "Example plugins  --->"
	tmux -L "$MC_SOCK" send-keys -t mc Escape Escape
	mc_wait "Do you wish to save your new configuration?"
	tmux -L "$MC_SOCK" send-keys -t mc Enter
	for i in $(seq 50); do
		[ -s "$TMP/mc.rc" ] && break
		sleep 0.2
	done
	tmux -L "$MC_SOCK" capture-pane -p -t mc >"$TMP/screen"
	assert_eq "$(cat "$TMP/mc.rc" 2>/dev/null)" 0 "make menuconfig exit status"
	grep -qF "configuration written to" "$TMP/screen" || { cat "$TMP/screen" >&2; fail "no 'configuration written'"; }
	grep -qx 'CONFIG_SERIAL8250=m' "$t/.config" || fail "menuconfig did not set SERIAL8250=m"
	diff <(grep -v '^#' "$TMP/config.before") <(grep -v '^#' "$t/.config") >"$TMP/diff"
	assert_eq "$(grep '^[<>]' "$TMP/diff")" "$(printf '< CONFIG_SERIAL8250=y\n> CONFIG_SERIAL8250=m')" \
		"what menuconfig changed in .config"
}

# --- the core's layering ------------------------------------------------------

# The core's subsystems depend one way (doc/architecture.md): a file in
# core/A/ includes the header of core/B/ only when B comes after A in
# this list, so no include (and, with -Werror's implicit declarations, no
# call) goes back up, and there is no cycle.
CORE_LAYERS="cli dev kvm event irq vm io ctx boot bus util"

core_layer_rank() {
	local i=0 l

	for l in $CORE_LAYERS; do
		[ "$l" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo -1
}

test_build_core_layers_one_way() {
	local f from to bad=0 dirs

	dirs=$(cd "$TOP/core" && ls -d */ | tr -d /)
	for from in $dirs; do
		[ "$(core_layer_rank "$from")" -ge 0 ] ||
			fail "core/$from/ is not in CORE_LAYERS (tests/integration/build.sh, doc/architecture.md)"
	done
	for f in "$TOP"/core/*/*.[ch]; do
		from=$(basename "$(dirname "$f")")
		for to in $(sed -n 's|^#include "\([a-z]*\)/.*|\1|p' "$f" | sort -u); do
			[ "$to" = "$from" ] && continue
			if [ "$(core_layer_rank "$to")" -le "$(core_layer_rank "$from")" ]; then
				echo "${f#$TOP/} includes $to/, which is not below $from/" >&2
				bad=$((bad + 1))
			fi
		done
	done
	[ "$bad" = 0 ] || fail "$bad includes go against the core's layering"
}
