# SPDX-License-Identifier: MIT
# Interrupts end to end, with the three interrupt controllers: KVM's
# in-kernel irqchip (CONFIG_IRQCHIP_KVM), the userspace 8259 pair, the
# pic8259 device (CONFIG_IRQCHIP_USER, configs/irqchip_user_defconfig),
# and the split one: KVM's local APICs with the pic8259 and ioapic
# devices (CONFIG_IRQCHIP_SPLIT, configs/irqchip_split_defconfig).  Every
# scenario is a set of tests, *_kvm, *_user and *_split.
#
# The tree is configured for one controller; the other one is built from
# a copy of the tree in a cache directory under /tmp (kept between runs,
# rebuilt incrementally; $MODVMM_IRQ_CACHE overrides the place).  Without
# the build tools the tests of the other controller skip, except under
# CI=true, where they fail.

IRQ_CACHE=${MODVMM_IRQ_CACHE:-/tmp/modvmm-irq-$(id -u)-$(printf '%s' "$TOP" | cksum | cut -d' ' -f1)}

# 100 ticks of a 100 Hz PIT are 1.000015 s; the guests time them with
# the ACPI PM timer, from just before they program the PIT.  Fewer ms
# than that means ticks came faster than programmed (1% covers the
# timers' granularity).  Only this lower bound is checked: a loaded or
# nested machine can make ticks late, never early; the tick count checks
# the rest.
IRQ_1S_MIN_MS=990

irq_config_chip() {	# irq_config_chip CONFIG: kvm, user or none
	if grep -q '^CONFIG_IRQCHIP_USER=y' "$1" 2>/dev/null; then
		echo user
	elif grep -q '^CONFIG_IRQCHIP_SPLIT=y' "$1" 2>/dev/null; then
		echo split
	elif grep -q '^CONFIG_IRQCHIP_NONE=y' "$1" 2>/dev/null; then
		echo none
	else
		echo kvm
	fi
}

irq_need_tools() {
	local t

	for t in make gcc nasm ld kconfig-conf tar flock; do
		command -v "$t" >/dev/null 2>&1 && continue
		[ "${CI:-}" = true ] && fail "$t is missing and CI=true: cannot build the other irqchip variant"
		skip "$t is missing: cannot build the other irqchip variant"
	done
}

# irq_build_variant CHIP: a copy of the tree configured for CHIP, built.
# Copying with tar keeps the sources' times, so make only redoes what
# changed since the last run.
irq_build_variant() {
	local chip=$1 dir=$IRQ_CACHE/$1 defconfig

	irq_need_tools
	case $chip in
	user) defconfig=$TOP/configs/irqchip_user_defconfig ;;
	split) defconfig=$TOP/configs/irqchip_split_defconfig ;;
	*) defconfig=$TOP/configs/defconfig ;;
	esac
	mkdir -p "$dir" || fail "cannot create $dir"
	(
		flock 9 || exit 1
		(cd "$TOP" && tar -cf - --exclude=./build --exclude=./modules \
			--exclude=./modvmm --exclude=.git --exclude='./.config*' \
			--exclude=./include/config --exclude=./include/generated \
			--exclude='*.o' --exclude='*.so' --exclude='*.d' .) |
			tar -xf - -C "$dir" || exit 1
		cd "$dir" || exit 1
		# a plain build of its own: nothing from the make that runs
		# the tests (O=, SANITIZE=1, its jobserver) may leak in
		unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES O SANITIZE
		if ! cmp -s "$defconfig" .irq-defconfig; then
			cp "$defconfig" .config && cp "$defconfig" .irq-defconfig ||
				exit 1
		fi
		# the Kconfig files may have new symbols since the last run
		make -s olddefconfig >/dev/null || exit 1
		[ "$(irq_config_chip .config)" = "$chip" ] || exit 2
		make -s -j2 modvmm modules >"$dir/.build.log" 2>&1 || exit 3
	) 9>"$IRQ_CACHE/.lock-$chip"
	case $? in
	0) ;;
	2) fail "$defconfig does not select the $chip irqchip" ;;
	*) fail "building the $chip irqchip variant in $dir failed: $(tail -5 "$dir/.build.log" 2>/dev/null)" ;;
	esac
	MODVMM=$dir/modvmm
	MODULES=$dir/modules
}

IRQ_TREE_MODVMM=$MODVMM
IRQ_TREE_MODULES=$MODULES

# need_split_irqchip: skip where KVM lacks KVM_CAP_SPLIT_IRQCHIP (the
# split build says so in one line, with status 8, at start).
need_split_irqchip() {
	vmm --nodefaults -d debugport "$GUESTS/exit_0.bin"
	if [ "$RC" = 8 ] && grep -q "lacks KVM_CAP_SPLIT_IRQCHIP" "$TMP/err"; then
		[ "${CI:-}" = true ] && fail "this KVM lacks KVM_CAP_SPLIT_IRQCHIP and CI=true"
		skip "this KVM lacks KVM_CAP_SPLIT_IRQCHIP: no split irqchip here"
	fi
}

# irq_use CHIP: point $MODVMM and $MODULES at a build with that irqchip.
irq_use() {
	need_kvm
	MODVMM=$IRQ_TREE_MODVMM
	MODULES=$IRQ_TREE_MODULES
	[ "$(irq_config_chip "$TOP/.config")" = "$1" ] || irq_build_variant "$1"
	IRQ_CHIP=$1
	[ "$1" != split ] || need_split_irqchip
}

irq_guest() {
	[ -f "$GUESTS/$1" ] || fail "guest $GUESTS/$1 not built"
}

# --stats: the value of counter NAME on DEVICE's line, or empty.
irq_stat() {
	grep "^  $1 " "$TMP/err" | tr ',' '\n' | sed -n "s/^ *$2 \([0-9]*\)$/\1/p"
}

# --- The timer: real mode, then protected mode with an IDT -----------------

irq_pit_real() {
	irq_use "$1"
	irq_guest irq_pit_real.bin
	need_device acpi
	vmm --stats "$GUESTS/irq_pit_real.bin"
	assert_rc 1 "exit port, value 0"
	assert_out "irq_pit_real: 100 ticks, 0 spurious"
	assert_pm_ms_at_least out irq_pit_real "$IRQ_1S_MIN_MS"
	[ "$1" != kvm ] && [ "$(irq_stat pic8259 interrupts)" != 100 ] &&
		{ show; fail "pic8259 delivered $(irq_stat pic8259 interrupts) interrupts, expected 100"; }
	return 0
}

test_irq_pit_real_kvm() { irq_pit_real kvm; }
test_irq_pit_real_user() { irq_pit_real user; }
test_irq_pit_real_split() { irq_pit_real split; }

irq_pit_protected() {
	irq_use "$1"
	irq_guest irq_idle.bin
	need_device acpi
	vmm --append ticks=100 "$GUESTS/irq_idle.bin"
	assert_rc 1 "exit port, value 0"
	assert_out "irq_idle: 100 ticks, 0 spurious"
	assert_pm_ms_at_least out irq_idle "$IRQ_1S_MIN_MS"
}

test_irq_pit_protected_kvm() { irq_pit_protected kvm; }
test_irq_pit_protected_user() { irq_pit_protected user; }
test_irq_pit_protected_split() { irq_pit_protected split; }

# --- The UART: THR-empty and received-data interrupts ----------------------

irq_uart() {
	local counts

	irq_use "$1"
	irq_guest irq_uart.bin
	printf 'hello from stdin\n' >"$TMP/in"
	VMM_STDIN=$TMP/in vmm "$GUESTS/irq_uart.bin"
	assert_rc 1 "exit port, value 0"
	assert_out "irq_uart: ready"
	assert_out "irq_uart: got hello from stdin"
	counts=$(sed -n 's/^irq_uart: thre \([0-9]*\), rx \([0-9]*\)$/\1 \2/p' "$TMP/out")
	set -- $counts
	[ "${1:-0}" -ge 1 ] && [ "${2:-0}" -ge 1 ] ||
		{ show; fail "expected THR-empty and received-data interrupts, got '${counts}'"; }
}

test_irq_uart_kvm() { irq_uart kvm; }
test_irq_uart_user() { irq_uart user; }
test_irq_uart_split() { irq_uart split; }

# Input arriving while the guest sleeps in hlt wakes it: the line is
# written only once the guest is up and waiting (it printed "ready"), and
# nothing else (no timer: only IRQ 4 is open) can wake it.
irq_uart_wakes() {
	local writer

	irq_use "$1"
	irq_guest irq_uart.bin
	mkfifo "$TMP/fifo" || fail "mkfifo"
	{ wait_for "$TMP/out" "irq_uart: ready" && printf 'late line\n'; } >"$TMP/fifo" &
	writer=$!
	VMM_STDIN=$TMP/fifo vmm --timeout 60 "$GUESTS/irq_uart.bin"
	wait "$writer"
	assert_rc 1
	assert_out "irq_uart: got late line"
}

test_irq_uart_wakes_for_input_kvm() { irq_uart_wakes kvm; }
test_irq_uart_wakes_for_input_user() { irq_uart_wakes user; }
test_irq_uart_wakes_for_input_split() { irq_uart_wakes split; }

# --- A level-triggered line: regbank's IRQ_LEVEL on IRQ 10 -----------------

irq_level() {
	irq_use "$1"
	irq_guest irq_level.bin
	[ -f "$MODULES/regbank.so" ] || {
		grep -q '^CONFIG_EXAMPLE_PLUGINS=y' "$TOP/.config" 2>/dev/null &&
			fail "$MODULES/regbank.so missing although CONFIG_EXAMPLE_PLUGINS=y"
		skip "regbank.so not built (CONFIG_EXAMPLE_PLUGINS is off)"
	}
	vmm -d "$MODULES/regbank.so,base=0xd0000" "$GUESTS/irq_level.bin"
	assert_rc 1 "exit port, value 0"
	assert_out "irq_level: edge 1, level 5"
}

test_irq_level_kvm() { irq_level kvm; }
test_irq_level_user() { irq_level user; }
test_irq_level_split() { irq_level split; }

# --- HLT with interrupts off ends the run ----------------------------------

# The PIT keeps ticking at 100 Hz with IRQ 0 open: with KVM's irqchip the
# event thread is never idle, and the halt must still be noticed.
irq_cli_hlt() {
	irq_use "$1"
	irq_guest irq_cli_hlt.bin
	# Unnoticed, the halt would end in --timeout's status 12.
	vmm --timeout 10 "$GUESTS/irq_cli_hlt.bin"
	assert_rc 0 "halted with IF=0"
	assert_out "irq_cli_hlt: 5 ticks, halting"
}

test_irq_cli_hlt_ticking_kvm() { irq_cli_hlt kvm; }
test_irq_cli_hlt_ticking_user() { irq_cli_hlt user; }
test_irq_cli_hlt_ticking_split() { irq_cli_hlt split; }

# Nothing running at all: the event thread's idle poll finds the halt
# (the board's pic8259 is there even with --nodefaults).
irq_cli_hlt_quiet() {
	irq_use "$1"
	irq_guest exit_0.bin
	vmm --timeout 10 --nodefaults -d debugport,exit-port=0 "$GUESTS/exit_0.bin"
	assert_rc 0 "halted with IF=0"
}

test_irq_cli_hlt_quiet_kvm() { irq_cli_hlt_quiet kvm; }
test_irq_cli_hlt_quiet_user() { irq_cli_hlt_quiet user; }
test_irq_cli_hlt_quiet_split() { irq_cli_hlt_quiet split; }

# --- A device's interrupt by irqfd and by line ------------------------------

# virtio-rng's used-buffer interrupts, one per request, whichever way the
# transport raises its line: an irqfd KVM serves (the default with the
# in-kernel irqchip), irq_set (irqfd=off), and irq_set where there is no
# irqfd (the userspace 8259).  The guest counts the interrupts and the
# spurious ones (InterruptStatus 0).
irq_virtio() {
	local opts

	irq_use "$1"
	irq_guest virtio_irq.bin
	for opts in "" ",irqfd=off" ",ioeventfd=off,irqfd=off"; do
		vmm -v --plugin-dir "$MODULES" --mode protected \
			-d "virtio-rng$opts" "$GUESTS/virtio_irq.bin"
		assert_rc 1 "the guest's EXIT 0, virtio-rng$opts"
		assert_err "virtio_irq: 16 interrupts for 16 requests, 0 spurious"
		if [ "$1" = kvm ] && [ -z "$opts" ]; then
			assert_err "irq 5, queue notifies by ioeventfd, interrupts by irqfd"
		else
			assert_not_err "by irqfd"
		fi
	done
}
test_irq_virtio_kvm() { irq_virtio kvm; }
test_irq_virtio_user() { irq_virtio user; }
test_irq_virtio_split() { irq_virtio split; }

# --- The controller itself -------------------------------------------------

# pic8259 only runs where the core takes a userspace irqchip.  Its Kconfig
# symbol depends on IRQCHIP_USER, so build the plugin by hand.
test_irq_pic8259_refused_with_kvm_irqchip() {
	irq_use kvm
	irq_guest exit_0.bin
	need_tool gcc gcc
	gcc -std=gnu11 -Wall -Wextra -Werror -O2 -DMODULE -fPIC \
		-fvisibility=hidden -shared -Wl,--no-undefined \
		-I"$TOP/include" -o "$TMP/pic8259.so" "$TOP/devices/pic8259.c" ||
		fail "cannot build pic8259.so"
	vmm -d "$TMP/pic8259.so" "$GUESTS/exit_0.bin"
	assert_rc 6 "device error"
	assert_one_line_err
	assert_err "CONFIG_IRQCHIP_USER or CONFIG_IRQCHIP_SPLIT"
}

# The board creates its pic8259; a second one is refused as such.
test_irq_one_controller_only() {
	irq_use user
	irq_guest exit_0.bin
	vmm -d pic8259 -d pic8259,elcr=off "$GUESTS/exit_0.bin"
	assert_rc 6 "device error"
	assert_err "is already the interrupt controller"
}

test_irq_pic8259_listed() {
	irq_use user
	vmm --list-devices
	assert_rc 0
	assert_out "pic8259"
	assert_out "elcr"
	assert_ranges_declared_as_probed
	assert_out "probed: io 0x20-0x21, io 0xa0-0xa1, io 0x4d0-0x4d1"
}

test_irq_ioapic_listed() {
	irq_use split
	assert_ranges_declared_as_probed
	assert_out "probed: mmio 0xfec00000-0xfec000ff"
}

# --- What a guest without firmware finds -----------------------------------

# The 8259s deliver nothing before ICW1-ICW4, however the PIT ticks.
irq_no_init() {
	local after

	irq_use "$1"
	irq_guest irq_no_init.bin
	vmm "$GUESTS/irq_no_init.bin"
	assert_rc 1 "exit port, value 0"
	after=$(sed -n 's/^irq_no_init: after init \([0-9]*\) ticks$/\1/p' "$TMP/out")
	[ "${after:-0}" -ge 3 ] || { show; fail "the PIT did not tick after the 8259s were programmed"; }
	if [ "$1" = kvm ] && grep -q "before init [1-9][0-9]* interrupts, first vector 0x00" "$TMP/out"; then
		skip "KVM's in-kernel 8259s come up unmasked with vector base 0 (core/kvm/kvm.c must mask them at power-on)"
	fi
	assert_out "irq_no_init: before init 0 interrupts"
}

test_irq_no_init_kvm() { irq_no_init kvm; }
test_irq_no_init_user() { irq_no_init user; }
test_irq_no_init_split() { irq_no_init split; }

# irq_lapic_count NAME: the tick count the guest printed for NAME.
irq_lapic_count() {
	sed -n "s/^irq_lapic: $1 \\([0-9]*\\)\$/\\1/p" "$TMP/out"
}

# irq_lapic_in_kvm CHIP MIN: with KVM's local APIC (in-kernel or split
# irqchip) the guest sees it as after reset; at least MIN 8259 ticks
# arrive through LINT0 in ExtINT and with the APIC disabled, none with
# LINT0 masked.
irq_lapic_in_kvm() {
	irq_use "$1"
	irq_guest irq_lapic.bin
	vmm "$GUESTS/irq_lapic.bin"
	assert_rc 1 "exit port, value 0"
	assert_out "irq_lapic: cpuid.apic 1 apic_base 0xfee00900 svr 0x000000ff lint0 0x00000700"
	[ "$(irq_lapic_count reset)" -ge 5 ] || { show; fail "no 8259 ticks through the LAPIC as after reset"; }
	[ "$(irq_lapic_count masked)" = 0 ] || { show; fail "8259 ticks with LINT0 masked"; }
	[ "$(irq_lapic_count extint)" -ge "$2" ] || { show; fail "no 8259 ticks with LINT0 in ExtINT"; }
	[ "$(irq_lapic_count disabled)" -ge "$2" ] || { show; fail "no 8259 ticks with the APIC disabled"; }
}

# KVM's local APIC after reset lets the 8259 through LINT0 (ExtINT, the
# LINT0_REENABLED quirk) although SVR says software-disabled; masking LINT0
# stops it, ExtINT or disabling the APIC in IA32_APIC_BASE lets it through.
test_irq_lapic_kvm() { irq_lapic_in_kvm kvm 5; }

# Without KVM's LAPIC the 8259 drives INTR directly.
test_irq_lapic_user() {
	irq_use user
	irq_guest irq_lapic.bin
	vmm "$GUESTS/irq_lapic.bin"
	assert_rc 1 "exit port, value 0"
	[ "$(irq_lapic_count reset)" -ge 5 ] || { show; fail "no 8259 ticks"; }
	grep -q "irq_lapic: cpuid.apic 0 apic_base 0x00000000 no apic" "$TMP/out" ||
		echo "# user irqchip: the guest is told of a local APIC that is not there: $(head -1 "$TMP/out")" >&2
}

# The split irqchip: the 8259 reaches the boot CPU's LINT0 as ExtINT,
# injected from user space.  (On the PVM host KVM's full in-kernel
# irqchip delivers none through this path: issue 15.)
test_irq_lapic_split() { irq_lapic_in_kvm split 1; }

# --- The I/O APIC: the PIT on pin 2 (edge), regbank on pin 10 (level) ----

irq_ioapic() {
	irq_use "$1"
	irq_guest irq_ioapic.bin
	[ -f "$MODULES/regbank.so" ] || skip "regbank.so not built (CONFIG_EXAMPLE_PLUGINS is off)"
	vmm --stats -d "$MODULES/regbank.so" "$GUESTS/irq_ioapic.bin"
	assert_rc 1 "exit port, value 0"
	# the edge pin: 10 ticks (one more may land before the guest masks)
	grep -qx "irq_ioapic: pit 1[01]" "$TMP/out" || { show; fail "not 10 PIT ticks through pin 2"; }
	assert_out "irq_ioapic: masked pit 0"
	# the level pin: remote IRR set in each handler, clear at the end
	assert_out "irq_ioapic: level 5 irr 5 "
	grep -qx "irq_ioapic: quiet [56] irr 0 ds 0" "$TMP/out" ||
		{ show; fail "the level pin kept interrupting or stayed in service"; }
}

test_irq_ioapic_kvm() {
	irq_ioapic kvm
	# KVM's I/O APIC has the ID the MADT gives it (MODVMM_IOAPIC_ID)
	assert_out "irq_ioapic: id 0x00000000 ver 0x00170011 rte2 0x00010000"
	assert_out "irq_ioapic: held ds 0 irr 0 count 0"
}

test_irq_ioapic_split() {
	local ticks quiet sent eois

	irq_ioapic split
	assert_out "irq_ioapic: id 0x00000000 ver 0x00170011 rte2 0x00010000"
	# masked and asserted: the message waits, delivery status says so
	assert_out "irq_ioapic: held ds 1 irr 0 count 0"
	# every level message ended with an EOI that KVM reported
	quiet=$(sed -n 's/^irq_ioapic: quiet \([0-9]*\) .*/\1/p' "$TMP/out")
	eois=$(irq_stat ioapic eois)
	[ "$eois" = "$quiet" ] || { show; fail "ioapic saw $eois EOIs for $quiet level interrupts"; }
	sent=$(irq_stat ioapic interrupts)
	ticks=$(sed -n 's/^irq_ioapic: pit \([0-9]*\)$/\1/p' "$TMP/out")
	[ "$sent" = $((ticks + quiet)) ] || { show; fail "ioapic sent $sent messages, the guest took $ticks + $quiet"; }
	assert_err "ioapic_eoi $quiet"
}

# The ioapic device needs the split irqchip's MSI routes.
test_irq_ioapic_refused_with_kvm_irqchip() {
	irq_use kvm
	irq_guest exit_0.bin
	need_tool gcc gcc
	gcc -std=gnu11 -Wall -Wextra -Werror -O2 -DMODULE -fPIC \
		-fvisibility=hidden -shared -Wl,--no-undefined \
		-I"$TOP/include" -o "$TMP/ioapic.so" "$TOP/devices/ioapic.c" ||
		fail "cannot build ioapic.so"
	vmm -d "$TMP/ioapic.so" "$GUESTS/exit_0.bin"
	assert_rc 6 "device error"
	assert_one_line_err
	assert_err "CONFIG_IRQCHIP_SPLIT"
}

test_irq_ioapic_listed() {
	irq_use split
	vmm --list-devices
	assert_rc 0
	assert_out "ioapic"
	assert_out "pic8259"
}

# Both controllers of the board, one of each; a second 8259 is refused.
test_irq_split_one_8259_only() {
	irq_use split
	irq_guest exit_0.bin
	vmm -d pic8259 -d pic8259,elcr=off "$GUESTS/exit_0.bin"
	assert_rc 6 "device error"
	assert_err "is already the interrupt controller"
}

# SMP: KVM's local APICs start the APs (INIT, SIPI) with the split
# irqchip as with the in-kernel one (guests/smp_exit.asm, tests/smp.sh).
irq_smp_split() {
	local n=$1 who

	irq_use split
	need_guest smp_exit.bin
	for who in $(seq 1 $((n - 1))) 255; do
		cp "$GUESTS/smp_exit.bin" "$TMP/smp.bin" || fail "cannot copy the guest"
		printf "\\x$(printf %02x "$who")\\x$(printf %02x "$n")" |
			dd of="$TMP/smp.bin" bs=1 seek=2 conv=notrunc 2>/dev/null ||
			fail "cannot patch the guest"
		vmm --cpus "$n" --timeout 20 --mode protected "$TMP/smp.bin"
		if [ "$who" = 255 ]; then
			assert_rc 255 "the boot CPU exits once the $((n - 1)) APs are in"
		else
			assert_rc $((((0x20 + who) << 1) | 1)) "AP $who of $n exits"
		fi
	done
}

test_irq_smp_split_2_cpus() { irq_smp_split 2; }
test_irq_smp_split_4_cpus() { irq_smp_split 4; }
