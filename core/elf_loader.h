/*
 * Loads an ELF32 or ELF64 executable into guest memory. Every header field
 * is checked against the image size and the guest's RAM before it is used:
 * a malformed image is refused with a message, never half-loaded silently.
 * Host-testable.
 */
#ifndef CORE_ELF_LOADER_H
#define CORE_ELF_LOADER_H

#include "core/guest_mem.h"

struct elf_load_result {
	u64 entry;
	u64 low, high; /* guest physical range the segments occupy */
	u32 nr_segments;
};

/*
 * Returns NULL on success, or a message saying what is wrong. Segments must
 * lie within [min_gpa, mem->size) and must not overlap.
 */
const char *elf_load(const void *image, u64 size, const struct guest_mem *mem, u64 min_gpa,
		     struct elf_load_result *out);

#endif
