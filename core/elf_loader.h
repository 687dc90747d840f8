/*
 * Loads an ELF32 or ELF64 executable into guest memory. Every header field
 * is checked against the image size and the guest's RAM before it is used:
 * a malformed image is refused with a message, never half-loaded silently.
 * Host-testable.
 */
#ifndef CORE_ELF_LOADER_H
#define CORE_ELF_LOADER_H

#include "core/guest_mem.h"

#define ELF_MAX_SEGMENTS 16

/* A guest-physical range [start, end). */
struct gpa_range {
	u64 start, end;
};

struct elf_load_result {
	u64 entry;
	u64 low, high; /* guest physical range the segments occupy */
	u32 nr_segments;
	struct gpa_range seg[ELF_MAX_SEGMENTS]; /* each loaded segment */
};

/*
 * Returns NULL on success, or a message saying what is wrong. Segments may
 * lie anywhere in guest RAM, real-mode code under 1 MiB included; they must
 * not overlap. What pmuvisor writes beside the image is placed around them
 * (core/mb1_info.h).
 */
const char *elf_load(const void *image, u64 size, const struct guest_mem *mem,
		     struct elf_load_result *out);

/* Whether [start, end) overlaps a loaded segment. */
bool elf_overlaps(const struct elf_load_result *r, u64 start, u64 end);

#endif
