/* The hypervisor's global state: configuration, memory, the chosen backend. */
#ifndef CORE_HV_H
#define CORE_HV_H

#include "boot/boot_info.h"
#include "core/config.h"
#include "core/page_alloc.h"
#include "pmu/pmu_caps.h"

struct hv {
	struct config config;
	struct page_allocator pages;
	const struct pmu_caps *pmu; /* the host PMU the vPMUs are derived from */
};

extern struct hv hv;

/* Zeroed, identity-mapped memory for the current guest; NULL when out of memory. */
void *hv_alloc(u64 bytes, u64 align);

struct vm;
struct gpt_format;
/* Maps the guest's RAM through NPT or EPT entries of the given format (vm->gpt_root). */
int vm_map_memory(struct vm *vm, const struct gpt_format *fmt);

/* Runs every configured guest in turn; returns the hypervisor's exit status. */
int hv_run_guests(const struct boot_info *bi);

#endif
