# SPDX-License-Identifier: MIT
#
# modvmm top-level Makefile, in the manner of Kbuild:
#   make [V=1] [O=build] [CC=clang] [SANITIZE=1]   configure if needed, build
#   make menuconfig | nconfig | defconfig | olddefconfig | savedefconfig
#   make -C <tree> M=<dir>                          build an out-of-tree plugin
#   make run | test | bench | fuzz | install PREFIX=... | clean | mrproper
# `make help` lists everything.

VERSION		:= 0.1.0
PREFIX		?= /usr/local
# A sanitizer build has its own build dir, binary and modules, so it never
# mixes ASan objects into the normal build.
ifeq ($(SANITIZE),1)
O		?= build-san
else ifeq ($(SANITIZE),thread)
O		?= build-tsan
else
O		?= build
endif
# make runs in the source tree (make -C TREE for M= builds too), so compile
# commands and dependency files use relative paths: a copied tree does not
# rebuild, as in Kbuild.
srctree		:= $(CURDIR)
objtree		:= $(abspath $(O))

# The default build puts modvmm and modules/ at the top of the tree, like
# vmlinux; any other build dir (O=DIR, SANITIZE=1) keeps them in DIR.
ifeq ($(objtree),$(srctree)/build)
BIN		:= modvmm
MODDIR		:= modules
else
BIN		:= $(O)/modvmm
MODDIR		:= $(O)/modules
endif

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

# Print a Kbuild-style line: $(call say,CC,core/vm.o)
say = @printf '  %-7s %s\n' '$(1)' '$(2)'

export KCONFIG_CONFIG		:= $(srctree)/.config
export KCONFIG_AUTOCONFIG	:= $(objtree)/include/config/auto.conf
export KCONFIG_AUTOHEADER	:= $(objtree)/include/generated/autoconf.h
export KCONFIG_TRISTATE		:= $(objtree)/include/config/tristate.conf
export srctree

AUTOCONF	:= $(O)/include/generated/autoconf.h
# Absolute, as kconfig-conf names it in auto.conf.cmd.
AUTOCONFIG	:= $(KCONFIG_AUTOCONFIG)

# Tools the build needs, as command:debian-package.
TOOLS := kconfig-conf:kconfig-frontends-nox nasm:nasm \
	 /usr/include/ncurses.h:libncurses-dev
# and the tests (menuconfig in tmux, the clang build, README examples, and
# Perl's TAP::Harness, which ships with prove, for tests/run-tests).
TEST_TOOLS := tmux:tmux clang:clang python3:python3 prove:perl valgrind:valgrind \
	      strace:strace /usr/bin/time:time
ENSURE_TOOLS = $(Q)$(srctree)/scripts/ensure-tools

CC		?= gcc
ifeq ($(origin CC),default)
CC		:= gcc
endif
LD_GUEST	:= ld
NASM		:= nasm

WARN		:= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(CI),true)
WERROR		?= 1
endif
ifeq ($(WERROR),1)
WARN		+= -Werror
endif
BASE_CFLAGS	:= -std=gnu11 $(WARN) -O2 -g -D_GNU_SOURCE \
		   -Iinclude -I$(O)/include -Icore -include $(AUTOCONF)
ifeq ($(SANITIZE),1)
BASE_CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined
SAN_LDFLAGS	:= -fsanitize=address,undefined
SAN_MOD_LDFLAGS	:= $(SAN_LDFLAGS) -Wl,--version-script=scripts/plugin.ver
endif
# SANITIZE=thread: ThreadSanitizer, for the device concurrency tests
ifeq ($(SANITIZE),thread)
BASE_CFLAGS	+= -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan
SAN_LDFLAGS	:= -fsanitize=thread
SAN_MOD_LDFLAGS	:= $(SAN_LDFLAGS) -Wl,--version-script=scripts/plugin.ver
endif
MODVMM_CFLAGS	:= $(BASE_CFLAGS) -fvisibility=hidden -DMODVMM_VERSION='"$(VERSION)"'
MODULE_CFLAGS	:= $(BASE_CFLAGS) -DMODULE -fPIC -fvisibility=hidden
MODULE_LDFLAGS	:= -shared -Wl,--no-undefined $(SAN_MOD_LDFLAGS)
# The binary exports nothing; plugins get the host's functions as a table.
MODVMM_LDFLAGS	:= $(SAN_LDFLAGS)
MODVMM_LIBS	:= -ldl -lpthread -lrt

# Targets that must not read or create the configuration.
config-targets := menuconfig nconfig defconfig oldconfig olddefconfig \
		  savedefconfig
no-config-targets := $(config-targets) %_defconfig clean mrproper help distclean

ifneq ($(M),)
# ---------------------------------------------------------------------------
# External plugin build: make -C <tree> M=<dir>
# Relative inside the tree (dependency files stay valid in a copy).
M_DIR := $(patsubst $(srctree)/%,%,$(abspath $(M)))
ifeq ($(wildcard $(AUTOCONF)),)
$(error modvmm tree $(srctree) is not configured: run 'make -C $(srctree) defconfig && make -C $(srctree)' first)
endif
PLUGIN_SDK_INCLUDE := include
# the tree's own example plugins have Kconfig symbols; others see none
PLUGIN_AUTOCONF := $(if $(filter plugins/%,$(M_DIR)),$(AUTOCONF))
PLUGIN_CC := $(CC)
SAN_CFLAGS := $(if $(filter thread,$(SANITIZE)),-fsanitize=thread,-fsanitize=address,undefined) \
	      -fno-omit-frame-pointer
PLUGIN_EXTRA_CFLAGS := $(WARN) $(if $(filter 1 thread,$(SANITIZE)),$(SAN_CFLAGS))
PLUGIN_LDFLAGS := $(SAN_MOD_LDFLAGS)
PLUGIN_FIXDEP := $(srctree)/scripts/fixdep
PLUGIN_OBJTREE := $(O)
PLUGIN_HARNESS_BIN := $(abspath $(patsubst %modvmm,%modvmm-harness,$(if $(filter $(srctree)/build,$(abspath $(O))),modvmm,$(O)/modvmm)))
PLUGIN_HARNESS_LIB := $(O)/libmodvmm-harness.a
PLUGIN_TEST_LDFLAGS := $(SAN_LDFLAGS)
include $(srctree)/scripts/plugin.mk

else
# ---------------------------------------------------------------------------
# The tree itself.

need-config := 1
ifneq ($(filter $(no-config-targets),$(MAKECMDGOALS)),)
ifeq ($(filter-out $(no-config-targets),$(MAKECMDGOALS)),)
need-config :=
endif
endif

all: $(BIN) harness modules guests unit-tests

.SECONDEXPANSION:

ifdef need-config
-include $(AUTOCONFIG)
-include $(O)/include/config/auto.conf.cmd
endif

# --- Kconfig ---------------------------------------------------------------

$(O)/include/config $(O)/include/generated:
	$(Q)mkdir -p $@

kconfig-prep: | $(O)/include/config $(O)/include/generated
	$(ENSURE_TOOLS) $(TOOLS)

# A fresh tree builds without anyone opening a menu.
$(srctree)/.config: | kconfig-prep
	@echo "  No .config found: configuring from configs/defconfig"
	$(Q)kconfig-conf --defconfig=configs/defconfig Kconfig >/dev/null

# kconfig-frontends 4.11 has no --syncconfig: --silentoldconfig writes
# auto.conf, autoconf.h and the per-symbol files in include/config/.
# Symbols new in Kconfig are asked on a terminal, as in Kbuild; without
# one (CI, scripts, make | tee) conf would abort, so they take their
# defaults.
$(AUTOCONFIG) $(AUTOCONF): $(srctree)/.config | kconfig-prep
	$(call say,CONF,.config)
	$(Q)if ! { [ -t 0 ] && [ -t 1 ]; } && \
	    new=$$(kconfig-conf --listnewconfig Kconfig) && \
	    [ -n "$$new" ]; then \
		echo "  CONF    new symbols at their defaults:" $$new; \
		kconfig-conf --olddefconfig Kconfig >/dev/null; \
	fi
	$(Q)cd $(O) && kconfig-conf --silentoldconfig $(srctree)/Kconfig
	$(Q)touch $(AUTOCONF)

# auto.conf.cmd lists the Kconfig files; a new or edited one re-runs conf.
$(O)/include/config/auto.conf.cmd: ;

menuconfig: kconfig-prep
	$(Q)kconfig-mconf Kconfig

nconfig: kconfig-prep
	$(ENSURE_TOOLS) kconfig-nconf:kconfig-frontends-nox
	$(Q)kconfig-nconf Kconfig

defconfig: kconfig-prep
	@echo "  GEN     .config from configs/defconfig"
	$(Q)kconfig-conf --defconfig=configs/defconfig Kconfig >/dev/null

# make NAME_defconfig: .config from configs/NAME_defconfig, as in Linux.
%_defconfig: kconfig-prep
	$(Q)[ -f configs/$@ ] || { echo "modvmm: no configs/$@ (see ls configs/)" >&2; exit 1; }
	@echo "  GEN     .config from configs/$@"
	$(Q)kconfig-conf --defconfig=configs/$@ Kconfig >/dev/null

# Asks for each symbol new in Kconfig (what conf tells you to run).
oldconfig: $(srctree)/.config kconfig-prep
	$(Q)kconfig-conf --oldconfig Kconfig

olddefconfig: kconfig-prep
	$(Q)if [ ! -f .config ]; then \
		echo "  No .config found: configuring from configs/defconfig"; \
		kconfig-conf --defconfig=configs/defconfig Kconfig >/dev/null; \
	else \
		kconfig-conf --olddefconfig Kconfig >/dev/null; \
	fi

savedefconfig: kconfig-prep
	$(Q)kconfig-conf --savedefconfig defconfig Kconfig >/dev/null
	@echo "  GEN     defconfig (copy it to configs/defconfig to make it the default)"

# --- Objects ---------------------------------------------------------------

core-y :=
include core/Makefile
obj-y :=
obj-m :=
include devices/Makefile

CORE_OBJS	:= $(addprefix $(O)/core/,$(core-y))
BUILTIN_OBJS	:= $(addprefix $(O)/devices/,$(obj-y))
MODULE_NAMES	:= $(basename $(obj-m))
MODULE_SOS	:= $(addprefix $(MODDIR)/,$(addsuffix .so,$(MODULE_NAMES)))

-include $(wildcard $(O)/core/*/*.d $(O)/devices/*.d $(O)/harness/*.d $(O)/tests/obj/*.d)

# Like Kbuild's .cmd files: a different compiler or flags (CC=clang,
# WERROR=1) rebuilds the objects instead of mixing old and new ones.
cflags-sig = $(subst ',,$(CC) $(MODVMM_CFLAGS) $(MODULE_CFLAGS) $(TEST_CFLAGS) \
	$(MODULE_LDFLAGS) $(MODVMM_LDFLAGS))

$(O)/.cflags: FORCE | $(O)/include/config
	@echo '$(cflags-sig)' | cmp -s - $@ || echo '$(cflags-sig)' >$@

# Objects depend on autoconf.h only for ordering: fixdep turns each .d
# file's autoconf.h into the per-symbol files of the CONFIG_ symbols the
# sources use, so a changed symbol rebuilds only the objects that use it.
define compile
	$(call say,$(1),$(patsubst $(O)/%,%,$@))
	$(Q)$(CC) $(2) -MMD -MP -c -o $@ $<
	$(Q)$(srctree)/scripts/fixdep $(@:.o=.d) $(O)
endef

$(O)/core/%.o: core/%.c $(O)/.cflags | $(AUTOCONF)
	@mkdir -p $(@D)
	$(call compile,CC,$(MODVMM_CFLAGS))

$(O)/devices/%.o: devices/%.c $(O)/.cflags | $(AUTOCONF)
	@mkdir -p $(@D)
	$(call compile,CC,$(MODVMM_CFLAGS))

$(O)/devices/%.mod.o: devices/%.c $(O)/.cflags | $(AUTOCONF)
	@mkdir -p $(@D)
	$(call compile,CC [M],$(MODULE_CFLAGS))

$(MODULE_SOS): $(MODDIR)/%.so: $(O)/devices/%.mod.o
	@mkdir -p $(@D)
	$(call say,LD [M],$@)
	$(Q)$(CC) $(MODULE_LDFLAGS) -o $@ $<

# Relink when the set of built-in devices changes, not only their objects.
$(O)/.builtin-objs: FORCE | $(O)/include/config
	@echo '$(BUILTIN_OBJS)' | cmp -s - $@ || echo '$(BUILTIN_OBJS)' >$@

$(BIN): $(CORE_OBJS) $(BUILTIN_OBJS) $(O)/.builtin-objs
	$(call say,LD,$@)
	$(Q)$(CC) $(MODVMM_LDFLAGS) -o $@ $(CORE_OBJS) $(BUILTIN_OBJS) $(MODVMM_LIBS)

ifneq ($(BIN),modvmm)
modvmm: $(BIN)
.PHONY: modvmm
endif

# --- The device test harness (harness/, include/modvmm/harness.h) ----------
# libmodvmm-harness.a is the core without main.c plus harness.c, as one
# relocatable object, so that a test linking it gets the whole registry,
# host API and bus and nothing is left out by the archive's lookup.
# modvmm-harness links the same built-in devices as modvmm.

CORE_LIB_OBJS	:= $(filter-out $(O)/core/cli/main.o,$(CORE_OBJS))
HARNESS_LIB	:= $(O)/libmodvmm-harness.a
HARNESS_BIN	:= $(patsubst %modvmm,%modvmm-harness,$(BIN))

$(O)/harness/%.o: harness/%.c $(O)/.cflags | $(AUTOCONF)
	@mkdir -p $(@D)
	$(call compile,CC,$(MODVMM_CFLAGS))

$(HARNESS_LIB): $(CORE_LIB_OBJS) $(O)/harness/harness.o
	$(call say,AR,$(patsubst $(O)/%,%,$@))
	$(Q)$(LD_GUEST) -r -o $(O)/harness/libmodvmm-harness.o $^
	$(Q)rm -f $@ && ar rcs $@ $(O)/harness/libmodvmm-harness.o

$(HARNESS_BIN): $(O)/harness/main.o $(HARNESS_LIB) $(BUILTIN_OBJS) $(O)/.builtin-objs
	$(call say,LD,$@)
	$(Q)$(CC) $(MODVMM_LDFLAGS) -o $@ $(O)/harness/main.o $(BUILTIN_OBJS) \
		$(HARNESS_LIB) $(MODVMM_LIBS)

harness: $(HARNESS_LIB) $(HARNESS_BIN)

# Drop modules of devices that are no longer =m, so a stale .so is not
# picked up by -d NAME.
modules: $(MODULE_SOS) example-plugins
	@for f in $(MODDIR)/*.so; do \
		[ -e "$$f" ] || continue; \
		case " $(MODULE_SOS) $(EXAMPLE_SOS) " in *" $$f "*) ;; \
		*) echo "  RM      $$f"; rm -f "$$f" ;; esac; \
	done

# --- Example plugins, built exactly like out-of-tree ones -----------------

EXAMPLE_DIRS := $(if $(CONFIG_EXAMPLE_PLUGINS),$(patsubst %/,%,$(dir $(wildcard plugins/*/*.c))))
EXAMPLE_DIRS := $(sort $(EXAMPLE_DIRS))
EXAMPLE_SOS := $(foreach d,$(EXAMPLE_DIRS),$(MODDIR)/$(notdir $(d)).so)

example-plugins: $(EXAMPLE_SOS)

# plugins/NAME is shared by every build dir, so its own make decides, from
# its flags and dependencies, whether to rebuild; a copy follows a change.
$(EXAMPLE_SOS): $(MODDIR)/%.so: FORCE | $(AUTOCONF)
	$(Q)$(MAKE) -f $(srctree)/Makefile M=plugins/$* O=$(O) SANITIZE=$(SANITIZE)
	@mkdir -p $(MODDIR)
	$(Q)cmp -s plugins/$*/$*.so $@ || cp plugins/$*/$*.so $@

# --- Guests ----------------------------------------------------------------

GUEST_BIN := $(patsubst guests/%.asm,$(O)/guests/%.bin,$(filter-out %.elf32.asm,$(wildcard guests/*.asm)))
GUEST_ELF32 := $(patsubst guests/%.elf32.asm,$(O)/guests/%.elf,$(wildcard guests/*.elf32.asm))
GUEST_ELF64 := $(patsubst guests/%.c,$(O)/guests/%.elf,$(wildcard guests/*.c))
GUEST_CFLAGS := -std=gnu11 -Wall -Wextra -ffreestanding -nostdlib -static -fno-pie -no-pie \
	-mno-red-zone -mgeneral-regs-only -O2 -fno-stack-protector -fno-asynchronous-unwind-tables \
	-Wl,--build-id=none -Ttext=0x200000

guests: $(GUEST_BIN) $(GUEST_ELF32) $(GUEST_ELF64)

# Debian's packaged kernel and a busybox initramfs (guests/linux/mkguest),
# cached: the Linux guest.
linux-guest:
	$(ENSURE_TOOLS) busybox:busybox-static
	$(Q)guests/linux/mkguest $(objtree)/linux

$(O)/guests/%.bin: guests/%.asm $(wildcard guests/*.inc)
	@mkdir -p $(@D)
	$(call say,AS,$@)
	$(Q)$(NASM) -f bin -Iguests/ -o $@ $<

$(O)/guests/%.o32: guests/%.elf32.asm $(wildcard guests/*.inc)
	@mkdir -p $(@D)
	$(call say,AS,$@)
	$(Q)$(NASM) -f elf32 -Iguests/ -o $@ $<

$(O)/guests/%.elf: $(O)/guests/%.o32
	$(call say,LD,$@)
	$(Q)$(LD_GUEST) -m elf_i386 --build-id=none \
		$(if $(wildcard guests/$*.ld),-T guests/$*.ld,-Ttext=0x100000) -o $@ $<

$(O)/guests/%.elf: guests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)gcc $(GUEST_CFLAGS) -o $@ $<

# --- Unit tests --------------------------------------------------------------
# tests/unit/test_X.c -> $(O)/tests/unit-X, linked with unit_main.c, the
# device test harness (the real core: libmodvmm-harness.a) and devices/X.c
# (or plugins/X/X.c) built without -DMODULE, so that the device registers
# as a built-in through the linker section, as in modvmm; test_core_X.c
# links the core objects instead.

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/test_%.c,$(O)/tests/unit-%,$(UNIT_SRCS))
UNIT_MAIN := $(O)/tests/obj/unit_main.o
TEST_CFLAGS := $(BASE_CFLAGS) -Itests/unit -Wno-missing-prototypes

unit-tests: $(UNIT_BINS)

$(O)/tests/obj/%.o: tests/unit/%.c $(O)/.cflags | $(AUTOCONF)
	@mkdir -p $(@D)
	$(call compile,CC,$(TEST_CFLAGS))

$(O)/tests/obj/dev_%.o: devices/%.c $(O)/.cflags | $(AUTOCONF)
	@mkdir -p $(@D)
	$(call compile,CC,$(TEST_CFLAGS))

$(O)/tests/obj/plugin_%.o: plugins/$$*/$$*.c $(O)/.cflags | $(AUTOCONF)
	@mkdir -p $(@D)
	$(call compile,CC,$(TEST_CFLAGS))

unit_dev_obj = $(if $(wildcard devices/$(1).c),$(O)/tests/obj/dev_$(1).o,$(if $(wildcard plugins/$(1)/$(1).c),$(O)/tests/obj/plugin_$(1).o))

$(O)/tests/unit-core_%: $(O)/tests/obj/test_core_%.o $(UNIT_MAIN) $(CORE_LIB_OBJS) \
		$(O)/harness/harness.o
	$(call say,LD,$(patsubst $(O)/%,%,$@))
	$(Q)$(CC) $(SAN_LDFLAGS) -o $@ $^ $(MODVMM_LIBS)

$(O)/tests/unit-%: $(O)/tests/obj/test_%.o $(UNIT_MAIN) $$(call unit_dev_obj,$$*) \
		$(HARNESS_LIB)
	$(call say,LD,$(patsubst $(O)/%,%,$@))
	$(Q)$(CC) $(SAN_LDFLAGS) -o $@ $^ $(MODVMM_LIBS)

# A virtio device's test links the transport module it requires, as it
# links the device itself.
$(O)/tests/unit-virtio_blk $(O)/tests/unit-virtio_console \
$(O)/tests/unit-virtio_rng: $(O)/tests/obj/dev_virtio_mmio.o

# --- Running -----------------------------------------------------------------

run: all
	$(Q)$(abspath $(BIN)) $(O)/guests/hello.bin

# The tests run this build's binary, modules and guests, -jN at a time
# (tests/run-tests reads N from MAKEFLAGS; default: the number of cores).
test: all $(if $(wildcard tests/fuzz/fuzz.mk),test-plugins)
	$(ENSURE_TOOLS) $(TEST_TOOLS)
	$(Q)O=$(O) MODVMM=$(abspath $(BIN)) MODULES=$(abspath $(MODDIR)) \
		GUESTS=$(objtree)/guests tests/run-tests $(T)

-include bench/bench.mk
-include tests/fuzz/fuzz.mk
-include tests/nested/nested.mk

install: all
	$(call say,INSTALL,$(PREFIX))
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/modvmm \
		$(DESTDIR)$(PREFIX)/include/modvmm $(DESTDIR)$(PREFIX)/share/modvmm
	$(Q)install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/modvmm
	$(Q)install -m 755 $(HARNESS_BIN) $(DESTDIR)$(PREFIX)/bin/modvmm-harness
	$(Q)install -m 644 $(HARNESS_LIB) $(DESTDIR)$(PREFIX)/lib/libmodvmm-harness.a
	$(Q)for f in $(MODDIR)/*.so; do [ -e "$$f" ] && install -m 644 "$$f" \
		$(DESTDIR)$(PREFIX)/lib/modvmm/; done; true
	$(Q)install -m 644 include/modvmm/device.h include/modvmm/harness.h include/modvmm/virtio.h include/modvmm/virtio_blk.h \
		$(DESTDIR)$(PREFIX)/include/modvmm/
	$(Q)install -m 644 scripts/plugin.mk $(DESTDIR)$(PREFIX)/share/modvmm/plugin.mk
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' scripts/Makefile.installed \
		>$(DESTDIR)$(PREFIX)/share/modvmm/Makefile

clean:
	$(call say,CLEAN,$(O) modvmm modvmm-harness modules)
	$(Q)rm -rf $(O) build-san build-tsan modvmm modvmm-harness modules
	$(Q)rm -f plugins/*/*.o plugins/*/*.d plugins/*/*.so plugins/*/.*.cmd

mrproper: clean
	$(call say,CLEAN,.config)
	$(Q)rm -f .config .config.old defconfig

distclean: mrproper

help:
	@echo 'Configuration:'
	@echo '  menuconfig      - edit .config in a menu (kconfig-mconf)'
	@echo '  nconfig         - edit .config in the ncurses menu (kconfig-nconf)'
	@echo '  defconfig       - new .config from configs/defconfig'
	@echo '  oldconfig       - update .config, asking for new symbols'
	@echo '  olddefconfig    - update .config, new symbols at their defaults'
	@echo '  savedefconfig   - write a minimal ./defconfig'
	@echo 'Building:'
	@echo '  all (default)   - modvmm, modules/*.so, example plugins, guests, unit tests'
	@echo '  linux-guest     - Debian'"'"'s kernel and a busybox initramfs in build/linux (cached)'
	@echo '  M=DIR           - build the out-of-tree plugin in DIR (make -C TREE M=DIR)'
	@echo '  install         - install to PREFIX (default /usr/local)'
	@echo '  clean           - remove build products; mrproper also removes .config'
	@echo 'Running:'
	@echo '  run             - boot the default guest (build/guests/hello.bin)'
	@echo '  test [T=FILTER] - run unit and integration tests, -jN of them at a time'
	@echo '  bench           - run the benchmarks (see README, Performance)'
	@echo '  fuzz            - run each libFuzzer harness for a bounded time'
	@echo 'Options: V=1 (full commands), O=DIR (build dir), CC=clang, SANITIZE=1, WERROR=1'
	@echo '  SANITIZE=thread: ThreadSanitizer (O=build-tsan)'
	@echo '  O=DIR and SANITIZE=1 (O=build-san) put modvmm and modules/ in DIR too'

FORCE:
.PHONY: all harness modules example-plugins guests linux-guest unit-tests run test install clean \
	mrproper distclean help kconfig-prep FORCE $(config-targets)
.DELETE_ON_ERROR:
.SECONDARY:

endif
