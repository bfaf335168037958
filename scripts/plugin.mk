# SPDX-License-Identifier: MIT
#
# plugin.mk - builds one modvmm device plugin, the way Kbuild builds an
# external module.  Used by `make -C <tree> M=<dir>` and, once installed,
# by `make -C <prefix>/share/modvmm M=<dir>`.  Every *.c in the plugin
# directory is compiled with -DMODULE and linked into <dir>/<dirname>.so.
#
# `make ... M=<dir> test` also runs the plugin's tests without KVM: each
# <dir>/tests/*.mh script with modvmm-harness, and each <dir>/tests/test_*.c
# linked with libmodvmm-harness.a (and the plugin's sources, built in),
# judged by prove (TAP plan and exit status).
#
# A plugin sees the SDK headers and nothing of the modvmm build it came
# with: no CONFIG_ symbol, so one .so works with every modvmm of its ABI.
# Only the tree's own example plugins (plugins/NAME, part of its Kconfig)
# get PLUGIN_AUTOCONF.
#
# In: M_DIR, PLUGIN_SDK_INCLUDE, PLUGIN_AUTOCONF (may be empty), PLUGIN_CC,
#     PLUGIN_EXTRA_CFLAGS, PLUGIN_LDFLAGS, PLUGIN_HARNESS_BIN,
#     PLUGIN_HARNESS_LIB, PLUGIN_TEST_LDFLAGS, V; from the tree also PLUGIN_FIXDEP and
#     PLUGIN_OBJTREE (per-symbol config dependencies).

PLUGIN_NAME	:= $(notdir $(M_DIR))
PLUGIN_SRCS	:= $(wildcard $(M_DIR)/*.c)
PLUGIN_OBJS	:= $(PLUGIN_SRCS:.c=.o)
PLUGIN_SO	:= $(M_DIR)/$(PLUGIN_NAME).so
PLUGIN_CC	?= cc
PLUGIN_CFLAGS	:= -std=gnu11 -O2 -g -fPIC -fvisibility=hidden -DMODULE \
		   -D_GNU_SOURCE -I$(PLUGIN_SDK_INCLUDE) \
		   $(if $(PLUGIN_AUTOCONF),-include $(PLUGIN_AUTOCONF)) \
		   $(PLUGIN_EXTRA_CFLAGS)

ifeq ($(V),1)
PQ :=
else
PQ := @
endif

ifeq ($(wildcard $(M_DIR)),)
$(error plugin directory $(M_DIR) does not exist)
endif
ifeq ($(PLUGIN_SRCS),)
$(error no .c files in $(M_DIR): a plugin directory holds the plugin's C sources)
endif

# Like Kbuild's .cmd files: the same directory built with other flags (a
# sanitizer or clang build, the installed SDK after the tree) is rebuilt.
PLUGIN_CMD	:= $(M_DIR)/.$(PLUGIN_NAME).so.cmd
plugin-cmd	:= $(PLUGIN_CC) $(PLUGIN_CFLAGS) | $(PLUGIN_LDFLAGS)

# In the tree, fixdep makes objects depend on the CONFIG_ symbols they use,
# not on all of autoconf.h.
ifneq ($(PLUGIN_FIXDEP),)
PLUGIN_CONF_DEP	:= | $(PLUGIN_AUTOCONF)
else
PLUGIN_CONF_DEP	:= $(PLUGIN_AUTOCONF)
endif

plugin: $(PLUGIN_SO)

$(PLUGIN_CMD): FORCE
	@echo '$(plugin-cmd)' | cmp -s - $@ || echo '$(plugin-cmd)' >$@

$(M_DIR)/%.o: $(M_DIR)/%.c $(PLUGIN_SDK_INCLUDE)/modvmm/device.h $(PLUGIN_CMD) $(PLUGIN_CONF_DEP)
	@printf '  %-7s %s\n' 'CC [M]' '$@'
	$(PQ)$(PLUGIN_CC) $(PLUGIN_CFLAGS) -MMD -MP -c -o $@ $<
	$(if $(PLUGIN_FIXDEP),$(PQ)$(PLUGIN_FIXDEP) $(@:.o=.d) $(PLUGIN_OBJTREE))

$(PLUGIN_SO): $(PLUGIN_OBJS) $(PLUGIN_CMD)
	@printf '  %-7s %s\n' 'LD [M]' '$@'
	$(PQ)$(PLUGIN_CC) -shared -Wl,--no-undefined $(PLUGIN_LDFLAGS) -o $@ $(PLUGIN_OBJS)

-include $(PLUGIN_OBJS:.o=.d)

.PHONY: plugin FORCE
FORCE:

# --- make M=<dir> test ---------------------------------------------------

PLUGIN_TEST_SCRIPTS := $(wildcard $(M_DIR)/tests/*.mh)
PLUGIN_TEST_SRCS := $(wildcard $(M_DIR)/tests/test_*.c)
PLUGIN_TEST_BINS := $(PLUGIN_TEST_SRCS:.c=)
# The plugin's sources built in (no -DMODULE), beside the test.
PLUGIN_TEST_CFLAGS := $(filter-out -DMODULE -fPIC -fvisibility=hidden,$(PLUGIN_CFLAGS))

$(M_DIR)/tests/test_%: $(M_DIR)/tests/test_%.c $(PLUGIN_SRCS) $(PLUGIN_HARNESS_LIB) \
		$(PLUGIN_SDK_INCLUDE)/modvmm/harness.h
	@printf '  %-7s %s\n' 'LD' '$@'
	$(PQ)$(PLUGIN_CC) $(PLUGIN_TEST_CFLAGS) -o $@ $< $(PLUGIN_SRCS) \
		$(PLUGIN_HARNESS_LIB) $(PLUGIN_TEST_LDFLAGS) -ldl -lpthread -lrt

test: $(PLUGIN_SO) $(PLUGIN_TEST_BINS)
	$(if $(PLUGIN_TEST_SCRIPTS)$(PLUGIN_TEST_BINS),,$(error no tests in $(M_DIR)/tests/: add NAME.mh scripts or test_NAME.c programs))
	$(if $(PLUGIN_TEST_SCRIPTS),$(PQ)prove --exec '$(PLUGIN_HARNESS_BIN) --plugin-dir $(M_DIR)' $(PLUGIN_TEST_SCRIPTS))
	$(if $(PLUGIN_TEST_BINS),$(PQ)prove --exec '' $(PLUGIN_TEST_BINS))

.PHONY: test
