#include "pmu/pmi_host.h"
#include "arch/interrupts.h"
#include "arch/lapic.h"
#include "pmu/vpmu.h"

static void on_mediated_pmi(struct trap_frame *f)
{
	(void)f;
	vpmu_pmi_arrived();
	lapic_eoi();
}

static void on_host_pmi(struct trap_frame *f)
{
	(void)f;
	pmu_cpu.host_pmis++;
	lapic_eoi();
}

void pmi_host_init(void)
{
	interrupt_register(PMU_MEDIATED_PMI_VECTOR, on_mediated_pmi);
	interrupt_register(PMU_HOST_PMI_VECTOR, on_host_pmi);
}

u64 pmi_host_own_count(void) { return pmu_cpu.host_pmis; }
