# SPDX-License-Identifier: MIT
# Robustness (issue 7): the bad-input rows of doc/bad-input.md that no
# other test file covers, hostile guests (console flood, unclaimed-port
# hammering, the chaos guests writing random values everywhere), a
# plugin that crashes on purpose, and valgrind runs.  Every failure must
# come with one clear line, its own exit status, the terminal restored
# and no output lost.
#
# Variables a person exploring may set: CHAOS_SEED and CHAOS_ROUNDS
# override the chaos guests' seed and round count.

ELF64=$GUESTS/elf64_hello.elf
MB_ELF=$GUESTS/mb_elf.elf
MB_AOUT=$GUESTS/mb_aout.bin
CRASH_MSG="modvmm: device crashdev crashed"
CRASH_LINE="crash_plugin: writing the magic byte"

# expect_image_error FILE TEXT...: the last run refused FILE with status
# 4, one line "modvmm: FILE: ..." holding every TEXT, and ran nothing.
expect_image_error() {
	local f=$1 t

	shift
	assert_rc 4 "image error"
	assert_one_line_err
	assert_err "modvmm: $f: "
	for t in "$@"; do
		assert_err "$t"
	done
	[ -z "$OUT" ] || { show; fail "the guest ran"; }
}

# expect_err_line STATUS LINE: the last run ended with STATUS and stderr
# is exactly LINE.
expect_err_line() {
	assert_rc "$1"
	assert_one_line_err
	[ "$ERR" = "$2" ] || { show; fail "stderr is not exactly '$2'"; }
}

# A sanitizer or crash report anywhere in stderr is a failure.
assert_no_crash_report() {
	local bad

	for bad in "internal error" "crashed (SIG" "AddressSanitizer" "LeakSanitizer" \
		   "UndefinedBehaviorSanitizer" "runtime error:"; do
		! grep -qF -- "$bad" "$TMP/err" || { show; fail "stderr has '$bad'"; }
	done
}

# The binary under test was linked with AddressSanitizer (SANITIZE=1).
# --- ELF patching -----------------------------------------------------------

# elf_patch FILE FIELD=VALUE...: overwrite ELF32/ELF64 header fields
# (e_type, e_machine, e_entry, e_phoff, e_phnum) or fields of the first
# PT_LOAD program header (p_offset, p_paddr, p_filesz, p_memsz) in place.
elf_patch() {
	python3 - "$@" <<'EOF' || fail "elf_patch $*"
import struct, sys
path = sys.argv[1]
b = bytearray(open(path, 'rb').read())
assert b[:4] == b'\x7fELF', 'not an ELF file'
if b[4] == 2:
    ehdr = {'e_type': (0x10, 'H'), 'e_machine': (0x12, 'H'),
            'e_entry': (0x18, 'Q'), 'e_phoff': (0x20, 'Q'),
            'e_phnum': (0x38, 'H')}
    phdr = {'p_offset': (0x08, 'Q'), 'p_paddr': (0x18, 'Q'),
            'p_filesz': (0x20, 'Q'), 'p_memsz': (0x28, 'Q')}
    phoff, = struct.unpack_from('<Q', b, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', b, 0x36)
else:
    ehdr = {'e_type': (0x10, 'H'), 'e_machine': (0x12, 'H'),
            'e_entry': (0x18, 'I'), 'e_phoff': (0x1c, 'I'),
            'e_phnum': (0x2c, 'H')}
    phdr = {'p_offset': (0x04, 'I'), 'p_paddr': (0x0c, 'I'),
            'p_filesz': (0x10, 'I'), 'p_memsz': (0x14, 'I')}
    phoff, = struct.unpack_from('<I', b, 0x1c)
    phentsize, phnum = struct.unpack_from('<HH', b, 0x2a)
load = next(phoff + i * phentsize for i in range(phnum)
            if struct.unpack_from('<I', b, phoff + i * phentsize)[0] == 1)
for arg in sys.argv[2:]:
    key, val = arg.split('=')
    if key in ehdr:
        off, fmt = ehdr[key]
    else:
        off, fmt = phdr[key]
        off += load
    struct.pack_into('<' + fmt, b, off, int(val, 0))
open(path, 'wb').write(b)
EOF
}

# --- bad images: status 4, one line naming the file ------------------------

# Refused from its size alone: the file is sparse, nothing is read.
test_image_larger_than_4g() {
	truncate -s 5G "$TMP/huge.bin" || skip "cannot create a sparse 5 GiB file"
	vmm "$TMP/huge.bin"
	expect_err_line 4 "modvmm: $TMP/huge.bin: 5368709120 bytes is larger than the 4 GiB modvmm loads"
}

test_image_unreadable() {
	cp "$GUESTS/hello.bin" "$TMP/secret.bin"
	chmod 000 "$TMP/secret.bin"
	if [ "$(id -u)" = 0 ]; then
		need_tool setpriv util-linux
		cp "$MODVMM" "$TMP/modvmm"
		chmod 755 "$TMP" "$TMP/modvmm"
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$TMP/modvmm" "$TMP/secret.bin" >"$TMP/out" 2>"$TMP/err"
		RC=$?
		ERR=$(cat "$TMP/err")
	else
		vmm "$TMP/secret.bin"
	fi
	expect_err_line 4 "modvmm: $TMP/secret.bin: cannot open: Permission denied"
}

# The ELF magic alone, or a header cut short: an ELF error, not a flat
# image run as code.
test_image_truncated_elf_header() {
	need_guest elf64_hello.elf
	printf '\177ELF' >"$TMP/magic.elf"
	vmm "$TMP/magic.elf"
	expect_image_error "$TMP/magic.elf" "offset 0x0: file is 4 bytes, too short for an ELF64 header (64 bytes)"
	head -c 20 "$ELF64" >"$TMP/cut.elf"
	vmm "$TMP/cut.elf"
	expect_image_error "$TMP/cut.elf" "offset 0x0: file is 20 bytes, too short for an ELF64 header (64 bytes)"
}

# Wrong format: a Linux program, an ELF for another machine, an ELF32
# without a multiboot header.
test_image_wrong_format_elf() {
	need_guest elf64_hello.elf
	cp "$ELF64" "$TMP/pie.elf"
	elf_patch "$TMP/pie.elf" e_type=3
	vmm "$TMP/pie.elf"
	expect_image_error "$TMP/pie.elf" "offset 0x10: e_type ET_DYN (position-independent executable or shared object) is not supported: link a static ET_EXEC (-static -no-pie)"
	cp "$ELF64" "$TMP/arm.elf"
	elf_patch "$TMP/arm.elf" e_machine=183
	vmm "$TMP/arm.elf"
	expect_image_error "$TMP/arm.elf" "offset 0x12: e_machine 183 is not EM_X86_64 (62)"
	# whatever the host's /bin/true is (PIE or dynamic), it is refused
	vmm /bin/true
	assert_rc 4 "/bin/true"
	assert_one_line_err
	assert_err "modvmm: /bin/true: "
}

# Bytes no loader recognises are a flat real-mode image (flat is the
# fallback): random bytes run as code and end as a guest would, never
# as a modvmm failure.
test_image_garbage_runs_as_flat() {
	local seed

	need_kvm
	for seed in 1 2 3 4 5; do
		python3 -c 'import random, sys; random.seed(int(sys.argv[1])); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(4096)))' \
			"$seed" >"$TMP/garbage.bin"
		vmm --timeout 1 --nodefaults -d serial8250,out=null -d debugport,out=null \
			"$TMP/garbage.bin"
		echo "# seed $seed: status $RC" >&2
		case $RC in
		0|10|12) ;;
		*) [ $((RC % 2)) = 1 ] || { show; fail "seed $seed: status $RC"; } ;;
		esac
		assert_no_crash_report
	done
}

# ELF64 headers that lie about sizes and offsets.
test_elf64_lying_sizes_and_offsets() {
	local t

	need_guest elf64_hello.elf
	for t in e_phnum=0x4000 e_phoff=0xffffffffffffffc0 p_filesz=0x7fffffff,p_memsz=0x7fffffff \
		 p_offset=0x10000000; do
		cp "$ELF64" "$TMP/lie.elf"
		elf_patch "$TMP/lie.elf" ${t//,/ }
		vmm "$TMP/lie.elf"
		expect_image_error "$TMP/lie.elf" "run"
		assert_err "past the end of the file (size 0x$(printf %x "$(stat -c %s "$ELF64")"))"
	done
	cp "$ELF64" "$TMP/lie.elf"
	elf_patch "$TMP/lie.elf" p_memsz=1
	vmm "$TMP/lie.elf"
	expect_image_error "$TMP/lie.elf" "is larger than p_memsz 0x1"
}

# Entry points and segments outside RAM: the 3-4 GiB hole, past -m.
test_elf64_entry_and_segments_outside_ram() {
	need_guest elf64_hello.elf
	cp "$ELF64" "$TMP/e.elf"
	elf_patch "$TMP/e.elf" e_entry=0xc0000000
	vmm "$TMP/e.elf"
	expect_image_error "$TMP/e.elf" "offset 0x18: entry point 0xc0000000 is outside every loaded segment"
	cp "$ELF64" "$TMP/s.elf"
	elf_patch "$TMP/s.elf" p_paddr=0xc0000000
	vmm "$TMP/s.elf"
	expect_image_error "$TMP/s.elf" "segment [0xc0000000-" "is not in guest RAM (RAM: [0x0-0x9ffff], [0xe0000-0xfffff], [0x100000-"
	cp "$ELF64" "$TMP/s.elf"
	elf_patch "$TMP/s.elf" p_paddr=0x8000000
	vmm -m 128M "$TMP/s.elf"
	expect_image_error "$TMP/s.elf" "segment [0x8000000-" "is not in guest RAM (RAM: [0x0-0x9ffff], [0xe0000-0xfffff], [0x100000-0x7ffffff])"
}

test_multiboot_elf_lying_headers() {
	local size

	need_guest mb_elf.elf
	size=$(printf %x "$(stat -c %s "$MB_ELF")")
	cp "$MB_ELF" "$TMP/k.elf"
	elf_patch "$TMP/k.elf" e_phnum=400
	vmm "$TMP/k.elf"
	expect_image_error "$TMP/k.elf" "400 program headers of 32 bytes" "run past the end of the file (size 0x$size)"
	cp "$MB_ELF" "$TMP/k.elf"
	elf_patch "$TMP/k.elf" p_filesz=0x10000000 p_memsz=0x10000000
	vmm "$TMP/k.elf"
	expect_image_error "$TMP/k.elf" "runs past the end of the file (size 0x$size)"
	cp "$MB_ELF" "$TMP/k.elf"
	elf_patch "$TMP/k.elf" e_entry=0xc0000000
	vmm "$TMP/k.elf"
	expect_image_error "$TMP/k.elf" "offset 0x18: entry point 0xc0000000 is outside every loaded segment"
	cp "$MB_ELF" "$TMP/k.elf"
	elf_patch "$TMP/k.elf" p_paddr=0xfff00000
	vmm "$TMP/k.elf"
	expect_image_error "$TMP/k.elf" "segment [0xfff00000-" "is not in guest RAM"
}

# aout_patch FILE FIELD VALUE: set an a.out kludge field of the multiboot
# header (4-byte aligned in the first 8 KiB) in place.
aout_patch() {
	python3 - "$@" <<'EOF' || fail "aout_patch $*"
import struct, sys
path, field, val = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
b = bytearray(open(path, 'rb').read())
hdr = next(o for o in range(0, min(len(b), 8192) - 3, 4)
           if struct.unpack_from('<I', b, o)[0] == 0x1badb002)
fields = ['header_addr', 'load_addr', 'load_end_addr', 'bss_end_addr',
          'entry_addr']
struct.pack_into('<I', b, hdr + 12 + 4 * fields.index(field), val)
open(path, 'wb').write(b)
EOF
}

test_multiboot_aout_lying_addresses() {
	need_guest mb_aout.bin
	cp "$MB_AOUT" "$TMP/a.bin"
	aout_patch "$TMP/a.bin" entry_addr 0xc0000000
	vmm "$TMP/a.bin"
	expect_image_error "$TMP/a.bin" "a.out kludge entry_addr 0xc0000000 is outside the loaded image"
	cp "$MB_AOUT" "$TMP/a.bin"
	aout_patch "$TMP/a.bin" load_end_addr 0x1100000
	vmm "$TMP/a.bin"
	expect_image_error "$TMP/a.bin" "past the end of the file"
	cp "$MB_AOUT" "$TMP/a.bin"
	aout_patch "$TMP/a.bin" bss_end_addr 0xf0000000
	vmm "$TMP/a.bin"
	expect_image_error "$TMP/a.bin" "is not in guest RAM"
}

# --entry of a flat image outside RAM (a hole, past -m, above the 4 GiB
# the boot page tables map): refused, not run into a crash.
test_flat_entry_outside_ram() {
	need_guest lm64_hello.bin
	vmm --mode long --entry 0xc0000000 "$GUESTS/lm64_hello.bin"
	expect_image_error "$GUESTS/lm64_hello.bin" "entry 0xc0000000 is not in guest RAM (RAM: [0x0-0x9ffff], [0xe0000-0xfffff], [0x100000-"
	vmm -m 64M --mode protected --entry 0x4000000 "$GUESTS/pm32_hello.bin"
	expect_image_error "$GUESTS/pm32_hello.bin" "entry 0x4000000 is not in guest RAM (RAM: [0x0-0x9ffff], [0xe0000-0xfffff], [0x100000-0x3ffffff])"
	vmm --entry 0xb8000 "$GUESTS/hello.bin"
	expect_image_error "$GUESTS/hello.bin" "entry 0xb8000 is not in guest RAM"
	vmm -m 5G --mode long --entry 0x120000000 "$GUESTS/lm64_hello.bin"
	expect_image_error "$GUESTS/lm64_hello.bin" "entry 0x120000000 is above 4 GiB in long mode (the boot page tables map the first 4 GiB)"
}

# --- command line: -m and built-in devices' options ------------------------

test_memory_size_not_page_multiple() {
	vmm -m 1025K "$GUESTS/hello.bin"
	expect_err_line 2 "modvmm: -m 1025K: guest RAM must be at least 1 MiB and a multiple of 4 KiB"
	vmm -m 1.5G "$GUESTS/hello.bin"
	expect_err_line 2 "modvmm: -m 1.5G: not a size (want e.g. 64M, 1G, 512K or a number of MiB)"
}

# Devices are created after the VM, so these need KVM too.
test_builtin_device_bad_options() {
	# refused before /dev/kvm is opened: no KVM needed
	vmm -d serial8250,irq=99 "$GUESTS/hello.bin"
	expect_err_line 6 "modvmm: serial8250.1: init failed: option irq=99: out of range (0-23)"
	vmm -d debugport,port=banana "$GUESTS/hello.bin"
	expect_err_line 6 "modvmm: debugport.1: init failed: option port=banana: not a number (want decimal, 0x hex or a K/M/G size)"
	vmm --nodefaults -d serial8250,port "$GUESTS/hello.bin"
	expect_err_line 6 "modvmm: serial8250: init failed: option port=: not a number (want decimal, 0x hex or a K/M/G size)"
	vmm --nodefaults -d pit8254,speed=9 "$GUESTS/hello.bin"
	expect_err_line 6 "modvmm: pit8254: unknown option 'speed' (accepted: port, irq)"
	vmm -d "" "$GUESTS/hello.bin"
	expect_err_line 6 "modvmm: -d : '': missing device name before the options"
	vmm -d "Serial!" "$GUESTS/hello.bin"
	expect_err_line 6 "modvmm: device 'Serial!': invalid name (want [a-z0-9_-]+, or a path to a .so)"
	vmm -d serial8250 "$GUESTS/hello.bin"
	expect_err_line 6 "modvmm: serial8250.1: init failed: cannot claim ports 0x3f8-0x3ff: serial8250 [0x3f8-0x3ff] overlaps serial8250.1 [0x3f8-0x3ff]"
}

# --- hostile guests -----------------------------------------------------------

# rss_run CMD...: run CMD with stdout and stderr in $TMP/out and $TMP/err;
# sets RC and RSS_KB (the child's peak resident set, from getrusage).
rss_run() {
	local r

	r=$(python3 - "$@" <<'EOF'
import os, resource, subprocess, sys
tmp = os.environ['TMP']
with open(tmp + '/out', 'wb') as o, open(tmp + '/err', 'wb') as e:
    rc = subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=o,
                         stderr=e)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
)
	RC=${r% *}
	RSS_KB=${r#* }
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

# stats_value DEVICE KEY: a device's counter from the last run's --stats.
stats_value() {
	sed -n "s/^  $1 .*[ ,]$2 \([0-9]*\).*/\1/p" "$TMP/err"
}

# check_flood FILE: every complete line is "flood N ....", N counting
# from 0 in hex; the last line may be cut off at the stop.
check_flood() {
	python3 - "$1" <<'EOF' || fail "$1 is not the guest's unbroken output"
import sys
data = open(sys.argv[1], 'rb').read()
lines = data.split(b'\n')
last = lines.pop()
assert len(lines) > 10, 'only %d lines' % len(lines)
for n, l in enumerate(lines):
    want = b'flood %08x ' % n
    want += b'.' * (79 - len(want))
    assert l == want, 'line %d is %r' % (n, l[:40])
assert (b'flood %08x ' % len(lines) + b'.' * 64).startswith(last), 'tail %r' % last
EOF
}

# A guest printing endlessly to both consoles: --timeout stops it (12),
# every byte it sent is in the files, and modvmm's memory does not grow
# with the amount printed.
test_console_flood_timeout() {
	local secs bytes rss1

	need_kvm
	need_guest chaos_flood.bin
	for secs in 1 3; do
		rss_run timeout -k 5 30 "$MODVMM" --stats --timeout "$secs" --nodefaults \
			-d serial8250,out="$TMP/uart.txt" -d debugport,out="$TMP/dbg.txt" \
			"$GUESTS/chaos_flood.bin"
		assert_rc 12 "--timeout $secs"
		assert_err "guest still running after --timeout $secs s; stopped"
		assert_no_crash_report
		check_flood "$TMP/uart.txt"
		check_flood "$TMP/dbg.txt"
		bytes=$(stat -c %s "$TMP/uart.txt")
		assert_eq "$bytes" "$(stats_value serial8250 accesses)" "UART bytes in the file vs bytes the guest sent"
		bytes=$(stat -c %s "$TMP/dbg.txt")
		assert_eq "$bytes" "$(stats_value debugport accesses)" "debug console bytes in the file vs bytes the guest sent"
		echo "# --timeout $secs: $bytes bytes per console, max RSS $RSS_KB KiB" >&2
		[ "$secs" = 1 ] && rss1=$RSS_KB
	done
	[ "$RSS_KB" -lt $((rss1 + 2048)) ] ||
		fail "max RSS grew from $rss1 KiB (1 s) to $RSS_KB KiB (3 s)"
	modvmm_is_asan || [ "$RSS_KB" -lt 65536 ] ||
		fail "max RSS $RSS_KB KiB for a guest with nothing in RAM"
}

# The same flood into a pipe that is read slowly must not lose or stall:
# modvmm ends on time.
test_console_flood_slow_reader() {
	need_kvm
	need_guest chaos_flood.bin
	# The reader sleeps on purpose: it is the slow sink under test.
	timeout -k 5 30 "$MODVMM" --timeout 2 --nodefaults -d serial8250 \
		-d debugport,out=null "$GUESTS/chaos_flood.bin" 2>"$TMP/err" </dev/null |
		{ sleep 3; cat >"$TMP/out"; }
	RC=${PIPESTATUS[0]}
	# 12 is modvmm's own --timeout 2; stalled, it would be timeout's 124.
	assert_rc 12
	check_flood "$TMP/out"
}

# 40 rounds over 256 unclaimed ports and 64 unclaimed pages: reads give
# all ones (status 67), -v logs each port and page exactly once, plain
# runs log nothing, and the run stays quick.
test_unclaimed_hammer_logged_once() {
	need_kvm
	need_guest chaos_unclaimed.bin
	vmm -v "$GUESTS/chaos_unclaimed.bin"
	assert_rc 67 "every unclaimed read gave all ones"
	assert_eq "$(grep -c ': no device (logged once per port/page)$' "$TMP/err")" 320 "log lines"
	# besides those, -v only says which plugins it loads (pit8254=m)
	assert_eq "$(grep -v -e ': no device (logged once per port/page)$' \
		-e ': loading plugin ' "$TMP/err" | wc -l)" 0 "other stderr lines"
	assert_eq "$(sort "$TMP/err" | uniq -d | wc -l)" 0 "repeated lines"
	assert_err "modvmm: io write of 1 byte at 0x100: no device"
	assert_err "modvmm: io write of 1 byte at 0x1ff: no device"
	assert_err "modvmm: mmio write of 1 byte at 0xa0000: no device"
	assert_err "modvmm: mmio write of 1 byte at 0xdf000: no device"
	vmm "$GUESTS/chaos_unclaimed.bin"
	assert_rc 67
	assert_eq "$ERR" "" "stderr without -v"
}

# Printed, then a triple fault at once: the unflushed text (no newline
# at its end) is in both files before modvmm reports the crash.
test_output_before_triple_fault_reaches_file() {
	local want

	need_kvm
	need_guest chaos_fault.bin
	want=$(printf 'chaos_fault: line 1\nchaos_fault: line 2\nchaos_fault: line 3\nchaos_fault: no newline')
	vmm --nodefaults -d serial8250,out="$TMP/uart.txt" -d debugport,out="$TMP/dbg.txt" \
		"$GUESTS/chaos_fault.bin"
	assert_rc 10
	assert_err "modvmm: guest crashed: triple fault"
	assert_eq "$(cat "$TMP/uart.txt")" "$want" "UART file"
	assert_eq "$(cat "$TMP/dbg.txt")" "$want" "debug console file"
	# and on stdout, with the default machine
	vmm "$GUESTS/chaos_fault.bin"
	assert_rc 10
	assert_eq "$OUT" "$want" "stdout"
	assert_err "chaos_fault: no newlinemodvmm: guest crashed"
}

# --- chaos guests ---------------------------------------------------------------

# chaos_image SRC DST ROUNDS [SEED]: a copy of a chaos guest with another
# round count and seed in its header; $CHAOS_ROUNDS and $CHAOS_SEED win.
chaos_image() {
	python3 - "$1" "$2" "${CHAOS_ROUNDS:-$3}" "${CHAOS_SEED:-${4:-}}" <<'EOF' ||
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
assert b[4:8] == b'CHAO', 'no chaos header'
struct.pack_into('<I', b, 8, int(sys.argv[3], 0))
if sys.argv[4]:
    struct.pack_into('<I', b, 12, int(sys.argv[4], 0))
open(sys.argv[2], 'wb').write(b)
print('# %s: %d rounds, seed 0x%08x' % (sys.argv[1].split('/')[-1],
      *struct.unpack_from('<II', b, 8)), file=sys.stderr)
EOF
		fail "chaos_image $*"
}

# The devices the chaos guests run with: the consoles silenced, the PIT,
# and the example plugins when they were built.
chaos_devices() {
	local list

	CHAOS_DEVS=(--nodefaults -d serial8250,out=null -d debugport,out=null)
	list=$("$MODVMM" --list-devices 2>/dev/null)
	for d in pit8254 counter regbank; do
		if grep -q "^$d " <<<"$list"; then
			CHAOS_DEVS+=(-d "$d")
		else
			echo "# chaos without $d (not built)" >&2
		fi
	done
}

# run_chaos IMAGE ARGS...: run it (with a generous timeout: one round is
# 4-8 s where KVM emulates much of the guest) and check it ended well.
run_chaos() {
	local img=$1 t0 ms

	shift
	chaos_devices
	t0=$(date +%s%N)
	VMM_TIMEOUT=200 vmm --stats --timeout 180 "$@" "${CHAOS_DEVS[@]}" "$img"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "# $(basename "$img"): status $RC in $ms ms" >&2
	grep -E '^  (exits|unclaimed):' "$TMP/err" | sed 's/^/# /' >&2
	assert_rc 85 "the guest reached its exit port write"
	assert_no_crash_report
	[ -z "$OUT" ] || { show; fail "output on stdout"; }
}

test_chaos_real_mode() {
	need_kvm
	need_guest chaos_real.bin
	chaos_image "$GUESTS/chaos_real.bin" "$TMP/chaos.bin" 3
	run_chaos "$TMP/chaos.bin"
}

test_chaos_long_mode() {
	need_kvm
	need_guest chaos_long.bin
	chaos_image "$GUESTS/chaos_long.bin" "$TMP/chaos.bin" 2
	run_chaos "$TMP/chaos.bin" -m 128M --mode long
}

# --- a plugin that crashes --------------------------------------------------------

# Build tests/plugins-crash/crashdev.c the way an out-of-tree plugin is
# built, matching the binary (sanitizer or not); sets CRASHDEV.
build_crashdev() {
	local san=

	need_kvm
	need_guest crash_plugin.bin
	modvmm_is_asan && san=SANITIZE=1
	mkdir -p "$TMP/crashdev"
	cp "$TOP/tests/plugins-crash/crashdev.c" "$TMP/crashdev/"
	make -s -C "$TOP" M="$TMP/crashdev" ${O:+O=$O} $san >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log" >&2; fail "make M=$TMP/crashdev failed"; }
	CRASHDEV=$TMP/crashdev/crashdev.so
	[ -f "$CRASHDEV" ] || fail "make M= did not build $CRASHDEV"
}

# The control: mode=none does not crash; the guest runs to its end.
test_crash_plugin_control() {
	build_crashdev
	vmm -d "$CRASHDEV,mode=none" "$GUESTS/crash_plugin.bin"
	assert_rc 3
	assert_out "crash_plugin: still running"
}

# SIGSEGV, SIGBUS and abort() in a port write handler: the device and the
# port are named, the UART's buffered line reaches stdout (a file here,
# so the UART does not flush at the newline), status 16.
test_crash_plugin_in_access() {
	local mode sig

	build_crashdev
	for mode in segv:SIGSEGV bus:SIGBUS abort:SIGABRT; do
		sig=${mode#*:}
		vmm -d "$CRASHDEV,mode=${mode%:*}" "$GUESTS/crash_plugin.bin"
		expect_err_line 16 "$CRASH_MSG ($sig) handling an access at 0x5e0; stopping the guest"
		assert_out_exact "$CRASH_LINE"
	done
}

test_crash_plugin_in_mmio_access() {
	build_crashdev
	vmm -d "$CRASHDEV,mmio=0xb0000" "$GUESTS/crash_plugin.bin"
	expect_err_line 16 "$CRASH_MSG (SIGSEGV) handling an access at 0xb0000; stopping the guest"
	assert_out_exact "$CRASH_LINE"
}

# Outside an access: in a timer callback, in init.
test_crash_plugin_in_timer_and_init() {
	local mode sig

	build_crashdev
	for mode in segv:SIGSEGV bus:SIGBUS abort:SIGABRT; do
		sig=${mode#*:}
		vmm -d "$CRASHDEV,mode=${mode%:*},when=timer" "$GUESTS/crash_plugin.bin"
		expect_err_line 16 "$CRASH_MSG ($sig) in a timer callback; stopping the guest"
		assert_out_exact "$CRASH_LINE"
		vmm -d "$CRASHDEV,mode=${mode%:*},when=init" "$GUESTS/crash_plugin.bin"
		expect_err_line 16 "$CRASH_MSG ($sig) in its init function; stopping the guest"
		assert_out_exact ""
	done
}

# A handler that never returns (in an access, in a timer callback): the
# watchdog names the device and what it was doing, the guest's output is
# flushed, and the run ends with the device-fault status instead of
# hanging.  SIGTERM sent meanwhile cannot stop a hung vCPU thread; the
# watchdog still ends the run.
test_watchdog_hung_plugin() {
	build_crashdev
	vmm --watchdog 1 -d "$CRASHDEV,mode=hang" "$GUESTS/crash_plugin.bin"
	expect_err_line 16 "modvmm: device crashdev did not return from an access at 0x5e0 within 1 s (a hung handler); stopping"
	assert_out_exact "$CRASH_LINE"
	vmm --watchdog 0.5 -d "$CRASHDEV,mode=hang,when=timer" "$GUESTS/crash_plugin.bin"
	expect_err_line 16 "modvmm: device crashdev did not return in a timer callback within 0.5 s (a hung handler); stopping"
	assert_out_exact "$CRASH_LINE"
	# the default bound is 5 s: the helper's own 20 s limit is not hit
	vmm -d "$CRASHDEV,mode=hang" "$GUESTS/crash_plugin.bin"
	expect_err_line 16 "modvmm: device crashdev did not return from an access at 0x5e0 within 5 s (a hung handler); stopping"
}

# --watchdog takes what --timeout takes, and 0 (off).
test_watchdog_option() {
	vmm --watchdog nan "$GUESTS/hello.bin"
	expect_err_line 2 "modvmm: --watchdog nan: not a positive number of seconds (want a decimal number from 0.000000001 to 10000000, e.g. 0.5)"
	need_kvm
	vmm --watchdog 0 "$GUESTS/hello.bin"
	assert_rc 0
}

# In the sync and exit hooks, once the guest wrote the magic and ran to
# its end: the crash handler's own sync runs the crashing hook again,
# and modvmm still exits with 16 and one line, the guest's output out.
test_crash_plugin_in_sync_and_exit() {
	local mode sig when

	build_crashdev
	for mode in segv:SIGSEGV bus:SIGBUS abort:SIGABRT; do
		sig=${mode#*:}
		for when in sync exit; do
			vmm -d "$CRASHDEV,mode=${mode%:*},when=$when" "$GUESTS/crash_plugin.bin"
			expect_err_line 16 "$CRASH_MSG ($sig) in its $when hook; stopping the guest"
			assert_out_exact "$(printf '%s\n%s' "$CRASH_LINE" "crash_plugin: still running")"
		done
	done
}

# A plugin that calls exit() would end the run with a status of its
# choosing, one that looks like the guest's: it is a device fault, named.
test_plugin_exit_is_a_device_fault() {
	build_crashdev
	vmm -d "$CRASHDEV,mode=exit" "$GUESTS/crash_plugin.bin"
	expect_err_line 16 "modvmm: device crashdev called exit(3) handling an access at 0x5e0; stopping the guest"
	assert_out_exact "$CRASH_LINE"
	vmm -d "$CRASHDEV,mode=exit,when=timer" "$GUESTS/crash_plugin.bin"
	expect_err_line 16 "modvmm: device crashdev called exit(3) in a timer callback; stopping the guest"
	vmm -d "$CRASHDEV,mode=exit,when=init" "$GUESTS/crash_plugin.bin"
	expect_err_line 16 "modvmm: device crashdev called exit(3) in its init function; stopping the guest"
	vmm -d "$CRASHDEV,mode=exit,when=exit" "$GUESTS/crash_plugin.bin"
	expect_err_line 16 "modvmm: device crashdev called exit(3) in its exit hook; stopping the guest"
	assert_out "crash_plugin: still running"
}

# request_stop() takes what a device can earn: power-off, reset, the
# user's stop, an odd status from the guest; nothing modvmm says itself.
test_plugin_stop_status_refused() {
	local st

	build_crashdev
	for st in 256 0xffffffff 12 16 2 0x7fffffff; do
		vmm -d "$CRASHDEV,mode=stop,status=$st" "$GUESTS/crash_plugin.bin"
		assert_rc 16 "request_stop($st)"
		assert_err "not a status a device may end the run with"
		assert_err "crashdev: request_stop("
	done
	for st in 0 3 18 20 255; do
		vmm -d "$CRASHDEV,mode=stop,status=$st" "$GUESTS/crash_plugin.bin"
		assert_rc "$st" "request_stop($st)"
		assert_not_err "not a status"
	done
}

# Every signal whose default would kill modvmm stops the run the clean
# way instead: output flushed, status 20, the signal named.
test_signals_stop_cleanly() {
	local sig name

	need_kvm
	# SIGIO is SIGPOLL by its other name
	for sig in HUP QUIT USR2 ALRM VTALRM PROF IO:POLL PWR STKFLT XCPU RTMIN RTMIN+3 RTMAX; do
		name=SIG${sig#*:}
		sig=${sig%:*}
		# the shell truncates them in the child: not the last run's "."
		rm -f "$TMP/out" "$TMP/err"
		"$MODVMM" "$GUESTS/forever.bin" >"$TMP/out" 2>"$TMP/err" </dev/null &
		local pid=$!
		wait_for "$TMP/out" "."
		kill -s "$sig" $pid
		wait $pid
		RC=$?
		ERR=$(cat "$TMP/err")
		assert_rc 20 "$name"
		assert_one_line_err
		assert_eq "$ERR" "modvmm: stopped by $name"
	done
}

# SIGPIPE is ignored (a write reports EPIPE instead), SIGUSR1 is the
# vCPU kick: neither stops the guest.
test_signals_ignored_keep_running() {
	local sig i

	need_kvm
	"$MODVMM" "$GUESTS/forever.bin" >"$TMP/out" 2>"$TMP/err" </dev/null &
	local pid=$!
	wait_for "$TMP/out" "."
	for sig in PIPE USR1 XFSZ CHLD WINCH URG; do
		kill -s "$sig" $pid
	done
	# until the process has taken them all (none pending), bounded
	for ((i = 0; i < 200; i++)); do
		grep -q '^ShdPnd:[[:space:]]*0*$' /proc/$pid/status 2>/dev/null && break
		sleep 0.05
	done
	kill -0 $pid 2>/dev/null || { wait $pid; fail "modvmm died (status $?) of a signal it should ignore"; }
	kill -TERM $pid
	wait $pid
	RC=$?
	ERR=$(cat "$TMP/err")
	assert_rc 20
	assert_eq "$ERR" "modvmm: stopped by SIGTERM"
}

# A file-size limit (ulimit -f) reached on an output is an I/O error
# message naming the device, not death by SIGXFSZ; the run goes on.
test_file_size_limit_is_an_io_error() {
	need_kvm
	need_guest chaos_flood.bin
	( ulimit -f 4; exec "$MODVMM" --timeout 1 --nodefaults \
		-d serial8250,out="$TMP/uart.txt" -d debugport,out="$TMP/dbg.txt" \
		"$GUESTS/chaos_flood.bin" ) >"$TMP/out" 2>"$TMP/err"
	RC=$?
	ERR=$(cat "$TMP/err")
	assert_rc 12 "the --timeout, not SIGXFSZ (153)"
	assert_err "modvmm: serial8250: output: write: File too large (the file-size limit, ulimit -f); output disabled"
	assert_err "guest still running after --timeout"
	assert_eq "$(stat -c %s "$TMP/uart.txt")" 4096 "uart.txt at the limit"
	# the same for the access trace, written through stdio
	( ulimit -f 4; exec "$MODVMM" --timeout 0.5 --trace io,file="$TMP/trace.txt" \
		--nodefaults "$GUESTS/chaos_flood.bin" ) >"$TMP/out" 2>"$TMP/err"
	RC=$?
	ERR=$(cat "$TMP/err")
	assert_rc 12 "the --timeout, not SIGXFSZ (153)"
	assert_err "modvmm: --trace file=$TMP/trace.txt: write: File too large (the file-size limit, ulimit -f); the trace is incomplete"
}

# pty_run CMD...: run CMD on a new pseudo-terminal between two "stty -g"
# (and "rc=STATUS" after CMD); everything it printed goes to $TMP/pty.
pty_run() {
	python3 - "$@" >"$TMP/pty" <<'EOF' || fail "pty_run failed"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp('sh', ['sh', '-c', 'stty -g; "$@"; echo "rc=$?"; stty -g',
                     'sh'] + sys.argv[1:])
out = b''
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace').replace('\r\n', '\n'))
EOF
}

# On a terminal (the UART puts it in raw mode for console input): every
# crash gives it back as it was.  The controls: a triple fault and a
# timeout.  "timeout --foreground" keeps modvmm in the terminal's
# foreground process group, where it may change the terminal.
test_crash_plugin_restores_terminal() {
	local c first last

	build_crashdev
	need_tool stty coreutils
	for c in "16 -d $CRASHDEV,mode=segv $GUESTS/crash_plugin.bin" \
		 "16 -d $CRASHDEV,mode=bus $GUESTS/crash_plugin.bin" \
		 "16 -d $CRASHDEV,mode=abort $GUESTS/crash_plugin.bin" \
		 "16 -d $CRASHDEV,when=timer $GUESTS/crash_plugin.bin" \
		 "10 $GUESTS/chaos_fault.bin" \
		 "12 --timeout 0.5 $GUESTS/forever.bin"; do
		# shellcheck disable=SC2086
		pty_run timeout --foreground -k 5 20 "$MODVMM" ${c#* }
		first=$(head -n 1 "$TMP/pty")
		last=$(tail -n 1 "$TMP/pty")
		grep -qx "rc=${c%% *}" "$TMP/pty" ||
			{ cat "$TMP/pty" >&2; fail "want status ${c%% *}: ${c#* }"; }
		[ -n "$first" ] && [ "$first" = "$last" ] ||
			{ cat "$TMP/pty" >&2; fail "terminal settings changed: ${c#* }"; }
		case $c in
		16*)	grep -qxF "$CRASH_LINE" "$TMP/pty" &&
				grep -qF "$CRASH_MSG" "$TMP/pty" ||
				{ cat "$TMP/pty" >&2; fail "output lost: ${c#* }"; } ;;
		esac
	done
	# The check can fail: SIGKILL leaves the terminal raw.
	pty_run timeout --foreground -s KILL 1 "$MODVMM" "$GUESTS/forever.bin"
	grep -qx "rc=137" "$TMP/pty" || { cat "$TMP/pty" >&2; fail "SIGKILL control"; }
	[ "$(head -n 1 "$TMP/pty")" != "$(tail -n 1 "$TMP/pty")" ] ||
		{ cat "$TMP/pty" >&2; fail "modvmm never made the terminal raw"; }
}

# A crash in modvmm itself (here: a SIGSEGV or SIGBUS sent while only
# the guest runs) is an internal error, 14; the output is still flushed.
test_crash_outside_devices_is_internal() {
	local sig pid

	need_kvm
	for sig in SEGV BUS; do
		"$MODVMM" "$GUESTS/forever.bin" >"$TMP/out" 2>"$TMP/err" </dev/null &
		pid=$!
		wait_for "$TMP/out" "."
		kill -"$sig" "$pid"
		wait "$pid"
		RC=$?
		ERR=$(cat "$TMP/err")
		expect_err_line 14 "modvmm: internal error: SIG$sig"
		assert_out "."
	done
}

# --- valgrind -------------------------------------------------------------------

need_valgrind() {
	need_kvm
	need_tool valgrind valgrind
	modvmm_is_asan && skip "valgrind cannot run an AddressSanitizer build"
	return 0
}

# vg ARGS...: run modvmm under memcheck (log in $TMP/vg.log); sets RC,
# OUT, ERR like vmm.  Valgrind knows the KVM ioctls; were one new to it,
# it would print a "unhandled ioctl" warning, which is not an error.
vg() {
	timeout -k 5 120 valgrind --log-file="$TMP/vg.log" --leak-check=full \
		--show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 \
		--track-fds=yes "$MODVMM" "$@" <"${VMM_STDIN:-/dev/null}" \
		>"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

# No memcheck error, no byte left allocated, and no file descriptor open
# at exit but the ones the test's shell passed in (and valgrind's log).
assert_valgrind_clean() {
	[ "$RC" != 99 ] || { cat "$TMP/vg.log" >&2; fail "valgrind found errors"; }
	grep -q "ERROR SUMMARY: 0 errors" "$TMP/vg.log" ||
		{ cat "$TMP/vg.log" >&2; fail "valgrind errors"; }
	grep -q "in use at exit: 0 bytes in 0 blocks" "$TMP/vg.log" ||
		grep -q "All heap blocks were freed" "$TMP/vg.log" ||
		{ cat "$TMP/vg.log" >&2; fail "memory left allocated at exit"; }
	python3 - "$TMP/vg.log" <<'EOF' || { cat "$TMP/vg.log" >&2; fail "fds left open"; }
import re, sys
log = sys.argv[1]
lines = [re.sub(r'^==\d+== ?', '', l.rstrip('\n')) for l in open(log)]
bad = []
for i, l in enumerate(lines):
    m = re.match(r'Open (?:file|AF_\w+ socket) descriptor (\d+)(?::\s*(.*))?', l)
    if not m:
        continue
    if m.group(2) == log or (i + 1 < len(lines) and
                             'inherited from parent' in lines[i + 1]):
        continue
    bad.append(l)
if bad:
    print('\n'.join(bad), file=sys.stderr)
    sys.exit(1)
EOF
}

test_valgrind_default_guest() {
	need_valgrind
	vg "$GUESTS/hello.bin"
	assert_rc 0
	assert_out_exact "Hello from modvmm!"
	assert_valgrind_clean
}

test_valgrind_with_plugins() {
	need_valgrind
	vg -d counter -d regbank "$GUESTS/hello.bin"
	assert_rc 0
	assert_out_exact "Hello from modvmm!"
	assert_valgrind_clean
	vg -d counter "$GUESTS/counter_test.bin"
	assert_rc 1
	assert_out "counter: OK"
	assert_valgrind_clean
}

# Every plugin opened is dlclose()d at exit: ld.so says it destroys each
# one's link map.
test_plugins_closed_at_exit() {
	local so

	need_kvm
	LD_DEBUG=files vmm -d counter -d regbank "$GUESTS/hello.bin"
	assert_rc 0
	for so in counter regbank; do
		grep -q "/$so.so \[0\];  destroying link map" "$TMP/err" ||
			{ show; fail "$so.so was not closed"; }
	done
	# also when a plugin's init fails
	LD_DEBUG=files vmm -d counter,port=0x3f8 "$GUESTS/hello.bin"
	assert_rc 6
	grep -q "/counter.so \[0\];  destroying link map" "$TMP/err" ||
		{ show; fail "counter.so was not closed after its init failed"; }
}

test_valgrind_error_paths() {
	need_valgrind
	vg -d counter,bogus=1 "$GUESTS/hello.bin"
	assert_rc 6
	assert_valgrind_clean
	vg -d counter,port=0x3f8 "$GUESTS/hello.bin"
	assert_rc 6
	assert_valgrind_clean
	vg "$TMP/nonexistent.bin"
	assert_rc 4
	assert_valgrind_clean
	vg --timeout 0.5 "$GUESTS/forever.bin"
	assert_rc 12
	assert_valgrind_clean
	vg -d counter -d regbank "$GUESTS/triple_fault.bin"
	assert_rc 10
	assert_valgrind_clean
}

# One round of the real-mode chaos guest: every device model and the
# bus see random accesses under memcheck.
test_valgrind_chaos() {
	need_valgrind
	need_guest chaos_real.bin
	chaos_image "$GUESTS/chaos_real.bin" "$TMP/chaos.bin" 1
	chaos_devices
	vg --timeout 100 "${CHAOS_DEVS[@]}" "$TMP/chaos.bin"
	assert_rc 85
	assert_valgrind_clean
}
