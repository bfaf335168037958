# SPDX-License-Identifier: MIT
#
# plugin.mk - builds one modvmm device plugin, the way Kbuild builds an
# external module.  Used by `make -C <tree> M=<dir>` and, once installed,
# by `make -C <prefix>/share/modvmm M=<dir>`.  Every *.c in the plugin
# directory is compiled with -DMODULE and linked into <dir>/<dirname>.so.
#
# In: M_DIR, PLUGIN_SDK_INCLUDE, PLUGIN_AUTOCONF, PLUGIN_CC,
#     PLUGIN_EXTRA_CFLAGS, PLUGIN_LDFLAGS, V; from the tree also
#     PLUGIN_FIXDEP and PLUGIN_OBJTREE (per-symbol config dependencies).

PLUGIN_NAME	:= $(notdir $(M_DIR))
PLUGIN_SRCS	:= $(wildcard $(M_DIR)/*.c)
PLUGIN_OBJS	:= $(PLUGIN_SRCS:.c=.o)
PLUGIN_SO	:= $(M_DIR)/$(PLUGIN_NAME).so
PLUGIN_CC	?= cc
PLUGIN_CFLAGS	:= -std=gnu11 -O2 -g -fPIC -fvisibility=hidden -DMODULE \
		   -D_GNU_SOURCE -I$(PLUGIN_SDK_INCLUDE) \
		   -include $(PLUGIN_AUTOCONF) $(PLUGIN_EXTRA_CFLAGS)

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
