/*
 * The Linux x86 boot protocol (the kernel's Documentation/x86/boot.rst): a
 * bzImage is checked field by field before anything is copied, its
 * protected-mode part goes to 1 MiB, and the zero page (struct boot_params)
 * gets the setup header, an e820 map of the guest's RAM, the command line and
 * the initrd. The guest enters through the 32-bit protocol: flat protected
 * mode, paging and interrupts off, ESI = the zero page; that is the state
 * vcpu_create builds for every guest. Host-testable.
 */
#ifndef CORE_LINUX_BOOT_H
#define CORE_LINUX_BOOT_H

#include "core/guest_mem.h"

/* Where the loader puts what it builds (below 1 MiB, next to the entry GDT). */
#define LINUX_GDT_GPA 0x7000 /* the entry state's flat GDT */
#define LINUX_BOOT_PARAMS_GPA 0x8000
#define LINUX_CMDLINE_GPA 0x9000
#define LINUX_CMDLINE_MAX 2048 /* and never more than the kernel's cmdline_size */
#define LINUX_KERNEL_GPA 0x100000

/* The boot protocol version this loader needs: init_size and pref_address. */
#define LINUX_MIN_PROTOCOL 0x020A

struct linux_boot_result {
	u64 entry;       /* the 32-bit entry: the protected-mode part's first byte */
	u64 boot_params; /* for ESI */
	u64 gdt;         /* the GDT the entry selectors name */
	u16 protocol;    /* the kernel's boot protocol version */
	u64 kernel_end;  /* first byte above the kernel's load and decompression area */
	u64 initrd_gpa, initrd_size;
	u32 e820_entries;
};

/* True when the image carries a setup header (boot flag and "HdrS"): a bzImage. */
bool linux_boot_is_bzimage(const void *image, u64 size);

/*
 * Loads the kernel (and the initrd, when initrd_size > 0) into mem and builds
 * the zero page, which points the kernel at acpi_rsdp (0: none). Returns 0,
 * or -1 with a message in err saying what is wrong with the image or why it
 * does not fit the guest's RAM (nothing is written to mem then).
 */
int linux_boot_load(const void *kernel, u64 kernel_size, const void *initrd, u64 initrd_size,
		    const char *cmdline, u64 acpi_rsdp, const struct guest_mem *mem,
		    struct linux_boot_result *out, char *err, size_t errlen);

#endif
