#include "arch/shared_state.h"
#include "arch/cpu.h"

#define CR4_OSXSAVE BIT(18)
#define FCW_RESET 0x037F   /* x87 control word after FNINIT */
#define MXCSR_RESET 0x1F80 /* all SIMD exceptions masked, round to nearest */

/*
 * An FXSAVE/XSAVE image of the power-on state: the legacy area (FCW,
 * MXCSR; every register 0, every x87 tag empty) and an XSAVE header with
 * XSTATE_BV = 0, which makes XRSTOR put every component in its init state.
 */
struct fpu_image {
	u16 fcw, fsw;
	u8 ftw_abridged, reserved0;
	u16 fop;
	u64 fip, fdp;
	u32 mxcsr, mxcsr_mask;
	u8 regs[480]; /* ST0-7, XMM0-15, reserved */
	u64 xstate_bv, xcomp_bv, header_reserved[6];
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct fpu_image) == 576, "legacy area and XSAVE header");

static const struct fpu_image reset_image = { .fcw = FCW_RESET, .mxcsr = MXCSR_RESET };

void shared_state_init(void)
{
	write_cr0(read_cr0() & ~(u64)(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR);
}

void shared_state_scrub(void)
{
	if (read_cr4() & CR4_OSXSAVE) /* the firmware enabled XSAVE: reset all it enabled */
		asm volatile("xrstor64 %0" : : "m"(reset_image), "a"(~0u), "d"(~0u));
	else
		asm volatile("fxrstor64 %0" : : "m"(reset_image));
	asm volatile("mov %0, %%db0\n\tmov %0, %%db1\n\tmov %0, %%db2\n\tmov %0, %%db3"
		     : : "r"(0ULL));
	asm volatile("mov %0, %%db6" : : "r"(DR6_RESET));
	write_cr2(0);
}
