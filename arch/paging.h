/* The hypervisor's own page tables: an identity map of the first 4 GiB. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include "arch/types.h"

#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_U BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_PS BIT(7)

void paging_init(void);

#endif
