/* fakes: tests/pmu_model/pmu_model.c tests/pmu_model/pmu_model_hw.c tests/pmu_model/model_cpus.c tests/pmu_model/model_host.c */
/*
 * A guest's PMU MSR accesses, any MSR, any value, in every mode and on every
 * modelled CPU: emulated by pmu/ where the intercept policy makes them exit,
 * direct on the PMU model where it passes them through. No crash, no broken
 * hardware invariant, and the other guest's context untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pmu/pmu_hw.h"
#include "pmu/vpmu.h"
#include "tests/pmu_model/model_host.h"
#include "tests/pmu_model/world_switch.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct vpmu_desc da, db;
	static struct vpmu a, b;
	if (size < 2)
		return 0;
	/* every modelled CPU: the profiles' and the others (those given no vPMU end early) */
	const struct model_cpu *cpu = &model_cpus[data[0] % CPU_COUNT];
	static struct pmu_caps caps;
	const struct pmu_caps *host = &caps;
	model_host_caps(cpu, &caps);
	struct guest_config cfg = { .vpmu = data[1] % 3, .pmu_gp = PMU_ALL_COUNTERS,
				    .pmu_fixed = PMU_ALL_COUNTERS };
	char err[128];
	pmu_model_init(&hw_model, cpu);
	pmu_cpu_init(host);
	if (vpmu_desc_derive(host, &cfg, &da, err, sizeof(err)))
		return 0;
	cfg.vpmu = VPMU_MEDIATED;
	vpmu_desc_derive(host, &cfg, &db, err, sizeof(err));
	vpmu_init(&a, &da, NULL);
	vpmu_init(&b, &db, NULL);
	vpmu_load(&b);
	b.ctx.gp_ctr[0] = 0x1234;
	vpmu_load(&a);
	struct pmu_context before = b.ctx;
	for (size_t i = 2; i + 13 <= size; i += 13) {
		u32 msr;
		u64 val;
		memcpy(&msr, data + i + 1, 4);
		memcpy(&val, data + i + 5, 8);
		if (data[i] & 0x80) /* stay near the PMU's MSRs most of the time */
			msr = (data[i] & 1 ? 0xC0010000 : 0x0) + (msr & 0x3FF);
		bool write = data[i] & 2;
		bool direct = vpmu_owns_msr(&da, msr) &&
			      vpmu_msr_passthrough(&da, msr, write ? MSR_WRITE : MSR_READ);
		if (data[i] & 4 && !da.rdpmc_passthrough)
			vpmu_rdpmc(&a, msr, &val);
		else if (direct) { /* the guest's own access to the hardware, in guest mode */
			model_vm_entry(&a);
			write ? pmu_model_wrmsr(&hw_model, msr, val) : pmu_model_rdmsr(&hw_model, msr, &val);
			model_vm_exit(&a);
		}
		else if (write)
			vpmu_msr_write(&a, msr, val);
		else
			vpmu_msr_read(&a, msr, &val);
		if (data[i] & 8)
			vpmu_lvtpc_write(&a, (u32)val);
		if (!vpmu_owns_msr(&da, msr) && vpmu_msr_read(&a, msr, &val))
			abort(); /* an MSR the guest was not given must #GP */
	}
	vpmu_put(&a);
	if (hw_model.violations) {
		fprintf(stderr, "hardware invariant broken: %s\n", hw_model.last_violation);
		abort();
	}
	/* b comes back: the hardware must hold b's context, nothing a left behind */
	vpmu_load(&b);
	for (u32 i = 0; i < db.nr_gp; i++)
		if (hw_model.gp_ctr[i] != before.gp_ctr[i] || hw_model.gp_sel[i] != before.gp_sel[i]) {
			fprintf(stderr, "counter %u holds 0x%llx/0x%llx, not the other guest's "
				"0x%llx/0x%llx\n", i, (unsigned long long)hw_model.gp_ctr[i],
				(unsigned long long)hw_model.gp_sel[i],
				(unsigned long long)before.gp_ctr[i], (unsigned long long)before.gp_sel[i]);
			abort();
		}
	if (hw_model.fixed_ctrl != before.fixed_ctrl ||
	    memcmp(hw_model.fixed_ctr, before.fixed_ctr, sizeof(before.fixed_ctr))) {
		fprintf(stderr, "the fixed counters are not the other guest's\n");
		abort();
	}
	vpmu_put(&b);
	return 0;
}
