/* fw_cfg and the boot information, as a kernel written for QEMU reads them. */
#include "guests/qemu/qk.h"

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511

static uint64_t fw_cfg(uint16_t key, int bytes)
{
	uint64_t v = 0;
	outw(FW_CFG_SEL, key);
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	check(magic == 0x2BADB002, "started by a multiboot1 loader");
	check(mbi->flags & 1, "the boot information gives the memory size");
	check(fw_cfg(0x00, 4) == 0x554D4551, "fw_cfg signature is QEMU");
	check(fw_cfg(0x01, 4) & 1, "fw_cfg ID offers the traditional interface");
	check(fw_cfg(0x05, 2) == 1, "fw_cfg reports 1 CPU");
	uint64_t ram = fw_cfg(0x03, 8), upper = ((uint64_t)mbi->mem_upper + 1024) * 1024;
	check(ram >= upper && ram - upper < (1u << 20),
	      "fw_cfg RAM size matches the multiboot memory size (within 1 MiB)");
	uint32_t files = (uint32_t)__builtin_bswap32((uint32_t)fw_cfg(0x19, 4));
	check(files < 4096, "fw_cfg file directory answers (a denied port would read all ones)");
	uint32_t r[4];
	cpuid(1, r);
	check(r[3] & (1u << 9), "CPUID.1 says there is a local APIC");
	check((rdmsr(0x1B) & 0xFFFFF900) == 0xFEE00900, "APIC base MSR: enabled BSP at 0xFEE00000");
	finish();
}
