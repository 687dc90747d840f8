/*
 * A guest's image into its RAM, whatever its kind: an ELF executable entered
 * as multiboot1 (EAX = magic, EBX = the information), or a Linux bzImage with
 * an optional initrd entered through the 32-bit boot protocol (ESI = the zero
 * page). Both start in the same state (vcpu_ops.vcpu_create); only these
 * registers differ.
 */
#ifndef CORE_GUEST_IMAGE_H
#define CORE_GUEST_IMAGE_H

#include "boot/boot_info.h"
#include "core/guest_mem.h"

struct guest_entry {
	u64 rip;
	u32 eax, ebx, esi;
	u64 gdt; /* where the flat GDT the entry selectors name was put */
};

/*
 * Loads module m (and initrd, or NULL) into mem; name is the guest's, for
 * messages. Returns 0, or -1 after saying what is wrong.
 */
int guest_image_load(const char *name, const struct guest_mem *mem, const struct boot_module *m,
		     const struct boot_module *initrd, struct guest_entry *out);

#endif
