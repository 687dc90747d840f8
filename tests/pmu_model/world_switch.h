/*
 * The world switch as the backends and the CPU perform it for the vCPU whose
 * PMU is loaded, on the hardware model: on Intel, VT-x loads the guest's
 * GLOBAL_CTRL at entry, saves it at exit (the "save IA32_PERF_GLOBAL_CTRL"
 * exit control or the MSR-store list; vmx/vmx.c) and loads 0; on AMD VMRUN
 * and the exit switch nothing but the mode (Guest-Only selectors; svm/svm.c).
 * Between the two, the guest runs: direct accesses go to hw_model.
 */
#ifndef TESTS_PMU_MODEL_WORLD_SWITCH_H
#define TESTS_PMU_MODEL_WORLD_SWITCH_H

#include "pmu/vpmu.h"
#include "tests/pmu_model/pmu_model.h"

static inline void model_vm_entry(struct vpmu *vp)
{
	pmu_model_vm_entry(&hw_model, vp->global_ctrl_hw);
}

static inline void model_vm_exit(struct vpmu *vp)
{
	u64 saved = pmu_model_vm_exit(&hw_model, 0);
	if (hw_model.pmu.intel)
		vpmu_global_ctrl_saved(vp, saved);
}

#endif
