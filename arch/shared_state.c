#include "arch/shared_state.h"
#include "arch/cpu.h"
#include "arch/host_caps.h"
#include "arch/string.h"

#define FCW_RESET 0x037F   /* x87 control word after FNINIT */
#define MXCSR_RESET 0x1F80 /* all SIMD exceptions masked, round to nearest */
#define CPUID_XSAVE_LEAF 0xD

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

static u64 managed(void) { return host_caps.xcr0_managed; }

void shared_state_init(void)
{
	write_cr0(read_cr0() & ~(u64)(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | (managed() ? CR4_OSXSAVE : 0));
	if (managed())
		xsetbv(managed());
}

/* With XSAVE: the largest area the CPU describes, which holds every managed component. */
u64 shared_state_fpu_bytes(void)
{
	u64 bytes = managed() ? cpuid(CPUID_XSAVE_LEAF, 0).ecx : 0;
	return ALIGN_UP(bytes > sizeof(reset_image) ? bytes : sizeof(reset_image), 64);
}

void shared_state_reset(struct shared_state *s)
{
	memset(s->fpu, 0, shared_state_fpu_bytes());
	memcpy(s->fpu, &reset_image, sizeof(reset_image));
	s->xcr0 = XSTATE_X87; /* XCR0's value at reset */
	s->db[0] = s->db[1] = s->db[2] = s->db[3] = 0;
	s->dr6 = DR6_RESET;
	s->cr2 = 0;
}

void shared_state_save(struct shared_state *s)
{
	if (managed()) {
		s->xcr0 = xgetbv(); /* the guest may have changed it without an exit */
		xsetbv(managed());
		asm volatile("xsave64 (%0)" : : "r"(s->fpu), "a"((u32)managed()),
			     "d"((u32)(managed() >> 32)) : "memory");
	} else {
		asm volatile("fxsave64 (%0)" : : "r"(s->fpu) : "memory");
	}
	asm volatile("mov %%db0, %0\n\tmov %%db1, %1\n\tmov %%db2, %2\n\tmov %%db3, %3\n\t"
		     "mov %%db6, %4"
		     : "=r"(s->db[0]), "=r"(s->db[1]), "=r"(s->db[2]), "=r"(s->db[3]), "=r"(s->dr6));
	s->cr2 = read_cr2();
}

void shared_state_load(const struct shared_state *s)
{
	if (managed()) {
		xsetbv(managed());
		asm volatile("xrstor64 (%0)" : : "r"(s->fpu), "a"((u32)managed()),
			     "d"((u32)(managed() >> 32)) : "memory");
		xsetbv(s->xcr0);
	} else {
		asm volatile("fxrstor64 (%0)" : : "r"(s->fpu) : "memory");
	}
	asm volatile("mov %0, %%db0\n\tmov %1, %%db1\n\tmov %2, %%db2\n\tmov %3, %%db3\n\t"
		     "mov %4, %%db6"
		     : : "r"(s->db[0]), "r"(s->db[1]), "r"(s->db[2]), "r"(s->db[3]), "r"(s->dr6));
	write_cr2(s->cr2);
}

void shared_state_xcr0(struct shared_state *s, u64 xcr0)
{
	s->xcr0 = xcr0;
	xsetbv(xcr0);
}
