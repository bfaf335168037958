# SPDX-License-Identifier: MIT
# Several vCPUs (--cpus): the boot CPU starts the others with INIT and
# SIPI through its local APIC, and an exit any vCPU makes stops them all
# with exactly its status (guests/smp_exit.asm).

# smp_image FILE WHO N: the guest, told that APIC ID WHO exits (0xff: the
# boot CPU, once all N - 1 others are in).
smp_image() {
	need_guest smp_exit.bin
	cp "$GUESTS/smp_exit.bin" "$1" || fail "cannot copy the guest"
	printf "\\x$(printf %02x "$2")\\x$(printf %02x "$3")" |
		dd of="$1" bs=1 seek=2 conv=notrunc 2>/dev/null ||
		fail "cannot patch $1"
}

# Each AP of four, and the boot CPU, ends the run with its own status.
test_smp_each_cpu_ends_the_run() {
	local who

	need_kvm
	for who in 1 2 3; do
		smp_image "$TMP/smp.bin" "$who" 4
		vmm --cpus 4 --mode protected "$TMP/smp.bin"
		assert_rc $((((0x20 + who) << 1) | 1)) "AP $who of 4 exits"
	done
	smp_image "$TMP/smp.bin" 255 4
	vmm --cpus 4 --mode protected "$TMP/smp.bin"
	assert_rc 255 "the boot CPU exits once the 3 APs are in"
	# --stats counts each vCPU's exits: only AP 2's port write here
	smp_image "$TMP/smp.bin" 2 4
	vmm --cpus 4 --stats --mode protected "$TMP/smp.bin"
	assert_rc $((((0x22) << 1) | 1)) "AP 2 exits"
	assert_err "per vCPU: 0 0, 1 0, 2 1, 3 0"
}

# Stopping is deterministic: 200 runs of a 4-vCPU guest where an AP
# chosen at random makes the exit, each bounded by --timeout: no hang
# (status 12) and no other status than that AP's.
test_smp_random_ap_exit_200_runs() {
	local i who want bad=0 hung=0

	need_kvm
	need_guest smp_exit.bin
	for ((i = 0; i < 200; i++)); do
		who=$((RANDOM % 3 + 1))
		want=$((((0x20 + who) << 1) | 1))
		smp_image "$TMP/smp.bin" "$who" 4
		vmm --cpus 4 --timeout 10 --mode protected "$TMP/smp.bin"
		if [ "$RC" = 12 ] || [ "$RC" = 124 ]; then
			hung=$((hung + 1))
		elif [ "$RC" != "$want" ]; then
			bad=$((bad + 1))
			echo "run $i: AP $who: status $RC, expected $want" >&2
			sed 's/^/    /' "$TMP/err" >&2
		fi
	done
	[ "$hung" = 0 ] && [ "$bad" = 0 ] ||
		fail "of 200 runs, $hung hung and $bad ended with a wrong status"
}

# Two vCPUs: the second comes and is the one that exits.
test_smp_two_cpus() {
	need_kvm
	smp_image "$TMP/smp.bin" 1 2
	vmm --cpus 2 --mode protected "$TMP/smp.bin"
	assert_rc $((((0x21) << 1) | 1)) "the AP of 2 exits"
}

# Every vCPU halted with interrupts off (no one was chosen): the machine
# can never run again and ends with status 0, as one halted vCPU does;
# the check asks each AP, so a machine where one still runs goes on
# (the tests above: a spinning AP that exits later is never cut short).
test_smp_all_halted_ends_the_run() {
	need_kvm
	smp_image "$TMP/smp.bin" 0 4
	vmm --cpus 4 --mode protected "$TMP/smp.bin"
	assert_rc 0 "all 4 vCPUs halted for good"
}

# --- The device concurrency contract --------------------------------------
#
# guests/smp_hammer.bin: every vCPU writes port 0x5d0 of one device 20000
# times at once.  The hammer test plugin adds one per write with a plain
# read-modify-write, exact only if the host runs its calls one at a time
# (its own lock, the default); hammer-mt declares MODVMM_DEVF_CONCURRENT
# and adds atomically.  Without the lock the plain one loses counts.

case ${O:-build} in
/*) SMP_TP=${O}/tests/plugins ;;
*) SMP_TP=$TOP/${O:-build}/tests/plugins ;;
esac
SMP_TSAN_CACHE=${MODVMM_TSAN_CACHE:-/tmp/modvmm-tsan-$(id -u)-$(printf '%s' "$TOP" | cksum | cut -d' ' -f1)}

smp_need_hammer() {
	need_guest smp_hammer.bin
	make -s -C "$TOP" O="${O:-build}" test-plugins >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log" >&2; fail "make test-plugins failed"; }
}

# smp_hammer_image FILE N: the guest, told it has N vCPUs.
smp_hammer_image() {
	cp "$GUESTS/smp_hammer.bin" "$1" || fail "cannot copy the guest"
	printf "\\x$(printf %02x "$2")" |
		dd of="$1" bs=1 seek=3 conv=notrunc 2>/dev/null ||
		fail "cannot patch $1"
}

# smp_hammer_run PLUGIN N: N vCPUs hammer PLUGIN; the count is exact.
smp_hammer_run() {
	smp_hammer_image "$TMP/hammer.bin" "$2"
	vmm --cpus "$2" --mode protected --timeout 120 --stats -d "$1" \
		"$TMP/hammer.bin"
	assert_rc 1 "the guest's EXIT 0 ($2 vCPUs, ${1##*/})"
	assert_err "hammer: $2 cpus, count $(($2 * 20000))"
	assert_err "accesses $(($2 * 20000 + 1))"
}

test_smp_one_device_many_vcpus_serialized() {
	local n

	need_kvm
	smp_need_hammer
	for n in 1 2 4 8; do
		smp_hammer_run "$SMP_TP/hammer.so" "$n"
	done
}

test_smp_one_device_many_vcpus_concurrent() {
	local n

	need_kvm
	smp_need_hammer
	for n in 1 2 4 8; do
		smp_hammer_run "$SMP_TP/hammer_mt.so" "$n"
	done
}

# The same under ThreadSanitizer (a copy of the tree built with
# SANITIZE=thread, cached like the irqchip variants): no data race in
# the core or the device, for both kinds of device.
test_smp_threadsanitizer_clean() {
	local dir=$SMP_TSAN_CACHE t

	need_kvm
	need_guest smp_hammer.bin
	for t in make gcc nasm tar flock kconfig-conf; do
		command -v "$t" >/dev/null 2>&1 && continue
		[ "${CI:-}" = true ] && fail "$t is missing and CI=true: cannot build the ThreadSanitizer variant"
		skip "$t is missing: cannot build the ThreadSanitizer variant"
	done
	mkdir -p "$dir" || fail "cannot create $dir"
	(
		flock 9 || exit 1
		(cd "$TOP" && tar -cf - --exclude=./build --exclude=./build-san \
			--exclude=./build-tsan --exclude=./modules \
			--exclude=./modvmm --exclude=.git --exclude='./.config*' \
			--exclude=./include/config --exclude=./include/generated \
			--exclude='*.o' --exclude='*.so' --exclude='*.d' .) |
			tar -xf - -C "$dir" || exit 1
		cd "$dir" || exit 1
		unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES O SANITIZE
		cp configs/defconfig .config && make -s olddefconfig >/dev/null &&
			make -s -j2 SANITIZE=thread modvmm modules test-plugins \
				>"$dir/.build.log" 2>&1
	) 9>"$dir.lock" ||
		fail "building the ThreadSanitizer variant in $dir failed: $(tail -5 "$dir/.build.log" 2>/dev/null)"
	MODVMM=$dir/build-tsan/modvmm
	for t in hammer hammer_mt; do
		smp_hammer_run "$dir/build-tsan/tests/plugins/$t.so" 4
		assert_not_err "ThreadSanitizer"
	done
}
