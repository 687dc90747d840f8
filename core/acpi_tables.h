/*
 * The smallest ACPI a Linux guest needs to keep its local APIC: an RSDP, an
 * XSDT, a hardware-reduced FADT with a DSDT that only describes COM1 (no
 * IRQ: the driver polls it), and a MADT with one
 * enabled local APIC and no I/O APIC. Hardware-reduced means no PM timer, no
 * SCI, no 8259 and no PIT: Linux then runs its tick on the LAPIC timer
 * (TSC-deadline) alone. Host-testable.
 */
#ifndef CORE_ACPI_TABLES_H
#define CORE_ACPI_TABLES_H

#include "core/guest_mem.h"

/* In the BIOS area below 1 MiB, where firmware puts them (outside the e820 RAM). */
#define ACPI_TABLES_GPA 0xE0000
#define ACPI_TABLES_SIZE 0x1000

/* Writes the tables at ACPI_TABLES_GPA, the RSDP first; 0, or -1 if RAM does not reach. */
int acpi_tables_build(const struct guest_mem *mem);

#endif
