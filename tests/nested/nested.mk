# SPDX-License-Identifier: MIT
#
# The tests that need KVM, on a machine without /dev/kvm: they run inside
# a nested KVM that QEMU's TCG emulates (tests/nested/run-nested).
# Included by the top Makefile.
#
#   make test-nested [T=FILTER] [NESTED_TIMEOUT=3000]
#   make nested-shell            a root shell in the nested guest
#
# The guest kernel is fetched once into $NESTED_CACHE (default
# /var/cache/modvmm-nested), which `make clean` leaves alone.

NESTED_TIMEOUT	?= 3000
NESTED_TOOLS	:= qemu-system-x86_64:qemu-system-x86 busybox:busybox-static

# Same prerequisites and variables as `test`; the runner picks the tests
# that need /dev/kvm.
test-nested: all $(if $(wildcard tests/fuzz/fuzz.mk),test-plugins)
	$(ENSURE_TOOLS) $(TEST_TOOLS) $(NESTED_TOOLS)
	$(Q)tests/nested/run-nested --timeout $(NESTED_TIMEOUT) -- \
		env O=$(O) MODVMM=$(abspath $(BIN)) MODULES=$(abspath $(MODDIR)) \
		GUESTS=$(objtree)/guests TESTS_KVM_ONLY=1 tests/run-tests $(T)

nested-shell:
	$(ENSURE_TOOLS) $(NESTED_TOOLS)
	$(Q)tests/nested/run-nested --timeout $(NESTED_TIMEOUT) -- bash

.PHONY: test-nested nested-shell
