/*
 * Replays the PMU traces pmuvisor prints on the serial line ("hv: pmutrace")
 * against the PMU model, so emulator runs are checked against the same
 * invariants as the host tests. Reads a serial log on stdin, prints TAP:
 * one line per traced guest.
 *
 * A trace opens each load with the hardware's registers as the load found
 * them (what the previous owner or the boot left): the model starts from
 * those values. Writes, LVTPC writes and world switches are applied and
 * checked. Every other value read is compared with the model's: on a
 * platform whose PMU registers hold nothing (the header's holds=0: QEMU
 * TCG, Bochs) it must be 0; where they hold values, the register's modelled
 * value, except that counters, GLOBAL_STATUS and PERF_METRICS, which
 * counting changes, are taken as read where the platform counts. An exit
 * records GLOBAL_CTRL as read back from the hardware: on Intel it must be
 * 0 (invariant 1), on AMD PerfMonV2 still the guest's value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/pmu_model/pmu_model.h"
#include "pmu/pmu_hw.h"

#define LVT_MASKED (1u << 16)

static bool holds, counts;
static unsigned long reads_compared;

/* The CPU the header describes, as its CPUID and PERF_CAPABILITIES would say it. */
static bool cpu_from_header(const char *line, struct model_cpu *c)
{
	char kind[16] = "";
	unsigned version, gp, width, fixed, fixed_width, core, v2, h, n, nr_fixed = 0;
	unsigned long long perf_caps;
	const char *p = strstr(line, " kind=");
	if (!p || sscanf(p, " kind=%15s version=%u gp=%u width=%u fixed=%x fixed_width=%u "
			    "perf_caps=%llx amd_core=%u amd_v2=%u holds=%u counts=%u", kind, &version,
			 &gp, &width, &fixed, &fixed_width, &perf_caps, &core, &v2, &h, &n) != 11)
		return false;
	holds = h;
	counts = n;
	while (fixed & (1u << nr_fixed))
		nr_fixed++;
	*c = (struct model_cpu){ .name = "traced", .amd = !strcmp(kind, "amd") };
	if (c->amd) {
		c->ext1_ecx = core ? 1u << 23 : 0;
		c->leaf_80000022 = (struct model_leaf){ v2 ? 1 : 0, v2 ? gp : 0, 0, 0 };
		return true;
	}
	c->leaf_0a = (struct model_leaf){ version | gp << 8 | width << 16, 0,
					  version >= 5 ? fixed : 0, nr_fixed | fixed_width << 5 };
	c->pdcm = perf_caps != 0;
	c->perf_capabilities = perf_caps;
	return !strcmp(kind, "intel");
}

/* A value the hypervisor read, against what the modelled hardware holds. */
static void compare(const char *what, u64 read, u64 model)
{
	u64 want = holds ? model : 0;
	reads_compared++;
	if (read != want)
		pmu_model_violation(&hw_model, "%s read 0x%llx, the model has 0x%llx", what,
				    (unsigned long long)read,
			(unsigned long long)want);
}

static void replay_read(bool load, unsigned msr, u64 value)
{
	u64 model;
	if (!pmu_hw_rdmsr(msr, &model)) /* #GP: recorded by the model */
		return;
	char what[32];
	snprintf(what, sizeof(what), "MSR 0x%x", msr);
	if (load || (counts && pmu_model_counts_itself(&hw_model, msr)))
		pmu_model_set(&hw_model, msr, value); /* the state found, or what the hardware counted */
	else
		compare(what, value, model);
}

static void replay_lvtpc_read(bool load, u32 value)
{
	if (load) {
		pmu_model_write_lvtpc(&hw_model, value);
		return;
	}
	u32 mask = counts ? ~LVT_MASKED : ~0u; /* where PMIs happen, one may have masked it */
	reads_compared++;
	if ((pmu_hw_read_lvtpc() ^ value) & mask)
		pmu_model_violation(&hw_model, "LVTPC read 0x%x, the model has 0x%x", value, hw_model.lvtpc);
}

static void apply(const char *phase, const char *op, unsigned msr, u64 value)
{
	bool load = !strcmp(phase, "load");
	if (!strcmp(op, "r"))
		replay_read(load, msr, value);
	else if (!strcmp(op, "w"))
		pmu_hw_wrmsr(msr, value);
	else if (!strcmp(op, "lvtpc-w"))
		pmu_hw_write_lvtpc((u32)value);
	else if (!strcmp(op, "lvtpc-r"))
		replay_lvtpc_read(load, (u32)value);
	else if (!strcmp(op, "vmentry") || !strcmp(op, "svmentry"))
		pmu_model_vm_entry(&hw_model, value);
	else if (!strcmp(op, "vmexit"))
		pmu_model_vm_exit(&hw_model, value); /* GLOBAL_CTRL as read back: must be 0 */
	else if (!strcmp(op, "svmexit")) {
		if (msr) /* PerfMonV2: still the guest's until the hypervisor clears it */
			compare("GLOBAL_CTL at the exit", value, hw_model.global_ctrl);
		pmu_model_vm_exit(&hw_model, value);
	}
}

int main(void)
{
	char line[512], guest[64] = "";
	int n = 0, failed = 0;
	unsigned long records = 0;
	bool in_block = false;
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "hv: pmutrace begin ", 19)) {
			struct model_cpu c;
			sscanf(line + 19, "%63s", guest);
			if (!cpu_from_header(line, &c))
				c = (struct model_cpu){ .name = "none" };
			pmu_model_init(&hw_model, &c);
			in_block = true;
			records = reads_compared = 0;
			continue;
		}
		if (in_block && !strncmp(line, "hv: pmutrace end ", 17)) {
			in_block = false;
			bool ok = hw_model.violations == 0 && records > 0;
			failed += !ok;
			printf("%s %d - %s: %lu traced PMU accesses and world switches replayed on the "
			       "model, %lu values read compared, %u invariants broken or values "
			       "differing%s%s\n", ok ? "ok" : "not ok", ++n, guest, records,
			       reads_compared, hw_model.violations, ok ? "" : ": ",
			       ok ? "" : hw_model.last_violation);
			continue;
		}
		unsigned seq, msr;
		unsigned long long value;
		char phase[16], op[16];
		if (in_block && sscanf(line, "hv: pmutrace %u %15s %15s %x %llx", &seq, phase, op, &msr,
				       &value) == 5) {
			apply(phase, op, msr, value);
			records++;
		}
	}
	if (!n)
		printf("1..0 # SKIP no PMU trace in the log\n");
	else
		printf("1..%d\n", n);
	return failed ? 1 : 0;
}
