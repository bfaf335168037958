# SPDX-License-Identifier: MIT
# Linux bzImage loader (64-bit boot protocol): the synthetic bzimage_test
# guest prints what it finds in struct boot_params; broken images stop
# with status 4 and one line naming the file and the offset.

BZ=$GUESTS/bzimage_test.bin

# bz_patch FILE OFFSET BYTES: overwrite bytes (printf octal escapes).
bz_patch() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# bz_copy: a private copy of the guest in $TMP/bz.bin.
bz_copy() {
	cp "$BZ" "$TMP/bz.bin"
	[ "$(dd if="$TMP/bz.bin" bs=1 skip=514 count=4 status=none)" = HdrS ] ||
		fail "no HdrS at 0x202 in $BZ"
}

bz_image_error() {	# bz_image_error FILE TEXT
	assert_rc 4 "image error"
	assert_one_line_err
	assert_err "modvmm: $1: "
	assert_err "$2"
	[ -z "$OUT" ] || { show; fail "the guest ran"; }
}

test_bzimage_boots() {
	need_kvm
	printf 'INITRD\001\002rest-of-it' >"$TMP/initrd.img"
	vmm -m 64M --append "console=ttyS0 foo=bar" --initrd "$TMP/initrd.img" "$BZ"
	assert_rc 1 "the guest found its setup header in the zero page"
	assert_out "bz: hello from startup_64"
	# the zero page in the first page after the run range [0x200000-0x300000)
	assert_out "bz: entry 0x00100200 rsi 0x00300000"
	assert_out "bz: protocol 0x020f type_of_loader 0xff loadflags 0x01"
	assert_out "bz: cmdline 'console=ttyS0 foo=bar'"
	assert_out "bz: ext_mem_k 64512 alt_mem_k 64512"
	assert_out "bz: e820 entries 3"
	assert_out "bz: e820 base 0x0000000000000000 size 0x00000000000a0000 type 1"
	assert_out "bz: e820 base 0x00000000000e0000 size 0x0000000000020000 type 2"
	assert_out "bz: e820 base 0x0000000000100000 size 0x0000000003f00000 type 1"
	# 18 bytes, page-aligned at the top of RAM
	assert_out "bz: initrd addr 0x03fff000 size 0x00000012"
	assert_out "bz: initrd data 'INITRD..rest-of-'"
	assert_out "bz: header ok"
	[ -z "$ERR" ] || { show; fail "stderr not empty"; }
}

test_bzimage_no_append_no_initrd() {
	need_kvm
	vmm -m 16M "$BZ"
	assert_rc 1
	assert_out "bz: cmdline ''"
	assert_out "bz: initrd addr 0x00000000 size 0x00000000"
	assert_out "bz: e820 base 0x0000000000100000 size 0x0000000000f00000 type 1"
	assert_out "bz: ext_mem_k 15360 alt_mem_k 15360"
	assert_not_out "initrd data"
}

# Above 3 GiB the map goes on past the hole; the initrd stays below
# initrd_addr_max (0x7fffffff).
test_bzimage_large_memory() {
	need_kvm
	printf 'big machine' >"$TMP/initrd.img"
	vmm -m 5G --initrd "$TMP/initrd.img" "$BZ"
	assert_rc 1
	assert_out "bz: e820 entries 4"
	assert_out "bz: e820 base 0x0000000000100000 size 0x00000000bff00000 type 1"
	assert_out "bz: e820 base 0x0000000100000000 size 0x0000000080000000 type 1"
	assert_out "bz: ext_mem_k 64512 alt_mem_k 3144704"
	assert_out "bz: initrd addr 0x7ffff000 size 0x0000000b"
	assert_out "bz: initrd data 'big machine'"
}

# --- broken images and options: status 4, one line ------------------------

test_bzimage_truncated() {
	head -c 2000 "$BZ" >"$TMP/cut.bin"
	vmm "$TMP/cut.bin"
	bz_image_error "$TMP/cut.bin" "offset 0x1f4: syssize 0x84 (0x840 bytes) is more than the 0x3d0 bytes after the setup sectors at 0x400: truncated image"
	head -c 600 "$BZ" >"$TMP/cut.bin"
	vmm "$TMP/cut.bin"
	bz_image_error "$TMP/cut.bin" "offset 0x201: the setup header ends at 0x26c, past the end of the file (size 0x258): truncated image"
}

test_bzimage_setup_sects_past_eof() {
	bz_copy
	bz_patch "$TMP/bz.bin" $((0x1f1)) '\050'	# 40 sectors
	vmm "$TMP/bz.bin"
	bz_image_error "$TMP/bz.bin" "offset 0x1f1: setup_sects 40 puts the protected-mode kernel at 0x5200, at or past the end of the file (size 0xc40)"
}

test_bzimage_old_protocol() {
	bz_copy
	bz_patch "$TMP/bz.bin" $((0x206)) '\005\002'
	vmm "$TMP/bz.bin"
	bz_image_error "$TMP/bz.bin" "offset 0x206: boot protocol 2.05 is too old: modvmm needs 2.06 or later"
	bz_patch "$TMP/bz.bin" $((0x206)) '\012\002'
	vmm "$TMP/bz.bin"
	bz_image_error "$TMP/bz.bin" "offset 0x206: boot protocol 2.10 has no 64-bit entry point: modvmm uses the 64-bit boot protocol, which needs 2.12 or later"
}

test_bzimage_32bit_kernel() {
	bz_copy
	bz_patch "$TMP/bz.bin" $((0x236)) '\000\000'
	vmm "$TMP/bz.bin"
	bz_image_error "$TMP/bz.bin" "offset 0x236: xloadflags 0x0000 lack XLF_KERNEL_64 (bit 0)"
}

test_bzimage_cmdline_too_long() {
	local long
	long=$(printf 'x%.0s' {1..256})
	vmm --append "$long" "$BZ"
	bz_image_error "$BZ" "offset 0x238: the command line (--append) is 256 bytes, longer than the kernel's cmdline_size 255"
}

# Each virtio device adds its virtio_mmio.device= word after --append, as
# kvmtool does, for kernels built with VIRTIO_MMIO_CMDLINE_DEVICES; words
# that would not fit the kernel's cmdline_size are refused before start.
test_bzimage_virtio_devices_on_the_cmdline() {
	local long

	need_kvm
	vmm -m 16M --append "console=ttyS0" -d virtio-rng -d virtio-rng "$BZ"
	assert_rc 1
	assert_out "bz: cmdline 'console=ttyS0 virtio_mmio.device=512@0xd0000000:5 virtio_mmio.device=512@0xd0000200:6'"
	vmm -m 16M -d virtio-rng,addr=0xd0010000,irq=11 "$BZ"
	assert_rc 1
	assert_out "bz: cmdline 'virtio_mmio.device=512@0xd0010000:11'"
	long=$(printf 'x%.0s' {1..220})
	vmm -m 16M --append "$long" -d virtio-rng "$BZ"
	assert_rc 2 "the words do not fit"
	assert_one_line_err
	assert_err "plus the devices' 'virtio_mmio.device=512@0xd0000000:5' exceeds the kernel's 255 bytes; shorten --append"
	[ -z "$OUT" ] || { show; fail "the guest ran"; }
}

# With 4 MiB the kernel runs at [0x200000-0x300000), its zero page and
# command line take the next two pages: 1 MiB - 8 KiB left above them.
test_bzimage_initrd_fills_ram() {
	need_kvm
	truncate -s $((0x100000 - 0x2000)) "$TMP/initrd.img"
	vmm -m 4M --initrd "$TMP/initrd.img" "$BZ"
	assert_rc 1
	assert_out "bz: initrd addr 0x00302000 size 0x000fe000"
	assert_out "bz: initrd data '................'"
}

test_bzimage_initrd_too_large() {
	truncate -s $((0x100000 - 0x1000)) "$TMP/initrd.img"	# a page too many
	vmm -m 4M --initrd "$TMP/initrd.img" "$BZ"
	bz_image_error "$BZ" "initrd $TMP/initrd.img (0xff000 bytes) does not fit between 0x302000 (after the kernel and its boot information) and 0x400000 (the end of RAM or initrd_addr_max 0x7fffffff + 1); use a larger -m"
}

test_bzimage_kernel_needs_more_ram() {
	vmm -m 2M "$BZ"
	bz_image_error "$BZ" "offset 0x260: the kernel needs RAM at [0x200000-0x300000) (init_size 0x100000 from its run address 0x200000), which guest RAM does not have (RAM: [0x0-0x9ffff], [0xe0000-0xfffff], [0x100000-0x1fffff]); use a larger -m"
}

test_bzimage_refuses_flat_options() {
	vmm --mode protected "$BZ"
	bz_image_error "$BZ" "--mode applies to flat images: a bzImage starts in long mode (64-bit boot protocol)"
	vmm --load-addr 0x200000 "$BZ"
	bz_image_error "$BZ" "--load-addr and --entry apply to flat images: a bzImage says where it goes"
	printf a >"$TMP/a"
	vmm --initrd "$TMP/a" --initrd "$TMP/a" "$BZ"
	bz_image_error "$BZ" "2 modules given: a bzImage takes one initrd (--initrd FILE)"
}
