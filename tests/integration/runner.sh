# SPDX-License-Identifier: MIT
# The test runner itself (tests/run-tests): a test program is judged by its
# TAP, its plan and its exit status together, and every job has a limit.

# fake NAME EXIT-COMMAND TAP-LINES...: a unit "binary" printing TAP.
fake() {
	local f=$TMP/bins/unit-$1 end=$2

	shift 2
	mkdir -p "$TMP/bins"
	{
		echo '#!/bin/sh'
		printf "printf '%%s\\\\n'"
		printf " '%s'" "$@"
		echo
		echo "$end"
	} >"$f"
	chmod +x "$f"
}

runner_fixture() {
	fake good 'exit 0' '1..2' 'ok 1 - a' 'ok 2 - b'
	fake crash_after_ok 'kill -SEGV $$' '1..2' 'ok 1 - a' 'ok 2 - b'
	fake short_plan 'exit 0' '1..3' 'ok 1 - a' 'ok 2 - b'
	fake no_plan 'exit 0' 'ok 1 - a'
	fake nonzero 'exit 3' '1..1' 'ok 1 - a'
	fake failing 'exit 1' '1..2' 'ok 1 - a' 'not ok 2 - broken'
	# Stops only when the runner's limit kills it.
	fake hang 'exec tail -f /dev/null' '1..1' 'ok 1 - a'
	mkdir -p "$TMP/sh"
	cat >"$TMP/sh/fakes.sh" <<'EOF'
test_passes() { [ -d "$TMP" ] && [ "$PWD" = "$TMP" ]; }
test_fails() { fail "on purpose"; }
test_skips() { skip "for a reason"; }
test_kvm() { need_kvm; true; }
EOF
}

# run_runner: tests/run-tests over the fixture, whatever the outer run's
# TESTS_KVM_ONLY (KVM_ONLY=1 asks for it); sets $RC and $TMP/out.
run_runner() {
	env -u T -u TESTS_KVM_ONLY ${KVM_ONLY:+TESTS_KVM_ONLY=1} TESTS_UNIT_DIR="$TMP/bins" TESTS_INTEGRATION_DIR="$TMP/sh" \
		TESTS_TIMEOUT=3 TESTS_JOBS=4 O="$TMP/build" \
		timeout 60 "$TOP/tests/run-tests" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

test_runner_judges_exit_status_and_plan() {
	runner_fixture
	run_runner
	assert_rc 1
	assert_out "ok - unit-good (2 passed, 0 skipped)"
	assert_out "not ok - unit-crash_after_ok: killed by signal 11 (SIGSEGV)"
	assert_out "not ok - unit-short_plan: Bad plan.  You planned 3 tests but ran 2."
	assert_out "not ok - unit-no_plan: No plan found in TAP output"
	assert_out "not ok - unit-nonzero: exit status 3"
	assert_out "not ok - unit-failing: broken"
	assert_out "not ok - unit-hang: timed out after 3 s"
	assert_out "not ok - fakes/test_fails"
	assert_out "on purpose"
	assert_out "skip - fakes/test_skips: for a reason"
	assert_out "ok - fakes/test_passes"
	# good 2, crash 2, short 2, no_plan 1, nonzero 1, failing 1, hang 1,
	# passes 1 = 11 passed; six broken programs and test_fails = 7 failed.
	if [ -e /dev/kvm ]; then
		assert_eq "$(tail -n 1 "$TMP/out")" "12 passed, 7 failed, 1 skipped"
	else
		assert_out "1 tests need /dev/kvm and did not run"
		assert_eq "$(tail -n 1 "$TMP/out")" "11 passed, 7 failed, 2 skipped"
	fi
}

test_runner_filter_and_kvm_only() {
	runner_fixture
	run_runner unit-good
	assert_rc 0
	assert_eq "$(tail -n 1 "$TMP/out")" "2 passed, 0 failed, 0 skipped"
	KVM_ONLY=1 run_runner
	assert_out "fakes/test_kvm"
	assert_not_out "unit-good"
	assert_not_out "test_passes"
	run_runner no-such-test
	assert_rc 1
	assert_out "run-tests: no tests match 'no-such-test'"
}

test_runner_keeps_logs() {
	runner_fixture
	run_runner fakes/test_fails
	assert_rc 1
	grep -q "on purpose" "$TMP/build/tests/logs/fakes/test_fails.log" ||
		fail "no log kept for the failed test"
}
