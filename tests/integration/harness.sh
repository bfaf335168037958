# SPDX-License-Identifier: MIT
# The device test harness (modvmm-harness, libmodvmm-harness.a): every
# in-tree device and both example plugins driven without KVM, a plugin
# author's `make M=DIR test`, and failures that say where.

HARNESS=${MODVMM%modvmm}modvmm-harness

# harness ARGS...: run modvmm-harness; sets $RC and $TMP/out, $TMP/err.
harness() {
	timeout -k 5 60 "$HARNESS" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	RC=$?
}

# The plan line comes last and counts every check that ran.
assert_plan() {
	local n

	n=$(grep -c '^\(not \)\?ok ' "$TMP/out")
	assert_eq "$(tail -n 1 "$TMP/out")" "1..$n" "TAP plan"
	[ "$n" -ge "$1" ] || fail "only $n checks ran"
}

# pic8259 and ioapic are built only with the userspace or split irqchip;
# otherwise build the plugins by hand, as a plugin author would.  The
# harness takes built-in devices first, so a directory with both .so
# files serves every configuration.
pic8259_dir() {
	local d

	need_tool gcc gcc
	for d in pic8259 ioapic; do
		gcc -std=gnu11 -Wall -Wextra -Werror -O2 -DMODULE -fPIC \
			-fvisibility=hidden -shared -Wl,--no-undefined -D_GNU_SOURCE \
			-I"$TOP/include" -o "$TMP/$d.so" "$TOP/devices/$d.c" ||
			fail "cannot build $d.so"
	done
	echo "$TMP"
}

test_harness_drives_every_device() {
	local dir f

	dir=$(pic8259_dir)
	for f in "$TOP"/tests/harness/*.mh; do
		harness --plugin-dir "$dir" "$f"
		assert_rc 0 "$(basename "$f")"
		assert_plan 5
		assert_not_out "not ok"
	done
	# every in-tree device has a script
	for f in "$TOP"/devices/*.c; do
		[ -f "$TOP/tests/harness/$(basename "$f" .c).mh" ] ||
			fail "no tests/harness/$(basename "$f" .c).mh"
	done
}

# The example plugins' own tests, through make M= on a copy, as a
# plugin author outside the tree runs them.
test_harness_make_m_test() {
	local p

	for p in counter regbank; do
		cp -r "$TOP/plugins/$p" "$TMP/$p"
		rm -f "$TMP/$p"/*.o "$TMP/$p"/*.d "$TMP/$p"/*.so "$TMP/$p"/.*.cmd
		# and the C test of doc/writing-plugins.md, aimed at this plugin
		python3 - "$TOP/doc/writing-plugins.md" "$TMP/$p/tests/test_doc.c" "$p" <<'PY' ||
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r"```c\n(#include <modvmm/harness.h>.*?)```", s, re.S)
spec = {"counter": "counter,port=0x530", "regbank": "regbank,regs=1"}[sys.argv[3]]
c = m.group(1).replace('"scratch,port=0x530"', '"%s"' % spec)
if sys.argv[3] == "regbank":
    c = c.replace("harness_outb(0x530, 0x42)", "harness_write(MODVMM_SPACE_MMIO, 0xd0000100, 4, 0x42)")
    c = c.replace("harness_inb(0x530)", "harness_read(MODVMM_SPACE_MMIO, 0xd0000100, 4)")
open(sys.argv[2], "w").write(c)
PY
			fail "no harness C example in doc/writing-plugins.md"
		make -s -C "$TOP" M="$TMP/$p" test >"$TMP/make.log" 2>&1 ||
			{ cat "$TMP/make.log"; fail "make M=$p test failed"; }
		[ "$(grep -c "^All tests successful" "$TMP/make.log")" = 2 ] ||
			{ cat "$TMP/make.log"; fail "prove did not pass both kinds of $p tests"; }
		grep -q "test_doc .. ok" "$TMP/make.log" || fail "the C test did not run"
	done
}

test_harness_failed_check_names_the_line() {
	printf 'device debugport,out=null\nexpect io 0xe9 1 0x00\nrunning\n' >"$TMP/t.mh"
	harness "$TMP/t.mh"
	assert_rc 1
	assert_out "not ok 2 - $TMP/t.mh:2: io 0xe9/1: 0xe9, expected 0x0"
	assert_out "ok 3 - $TMP/t.mh:3: running"
	assert_plan 3
}

test_harness_refused_device_and_bad_script() {
	printf 'device nosuch\n' >"$TMP/t.mh"
	harness "$TMP/t.mh"
	assert_rc 1
	assert_out "not ok 1 - $TMP/t.mh:1: device nosuch: device 'nosuch': not built in"
	printf 'advance soon\n' >"$TMP/t.mh"
	harness "$TMP/t.mh"
	assert_rc 2
	assert_one_line_err
	assert_err "modvmm-harness: $TMP/t.mh:1: advance needs a DURATION"
	harness "$TMP/missing.mh"
	assert_rc 2
	assert_err "$TMP/missing.mh: No such file or directory"
}

# Virtual time: 10 s of the PIT in one step gives exactly the programmed
# number of interrupts (timerfd plays no part).
test_harness_virtual_time() {
	printf '%s\n' 'device pit8254' 'write io 0x43 1 0x34' 'write io 0x40 1 0x9c' \
		'write io 0x40 1 0x2e' 'advance 10001ms' 'edges 0 1000' >"$TMP/t.mh"
	harness "$TMP/t.mh"
	assert_rc 0
}
