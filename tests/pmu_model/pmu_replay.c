/*
 * Replays the PMU traces pmuvisor prints on the serial line ("hv: pmutrace")
 * against the PMU model, so emulator runs are checked against the same
 * invariants as the host tests. Reads a serial log on stdin, prints TAP:
 * one line per traced guest. Values of reads are not compared (emulators
 * read 0); writes, LVTPC writes and world switches are applied and checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/pmu_model/pmu_model.h"
#include "pmu/pmu_hw.h"

/* The CPU the header describes, as its CPUID and PERF_CAPABILITIES would say it. */
static bool cpu_from_header(const char *line, struct model_cpu *c)
{
	char kind[16] = "";
	unsigned version, gp, width, fixed, fixed_width, core, v2, nr_fixed = 0;
	unsigned long long perf_caps;
	const char *p = strstr(line, " kind=");
	if (!p || sscanf(p, " kind=%15s version=%u gp=%u width=%u fixed=%x fixed_width=%u "
			    "perf_caps=%llx amd_core=%u amd_v2=%u", kind, &version, &gp, &width,
			 &fixed, &fixed_width, &perf_caps, &core, &v2) != 9)
		return false;
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

static void apply(const char *op, unsigned msr, unsigned long long value)
{
	u64 ignored;
	if (!strcmp(op, "r"))
		pmu_hw_rdmsr(msr, &ignored);
	else if (!strcmp(op, "w"))
		pmu_hw_wrmsr(msr, value);
	else if (!strcmp(op, "lvtpc-w"))
		pmu_hw_write_lvtpc((u32)value);
	else if (!strcmp(op, "lvtpc-r"))
		pmu_hw_read_lvtpc();
	else if (!strcmp(op, "vmentry") || !strcmp(op, "svmentry"))
		pmu_model_vm_entry(&hw_model, value);
	else if (!strcmp(op, "vmexit") || !strcmp(op, "svmexit"))
		pmu_model_vm_exit(&hw_model, value);
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
			records = 0;
			continue;
		}
		if (in_block && !strncmp(line, "hv: pmutrace end ", 17)) {
			in_block = false;
			bool ok = hw_model.violations == 0 && records > 0;
			failed += !ok;
			printf("%s %d - %s: %lu traced PMU accesses and world switches replayed on the "
			       "model, %u invariants broken%s%s\n", ok ? "ok" : "not ok", ++n, guest,
			       records, hw_model.violations, ok ? "" : ": ", ok ? "" : hw_model.last_violation);
			continue;
		}
		unsigned seq, msr;
		unsigned long long value;
		char phase[16], op[16];
		if (in_block && sscanf(line, "hv: pmutrace %u %15s %15s %x %llx", &seq, phase, op, &msr,
				       &value) == 5) {
			apply(op, msr, value);
			records++;
		}
	}
	if (!n)
		printf("1..0 # SKIP no PMU trace in the log\n");
	else
		printf("1..%d\n", n);
	return failed ? 1 : 0;
}
