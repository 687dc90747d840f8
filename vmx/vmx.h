/* The Intel VT-x backend. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "core/vcpu.h"

extern const struct vcpu_ops vmx_ops;

#endif
