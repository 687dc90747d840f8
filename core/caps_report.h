/* The capability report: one block of "cap:" lines at boot, ending in "cap: end". */
#ifndef CORE_CAPS_REPORT_H
#define CORE_CAPS_REPORT_H

#include "arch/tsc.h"

void caps_report(const struct tsc_info *tsc);

#endif
