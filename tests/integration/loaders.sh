# SPDX-License-Identifier: MIT
# Guest image loaders: multiboot v1 (ELF32 and a.out kludge) and ELF64
# guests boot and see what the loader promised; broken images stop with
# status 4 and one line naming the file.

MB_ELF=$GUESTS/mb_elf.elf
MB_AOUT=$GUESTS/mb_aout.bin
ELF64=$GUESTS/elf64_hello.elf

# --- multiboot ELF32 ------------------------------------------------------

test_multiboot_elf_boots() {
	need_kvm
	vmm -m 64M "$MB_ELF"
	assert_rc 1 "the guest's checks passed"
	assert_out "mb: magic ok"
	# MEM, CMDLINE, MODS, MMAP, BOOT_LOADER_NAME
	assert_out "mb: flags 0x0000024d"
	assert_out "mb: mem_lower 640 KiB"
	assert_out "mb: mem_upper 64512 KiB"
	assert_out "mb: cmdline '$MB_ELF'"
	assert_out "mb: loader 'modvmm'"
	assert_out "mb: mods_count 0"
	assert_out "mb: mmap base 0x0000000000000000 length 0x00000000000a0000 type 1"
	assert_out "mb: mmap base 0x00000000000e0000 length 0x0000000000020000 type 2"
	assert_out "mb: mmap base 0x0000000000100000 length 0x0000000003f00000 type 1"
	assert_out "mb: data ok"
	assert_out "mb: bss ok"
	[ -z "$ERR" ] || { show; fail "stderr not empty"; }
}

# GNU ld 2.40's default script puts a headers-only segment at 0xff000,
# in the BIOS area, below a kernel linked at 1 MiB: it loads and runs.
test_multiboot_segment_in_bios_area() {
	need_kvm
	need_guest mb_ld240.elf
	readelf -lW "$GUESTS/mb_ld240.elf" | grep -q 'LOAD .* 0x000ff000 0x000ff000 ' ||
		fail "mb_ld240.elf has no segment at 0xff000 (did the linker change?)"
	vmm -m 64M "$GUESTS/mb_ld240.elf"
	assert_rc 1 "the guest's checks passed"
	assert_out "mb: magic ok"
	assert_out "mb: cmdline '$GUESTS/mb_ld240.elf'"
	assert_out "mb: data ok"
	assert_out "mb: bss ok"
}

# A kernel at 0x8000, where the information once was: it loads, and the
# information (placed after it) is right.
test_multiboot_code_at_0x8000() {
	need_kvm
	need_guest mb_low.elf
	vmm -m 64M --append "low=1" "$GUESTS/mb_low.elf"
	assert_rc 1 "the guest's checks passed"
	assert_out "mb: magic ok"
	assert_out "mb: mem_upper 64512 KiB"
	assert_out "mb: cmdline '$GUESTS/mb_low.elf low=1'"
	assert_out "mb: loader 'modvmm'"
	assert_out "mb: mmap base 0x0000000000000000 length 0x00000000000a0000 type 1"
	assert_out "mb: data ok"
	assert_out "mb: bss ok"
}

test_multiboot_append() {
	need_kvm
	vmm --append "foo=bar" "$MB_ELF"
	assert_rc 1
	assert_out "mb: cmdline '$MB_ELF foo=bar'"
}

test_multiboot_modules_and_initrd() {
	need_kvm
	printf 'first module data' >"$TMP/mod.txt"
	printf 'INITRD\001\002rest' >"$TMP/initrd.img"
	vmm --module "$TMP/mod.txt,arg1 arg2" --initrd "$TMP/initrd.img" "$MB_ELF"
	assert_rc 1 "modules page-aligned, data and bss fine"
	assert_out "mb: mods_count 2"
	assert_out "string '$TMP/mod.txt arg1 arg2' data 'first module dat'"  # the guest shows 16 bytes
	assert_out "string '$TMP/initrd.img' data 'INITRD..rest'"
	local mod0 mod1
	mod0=$(grep '^mb: mod 0 ' "$TMP/out") || fail "no module 0 line"
	mod1=$(grep '^mb: mod 1 ' "$TMP/out") || fail "no module 1 line"
	# mod_end is exclusive: start + size (17 and 12 bytes)
	local s0 e0 s1 e1
	read -r s0 e0 < <(sed 's/.* start \(0x[0-9a-f]*\) end \(0x[0-9a-f]*\) .*/\1 \2/' <<<"$mod0")
	read -r s1 e1 < <(sed 's/.* start \(0x[0-9a-f]*\) end \(0x[0-9a-f]*\) .*/\1 \2/' <<<"$mod1")
	assert_eq $((e0 - s0)) 17 "module 0 size"
	assert_eq $((e1 - s1)) 12 "module 1 size"
	assert_eq $((s0 >= 0x100000 && s1 > s0)) 1 "modules above the kernel, in order"
}

test_multiboot_mem_upper_follows_m() {
	need_kvm
	vmm -m 16M "$MB_ELF"
	assert_rc 1
	assert_out "mb: mem_upper 15360 KiB"
	assert_out "mb: mmap base 0x0000000000100000 length 0x0000000000f00000 type 1"
	# above 4 GiB: mem_upper stops at the 3 GiB hole, the map goes on
	vmm -m 5G "$MB_ELF"
	assert_rc 1
	assert_out "mb: mem_upper 3144704 KiB"
	assert_out "mb: mmap base 0x0000000000100000 length 0x00000000bff00000 type 1"
	assert_out "mb: mmap base 0x0000000100000000 length 0x0000000080000000 type 1"
}

# --- multiboot a.out kludge -------------------------------------------------

test_multiboot_aout_kludge() {
	need_kvm
	vmm -m 16M --append "x=1" "$MB_AOUT"
	assert_rc 1 "magic right and bss zero"
	assert_out "mb-aout: magic ok"
	assert_out "mb-aout: mem_upper 15360 KiB"
	assert_out "mb-aout: cmdline '$MB_AOUT x=1'"
	# the file's bytes past load_end_addr were not loaded over the bss
	assert_out "mb-aout: bss ok"
}

# --- ELF64 ------------------------------------------------------------------

test_elf64_guest() {
	need_kvm
	vmm "$ELF64"
	assert_rc 1 "data and bss checks passed"
	assert_out "elf64: hello from long mode"
	assert_out "elf64: cs 0x0000000000000018 rsp 0x000000000009fff0 (stack ok)"
	assert_out "elf64: data ok"
	assert_out "elf64: bss ok"
	[ -z "$ERR" ] || { show; fail "stderr not empty"; }
}

test_elf64_format_forced() {
	need_kvm
	vmm --format elf "$ELF64"
	assert_rc 1
	assert_out "elf64: hello from long mode"
}

# --- broken images: status 4, one line naming the file ----------------------

# expect_image_error FILE TEXT: the last run failed on FILE saying TEXT.
expect_image_error() {
	assert_rc 4 "image error"
	assert_one_line_err
	assert_err "modvmm: $1: "
	assert_err "$2"
	[ -z "$OUT" ] || { show; fail "the guest ran"; }
}

test_format_elf_on_flat_binary() {
	vmm --format elf "$GUESTS/hello.bin"
	expect_image_error "$GUESTS/hello.bin" "not an ELF file"
}

test_format_multiboot_on_elf64() {
	vmm --format multiboot "$ELF64"
	expect_image_error "$ELF64" "multiboot"
}

test_truncated_elf64() {
	head -c 100 "$ELF64" >"$TMP/trunc.elf"
	vmm "$TMP/trunc.elf"
	expect_image_error "$TMP/trunc.elf" "offset 0x40: "
	assert_err "run past the end of the file (size 0x64)"
}

# Cut before its multiboot header, the kernel is a plain ELF32.
test_truncated_multiboot_elf() {
	head -c 100 "$MB_ELF" >"$TMP/trunc.elf"
	vmm "$TMP/trunc.elf"
	expect_image_error "$TMP/trunc.elf" "ELF32 image without a multiboot header: not bootable (modvmm boots multiboot ELF32, ELF64 and flat images)"
}

# patch_bytes FILE OFFSET BYTES...: overwrite bytes (octal escapes) in place.
patch_bytes() {
	local f=$1 off=$2
	shift 2
	printf "$@" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# The header sits at the start of .text, file offset 0x1000 (mb_elf.ld).
mb_header_at_0x1000() {
	[ "$(od -An -tx4 -j 4096 -N 4 "$1" | tr -d ' ')" = 1badb002 ] ||
		fail "no multiboot magic at 0x1000 in $1"
}

test_multiboot_bad_checksum() {
	cp "$MB_ELF" "$TMP/k.elf"
	mb_header_at_0x1000 "$TMP/k.elf"
	patch_bytes "$TMP/k.elf" 4104 '\000\000\000\000'
	vmm "$TMP/k.elf"
	expect_image_error "$TMP/k.elf" "offset 0x1008: multiboot header checksum 0x00000000 is wrong"
}

test_multiboot_unsupported_flags() {
	cp "$MB_ELF" "$TMP/k.elf"
	mb_header_at_0x1000 "$TMP/k.elf"
	# flags 0x13 (bit 4 unknown and required), checksum to match
	patch_bytes "$TMP/k.elf" 4100 '\023\000\000\000\353\117\122\344'
	vmm "$TMP/k.elf"
	expect_image_error "$TMP/k.elf" "offset 0x1004: multiboot header flags 0x00000013 require features modvmm does not support"
}

test_multiboot_module_too_large() {
	truncate -s 2M "$TMP/big.img"
	vmm -m 2M --module "$TMP/big.img" "$MB_ELF"
	expect_image_error "$MB_ELF" "module $TMP/big.img (0x200000 bytes) does not fit in guest RAM"
}

test_multiboot_module_missing() {
	vmm --initrd "$TMP/missing.img" "$MB_ELF"
	assert_rc 4
	assert_one_line_err
	assert_err "$TMP/missing.img"
}

test_elf64_not_in_ram() {
	vmm -m 1M "$ELF64"
	expect_image_error "$ELF64" "is not in guest RAM (RAM: [0x0-0x9ffff], [0xe0000-0xfffff])"
}

# Flat and ELF64 images have no boot protocol: --append and --initrd
# reach them only through a device that passes them on (fw_cfg), never
# dropped in silence; one initrd, no module command line.
test_boot_files_refused_without_a_device() {
	local img

	for img in "$ELF64" "$GUESTS/hello.bin"; do
		vmm --nodefaults -d serial8250 --append "foo=bar" "$img"
		expect_image_error "$img" "--append, --initrd and --module reach"
		assert_err "only through a device that passes them on, such as fw_cfg, and this machine has none: add -d fw_cfg"
		vmm --nodefaults -d serial8250 --initrd "$GUESTS/hello.bin" "$img"
		expect_image_error "$img" "and this machine has none"
		vmm --module "$GUESTS/hello.bin" --module "$GUESTS/hello.bin" "$img"
		expect_image_error "$img" "2 modules given:"
		assert_err "takes one initrd (--initrd FILE), passed on by a device such as fw_cfg"
		vmm --module "$GUESTS/hello.bin,x=1" "$img"
		expect_image_error "$img" "has no module command lines; put arguments in --append"
	done
	vmm --nodefaults -d serial8250 --append "foo=bar" "$ELF64"
	assert_err "reach an ELF64 image only"
}

# With fw_cfg (a default device) the same options are taken.
test_boot_files_taken_with_fw_cfg() {
	need_kvm
	vmm --append "foo=bar" --initrd "$GUESTS/hello.bin" "$GUESTS/hello.bin"
	assert_rc 0
	assert_out "Hello from modvmm!"
	vmm --nodefaults -d serial8250 -d fw_cfg --append "foo=bar" "$ELF64"
	assert_rc 0
}
