# SPDX-License-Identifier: MIT
# Helpers for integration tests.  Each tests/integration/*.sh file defines
# functions named test_*; tests/run-tests runs each one as a job of its own (tests/run-one), in
# a private scratch directory.
# A failed assertion prints why and exits the subshell with 1; skip exits 77.
#
# Variables: $TOP (tree), $MODVMM (binary), $GUESTS (built guest images),
# $MODULES (built .so plugins), $TMP (a scratch dir private to the test).

: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${MODVMM:=$TOP/modvmm}"
: "${GUESTS:=$TOP/build/guests}"
: "${MODULES:=$TOP/modules}"

fail() {
	echo "#   FAIL: $*" >&2
	exit 1
}

skip() {
	echo "#   SKIP: $*" >&2
	exit 77
}

# vmm ARGS...: run modvmm with a 20 s safety timeout; sets $RC, $OUT
# (stdout) and $ERR (stderr).  Stdin is /dev/null unless $VMM_STDIN names
# a file.
vmm() {
	local in=${VMM_STDIN:-/dev/null}
	timeout -k 5 "${VMM_TIMEOUT:-20}" "$MODVMM" "$@" <"$in" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

show() {
	echo "#   rc=$RC" >&2
	echo "#   stdout: $(head -c 2000 "$TMP/out" | sed 's/^/#     /')" >&2
	echo "#   stderr: $(head -c 2000 "$TMP/err" | sed 's/^/#     /')" >&2
}

assert_rc() {
	[ "$RC" = "$1" ] || { show; fail "exit status $RC, expected $1${2:+ ($2)}"; }
}

assert_out() {
	grep -qF -- "$1" "$TMP/out" || { show; fail "stdout lacks '$1'"; }
}

assert_out_exact() {
	[ "$OUT" = "$1" ] || { show; fail "stdout is not exactly '$1'"; }
}

assert_err() {
	grep -qF -- "$1" "$TMP/err" || { show; fail "stderr lacks '$1'"; }
}

assert_not_out() {
	! grep -qF -- "$1" "$TMP/out" || { show; fail "stdout has '$1'"; }
}

assert_not_err() {
	! grep -qF -- "$1" "$TMP/err" || { show; fail "stderr has '$1'"; }
}

# The error path contract: exactly one line on stderr, naming something.
# assert_pm_ms_at_least FILE NAME MIN: the guest's line "NAME: ... M ms
# of PM timer" in $TMP/FILE (out or err) says M >= MIN.  The timer test
# guests time themselves against the ACPI PM timer, a second clock that
# runs at its own rate whatever the PIT does; the wall time of the run
# would be the host's speed, not the device's.
assert_pm_ms_at_least() {
	local ms

	ms=$(sed -n "s/^$2: .*\b\([0-9][0-9]*\) ms of PM timer.*/\1/p" \
		"$TMP/$1" | tail -n 1)
	echo "# $2: $ms ms of PM timer (at least $3)" >&2
	[ -n "$ms" ] || { show; fail "$2 printed no 'ms of PM timer' line"; }
	[ "$ms" -ge "$3" ] ||
		{ show; fail "$2: $ms ms of PM timer, expected at least $3: the PIT ran fast"; }
}

assert_one_line_err() {
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || { show; fail "stderr is not one line"; }
}

assert_eq() {
	[ "$1" = "$2" ] || fail "'$1' != '$2'${3:+: $3}"
}

# wait_for FILE TEXT [SECONDS]: wait until FILE contains TEXT, for at most
# SECONDS (default 30: a nested KVM starts slowly); fail if it never does.
# This is how a test waits for a guest, never a fixed sleep.
wait_for() {
	local i n=$(( ${3:-30} * 20 ))

	for ((i = 0; i < n; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "$1 never showed '$2' within ${3:-30} s"
}

# modvmm_is_asan: the binary under test is an AddressSanitizer build
# (make test SANITIZE=1): no ulimit -v (its shadow memory is terabytes of
# address space), no LeakSanitizer under ptrace.
modvmm_is_asan() {
	ldd "$MODVMM" 2>/dev/null | grep -q libasan
}

# vm_limit: the `ulimit -v` that makes reading a 4 GiB file fail, or
# nothing under ASan (the RSS test covers that build's reading).
vm_limit() {
	modvmm_is_asan || ulimit -v 524288
}

# need_guest FILE: guest image $GUESTS/FILE must have been built.
need_guest() {
	[ -f "$GUESTS/$1" ] || fail "guest $GUESTS/$1 not built"
}

# assert_ranges_declared_as_probed: in `--list-devices --probe`, every
# device whose probe instance starts claims exactly the ranges its
# descriptor declares (what plain --list-devices shows without running
# device code); prints how many were compared.
assert_ranges_declared_as_probed() {
	local bad n

	vmm --list-devices --probe
	assert_rc 0 "--list-devices --probe"
	bad=$(awk '/^[a-z0-9_-]+ +(built-in|module) / { dev = $1 }
		/^ +ranges: / { sub(/^ +ranges: /, ""); decl = $0 }
		/^ +probed: / { sub(/^ +probed: /, "");
			if ($0 !~ /^\(/) { n++; if ($0 != decl)
				print dev ": declares " decl ", claims " $0 } }
		END { print n + 0 > "/dev/stderr" }' "$TMP/out" 2>"$TMP/n")
	n=$(cat "$TMP/n")
	echo "# $n devices claim what they declare" >&2
	[ -z "$bad" ] || { show; fail "$bad"; }
	[ "$n" -gt 0 ] || { show; fail "no device was probed"; }
}

# need_device NAME: modvmm has device NAME (built in or a module).
need_device() {
	"$MODVMM" --list-devices 2>/dev/null | grep -q "^$1 " ||
		skip "modvmm has no $1 device (Kconfig)"
}

# need_kvm: the rest of the test boots a guest.  Where the machine has no
# /dev/kvm at all the test is skipped with the reason the runner counts
# ("needs /dev/kvm"; make test-nested runs these); a /dev/kvm that exists
# but cannot be used is a failure under CI=true.
need_kvm() {
	[ -e /dev/kvm ] || skip "needs /dev/kvm: this machine has none"
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		[ "${CI:-}" = true ] && fail "/dev/kvm exists but is not usable and CI=true"
		skip "needs /dev/kvm: it is not readable and writable"
	fi
}

# need_tool COMMAND PACKAGE: skip without COMMAND; under CI=true that is a
# failure, since `make test` installs PACKAGE as root.
need_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "${CI:-}" = true ] && fail "$1 is missing under CI=true: apt-get install $2"
	skip "$1 is not installed (make test installs $2 as root)"
}

# need_full_kvm: skip where /dev/kvm is a PVM KVM (the kvm_pvm module):
# its instruction emulator runs a guest kernel's CPL-0 code and stops
# Linux early (KVM_EXIT_INTERNAL_ERROR or no progress), so a Linux boot
# can only time out there.  The nested tier (make test-nested) boots it.
need_full_kvm() {
	need_kvm
	[ -d /sys/module/kvm_pvm ] &&
		skip "this /dev/kvm is a PVM KVM (kvm_pvm), which cannot run a Linux kernel; make test-nested boots Linux"
	return 0
}
