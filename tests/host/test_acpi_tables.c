#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/acpi_tables.h"

#define RAM (1u << 20)
static u8 ram[RAM];
static const struct guest_mem mem = { ram, RAM };

static u32 get32(u64 gpa) { u32 v; memcpy(&v, ram + gpa, 4); return v; }
static u64 get64(u64 gpa) { u64 v; memcpy(&v, ram + gpa, 8); return v; }

static u8 sum(u64 gpa, u32 len)
{
	u8 s = 0;
	for (u32 i = 0; i < len; i++)
		s = (u8)(s + ram[gpa + i]);
	return s;
}

/* A table as Linux checks it: its signature, and every byte of its length summing to 0. */
static u32 table(u64 gpa, const char *sig)
{
	assert_memory_equal(ram + gpa, sig, 4);
	u32 len = get32(gpa + 4);
	assert_true(len >= 36 && gpa + len <= ACPI_TABLES_GPA + ACPI_TABLES_SIZE);
	assert_int_equal(sum(gpa, len), 0);
	return len;
}

static void rsdp_xsdt_fadt_dsdt_madt_chain_with_checksums(void **state)
{
	(void)state;
	memset(ram, 0xEE, RAM);
	assert_int_equal(acpi_tables_build(&mem), 0);
	const u64 rsdp = ACPI_TABLES_GPA;
	assert_memory_equal(ram + rsdp, "RSD PTR ", 8);
	assert_int_equal(ram[rsdp + 15], 2); /* revision 2: the XSDT is used */
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(sum(rsdp, 36), 0);
	u64 xsdt = get64(rsdp + 24);
	assert_int_equal(table(xsdt, "XSDT"), 36 + 2 * 8);

	u64 fadt = get64(xsdt + 36), madt = get64(xsdt + 44);
	assert_int_equal(table(fadt, "FACP"), 276);
	assert_true(get32(fadt + 112) & (1u << 20)); /* hardware-reduced: no PIT, 8259, PM timer */
	assert_int_equal(ram[fadt + 109] & (1u << 1), 0); /* no 8042 */
	assert_true(ram[fadt + 109] & (1u << 5)); /* no CMOS RTC */
	/* RESET_REG: system I/O, 8 bits at port 0xCF9, value 6 (RST_CPU | SYS_RST) */
	assert_true(get32(fadt + 112) & (1u << 10));
	static const u8 reset_reg[12] = { 1, 8, 0, 0, 0xF9, 0x0C };
	assert_memory_equal(ram + fadt + 116, reset_reg, sizeof(reset_reg));
	assert_int_equal(ram[fadt + 128], 6);
	assert_int_equal(ram[fadt + 131], 5); /* the minor version where it was */
	u64 dsdt = get64(fadt + 140);
	assert_int_equal(get32(fadt + 40), dsdt);
	assert_int_equal(table(dsdt, "DSDT"), 36 + 49);
	/* its AML: a PNP0501 device whose resources are the ports 0x3F8-0x3FF and no IRQ */
	static const u8 hid[] = { '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x05, 0x01 };
	static const u8 io[] = { 0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08, 0x79, 0x00 };
	assert_memory_equal(ram + dsdt + 36 + 15, hid, sizeof(hid));
	assert_memory_equal(ram + dsdt + 36 + 39, io, sizeof(io));
	assert_int_equal(ram[dsdt + 36 + 1], 49 - 1); /* the Scope's package length: the rest */

	assert_int_equal(table(madt, "APIC"), 44 + 8);
	assert_int_equal(get32(madt + 36), 0xFEE00000);
	assert_int_equal(get32(madt + 40), 0); /* no 8259 pair */
	/* one local APIC: type 0, length 8, processor 0, APIC ID 0, enabled */
	static const u8 lapic[8] = { 0, 8, 0, 0, 1, 0, 0, 0 };
	assert_memory_equal(ram + madt + 44, lapic, 8);
}

static void refused_when_ram_ends_below_the_tables(void **state)
{
	(void)state;
	const struct guest_mem small = { ram, ACPI_TABLES_GPA };
	assert_int_equal(acpi_tables_build(&small), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsdp_xsdt_fadt_dsdt_madt_chain_with_checksums),
		cmocka_unit_test(refused_when_ram_ends_below_the_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
