#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <elf.h>
#include <cmocka.h>

#include "core/elf_loader.h"

#define MIB (1ULL << 20)
static u8 ram[4 * MIB];
static const struct guest_mem mem = { ram, sizeof(ram) };
static u8 image[8192];

/* An ELF64 executable with up to two segments, data at 0x1000 and 0x1800. */
static size_t make_elf64(u64 entry, u64 paddr0, u64 memsz0, u64 paddr1, int nseg)
{
	memset(image, 0, sizeof(image));
	Elf64_Ehdr *h = (Elf64_Ehdr *)image;
	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_type = ET_EXEC;
	h->e_machine = EM_X86_64;
	h->e_entry = entry;
	h->e_phoff = sizeof(*h);
	h->e_phentsize = sizeof(Elf64_Phdr);
	h->e_phnum = (Elf64_Half)nseg;
	Elf64_Phdr *p = (Elf64_Phdr *)(image + sizeof(*h));
	u64 paddr[2] = { paddr0, paddr1 };
	for (int i = 0; i < nseg; i++) {
		p[i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000 + 0x800 * i,
				     .p_paddr = paddr[i], .p_vaddr = paddr[i], .p_filesz = 0x100,
				     .p_memsz = i ? 0x100 : memsz0 };
		memset(image + 0x1000 + 0x800 * i, 0xA0 + i, 0x100);
	}
	return 0x2000;
}

static size_t make_elf32(u32 entry, u32 paddr)
{
	memset(image, 0, sizeof(image));
	Elf32_Ehdr *h = (Elf32_Ehdr *)image;
	memcpy(h->e_ident, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS32;
	h->e_ident[EI_DATA] = ELFDATA2LSB;
	h->e_type = ET_EXEC;
	h->e_machine = EM_386;
	h->e_entry = entry;
	h->e_phoff = sizeof(*h);
	h->e_phentsize = sizeof(Elf32_Phdr);
	h->e_phnum = 1;
	Elf32_Phdr *p = (Elf32_Phdr *)(image + sizeof(*h));
	*p = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000, .p_paddr = paddr,
			   .p_vaddr = paddr, .p_filesz = 0x100, .p_memsz = 0x200 };
	memset(image + 0x1000, 0x5A, 0x100);
	return 0x1100;
}

static const char *load(size_t size, struct elf_load_result *r)
{
	return elf_load(image, size, &mem, MIB, r);
}

static void loads_elf64_segments_and_zeroes_bss(void **state)
{
	(void)state;
	struct elf_load_result r;
	memset(ram, 0xEE, sizeof(ram));
	size_t n = make_elf64(MIB + 0x10, MIB, 0x200, MIB + 0x1000, 2);
	assert_null(load(n, &r));
	assert_int_equal(r.entry, MIB + 0x10);
	assert_int_equal(r.nr_segments, 2);
	assert_int_equal(r.low, MIB);
	assert_int_equal(r.high, MIB + 0x1100);
	assert_int_equal(ram[MIB], 0xA0);
	assert_int_equal(ram[MIB + 0xFF], 0xA0);
	assert_int_equal(ram[MIB + 0x100], 0);   /* bss zeroed */
	assert_int_equal(ram[MIB + 0x1FF], 0);
	assert_int_equal(ram[MIB + 0x200], 0xEE); /* nothing past memsz */
	assert_int_equal(ram[MIB + 0x1000], 0xA1);
}

static void loads_elf32(void **state)
{
	(void)state;
	struct elf_load_result r;
	assert_null(load(make_elf32(MIB + 4, MIB), &r));
	assert_int_equal(r.entry, MIB + 4);
	assert_int_equal(ram[MIB], 0x5A);
	assert_int_equal(ram[MIB + 0x150], 0);
}

static void rejects(const char *expected, size_t size)
{
	struct elf_load_result r;
	const char *err = load(size, &r);
	assert_non_null(err);
	assert_string_equal(err, expected);
}

static void malformed_images_are_refused_by_name(void **state)
{
	(void)state;
	size_t n = make_elf64(MIB, MIB, 0x100, 0, 1);
	image[0] = 'X';
	rejects("bad ELF magic", n);

	rejects("image too small for an ELF header", 20);

	n = make_elf64(MIB, MIB, 0x100, 0, 1);
	rejects("segment data runs past the end of the image (truncated?)", 0x1080);

	n = make_elf64(MIB, 3 * MIB + 0xFFF80, 0x100, 0, 1);
	rejects("segment outside guest memory", n);

	n = make_elf64(0x2000, 0x1000, 0x100, 0, 1);
	rejects("segment below the guest load area", n);

	n = make_elf64(MIB, MIB, 0x2000, MIB + 0x1000, 2);
	rejects("segments overlap", n);

	n = make_elf64(2 * MIB, MIB, 0x100, 0, 1);
	rejects("entry point is not inside a loadable segment", n);

	n = make_elf64(MIB, MIB, 0x10, 0, 1); /* filesz 0x100 > memsz 0x10 */
	rejects("segment file size exceeds its memory size", n);

	n = make_elf64(MIB, MIB, 0x100, 0, 1);
	((Elf64_Ehdr *)image)->e_machine = EM_ARM;
	rejects("ELF machine is not x86", n);

	n = make_elf64(MIB, MIB, 0x100, 0, 1);
	((Elf64_Ehdr *)image)->e_type = ET_DYN;
	rejects("not an executable (ET_EXEC) ELF", n);

	n = make_elf64(MIB, MIB, 0x100, 0, 1);
	((Elf64_Ehdr *)image)->e_phoff = 0x1FF0;
	rejects("program headers run past the end of the image", n);

	n = make_elf64(MIB, MIB, 0x100, 0, 1);
	((Elf64_Ehdr *)image)->e_phnum = 0;
	rejects("no program headers", n);
}

static void huge_offsets_do_not_wrap(void **state)
{
	(void)state;
	size_t n = make_elf64(MIB, MIB, 0x100, 0, 1);
	Elf64_Phdr *p = (Elf64_Phdr *)(image + sizeof(Elf64_Ehdr));
	p->p_offset = ~0ULL - 0x10;
	rejects("segment data runs past the end of the image (truncated?)", n);
	n = make_elf64(MIB, MIB, 0x100, 0, 1);
	p->p_paddr = ~0ULL - 0x10;
	rejects("segment outside guest memory", n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_elf64_segments_and_zeroes_bss),
		cmocka_unit_test(loads_elf32),
		cmocka_unit_test(malformed_images_are_refused_by_name),
		cmocka_unit_test(huge_offsets_do_not_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
