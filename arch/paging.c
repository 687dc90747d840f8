#include "arch/paging.h"
#include "arch/cpu.h"

#define MMIO_HOLE_START 0xC0000000ULL /* device memory (LAPIC, IOAPIC, PCI BARs): uncached */

static u64 pml4[512] __attribute__((aligned(4096)));
static u64 pdpt[512] __attribute__((aligned(4096)));
static u64 pd[4][512] __attribute__((aligned(4096)));

void paging_init(void)
{
	for (u64 g = 0; g < 4; g++) {
		for (u64 i = 0; i < 512; i++) {
			u64 addr = (g << 30) | (i << 21);
			u64 cache = addr >= MMIO_HOLE_START ? PTE_PCD | PTE_PWT : 0;
			pd[g][i] = addr | PTE_P | PTE_W | PTE_PS | cache;
		}
		pdpt[g] = (u64)(uintptr_t)pd[g] | PTE_P | PTE_W;
	}
	pml4[0] = (u64)(uintptr_t)pdpt | PTE_P | PTE_W;
	write_cr4(read_cr4() | CR4_PAE);
	write_cr3((u64)(uintptr_t)pml4);
}
