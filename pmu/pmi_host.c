#include "pmu/pmi_host.h"
#include "arch/interrupts.h"
#include "arch/lapic.h"
#include "pmu/vpmu.h"

static u32 mediated_pending;
static u64 host_pmis;

static void on_mediated_pmi(struct trap_frame *f)
{
	(void)f;
	mediated_pending++;
	lapic_eoi();
}

static void on_host_pmi(struct trap_frame *f)
{
	(void)f;
	host_pmis++;
	lapic_eoi();
}

void pmi_host_init(void)
{
	interrupt_register(PMU_MEDIATED_PMI_VECTOR, on_mediated_pmi);
	interrupt_register(PMU_HOST_PMI_VECTOR, on_host_pmi);
}

bool pmi_host_take_mediated(void)
{
	if (!mediated_pending)
		return false;
	mediated_pending--;
	return true;
}

u64 pmi_host_own_count(void) { return host_pmis; }
