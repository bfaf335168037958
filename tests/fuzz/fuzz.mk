# SPDX-License-Identifier: MIT
#
# libFuzzer harnesses and the deliberately broken test plugins; included
# by the top Makefile.
#
#   make fuzz [FUZZ_TIME=60] [FUZZ=bus,options]  fuzz each harness FUZZ_TIME s
#   make fuzz-ci [FUZZ_CI_TIME=15]   replay corpus and regressions, short run
#   make fuzz-build                  only build the harnesses
#   make test-plugins                the bad plugins of tests/integration/pluginload.sh
#
# tests/fuzz/fuzz_NAME.c is the harness NAME.  A harness named after a
# device (devices/NAME.c or plugins/NAME/NAME.c) is linked with that
# device (built in, as without -DMODULE), tests/fuzz/devfuzz.c and the
# device test harness: the whole core but main.c, and harness/harness.c,
# all compiled here with the fuzzer's instrumentation; loader_* with every
# loader and tests/fuzz/loadfuzz.c; the others list their sources below.
# Seeds live in tests/fuzz/corpus/NAME/, inputs that once
# crashed in tests/fuzz/regress/NAME/; what a run finds goes to
# $(O)/fuzz/corpus/NAME/ and crashes to $(O)/fuzz/crash-NAME-*.

FUZZ_CC		?= clang
FUZZ_TIME	?= 60
FUZZ_CI_TIME	?= 15
FUZZ_DIR	:= $(O)/fuzz
FUZZ_SAN	:= -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS	:= -std=gnu11 $(WARN) -Wno-missing-prototypes -g -O1 \
		   -D_GNU_SOURCE -I$(srctree)/include -I$(O)/include -I$(srctree)/core \
		   -include $(AUTOCONF) $(FUZZ_SAN)

comma		:= ,
FUZZ_ALL	:= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES	:= $(if $(FUZZ),$(subst $(comma), ,$(FUZZ)),$(FUZZ_ALL))
FUZZ_BINS	:= $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_NAMES))

FUZZ_SUPPORT	:= tests/fuzz/support.c
# support.c stands in for core/vm/vm.c's logging: not with the core.
FUZZ_DEV_SRCS	:= tests/fuzz/devfuzz.c \
		   $(filter-out core/cli/main.c,$(wildcard core/*/*.c)) harness/harness.c
FUZZ_DEV_LIBS	:= -ldl -lpthread -lrt
FUZZ_LOADERS	:= $(wildcard core/boot/loader*.c) \
		   core/boot/guestmem.c tests/fuzz/loadfuzz.c \
		   $(FUZZ_SUPPORT)

fuzz-srcs-bus			:= core/bus/bus.c $(FUZZ_SUPPORT)
fuzz-srcs-options		:= core/util/options.c $(FUZZ_SUPPORT)

# What a device harness links besides the device: a virtio device requires
# the transport module.
FUZZ_VIRTIO	:= devices/virtio_mmio.c tests/fuzz/virtiofuzz.c

fuzz_dev_src = $(firstword $(wildcard devices/$(1).c plugins/$(1)/$(1).c))
fuzz_dev_extra = $(if $(filter virtio_%,$(1)),$(FUZZ_VIRTIO))
fuzz_srcs = $(or $(fuzz-srcs-$(1)),$(if $(filter loader_%,$(1)),$(FUZZ_LOADERS),$(call fuzz_dev_src,$(1)) $(call fuzz_dev_extra,$(1)) $(FUZZ_DEV_SRCS)))
fuzz_libs = $(if $(filter $(FUZZ_DEV_SRCS),$(call fuzz_srcs,$(1))),$(FUZZ_DEV_LIBS))

FUZZ_HDRS	:= $(wildcard tests/fuzz/*.h core/*.h core/*/*.h) \
		   include/modvmm/device.h include/modvmm/harness.h \
		   include/modvmm/virtio.h

fuzz-build: $(FUZZ_BINS)

# clang, and its libFuzzer runtime (a package of its own on Debian).
fuzz-tools:
	$(ENSURE_TOOLS) $(FUZZ_CC):clang
	$(Q)v=$$($(FUZZ_CC) -dumpversion | cut -d. -f1); \
	$(srctree)/scripts/ensure-tools \
		"$$($(FUZZ_CC) -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-$$v-dev"

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $$(call fuzz_srcs,$$*) $(FUZZ_HDRS) \
		$(AUTOCONF) tests/fuzz/fuzz.mk | fuzz-tools
	@mkdir -p $(@D)
	$(call say,FUZZ,$(patsubst $(O)/%,%,$@))
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(call fuzz_srcs,$*) $(call fuzz_libs,$*)

# One harness at a time: the machine's cores are shared.
fuzz: fuzz-build
	$(Q)tests/fuzz/run-fuzz fuzz $(FUZZ_TIME) $(FUZZ_DIR) $(FUZZ_NAMES)

fuzz-ci: fuzz-build
	$(Q)tests/fuzz/run-fuzz ci $(FUZZ_CI_TIME) $(FUZZ_DIR) $(FUZZ_NAMES)

# --- Bad plugins for tests/integration/pluginload.sh --------------------
# Built like real plugins (scripts/plugin.mk) unless the defect needs
# otherwise: nodesc has no MODVMM_DEVICE(), undef links without
# --no-undefined so that only dlopen() finds the missing function.

TEST_PLUGIN_DIR	:= $(O)/tests/plugins
TEST_PLUGIN_SRCS := $(wildcard tests/plugins/*.c)
TEST_PLUGINS	:= $(patsubst tests/plugins/%.c,$(TEST_PLUGIN_DIR)/%.so,$(TEST_PLUGIN_SRCS))
TEST_PLUGIN_CFLAGS := $(MODULE_CFLAGS) -Wno-missing-prototypes
test-plugin-ldflags = $(if $(filter undef,$(1)),-shared $(SAN_LDFLAGS),$(MODULE_LDFLAGS))

# A C++ plugin (MODVMM_DEVICE from C++) and the same source built in (no
# -DMODULE: the section form of the macro), compiled only.
TEST_PLUGIN_CXX	:= $(TEST_PLUGIN_DIR)/cxx.so $(TEST_PLUGIN_DIR)/cxx-builtin.o
# g++ 12 warns about every member a designated initialiser leaves out.
TEST_PLUGIN_CXXFLAGS := -std=c++20 -O2 -g -fPIC -fvisibility=hidden \
		   -Wall -Wextra -Werror -Wno-missing-field-initializers \
		   -Iinclude \
		   $(filter -fsanitize=% -fno-omit-frame-pointer,$(BASE_CFLAGS))

test-plugins: $(TEST_PLUGINS) $(TEST_PLUGIN_CXX)

$(TEST_PLUGIN_DIR)/cxx.so: tests/plugins/cxx.cc include/modvmm/device.h
	@mkdir -p $(@D)
	$(call say,CXX [M],$(patsubst $(O)/%,%,$@))
	$(Q)$(CXX) $(TEST_PLUGIN_CXXFLAGS) -DMODULE $(MODULE_LDFLAGS) -o $@ $<

$(TEST_PLUGIN_DIR)/cxx-builtin.o: tests/plugins/cxx.cc include/modvmm/device.h
	@mkdir -p $(@D)
	$(call say,CXX,$(patsubst $(O)/%,%,$@))
	$(Q)$(CXX) $(TEST_PLUGIN_CXXFLAGS) -c -o $@ $<

$(TEST_PLUGIN_DIR)/%.so: tests/plugins/%.c include/modvmm/device.h $(AUTOCONF)
	@mkdir -p $(@D)
	$(call say,CC [M],$(patsubst $(O)/%,%,$@))
	$(Q)$(CC) $(TEST_PLUGIN_CFLAGS) $(call test-plugin-ldflags,$*) -o $@ $<

.PHONY: fuzz fuzz-ci fuzz-build fuzz-tools test-plugins
