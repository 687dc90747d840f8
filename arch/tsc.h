/* TSC frequency: from CPUID 0x15/0x16 when the CPU states it, else PIT-calibrated. */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include "arch/types.h"

enum tsc_source { TSC_FROM_CPUID15, TSC_FROM_PIT };

struct tsc_info {
	u64 hz;
	enum tsc_source source;
};

struct tsc_info tsc_calibrate(void);
extern u64 tsc_hz;

#endif
