# SPDX-License-Identifier: MIT
#
# make bench: build the floor runner, the bus micro-benchmark and the
# spawn helper into $(O)/bench/, then let bench/run-bench build the guest
# variants and run everything (see bench/README.md).  Included by the top
# Makefile.
#
#   make bench [BENCH_ARGS='--quick' | '--rounds 3' | '--only pio,startup']

BENCH_OUT	:= $(O)/bench
BENCH_CFLAGS	:= $(BASE_CFLAGS)
BENCH_PROGS	:= $(BENCH_OUT)/floor $(BENCH_OUT)/buslookup $(BENCH_OUT)/spawn

$(BENCH_OUT)/floor: bench/floor.c $(AUTOCONF)
	@mkdir -p $(@D)
	$(call say,CC,$(patsubst $(O)/%,%,$@))
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_OUT)/buslookup: bench/buslookup.c $(O)/core/bus/bus.o $(AUTOCONF)
	@mkdir -p $(@D)
	$(call say,CC,$(patsubst $(O)/%,%,$@))
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $< $(O)/core/bus/bus.o

# Static, so that its own few pages stay below any command's peak RSS.
$(BENCH_OUT)/spawn: bench/spawn.c $(AUTOCONF)
	@mkdir -p $(@D)
	$(call say,CC,$(patsubst $(O)/%,%,$@))
	$(Q)$(CC) $(BENCH_CFLAGS) -static -o $@ $<

bench-progs: $(BENCH_PROGS)

bench: modvmm modules bench-progs
	$(Q)bench/run-bench --build $(O) $(BENCH_ARGS)

.PHONY: bench bench-progs
