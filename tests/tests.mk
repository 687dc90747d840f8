# Tests. make test = host unit tests + every system boot, through one prove run.
#   make host-tests    build the cmocka binaries (build/host/test_*)
#   make test          all of tests/t/*.t with prove; the last line is prove's Result
#   make iso           build/pmuvisor.iso: GRUB2 ISO with the unit-guest suite (tests/suite)
#   make run           boot that suite in QEMU (AMD-V under TCG) and print the results
#   make bench         the cost of PMU virtualization per mode (tests/bench): JSON, table, plots
#   make stress        the timing-sensitive tests 10 times each with every core busy (tests/stress)
#   make mutate        every mutant of tests/mutants.py must make a host test fail (tests/mutate)

HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -I.
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))

# Each test names the sources it needs on its first line: /* sources: a.c b.c */
host_sources = $(shell sed -n '1s|.*sources: \(.*\) \*/|\1|p' $(1))

.SECONDEXPANSION:
$(BUILD)/host/%: tests/host/%.c $$(call host_sources,tests/host/%.c)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(call host_sources,$<) -lcmocka

# Replays the PMU traces of emulator runs against the PMU model (used by tests/run).
PMU_REPLAY := $(BUILD)/host/pmu_replay
$(PMU_REPLAY): tests/pmu_model/pmu_replay.c tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $^

.PHONY: host-tests test iso run
host-tests: $(HOST_TESTS) $(PMU_REPLAY)

test: all host-tests fuzz-targets
	prove -v tests/t/

iso: all
	tests/run --config qemu-bios --make-iso $(BUILD)/pmuvisor.iso

run: all $(PMU_REPLAY)
	tests/run --config qemu-bios --echo

.PHONY: stress
stress: all $(PMU_REPLAY)
	tests/stress --runs $(or $(STRESS_RUNS),10)

.PHONY: mutate
# Scratch copies of the sources, built apart: nothing of build/ is used or touched.
mutate:
	tests/mutate --jobs $(or $(MUTATE_JOBS),2)

.PHONY: bench
# Debian's python3 has python3-matplotlib for the plots, whatever python3 comes first in PATH.
PLOT_PYTHON := $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
bench: all
	$(PLOT_PYTHON) tests/bench

# Fuzz targets: tests/fuzz/fuzz_*.c with clang's libFuzzer, ASan and UBSan; each
# names its sources on its first line like the host tests.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(BUILD)/fuzz/%: tests/fuzz/%.c $$(call host_sources,tests/fuzz/%.c)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(call host_sources,$<)

.PHONY: fuzz fuzz-targets
fuzz-targets: $(FUZZ_TARGETS)

# make fuzz FUZZ_SECONDS=600 for a long run; make test runs each for 10 s.
fuzz: fuzz-targets
	tests/fuzz/run $(FUZZ_SECONDS)
