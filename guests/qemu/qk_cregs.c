/*
 * Control registers and EFER as the SDM/APM define them: each load the
 * hardware refuses must raise #GP, each legal one must take effect and read
 * back, and CR4 bits follow what CPUID offers. Runs from 32-bit protected
 * mode with paging off, as multiboot1 leaves it.
 */
#include "guests/qemu/qk.h"

#define VEC_UD 6
#define VEC_GP 13
#define NONE (-1)

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PCIDE (1u << 17)
#define MSR_EFER 0xC0000080
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)
#define EFER_SVME (1u << 12)

static uint32_t read_cr0(void)
{
	uint32_t v;
	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint32_t read_cr4(void)
{
	uint32_t v;
	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static int load_cr0(uint32_t v) { return QK_TRY("mov %0, %%cr0", "r"(v)); }
static int load_cr4(uint32_t v) { return QK_TRY("mov %0, %%cr4", "r"(v)); }
static int load_efer(uint64_t v)
{
	return QK_TRY("wrmsr", "c"(MSR_EFER), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void expect_gp(int vector, const char *what)
{
	if (!check(vector == VEC_GP, what) && vector != NONE) {
		puts_serial("  (raised vector ");
		put_uint((uint32_t)vector);
		puts_serial(")\n");
	}
}

static void on_irq(uint32_t vector) { (void)vector; }

/* Identity-mapped 4 MiB pages over the low 1 GiB: enough to turn paging on and off. */
static uint32_t page_dir[1024] __attribute__((aligned(4096)));

static void cr0_checks(void)
{
	uint32_t cr0 = read_cr0();
	expect_gp(load_cr0(cr0 | CR0_NW), "CR0: NW without CD is #GP");
	check(load_cr0(cr0 | CR0_NE) == NONE && (read_cr0() & CR0_NE), "CR0: NE loads and reads back");
	check(load_cr0(cr0 | CR0_CD | CR0_NW) == NONE && (read_cr0() & (CR0_CD | CR0_NW)) ==
		      (CR0_CD | CR0_NW), "CR0: CD with NW loads and reads back");
	check(load_cr0(cr0 | CR0_WP | CR0_AM) == NONE &&
		      (read_cr0() & (CR0_WP | CR0_AM)) == (CR0_WP | CR0_AM),
	      "CR0: WP and AM load and read back");
	load_cr0(cr0 & ~CR0_ET);
	check(read_cr0() & CR0_ET, "CR0: ET reads 1 whatever is written");
	load_cr0(cr0 | CR0_TS);
	asm volatile("clts");
	check(!(read_cr0() & CR0_TS), "CLTS clears CR0.TS");
	asm volatile("lmsw %w0" : : "r"((uint16_t)(CR0_MP | CR0_TS)));
	check((read_cr0() & (CR0_PE | CR0_MP | CR0_TS)) == (CR0_PE | CR0_MP | CR0_TS),
	      "LMSW sets MP and TS and cannot clear PE");
	load_cr0(cr0 | CR0_NE);
}

/* CR4 bit -> the CPUID bit that offers it (Intel SDM vol. 3, 2.5), as leaf, register, bit. */
struct cr4_bit {
	const char *name;
	uint32_t leaf;
	uint8_t reg, bit; /* reg: 1 EBX, 2 ECX, 3 EDX; 0xFF always offered */
};

static const struct cr4_bit cr4_bits[32] = {
	[0] = { "VME", 1, 3, 1 }, [1] = { "PVI", 1, 3, 1 }, [2] = { "TSD", 1, 3, 4 },
	[3] = { "DE", 1, 3, 2 }, [4] = { "PSE", 1, 3, 3 }, [5] = { "PAE", 1, 3, 6 },
	[6] = { "MCE", 1, 3, 7 }, [7] = { "PGE", 1, 3, 13 }, [8] = { "PCE", 0, 0xFF, 0 },
	[9] = { "OSFXSR", 1, 3, 24 }, [10] = { "OSXMMEXCPT", 1, 3, 25 },
	[11] = { "UMIP", 7, 2, 2 }, [12] = { "LA57", 7, 2, 16 }, [13] = { "VMXE", 1, 2, 5 },
	[14] = { "SMXE", 1, 2, 6 }, [16] = { "FSGSBASE", 7, 1, 0 },
	[18] = { "OSXSAVE", 1, 2, 26 }, [19] = { "KL", 7, 2, 23 }, [20] = { "SMEP", 7, 1, 7 },
	[21] = { "SMAP", 7, 1, 20 }, [22] = { "PKE", 7, 2, 3 }, [24] = { "PKS", 7, 2, 31 },
};

static char *append(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	*p = '\0';
	return p;
}

/* "CR4 bit N (NAME): offered, loads and reads back" or "...: not offered, #GP" */
static void cr4_result(bool ok, unsigned bit, bool offered)
{
	char line[80], num[3] = { (char)('0' + bit / 10), (char)('0' + bit % 10), 0 };
	char *p = append(line, "CR4 bit ");
	p = append(p, bit < 10 ? num + 1 : num);
	if (cr4_bits[bit].name) {
		p = append(p, " (");
		p = append(p, cr4_bits[bit].name);
		p = append(p, ")");
	}
	append(p, offered ? ": offered, loads and reads back" : ": not offered, #GP");
	check(ok, line);
}

static void cr4_checks(void)
{
	uint32_t l1[4], l7[4], max[4];
	cpuid(0, max);
	cpuid(1, l1);
	if (max[0] >= 7)
		cpuid(7, l7);
	else
		l7[0] = l7[1] = l7[2] = l7[3] = 0;
	uint32_t cr4 = read_cr4();
	for (unsigned bit = 0; bit < 32; bit++) {
		const struct cr4_bit *b = &cr4_bits[bit];
		/*
		 * Not tried: bits already on; PCIDE (its own rule below); CET (needs
		 * WP); LA57, which QEMU 7.2 TCG takes outside long mode and then hangs
		 * on the next CR4 load (measured).
		 */
		if (bit == 12 || bit == 17 || bit == 23 || (cr4 & (1u << bit)))
			continue;
		const uint32_t *r = b->leaf == 7 ? l7 : l1;
		bool offered = b->name && (b->reg == 0xFF || (r[b->reg] >> b->bit & 1));
		int vector = load_cr4(cr4 | (1u << bit));
		bool ok = offered ? vector == NONE && (read_cr4() & (1u << bit)) : vector == VEC_GP;
		cr4_result(ok, bit, offered);
		load_cr4(cr4);
	}
	expect_gp(load_cr4(cr4 | CR4_PCIDE), "CR4: PCIDE outside long mode is #GP");
}

static void efer_checks(void)
{
	uint32_t e1[4];
	cpuid(0x80000001, e1);
	uint64_t efer = rdmsr(MSR_EFER);
	check(load_efer(efer | EFER_LMA) == NONE && !(rdmsr(MSR_EFER) & EFER_LMA),
	      "EFER: LMA is read-only, a write of it is ignored");
	if (e1[3] & (1u << 20))
		check(load_efer(efer | EFER_NXE) == NONE && (rdmsr(MSR_EFER) & EFER_NXE),
		      "EFER: NXE (offered) loads and reads back");
	if (!(e1[2] & (1u << 2)))
		expect_gp(load_efer(efer | EFER_SVME), "EFER: SVME without SVM offered is #GP");
	load_efer(efer);
	if (!(e1[3] & (1u << 29))) {
		skip("EFER.LME rules", "CPUID offers no long mode");
		return;
	}
	/*
	 * LME cannot change while paging is on. (Setting it with paging off is
	 * not tried: under QEMU 7.2 TCG's AMD-V a guest in that state
	 * triple-faults, hypervisor or not; tests/README.md.)
	 */
	for (unsigned i = 0; i < 256; i++)
		page_dir[i] = (i << 22) | 0x83; /* present, writable, 4 MiB */
	asm volatile("mov %0, %%cr3" : : "r"(page_dir));
	uint32_t cr4 = read_cr4(), cr0 = read_cr0();
	load_cr4(cr4 | CR4_PSE);
	check(load_cr0(cr0 | CR0_PG) == NONE && (read_cr0() & CR0_PG),
	      "CR0: PG loads with 32-bit paging (LME clear)");
	expect_gp(load_efer(efer | EFER_LME), "EFER: LME cannot change while paging is on");
	load_cr0(cr0);
	load_cr4(cr4);
}

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	(void)magic, (void)mbi;
	idt_init(on_irq);
	cr0_checks();
	cr4_checks();
	efer_checks();
	/* Last: a CPU that takes this load (QEMU 7.2 TCG does) runs on in no usable mode. */
	expect_gp(load_cr0((read_cr0() & ~CR0_PE) | CR0_PG), "CR0: PG without PE is #GP");
	finish();
}
