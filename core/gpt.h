/*
 * Guest-physical page tables (AMD NPT and Intel EPT share the 4-level
 * shape; only the entry bits differ, so the backend passes them in).
 * 2 MiB pages where the range allows, 4 KiB pages for the rest. Only guest
 * RAM is mapped: nothing of the hypervisor is reachable from a guest.
 */
#ifndef CORE_GPT_H
#define CORE_GPT_H

#include "arch/types.h"

struct gpt_format {
	u64 table;    /* bits of a non-leaf entry */
	u64 leaf_4k;  /* bits of a 4 KiB leaf */
	u64 leaf_2m;  /* bits of a 2 MiB leaf (including its size bit) */
};

/* Allocates one zeroed, page-aligned table; returns its physical address or 0. */
typedef u64 (*gpt_alloc_fn)(void *ctx);
/* Physical address -> pointer the builder can write through. */
typedef u64 *(*gpt_map_fn)(void *ctx, u64 pa);

struct gpt_builder {
	const struct gpt_format *fmt;
	gpt_alloc_fn alloc;
	gpt_map_fn map;
	void *ctx;
};

/* Maps guest [0, size) to host [hpa, hpa+size); returns the root or 0 when out of memory. */
u64 gpt_build(const struct gpt_builder *b, u64 hpa, u64 size);

#endif
