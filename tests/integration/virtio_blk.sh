# SPDX-License-Identifier: MIT
# The virtio-blk device with a real guest (guests/virtio_blk.asm, on the
# virtio-mmio driver of guests/virtio.inc): a write, flush and read back
# that land in the image file; a SIGKILL right after the guest saw its
# flush complete loses nothing; the image lock keeps a second modvmm off
# an image the first one uses; the errors of a missing image or option.
#
# The guest reads sector 0 first: "VBLKTEST", then the sector to write
# and the mode (1: wait forever after the flush) as 32-bit little-endian
# numbers.  Without it, it writes sector 5 and exits.

VBLK_LINE='modvmm virtio-blk test pattern!'

# vblk_need: the guest is built and modvmm has the device (built in or a
# module in $MODULES).
vblk_need() {
	need_guest virtio_blk.bin
	"$MODVMM" --plugin-dir "$MODULES" --list-devices 2>/dev/null |
		grep -q '^virtio-blk ' ||
		skip "virtio-blk is not configured (CONFIG_VIRTIO_BLK)"
}

# vblk_le32 N: N as 4 little-endian bytes.
vblk_le32() {
	printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) \
		$((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}

# vblk_image FILE [BYTES [SECTOR MODE]]: a zeroed image (default 64 KiB),
# with the guest's control sector when SECTOR and MODE are given.
vblk_image() {
	rm -f "$1"
	truncate -s "${2:-65536}" "$1" || fail "cannot make $1"
	if [ $# -ge 4 ]; then
		{ printf 'VBLKTEST'; vblk_le32 "$3"; vblk_le32 "$4"; } |
			dd of="$1" conv=notrunc status=none
	fi
}

vblk_sector() {	# vblk_sector FILE N: sector N's 512 bytes on stdout
	dd if="$1" bs=512 skip="$2" count=1 status=none
}

# vblk_expect_pattern FILE N: sector N holds what the guest writes.
vblk_expect_pattern() {
	local i

	for ((i = 0; i < 16; i++)); do echo "$VBLK_LINE"; done >"$TMP/pattern"
	vblk_sector "$1" "$2" | cmp -s - "$TMP/pattern" ||
		fail "sector $2 of $1 does not hold the guest's pattern: $(vblk_sector "$1" "$2" | od -c | head -n 3)"
}

# vblk_expect_zero FILE N: sector N was not written.
vblk_expect_zero() {
	head -c 512 /dev/zero >"$TMP/zero"
	vblk_sector "$1" "$2" | cmp -s - "$TMP/zero" ||
		fail "sector $2 of $1 is not zero any more"
}

# vblk_run ARGS...: vmm with the guest and a disk, ARGS after the device.
vblk_run() {
	local dev=$1

	shift
	vmm --plugin-dir "$MODULES" --mode protected -d "$dev" "$@" \
		"$GUESTS/virtio_blk.bin"
}

# vblk_start_waiting FILE: modvmm in the background ($BG) on image FILE
# whose control sector says mode 1, until its guest waits after the
# flush.  The test's exit kills it, whatever happens.
vblk_start_waiting() {
	"$MODVMM" --plugin-dir "$MODULES" --mode protected \
		-d "virtio-blk,file=$1" "$GUESTS/virtio_blk.bin" \
		>"$TMP/bg.out" 2>"$TMP/bg.err" </dev/null &
	BG=$!
	trap 'kill -9 $BG 2>/dev/null' EXIT
	wait_for "$TMP/bg.out" "virtio-blk: waiting"
}

test_virtio_blk_guest_round_trip() {
	need_kvm
	vblk_need
	vblk_image "$TMP/disk.img"
	vblk_run "virtio-blk,file=$TMP/disk.img,serial=modvmm-test-7" --stats
	assert_rc 1 "the guest's EXIT 0"
	assert_out "virtio-blk: capacity 128"
	assert_out "virtio-blk: id modvmm-test-7"
	assert_out "virtio-blk: flushed"
	assert_out "virtio-blk: OK"
	assert_err "write_bytes 512"
	assert_err "flushes 1"
	vblk_expect_pattern "$TMP/disk.img" 5
	vblk_expect_zero "$TMP/disk.img" 4
	vblk_expect_zero "$TMP/disk.img" 6
	[ "$(stat -c %s "$TMP/disk.img")" = 65536 ] || fail "the image changed size"
}

# Queue notifies through KVM_IOEVENTFD (the default where KVM has it)
# and as ordinary exits (ioeventfd=off) serve the same requests; only the
# first path leaves the notify writes out of the MMIO exit count.
test_virtio_blk_ioeventfd_on_and_off() {
	local on off

	need_kvm
	vblk_need
	vblk_image "$TMP/disk.img"
	vblk_run "virtio-blk,file=$TMP/disk.img" -v --stats
	assert_rc 1 "the guest's EXIT 0, ioeventfd=on"
	assert_out "virtio-blk: OK"
	assert_err "virtio-blk: virtio-mmio at 0xd0000000-0xd00001ff, irq 5, queue notifies by ioeventfd"
	assert_err "notifies 5,"
	vblk_expect_pattern "$TMP/disk.img" 5
	vblk_image "$TMP/disk.img"
	vblk_run "virtio-blk,file=$TMP/disk.img,ioeventfd=off" -v --stats
	assert_rc 1 "the guest's EXIT 0, ioeventfd=off"
	assert_out "virtio-blk: OK"
	assert_err "virtio-blk: virtio-mmio at 0xd0000000-0xd00001ff, irq 5"
	assert_not_err "by ioeventfd"
	assert_err "notifies 5,"
	vblk_expect_pattern "$TMP/disk.img" 5
	vblk_run "virtio-blk,file=$TMP/disk.img,ioeventfd=maybe"
	assert_rc 6 "ioeventfd=maybe"
	assert_err "option ioeventfd=maybe: not a boolean"
}

# An image of 100 sectors and 77 bytes is a disk of 100 sectors: the
# guest writes the last one, the odd tail stays as it was.
test_virtio_blk_guest_last_sector_of_odd_image() {
	need_kvm
	vblk_need
	vblk_image "$TMP/odd.img" $((100 * 512 + 77)) 99 0
	printf 'tail' | dd of="$TMP/odd.img" bs=1 seek=$((100 * 512)) \
		conv=notrunc status=none
	vblk_run "virtio-blk,file=$TMP/odd.img"
	assert_rc 1
	assert_out "virtio-blk: capacity 100"
	assert_out "virtio-blk: OK"
	vblk_expect_pattern "$TMP/odd.img" 99
	[ "$(dd if="$TMP/odd.img" bs=1 skip=$((100 * 512)) count=4 status=none)" = tail ] ||
		fail "the bytes past the last whole sector changed"
	[ "$(stat -c %s "$TMP/odd.img")" = $((100 * 512 + 77)) ] ||
		fail "the image changed size"
}

# Read-only: the guest's write fails with an I/O error, nothing changes.
test_virtio_blk_guest_readonly_write_fails() {
	need_kvm
	vblk_need
	vblk_image "$TMP/ro.img"
	vblk_run "virtio-blk,file=$TMP/ro.img,readonly=on"
	assert_rc 3 "the guest's EXIT 1"
	assert_out "virtio-blk: FAIL step 4"
	vblk_expect_zero "$TMP/ro.img" 5
}

# The guest saw its flush complete and says so; modvmm dies by SIGKILL
# while the guest waits; the pattern is in the image.  The lock died with
# the process: the next modvmm opens the image.
test_virtio_blk_sigkill_after_flush_keeps_data() {
	need_kvm
	vblk_need
	vblk_image "$TMP/disk.img" 65536 9 1
	vblk_start_waiting "$TMP/disk.img"
	grep -qF "virtio-blk: flushed" "$TMP/bg.out" || fail "no flush before the wait"
	kill -9 "$BG"
	wait "$BG"
	RC=$?
	[ "$RC" = 137 ] || fail "modvmm ended with status $RC, not by SIGKILL (137)"
	vblk_expect_pattern "$TMP/disk.img" 9
	vblk_expect_zero "$TMP/disk.img" 8
	vblk_expect_zero "$TMP/disk.img" 10

	{ printf 'VBLKTEST'; vblk_le32 9; vblk_le32 0; } |
		dd of="$TMP/disk.img" conv=notrunc status=none
	vblk_run "virtio-blk,file=$TMP/disk.img"
	assert_rc 1 "a new modvmm after the kill"
	assert_out "virtio-blk: OK"
}

# While one modvmm uses an image, a second one (writable or read-only) is
# refused before its guest runs, in one line naming the file and the
# lock, with status 6; the first is unharmed.
test_virtio_blk_second_vm_refused_while_first_runs() {
	need_kvm
	vblk_need
	vblk_image "$TMP/disk.img" 65536 9 1
	vblk_start_waiting "$TMP/disk.img"
	vblk_run "virtio-blk,file=$TMP/disk.img"
	assert_rc 6 "a device refused"
	assert_one_line_err
	assert_err "virtio-blk: init failed: file=$TMP/disk.img: another process holds a lock on it"
	assert_not_out "virtio-blk:"
	vblk_run "virtio-blk,file=$TMP/disk.img,readonly=on"
	assert_rc 6
	assert_one_line_err
	assert_err "another process holds a lock"
	kill -0 "$BG" 2>/dev/null || fail "the first modvmm died"
	kill -9 "$BG"
	wait "$BG"
	vblk_expect_pattern "$TMP/disk.img" 9
}

# Errors of the command line need no KVM: devices are checked first.
test_virtio_blk_missing_image_is_one_line() {
	vblk_need
	vblk_run "virtio-blk,file=$TMP/nope.img"
	assert_rc 6
	assert_one_line_err
	assert_err "modvmm: virtio-blk: init failed: file=$TMP/nope.img: No such file or directory"
	[ ! -e "$TMP/nope.img" ] || fail "the missing image was created"
}

test_virtio_blk_missing_file_option_is_one_line() {
	vblk_need
	vblk_run "virtio-blk"
	assert_rc 6
	assert_one_line_err
	assert_err "virtio-blk: init failed: option file= is required"
	vblk_run "virtio-blk,file=$TMP"
	assert_rc 6
	assert_one_line_err
	assert_err "file=$TMP: "
}

test_virtio_blk_list_devices() {
	vblk_need
	vmm --plugin-dir "$MODULES" --list-devices
	assert_rc 0
	assert_out "virtio-blk"
	assert_out "file="
	assert_out "readonly=off"
	assert_out "serial="
}
