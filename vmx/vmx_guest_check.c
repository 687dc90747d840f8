#include "vmx/vmx_guest_check.h"
#include "arch/format.h"

#define AR_TYPE(ar) ((ar) & 0xF)
#define AR_S BIT(4)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define AR_P BIT(7)
#define AR_G BIT(15)
#define AR_UNUSABLE BIT(16)
#define AR_RESERVED (0xF00u | 0xFFFE0000u)
#define CR0_PE_PG (BIT(0) | BIT(31))
#define RFLAGS_FIXED1 BIT(1)
#define RFLAGS_RESERVED (BIT(3) | BIT(5) | BIT(15) | ~0x3FFFFFULL)

static const char *const seg_names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS", "TR", "LDTR" };

struct checker {
	void (*emit)(const char *line);
	int found;
};

static void fail(struct checker *c, const char *field, u64 value, const char *rule)
{
	char line[160];
	format(line, sizeof(line), "vmx: invalid guest state: %s=0x%lx: %s", field, value, rule);
	c->emit(line);
	c->found++;
}

static void check_cr(struct checker *c, const char *name, u64 v, u64 fixed0, u64 fixed1)
{
	if ((v & fixed0) != fixed0)
		fail(c, name, v, "a bit fixed to 1 in VMX operation is 0");
	if (v & ~fixed1)
		fail(c, name, v, "a bit fixed to 0 in VMX operation is 1");
}

static void check_segment(struct checker *c, const struct vmx_guest_state *s, int i)
{
	u32 ar = s->seg[i].ar, limit = s->seg[i].limit;
	bool real_mode = s->unrestricted && !(s->cr0 & BIT(0));
	const char *n = seg_names[i];
	char field[16];
	format(field, sizeof(field), "GUEST_%s_AR", n);
	if (ar & AR_UNUSABLE) {
		if (i == SEG_CS || i == SEG_TR)
			fail(c, field, ar, "CS and TR cannot be unusable");
		return;
	}
	if (ar & AR_RESERVED)
		fail(c, field, ar, "reserved bits 11:8 or 31:17 are set");
	if (!(ar & AR_P))
		fail(c, field, ar, "a usable segment must be present");
	bool system = i == SEG_TR || i == SEG_LDTR;
	if (!system && !(ar & AR_S))
		fail(c, field, ar, "must be a code or data segment (S=1)");
	if (system && (ar & AR_S))
		fail(c, field, ar, "must be a system segment (S=0)");
	if (i == SEG_CS && !(AR_TYPE(ar) & 0x8) && !(s->unrestricted && AR_TYPE(ar) == 3))
		fail(c, field, ar, "CS must be a code segment (or, with unrestricted guest, type 3)");
	if (i == SEG_SS && real_mode && AR_DPL(ar) != 0)
		fail(c, field, ar, "in real mode (unrestricted guest, CR0.PE=0) SS.DPL must be 0");
	if (i == SEG_TR && AR_TYPE(ar) != 3 && AR_TYPE(ar) != 11)
		fail(c, field, ar, "TR must be a busy TSS");
	if (i == SEG_LDTR && AR_TYPE(ar) != 2)
		fail(c, field, ar, "LDTR must be an LDT");
	if ((limit & 0xFFF) != 0xFFF && (ar & AR_G))
		fail(c, field, ar, "G=1 needs limit bits 11:0 all 1");
	if ((limit >> 20) && !(ar & AR_G))
		fail(c, field, ar, "a limit above 1 MiB needs G=1");
}

int vmx_check_guest_state(const struct vmx_guest_state *s, void (*emit)(const char *line))
{
	struct checker c = { emit, 0 };
	u64 cr0_fixed0 = s->cr0_fixed0 & (s->unrestricted ? ~CR0_PE_PG : ~0ULL);
	check_cr(&c, "GUEST_CR0", s->cr0, cr0_fixed0, s->cr0_fixed1);
	check_cr(&c, "GUEST_CR4", s->cr4, s->cr4_fixed0, s->cr4_fixed1);
	if ((s->cr0 & BIT(31)) && !(s->cr0 & BIT(0)))
		fail(&c, "GUEST_CR0", s->cr0, "paging (PG) without protection (PE)");
	if (!(s->rflags & RFLAGS_FIXED1) || (s->rflags & RFLAGS_RESERVED))
		fail(&c, "GUEST_RFLAGS", s->rflags, "bit 1 must be 1 and reserved bits 0");
	for (int i = 0; i < SEG_COUNT; i++)
		check_segment(&c, s, i);
	if (s->link_pointer != ~0ULL)
		fail(&c, "VMCS_LINK_POINTER", s->link_pointer, "must be all ones without shadowing");
	return c.found;
}
