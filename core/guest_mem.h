/*
 * Guest physical memory: one contiguous host block mapped at guest physical
 * 0. Every copy in or out is bounds-checked. Host-testable.
 */
#ifndef CORE_GUEST_MEM_H
#define CORE_GUEST_MEM_H

#include "arch/types.h"

struct guest_mem {
	u8 *host; /* where guest physical 0 lives in the hypervisor */
	u64 size;
};

static inline bool gmem_contains(const struct guest_mem *m, u64 gpa, u64 len)
{
	return gpa <= m->size && len <= m->size - gpa;
}

/* 0 on success, -1 when [gpa, gpa+len) is not all guest RAM. */
int gmem_write(const struct guest_mem *m, u64 gpa, const void *src, u64 len);
int gmem_read(const struct guest_mem *m, u64 gpa, void *dst, u64 len);
int gmem_fill(const struct guest_mem *m, u64 gpa, u8 byte, u64 len);

#endif
