/* Builds a guest's NPT or EPT from the hypervisor's pages (the format is the backend's). */
#include "core/hv.h"
#include "arch/log.h"
#include "core/gpt.h"
#include "core/vcpu.h"

static u64 alloc_table(void *ctx)
{
	(void)ctx;
	return (u64)(uintptr_t)hv_alloc(PAGE_SIZE, PAGE_SIZE);
}

static u64 *map_table(void *ctx, u64 table_pa)
{
	(void)ctx;
	return (u64 *)(uintptr_t)table_pa; /* the hypervisor identity-maps its memory */
}

int vm_map_memory(struct vm *vm, const struct gpt_format *fmt)
{
	struct gpt_builder b = { fmt, alloc_table, map_table, NULL };
	vm->gpt_root = gpt_build(&b, vm->mem_hpa, vm->mem.size);
	if (!vm->gpt_root) {
		pr_err("%s: out of memory for guest-physical page tables", vm->name);
		return -1;
	}
	return 0;
}
