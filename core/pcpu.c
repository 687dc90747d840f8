#include "core/pcpu.h"

struct pcpu pcpus[PCPU_MAX];
