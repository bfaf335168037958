# SPDX-License-Identifier: MIT
# The fw_cfg device (QEMU's firmware configuration interface): a guest
# that reads the signature, ID, CPU count, RAM size and a --fw-cfg file
# through the ports and through DMA; --list-devices; the options it
# refuses, which need no KVM (devices are checked before /dev/kvm).

FWCFG_FILE="--fw-cfg=name=opt/test,string=hello"

test_fwcfg_guest_reads_ports_and_dma() {
	need_kvm
	need_guest fwcfg.bin
	vmm -m 64M "$FWCFG_FILE" "$GUESTS/fwcfg.bin"
	assert_rc 1 "the guest's EXIT 0"
	assert_err "fwcfg: signature QEMU"
	assert_err "fwcfg: id 0003"
	assert_err "fwcfg: cpus 0001"
	assert_err "fwcfg: ram 0000000004000000"
	assert_err "size 0005: hello"
	assert_err "fwcfg: dma sig QEMU CFG"
	assert_err "fwcfg: dma hello"
	assert_err "fwcfg: dma cpus and ram match"
	assert_err "fwcfg: dma write refused"
	assert_err "fwcfg: kernel size $(printf %04x "$(stat -c %s "$GUESTS/fwcfg.bin")"), its first 16 bytes match"
	assert_err "fwcfg: cmdline size 0001: "
	assert_err "fwcfg: initrd size 0000"
	assert_err "fwcfg: OK"
}

# A flat image has no boot protocol: --append and --initrd reach it
# through fw_cfg (and are refused where no device passes them on:
# loaders.sh/test_boot_files_refused_without_a_device).
test_fwcfg_passes_append_and_initrd_to_a_flat_image() {
	need_kvm
	need_guest fwcfg.bin
	head -c 5000 /dev/zero >"$TMP/initrd"
	vmm --append "console=x y" --initrd "$TMP/initrd" "$FWCFG_FILE" "$GUESTS/fwcfg.bin"
	assert_rc 1
	assert_err "fwcfg: cmdline size 000c: console=x y"
	assert_err "fwcfg: initrd size 1388"
	assert_err "fwcfg: OK"
}

# The CPU count follows --cpus.
test_fwcfg_guest_cpu_count() {
	need_kvm
	need_guest fwcfg.bin
	vmm --cpus 3 "$FWCFG_FILE" "$GUESTS/fwcfg.bin"
	assert_rc 1
	assert_err "fwcfg: cpus 0003"
}

# The RAM size follows -m, the file follows --fw-cfg.
test_fwcfg_guest_follows_the_command_line() {
	need_kvm
	need_guest fwcfg.bin
	printf 'from a file' >"$TMP/f.txt"
	vmm -m 1G --fw-cfg "name=opt/test,file=$TMP/f.txt" "$GUESTS/fwcfg.bin"
	assert_rc 1
	assert_err "fwcfg: ram 0000000040000000"
	assert_err "size 000b: from a file"
	assert_err "fwcfg: dma from a file"
}

# Without the device the ports read all ones: the signature check fails,
# which shows that the OK above comes from fw_cfg.
test_fwcfg_guest_fails_without_device() {
	need_kvm
	need_guest fwcfg.bin
	vmm --nodefaults -d debugport "$FWCFG_FILE" "$GUESTS/fwcfg.bin"
	assert_rc 3
	assert_err "fwcfg: FAIL step 1"
}

# dma=off: the ports still work, the ID has no DMA bit.
test_fwcfg_guest_dma_off() {
	need_kvm
	need_guest fwcfg.bin
	vmm --nodefaults -d debugport -d fw_cfg,dma=off "$FWCFG_FILE" "$GUESTS/fwcfg.bin"
	assert_rc 3
	assert_err "fwcfg: id 0001"
	assert_err "size 0005: hello"
	assert_err "fwcfg: FAIL step 6"
}

# The example counter plugin moved off fw_cfg's ports: both fit.
test_fwcfg_beside_counter() {
	need_kvm
	[ -f "$MODULES/counter.so" ] || skip "no $MODULES/counter.so"
	[ -f "$GUESTS/counter_test.bin" ] || fail "counter_test.bin not built"
	vmm -d counter "$GUESTS/counter_test.bin"
	assert_rc 1
	assert_out "counter: OK"
}

test_fwcfg_list_devices() {
	vmm --list-devices
	assert_rc 0
	assert_out "fw_cfg"
	assert_out "ranges: io 0x510-0x511, io 0x514-0x51b"
	assert_out "port=0x510  selector port"
	assert_out "dma=on  the DMA interface"
}

# fwcfg_refused OPTIONS TEXT: -d fw_cfg,OPTIONS fails with one line
# naming TEXT and the device exit status, before any KVM.
fwcfg_refused() {
	need_guest fwcfg.bin
	vmm --nodefaults -d "fw_cfg,$1" "$GUESTS/fwcfg.bin"
	assert_rc 6 "fw_cfg,$1"
	assert_one_line_err
	assert_err "$2"
}

test_fwcfg_bad_port() {
	fwcfg_refused port=xyz "port=xyz"
	fwcfg_refused port=0xfff8 "fw_cfg: init failed: port=0xfff8: the 12 ports must fit below 0x10000"
	fwcfg_refused port=0xffff,dma=off "port=0xffff: the 2 ports must fit below 0x10000"
}

test_fwcfg_bad_dma() {
	fwcfg_refused dma=maybe "dma=maybe"
}

test_fwcfg_unknown_option() {
	fwcfg_refused size=4 "unknown option 'size'"
}

test_fwcfg_twice_overlaps() {
	need_guest fwcfg.bin
	vmm --nodefaults -d fw_cfg -d fw_cfg "$GUESTS/fwcfg.bin"
	assert_rc 6
	assert_one_line_err
	assert_err "fw_cfg [0x510-0x511] overlaps fw_cfg.1 [0x510-0x511]"
}
