# Tests. make test = host unit tests + every system boot, through one prove run.
#   make host-tests    build the cmocka binaries (build/host/test_*)
#   make test          all of tests/t/*.t with prove; the last line is prove's Result
#   make iso           build/pmuvisor.iso: GRUB2 ISO with the unit-guest suite (tests/suite)
#   make run           boot that suite in QEMU (AMD-V under TCG) and print the results
#   make bench         the cost of PMU virtualization per mode (tests/bench): JSON, table, plots
#   make stress        the timing-sensitive tests 10 times each with every core busy (tests/stress)
#   make mutate        every mutant of tests/mutants.py must make a host test fail (tests/mutate)
#   make soak          the isolation schedules at length: SOAK_SCHEDULES (1,000,000), new seed
#   make linux         build/linux/: a Debian kernel and a perf initramfs for a Linux guest

HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -I.
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))

# The hypervisor's pure code: everything that runs on a host as it is, with no
# hardware access. Tests and fuzzers link this one library (the linker takes
# only the objects a test needs) plus the fakes a test names on its first
# line: /* fakes: tests/host/fake_pmu_hw.c */ (the hardware it runs on).
HV_PURE_C := arch/format.c boot/multiboot2_info.c boot/efi/efi_config.c boot/efi/efi_memmap.c \
	core/cmdline.c core/cpuid_policy.c core/cr_rules.c core/elf_loader.c core/fw_cfg.c core/gpt.c core/mb1_info.c \
	core/guest_mem.c core/guest_walk.c core/insn_decode.c core/intercept_bitmap.c \
	core/event_queue.c core/exit_report.c core/guest_tsc.c core/msr_policy.c core/page_alloc.c core/pcpu.c \
	core/sched.c core/string_io.c \
	core/vlapic.c \
	core/linux_boot.c core/mb1_info.c core/acpi_tables.c core/uart.c \
	pmu/event_filter.c pmu/pmu_access.c pmu/pmu_amd.c pmu/pmu_caps.c pmu/pmu_classify.c \
	pmu/pmu_intel.c pmu/pmu_profiles.c pmu/vpmu_desc.c pmu/vpmu_msr.c pmu/vpmu_pmi.c \
	pmu/vpmu_switch.c svm/svm_exit.c svm/svm_nmi.c vmx/vmx_exit.c vmx/vmx_guest_check.c
# The PMU model as the hardware under the vPMU (pmu/pmu_hw.h).
PMU_MODEL_C := tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c

HOST_LIB := $(BUILD)/host/libpmuvisor.a
$(BUILD)/host/lib/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(HOST_LIB): $(HV_PURE_C:%.c=$(BUILD)/host/lib/%.o)
	rm -f $@
	ar rcs $@ $^

test_fakes = $(shell sed -n '1s|.*fakes: \(.*\) \*/|\1|p' $(1))

.SECONDEXPANSION:
$(BUILD)/host/%: tests/host/%.c $$(call test_fakes,tests/host/%.c) $(HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(call test_fakes,$<) $(HOST_LIB) -lcmocka

# Replays the PMU traces of emulator runs against the PMU model (used by tests/run).
PMU_REPLAY := $(BUILD)/host/pmu_replay
$(PMU_REPLAY): tests/pmu_model/pmu_replay.c $(PMU_MODEL_C)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $^

.PHONY: host-tests test iso run
host-tests: $(HOST_TESTS) $(PMU_REPLAY)

test: all host-tests fuzz-targets linux
	prove -v tests/t/

iso: all
	tests/run --config qemu-bios --make-iso $(BUILD)/pmuvisor.iso

run: all $(PMU_REPLAY)
	tests/run --config qemu-bios --echo

.PHONY: stress
stress: all $(PMU_REPLAY)
	tests/stress --runs $(or $(STRESS_RUNS),10)

.PHONY: soak
# test_vpmu_isolation for longer than make test's 10,000 schedules; it prints the seed.
soak: $(BUILD)/host/test_vpmu_isolation
	PMU_SCHEDULES=$(or $(SOAK_SCHEDULES),1000000) $<

.PHONY: mutate
# Scratch copies of the sources, built apart: nothing of build/ is used or touched.
mutate:
	tests/mutate --jobs $(or $(MUTATE_JOBS),2)

.PHONY: bench
# Debian's python3 has python3-matplotlib for the plots, whatever python3 comes first in PATH.
PLOT_PYTHON := $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
bench: all linux
	$(PLOT_PYTHON) tests/bench

# Fuzz targets: tests/fuzz/fuzz_*.c with clang's libFuzzer, ASan and UBSan; each
# names its sources on its first line like the host tests.
FUZZ_CC := clang
FUZZ_SAN := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-sanitize-recover=all -I.
FUZZ_CFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer,address,undefined
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

# The same pure code, instrumented for libFuzzer's coverage.
FUZZ_LIB := $(BUILD)/fuzz/libpmuvisor.a
$(BUILD)/fuzz/lib/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@
$(FUZZ_LIB): $(HV_PURE_C:%.c=$(BUILD)/fuzz/lib/%.o)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $$(call test_fakes,tests/fuzz/%.c) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(call test_fakes,$<) $(FUZZ_LIB)

.PHONY: fuzz fuzz-targets
fuzz-targets: $(FUZZ_TARGETS)

# make fuzz FUZZ_SECONDS=600 for a long run; make test runs each for 10 s.
fuzz: fuzz-targets
	tests/fuzz/run $(FUZZ_SECONDS)

.PHONY: linux
# A Debian kernel and an initramfs with perf for a Linux guest (tests/linux/build; t/70 and t/71 boot it).
linux:
	tests/linux/build
