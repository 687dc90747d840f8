/*
 * String I/O as kernels use it: REP OUTSB/INSB/OUTSW on COM1, fw_cfg and the
 * debug-exit port, forwards and backwards (DF), with segment overrides and
 * 16-bit addressing, a count large enough to take many exits, and the faults
 * a bad address raises (#GP past a segment limit, #PF on a page that is not
 * present or not writable) with the registers as they stand at the fault.
 * Some result lines are written by the string instruction under test itself.
 */
#include "guests/qemu/qk.h"

#define COM1 0x3F8
#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define POST_PORT 0x80 /* written by BIOSes; nothing reads it back */
#define DEBUG_EXIT 0xF4
#define PAGE 4096u
#define PTE_P 0x1u
#define PTE_W 0x2u
#define PTE_A 0x20u
#define PTE_D 0x40u
#define CR0_PG 0x80000000u
#define CR0_WP 0x00010000u

static bool all_ok = true;
static void ok(bool cond, const char *what)
{
	if (!check(cond, what))
		all_ok = false;
}

/* The fault catcher: the stubs record vector and error code and resume at fault_resume. */
uint32_t fault_vector, fault_error, fault_resume, db_traps;
void fault_gp(void), fault_pf(void), trap_db(void);
asm(".text\n"
    "fault_gp: movl $13, fault_vector\n jmp fault_common\n"
    "fault_pf: movl $14, fault_vector\n"
    "fault_common: popl fault_error\n"
    "  pushl %eax\n movl fault_resume, %eax\n movl %eax, 4(%esp)\n popl %eax\n iret\n"
    "trap_db: incl db_traps\n iret\n");

struct regs {
	uint32_t esi, edi, ecx;
};

/* Runs one string instruction (INSN, with its prefixes) with ESI/EDI/ECX in and out. */
#define STRING_OP(insn, r, port)                                                        \
	asm volatile("movl $0, fault_vector\n movl $1f, fault_resume\n" insn "\n1: cld"  \
		     : "+S"((r).esi), "+D"((r).edi), "+c"((r).ecx)                       \
		     : "d"((uint16_t)(port))                                             \
		     : "memory")

static uint32_t len(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	return n;
}

static void com1_lines(void)
{
	static const char fwd[] = "PASS: REP OUTSB writes this line to COM1\n";
	struct regs r = { (uint32_t)fwd, 0, len(fwd) };
	STRING_OP("rep outsb", r, COM1);
	ok(r.esi == (uint32_t)fwd + len(fwd) && r.ecx == 0,
	   "REP OUTSB leaves ESI past the string and ECX 0");

	static const char back[] = "\nsdrawkcab ,1=FD htiw BSTUO PER :SSAP";
	r = (struct regs){ (uint32_t)back + len(back) - 1, 0, len(back) };
	STRING_OP("std; rep outsb", r, COM1);
	ok(r.esi == (uint32_t)back - 1 && r.ecx == 0, "REP OUTSB with DF=1 steps ESI down");

	static const char one[] = "PASS: OUTSB without REP, one byte at a time\n";
	r = (struct regs){ (uint32_t)one, 0, 12345 };
	for (uint32_t i = 0; i < len(one); i++)
		STRING_OP("outsb", r, COM1);
	ok(r.esi == (uint32_t)one + len(one) && r.ecx == 12345, "OUTSB without REP leaves ECX alone");
}

/*
 * Single-step: the CPU traps after each iteration of a REP string
 * instruction. Three more traps come from PUSHF, the AND and the POPF that
 * clears TF again (TF was set when each began).
 */
static void single_step(void)
{
	idt_set_gate(1, trap_db);
	db_traps = 0;
	struct regs r = { 0x100000, 0, 3 };
	asm volatile("pushf\n orl $0x100, (%%esp)\n popf\n"
		     "rep outsb\n"
		     "pushf\n andl $~0x100, (%%esp)\n popf"
		     : "+S"(r.esi), "+c"(r.ecx) : "d"((uint16_t)POST_PORT) : "memory");
	ok(r.ecx == 0 && db_traps == 3 + 3, "single-step: a #DB after each of REP OUTSB's 3 iterations");
}

static void fw_cfg_strings(void)
{
	static const uint16_t keys[2] = { 0x05, 0x00 }; /* CPU count, then the signature */
	static char sig[4];
	struct regs r = { (uint32_t)keys, (uint32_t)sig, 2 };
	STRING_OP("rep outsw", r, FW_CFG_SEL);
	ok(r.esi == (uint32_t)keys + 4 && r.ecx == 0, "REP OUTSW selects fw_cfg items, ESI steps by 2");
	r = (struct regs){ 0, (uint32_t)sig, 4 };
	STRING_OP("rep insb", r, FW_CFG_DATA);
	ok(mem_equal(sig, "QEMU", 4) && r.edi == (uint32_t)sig + 4 && r.ecx == 0,
	   "REP INSB reads the fw_cfg signature QEMU");

	r = (struct regs){ (uint32_t)keys + 2, 0, 0 };
	STRING_OP("outsw", r, FW_CFG_SEL);
	r = (struct regs){ 0, (uint32_t)sig + 3, 4 };
	STRING_OP("std; rep insb", r, FW_CFG_DATA);
	ok(mem_equal(sig, "UMEQ", 4) && r.edi == (uint32_t)sig - 1,
	   "REP INSB with DF=1 fills the buffer backwards");

	r = (struct regs){ 0x100000, 0, 100000 };
	STRING_OP("rep outsb", r, POST_PORT);
	ok(r.esi == 0x100000 + 100000 && r.ecx == 0, "REP OUTSB of 100000 bytes completes");
}

/* Our own GDT: flat code and data as the loader's, and two data segments with a base. */
static uint64_t gdt[5];

static uint64_t descriptor(uint32_t base, uint32_t limit, uint32_t flags_type)
{
	return (limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
	       ((uint64_t)flags_type << 40) | ((uint64_t)(limit >> 16 & 0xF) << 48) |
	       ((uint64_t)(base >> 24) << 56);
}

static void load_fs(uint16_t sel) { asm volatile("mov %0, %%fs" : : "r"(sel)); }

static void segments(void)
{
	static const char line[] = "PASS: FS-relative REP OUTSB (segment override with a base)\n";
	static const char line16[] = "PASS: REP OUTSB with 16-bit addressing (SI, CX)\n";
	gdt[1] = descriptor(0, 0xFFFFF, 0xC09B);
	gdt[2] = descriptor(0, 0xFFFFF, 0xC093);
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; } gdtr = { sizeof(gdt) - 1,
										 (uint32_t)gdt };
	asm volatile("lgdt %0\n ljmp $0x08, $1f\n 1: mov $0x10, %%ax\n mov %%ax, %%ds\n"
		     "mov %%ax, %%es\n mov %%ax, %%ss" : : "m"(gdtr) : "eax", "memory");

	gdt[3] = descriptor((uint32_t)line - 0x100, 0xFFFFF, 0xC093);
	load_fs(0x18);
	struct regs r = { 0x100, 0, len(line) };
	STRING_OP("rep outsb %%fs:(%%esi), (%%dx)", r, COM1);
	ok(r.esi == 0x100 + len(line), "the override's base applies, ESI counts from it");

	gdt[3] = descriptor((uint32_t)line16 - 0x10, 0xFFFFF, 0xC093);
	load_fs(0x18);
	r = (struct regs){ 0xABCD0010, 0, 0x55550000 | len(line16) };
	STRING_OP("rep outsb %%fs:(%%si), (%%dx)", r, COM1);
	ok(r.esi == 0xABCD0010 + len(line16) && r.ecx == 0x55550000,
	   "16-bit addressing steps SI and counts CX, the upper halves stay");

	static char small[16];
	gdt[4] = descriptor((uint32_t)small, 15, 0x4093); /* 16 bytes, byte granular */
	load_fs(0x20);
	idt_set_gate(13, fault_gp);
	/* String I/O must check limits as the CPU's own accesses do: ask a MOV first. */
	asm volatile("movl $0, fault_vector\n movl $1f, fault_resume\n movb %%fs:16, %%al\n 1:"
		     : : : "eax", "memory");
	if (fault_vector != 13) {
		skip("REP OUTSB past the segment limit raises #GP(0)",
		     "a MOV past the limit does not fault: this CPU does not check segment limits");
	} else {
		r = (struct regs){ 14, 0, 4 };
		STRING_OP("rep outsb %%fs:(%%esi), (%%dx)", r, POST_PORT);
		ok(fault_vector == 13 && fault_error == 0,
		   "REP OUTSB past the segment limit raises #GP(0)");
		ok(r.esi == 16 && r.ecx == 2, "#GP comes at the first element past the limit");
	}
	load_fs(0x10);
}

static uint32_t page_dir[1024] __attribute__((aligned(4096)));
static uint32_t page_table[1024] __attribute__((aligned(4096)));
static uint8_t window[3 * PAGE] __attribute__((aligned(4096))); /* RW, absent, read-only */

static uint32_t *pte(const void *p) { return &page_table[(uint32_t)p >> 12 & 0x3FF]; }
static void invlpg(const void *p) { asm volatile("invlpg (%0)" : : "r"(p) : "memory"); }
static uint32_t read_cr2(void)
{
	uint32_t v;
	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static void select_signature(void)
{
	static const uint16_t key;
	struct regs r = { (uint32_t)&key, 0, 0 };
	STRING_OP("outsw", r, FW_CFG_SEL);
}

static void paging(void)
{
	static const char ro_line[] = "PASS: REP OUTSB reads from a read-only page\n";
	uint8_t *rw = window, *absent = window + PAGE, *ro = window + 2 * PAGE;
	if ((uint32_t)window + sizeof(window) > (4u << 20)) {
		skip("string I/O page faults", "the kernel lies above 4 MiB");
		return;
	}
	for (uint32_t i = 0; i < 1024; i++)
		page_table[i] = i * PAGE | PTE_P | PTE_W;
	page_dir[0] = (uint32_t)page_table | PTE_P | PTE_W;
	*pte(absent) = 0;
	for (uint32_t i = 0; i < len(ro_line); i++)
		ro[i] = (uint8_t)ro_line[i];
	*pte(ro) &= ~PTE_W;
	idt_set_gate(14, fault_pf);
	asm volatile("mov %0, %%cr3\n mov %%cr0, %%eax\n or %1, %%eax\n mov %%eax, %%cr0"
		     : : "r"(page_dir), "i"(CR0_PG | CR0_WP) : "eax", "memory");

	select_signature();
	struct regs r = { 0, (uint32_t)absent - 2, 4 };
	STRING_OP("rep insb", r, FW_CFG_DATA);
	uint32_t cr2 = read_cr2();
	ok(fault_vector == 14 && fault_error == 2 && cr2 == (uint32_t)absent,
	   "REP INSB into a page that is not present: #PF, error 2, CR2 at the page");
	ok(r.edi == (uint32_t)absent && r.ecx == 2 && mem_equal(absent - 2, "QE", 2),
	   "the elements before the fault were stored, EDI and ECX stand at the fault");
	ok((*pte(rw) & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "the stores set the accessed and dirty bits");
	*pte(absent) = (uint32_t)absent | PTE_P | PTE_W;
	invlpg(absent);
	STRING_OP("rep insb", r, FW_CFG_DATA);
	ok(mem_equal(absent, "MU", 2) && r.ecx == 0, "re-executed once the page is there, it completes");

	r = (struct regs){ (uint32_t)ro, 0, len(ro_line) };
	STRING_OP("rep outsb", r, COM1);
	ok(*pte(ro) & PTE_A, "the read set the accessed bit");
	r = (struct regs){ 0, (uint32_t)ro, 4 };
	STRING_OP("rep insb", r, FW_CFG_DATA);
	ok(fault_vector == 14 && fault_error == 3 && read_cr2() == (uint32_t)ro && r.ecx == 4,
	   "REP INSB into a read-only page with CR0.WP: #PF, error 3");
}

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	(void)mbi;
	idt_init(0);
	ok(magic == 0x2BADB002, "started by a multiboot1 loader");
	com1_lines();
	single_step();
	fw_cfg_strings();
	segments();
	paging();
	static uint8_t status;
	status = all_ok ? 0 : 1;
	struct regs r = { (uint32_t)&status, 0, 0 };
	STRING_OP("outsb", r, DEBUG_EXIT); /* the end: OUTSB to isa-debug-exit */
	puts_serial("FAIL: OUTSB to the debug-exit port did not end the run\n");
	finish();
}
