# SPDX-License-Identifier: MIT
# The README's "Write your own device" example builds out of tree with
# make M= and works in a guest, exactly as printed.

test_readme_plugin_example() {
	mkdir -p "$TMP/hello"
	python3 - "$TOP/README.md" "$TMP/hello/hello.c" <<'PY' || fail "no C block in README"
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r"```c\n(.*?)```", s, re.S)
open(sys.argv[2], "w").write(m.group(1))
PY
	make -s -C "$TOP" M="$TMP/hello" WERROR=1 >"$TMP/build.log" 2>&1 ||
		{ cat "$TMP/build.log"; fail "make M= of the README example failed"; }
	[ -f "$TMP/hello/hello.so" ] || fail "no hello.so"
	need_kvm
	printf '\xba\x00\x07\xec\xba\xf4\x00\xee' >"$TMP/g.bin"	# in al,0x700; out 0xf4,al
	vmm -d "$TMP/hello/hello.so" "$TMP/g.bin"
	assert_rc 133 "(0x42 << 1) | 1"
	vmm --plugin-dir "$TMP/hello" -d hello "$TMP/g.bin"
	assert_rc 133 "by name with --plugin-dir"
}
