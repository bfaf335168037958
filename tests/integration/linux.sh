# SPDX-License-Identifier: MIT
# Linux end to end: Debian's packaged kernel (guests/linux/mkguest, the
# same package the nested tier boots) with a busybox initramfs boots on
# the default machine, finds its CPU and the ACPI tables, runs the check
# given on its command line and powers off through ACPI S5 (status 0).
# With the virtio-mmio devices it loads their drivers from the initramfs,
# boots an ext4 root disk (build/linux/root.ext4, a copy per test), talks
# on hvc0 and reads the rng; modvmm.shell=1 gives a shell on the console.

LINUX_DIR=${GUESTS%/guests}/linux

# linux_guest: build (or reuse) the guest; skip when the packages cannot
# be had (no archive, no busybox-static).
linux_guest() {
	local why

	why=$("$TOP/guests/linux/mkguest" "$LINUX_DIR" 2>&1 >/dev/null)
	case $? in
	0) ;;
	77) skip "${why#mkguest: }" ;;
	*) echo "$why" >&2; fail "guests/linux/mkguest failed" ;;
	esac
}

# boot_linux ARGS...: the guest with ARGS appended to its command line.
boot_linux() {
	VMM_TIMEOUT=280 vmm -m 512M --timeout 240 \
		--initrd "$LINUX_DIR/initramfs.cpio" \
		--append "console=ttyS0 panic=-1 $*" "$LINUX_DIR/vmlinuz"
}

test_linux_boots_to_init_and_powers_off() {
	need_full_kvm
	linux_guest
	boot_linux 'check="echo sum $((6 * 7))"'
	assert_rc 0 "powered off"
	assert_out "modvmm-linux: init"
	assert_out "modvmm-linux: cpus 1"
	# CPUID's hypervisor bit leads the kernel to KVM's leaves: kvm-clock,
	# no TSC calibration against the PIT
	assert_out "Hypervisor detected: KVM"
	assert_out "modvmm-linux: clocksource kvm-clock"
	# the tables of the acpi device, found by the kernel in the BIOS area
	assert_out "modvmm-linux: acpi APIC DSDT FACP FACS"
	assert_out "ACPI: Using ACPI (MADT) for SMP configuration information"
	# the timer reaches the I/O APIC on pin 2, as the MADT's override says
	assert_not_out "8254 timer not connected to IO-APIC"
	assert_out "modvmm-linux: check: sum 42"
	assert_out "reboot: Power down"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
}

# `reboot` in the guest: the kernel writes the FADT's reset register
# (0xCF9): the run ends with the reset status, or, with --reboot, the
# machine boots again (the second boot powers off).
test_linux_reboot() {
	local pid

	need_full_kvm
	linux_guest
	boot_linux 'check="reboot -f"'
	assert_rc 18 "the guest reset the machine"
	assert_out "reboot: Restarting system"
	assert_err "modvmm: pc_reset: guest reset"
	timeout -k 5 480 "$MODVMM" -v -m 512M --timeout 450 --reboot \
		--initrd "$LINUX_DIR/initramfs.cpio" \
		--append 'console=ttyS0 panic=-1 check="reboot -f"' \
		"$LINUX_DIR/vmlinuz" </dev/null >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	# shellcheck disable=SC2064 # this pid
	trap "kill $pid 2>/dev/null" EXIT
	wait_for "$TMP/err" "the guest reset the machine: boot 2" 240
	# the second boot runs Linux again, to its init
	wait_for "$TMP/err" "the guest reset the machine: boot 3" 240
	kill -TERM "$pid"
	wait "$pid"
	RC=$?
	trap - EXIT
	assert_rc 20 "stopped by SIGTERM while rebooting"
	[ "$(grep -c 'modvmm-linux: init' "$TMP/out")" -ge 2 ] ||
		fail "the rebooted machine never reached init again"
}

# Two vCPUs: the kernel finds both in the MADT and starts the second
# with INIT and SIPI through the in-kernel local APICs.
test_linux_smp_two_cpus() {
	need_full_kvm
	linux_guest
	VMM_TIMEOUT=280 vmm -m 512M --cpus 2 --timeout 240 \
		--initrd "$LINUX_DIR/initramfs.cpio" \
		--append "console=ttyS0 panic=-1" "$LINUX_DIR/vmlinuz"
	assert_rc 0 "powered off"
	assert_out "smp: Brought up 1 node, 2 CPUs"
	assert_out "modvmm-linux: cpus 2"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
}

# Four: the MADT lists four local APICs, all come up.
test_linux_smp_four_cpus() {
	need_full_kvm
	linux_guest
	VMM_TIMEOUT=400 vmm -m 512M --cpus 4 --timeout 360 \
		--initrd "$LINUX_DIR/initramfs.cpio" \
		--append "console=ttyS0 panic=-1" "$LINUX_DIR/vmlinuz"
	assert_rc 0 "powered off"
	assert_out "smp: Brought up 1 node, 4 CPUs"
	assert_out "modvmm-linux: cpus 4"
}

# --- virtio-mmio devices ----------------------------------------------
# The guest's init loads virtio_mmio, which finds each device in the DSDT
# (_HID LNRO0005), and the block, console and rng drivers; it prints one
# line per device: "virtioN: id ID NAME, mmio ADDR irq IRQ (LNRO0005:NN),
# driver DRIVER".

# linux_root: the guest and a copy of its ext4 root disk in $TMP/root.ext4
# (the guest writes to it).
linux_root() {
	linux_guest
	[ -s "$LINUX_DIR/root.ext4" ] || {
		[ "${CI:-}" = true ] && fail "no $LINUX_DIR/root.ext4 under CI=true: mkguest needs mke2fs (apt-get install e2fsprogs)"
		skip "no $LINUX_DIR/root.ext4: mkguest needs mke2fs (apt-get install e2fsprogs)"; }
	cp "$LINUX_DIR/root.ext4" "$TMP/root.ext4" || fail "cannot copy root.ext4"
}

# e2fs_tool NAME: the path of e2fsprogs' NAME (in /sbin, maybe not in PATH).
e2fs_tool() {
	PATH=$PATH:/usr/sbin:/sbin command -v "$1" ||
		{ [ "${CI:-}" = true ] && fail "$1 is missing under CI=true: apt-get install e2fsprogs"
		  skip "$1 is not installed (apt-get install e2fsprogs)"; }
}

# boot_linux_with DEVICE-ARGS -- APPEND-WORDS: boot_linux with devices.
boot_linux_with() {
	local devs=()

	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		devs+=("$1")
		shift
	done
	shift
	VMM_TIMEOUT=280 vmm -m 512M --timeout 240 "${devs[@]}" \
		--initrd "$LINUX_DIR/initramfs.cpio" \
		--append "console=ttyS0 panic=-1 $*" "$LINUX_DIR/vmlinuz"
}

test_linux_virtio_rng() {
	need_full_kvm
	need_device virtio-rng
	linux_guest
	boot_linux_with -d virtio-rng --
	assert_rc 0 "powered off"
	# every module of the initramfs loaded (a failure is "module NAME: ...")
	assert_out "modvmm-linux: modules virtio"
	assert_not_out "modvmm-linux: module "
	assert_out "modvmm-linux: virtio devices: 1"
	assert_out "modvmm-linux: virtio0: id 4 rng, mmio 0xd0000000 irq 5 (LNRO0005:00), driver virtio_rng"
	assert_out "modvmm-linux: rng virtio_rng.0"
	# /dev/hwrng's bytes come through the device's queue
	assert_out "modvmm-linux: rng read 16 bytes"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
}

# The ext4 root disk: init mounts /dev/vda read-write and switch_roots
# into it; its /sbin/init reads a file of the image, writes one with the
# token of the command line, syncs and remounts read-only before powering
# off.  On the host the image is a clean file system with that file.
test_linux_virtio_blk_root_writes_to_the_image() {
	local token=tok$$x$RANDOM debugfs e2fsck

	need_full_kvm
	need_device virtio-blk
	debugfs=$(e2fs_tool debugfs)
	e2fsck=$(e2fs_tool e2fsck)
	linux_root
	boot_linux_with -d virtio-blk,file="$TMP/root.ext4" -- \
		modvmm.root=/dev/vda modvmm.token=$token 'check="echo sum $((6 * 7))"'
	assert_rc 0 "powered off"
	assert_out "modvmm-linux: virtio0: id 2 block, mmio 0xd0000000 irq 5 (LNRO0005:00), driver virtio_blk"
	assert_out "modvmm-linux: disk vda 32768 sectors ro 0"
	assert_out "modvmm-linux: root /dev/vda ext4 rw, switch_root to /sbin/init"
	assert_out "modvmm-root: hello from /dev/vda"
	assert_out "modvmm-root: read modvmm-root image"
	assert_out "modvmm-root: wrote /modvmm-written: token $token"
	# check= runs on the root disk
	assert_out "modvmm-root: check: sum 42"
	assert_out "modvmm-root: clean"
	assert_out "modvmm-root: poweroff"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
	"$e2fsck" -fn "$TMP/root.ext4" >"$TMP/fsck" 2>&1 ||
		{ cat "$TMP/fsck" >&2; fail "e2fsck -fn: the guest left the file system unclean"; }
	assert_eq "$("$debugfs" -R "cat /modvmm-written" "$TMP/root.ext4" 2>/dev/null)" \
		"modvmm-root: written by the guest: token $token" "the file the guest wrote"
}

# readonly=on: the guest sees a read-only disk with its serial, mounts it
# read-only and writes nothing; the image does not change.
test_linux_virtio_blk_readonly_serial() {
	need_full_kvm
	need_device virtio-blk
	linux_root
	boot_linux_with -d virtio-blk,file="$TMP/root.ext4",readonly=on,serial=modvmm-ro-1 -- \
		modvmm.root=/dev/vda
	assert_rc 0 "powered off"
	assert_out "modvmm-linux: disk vda 32768 sectors ro 1 serial modvmm-ro-1"
	assert_out "modvmm-linux: root /dev/vda ext4 ro, switch_root to /sbin/init"
	assert_out "modvmm-root: hello from /dev/vda"
	assert_out "modvmm-root: read modvmm-root image"
	assert_out "modvmm-root: read-only: nothing written"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
	cmp -s "$LINUX_DIR/root.ext4" "$TMP/root.ext4" || fail "the read-only image changed"
}

# console=hvc0 with all three devices: init's output moves to the virtio
# console (here a file; the kernel log stays on ttyS0 too), and the
# transport places the devices one after the other: 0xd0000000 + n *
# 0x200, IRQs 5, 6, 7.
test_linux_virtio_console_hvc0() {
	need_full_kvm
	need_device virtio-console
	need_device virtio-blk
	need_device virtio-rng
	linux_root
	boot_linux_with -d virtio-blk,file="$TMP/root.ext4" \
		-d virtio-console,out="$TMP/hvc0.txt",in=null -d virtio-rng -- console=hvc0
	assert_rc 0 "powered off"
	assert_out "modvmm-linux: init"
	assert_out "modvmm-linux: console moves to hvc0"
	assert_not_out "modvmm-linux: console hvc0"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
	grep -qF "modvmm-linux: console hvc0" "$TMP/hvc0.txt" ||
		{ show; cat "$TMP/hvc0.txt" >&2; fail "nothing of init's on hvc0"; }
	cp "$TMP/hvc0.txt" "$TMP/out"
	assert_out "modvmm-linux: virtio devices: 3"
	assert_out "id 2 block, mmio 0xd0000000 irq 5 (LNRO0005:00), driver virtio_blk"
	assert_out "id 3 console, mmio 0xd0000200 irq 6 (LNRO0005:01), driver virtio_console"
	assert_out "id 4 rng, mmio 0xd0000400 irq 7 (LNRO0005:02), driver virtio_rng"
	assert_out "modvmm-linux: disk vda 32768 sectors ro 0"
	assert_out "modvmm-linux: hvc0 yes"
	assert_out "modvmm-linux: rng virtio_rng.0"
	assert_out "modvmm-linux: poweroff"
}

# modvmm.shell=1: an interactive shell on the console (input through the
# UART from a fifo, written once the prompt is there); exit powers off.
test_linux_shell_on_the_console() {
	local pid

	need_full_kvm
	linux_guest
	mkfifo "$TMP/in" || fail "mkfifo"
	exec 3<>"$TMP/in"
	timeout -k 5 280 "$MODVMM" -m 512M --timeout 240 \
		--initrd "$LINUX_DIR/initramfs.cpio" \
		--append "console=ttyS0 panic=-1 modvmm.shell=1" "$LINUX_DIR/vmlinuz" \
		<"$TMP/in" >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	# shellcheck disable=SC2064 # this pid
	trap "kill $pid 2>/dev/null" EXIT
	wait_for "$TMP/out" "modvmm-linux# " 240
	# the tty echoes the line; only the shell computes 42
	echo 'echo shell says $((6 * 7))' >&3
	wait_for "$TMP/out" "shell says 42" 60
	echo exit >&3
	wait $pid
	RC=$?
	trap - EXIT
	exec 3>&-
	assert_rc 0 "powered off"
	assert_out "modvmm-linux: shell (exit it to power off)"
	assert_out "modvmm-linux: poweroff"
	assert_err "modvmm: acpi: guest powered off (ACPI S5)"
}
