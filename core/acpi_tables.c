#include "core/acpi_tables.h"
#include "arch/string.h"
#include "core/abi.h"

#define LAPIC_BASE 0xFEE00000u
#define FADT_HW_REDUCED BIT(20)
#define FADT_RESET_REG_SUP BIT(10)
#define GAS_SYSTEM_IO 1
/* IAPC_BOOT_ARCH: no VGA, no CMOS RTC; no 8042 and no legacy devices (bits left clear). */
#define BOOT_ARCH_NO_VGA BIT(2)
#define BOOT_ARCH_NO_CMOS_RTC BIT(5)
#define MADT_LOCAL_APIC 0
#define MADT_ENABLED BIT(0)

struct acpi_header {
	char signature[4];
	u32 length;
	u8 revision, checksum;
	char oem_id[6], oem_table_id[8];
	u32 oem_revision, creator_id, creator_revision;
} __attribute__((packed));

struct rsdp {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 ext_checksum, reserved[3];
} __attribute__((packed));

struct xsdt {
	struct acpi_header h;
	u64 entries[2];
} __attribute__((packed));

/* ACPI 6.x FADT: only the fields pmuvisor sets are named. */
struct fadt {
	struct acpi_header h;
	u32 firmware_ctrl, dsdt;
	u8 pad0[109 - 44];
	u16 boot_arch;
	u8 pad1;
	u32 flags;
	struct { u8 space_id, bit_width, bit_offset, access_size; u64 address; }
		__attribute__((packed)) reset_reg; /* a Generic Address Structure */
	u8 reset_value;
	u8 pad2[131 - 129];
	u8 minor_version;
	u64 x_firmware_ctrl, x_dsdt;
	u8 pad3[276 - 148];
} __attribute__((packed));

/*
 * The DSDT's AML: COM1, so Linux's 8250 driver takes the port from ACPI and,
 * with no IRQ in its resources, polls it (core/uart.c keeps the transmit
 * interrupt pending in IIR for that):
 *   Scope (\_SB) { Device (COM1) { Name (_HID, EisaId ("PNP0501")) Name (_UID, 0)
 *     Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 1, 8) }) } }
 * Every package length below counts itself and what follows it.
 */
static const u8 com1_aml[] = {
	0x10, 0x30, '\\', '_', 'S', 'B', '_',                  /* Scope, 48 bytes */
	0x5B, 0x82, 0x28, 'C', 'O', 'M', '1',                   /* Device, 40 bytes */
	0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x05, 0x01, /* EISA ID PNP0501 */
	0x08, '_', 'U', 'I', 'D', 0x00,
	0x08, '_', 'C', 'R', 'S', 0x11, 0x0D, 0x0A, 0x0A,       /* Buffer, 13 bytes, 10 long */
	0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08,         /* I/O ports 0x3F8-0x3FF */
	0x79, 0x00,                                             /* end tag */
};

struct dsdt {
	struct acpi_header h;
	u8 aml[sizeof(com1_aml)];
} __attribute__((packed));

struct madt {
	struct acpi_header h;
	u32 lapic_address, flags;
	struct { u8 type, length, processor_id, apic_id; u32 flags; } __attribute__((packed)) lapic;
} __attribute__((packed));

/* Where each table goes, in one page after the RSDP. */
struct acpi_layout {
	struct rsdp rsdp;
	u8 pad0[64 - sizeof(struct rsdp)];
	struct xsdt xsdt;
	u8 pad1[64 - sizeof(struct xsdt) % 64];
	struct fadt fadt;
	u8 pad2[64 - sizeof(struct fadt) % 64];
	struct dsdt dsdt;
	u8 pad3[64 - sizeof(struct dsdt) % 64];
	struct madt madt;
} __attribute__((packed));

_Static_assert(sizeof(struct fadt) == 276, "FADT revision 6 is 276 bytes");
_Static_assert(sizeof(struct acpi_layout) <= ACPI_TABLES_SIZE, "ACPI tables fit their page");

static u8 checksum(const void *p, size_t len)
{
	u8 sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (u8)(sum + ((const u8 *)p)[i]);
	return (u8)-sum;
}

static void header(struct acpi_header *h, const char *sig, u32 length, u8 revision)
{
	memcpy(h->signature, sig, 4);
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, "PMUVSR", 6);
	memcpy(h->oem_table_id, "PMUVISOR", 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, "PMUV", 4);
	h->creator_revision = 1;
}

static u64 at(const void *field, const struct acpi_layout *t)
{
	return ACPI_TABLES_GPA + (u64)((const u8 *)field - (const u8 *)t);
}

int acpi_tables_build(const struct guest_mem *mem)
{
	static struct acpi_layout t;
	memset(&t, 0, sizeof(t));

	header(&t.dsdt.h, "DSDT", sizeof(t.dsdt), 2);
	memcpy(t.dsdt.aml, com1_aml, sizeof(com1_aml));
	t.dsdt.h.checksum = checksum(&t.dsdt, sizeof(t.dsdt));

	header(&t.madt.h, "APIC", sizeof(t.madt), 5);
	t.madt.lapic_address = LAPIC_BASE;
	t.madt.lapic.type = MADT_LOCAL_APIC;
	t.madt.lapic.length = sizeof(t.madt.lapic);
	t.madt.lapic.flags = MADT_ENABLED;
	t.madt.h.checksum = checksum(&t.madt, sizeof(t.madt));

	header(&t.fadt.h, "FACP", sizeof(t.fadt), 6);
	t.fadt.minor_version = 5;
	t.fadt.dsdt = (u32)at(&t.dsdt, &t);
	t.fadt.x_dsdt = at(&t.dsdt, &t);
	t.fadt.flags = FADT_HW_REDUCED | FADT_RESET_REG_SUP;
	/* Reset as on a PC: the guest's reset ends it (core/io.c) */
	t.fadt.reset_reg.space_id = GAS_SYSTEM_IO;
	t.fadt.reset_reg.bit_width = 8;
	t.fadt.reset_reg.address = GUEST_RESET_PORT;
	t.fadt.reset_value = GUEST_RESET_VALUE;
	t.fadt.boot_arch = BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC;
	t.fadt.h.checksum = checksum(&t.fadt, sizeof(t.fadt));

	header(&t.xsdt.h, "XSDT", sizeof(t.xsdt), 1);
	t.xsdt.entries[0] = at(&t.fadt, &t);
	t.xsdt.entries[1] = at(&t.madt, &t);
	t.xsdt.h.checksum = checksum(&t.xsdt, sizeof(t.xsdt));

	memcpy(t.rsdp.signature, "RSD PTR ", 8);
	memcpy(t.rsdp.oem_id, "PMUVSR", 6);
	t.rsdp.revision = 2;
	t.rsdp.length = sizeof(t.rsdp);
	t.rsdp.xsdt = at(&t.xsdt, &t);
	t.rsdp.checksum = checksum(&t.rsdp, 20); /* ACPI 1.0 part */
	t.rsdp.ext_checksum = checksum(&t.rsdp, sizeof(t.rsdp));

	return gmem_write(mem, ACPI_TABLES_GPA, &t, sizeof(t));
}
