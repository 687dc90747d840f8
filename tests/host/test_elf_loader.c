#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <elf.h>
#include <cmocka.h>

#include "core/mb1_info.h"

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
	return elf_load(image, size, &mem, r);
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

/* Real-mode code under 1 MiB loads like any other segment inside RAM. */
static void segments_below_1mib_load(void **state)
{
	(void)state;
	struct elf_load_result r;
	assert_null(load(make_elf64(0x7C00, 0x7C00, 0x200, MIB, 2), &r));
	assert_int_equal(ram[0x7C00], 0xA0);
	assert_int_equal(r.seg[0].start, 0x7C00);
	assert_int_equal(r.seg[0].end, 0x7E00);
	assert_int_equal(r.low, 0x7C00);
	assert_null(load(make_elf32(0x10, 0), &r)); /* even page 0, the real-mode IVT */
	assert_int_equal(ram[0], 0x5A);
	assert_true(elf_overlaps(&r, 0x1FF, 0x300));
	assert_false(elf_overlaps(&r, 0x200, 0x300));
}

static u32 get32(u64 gpa)
{
	u32 v;
	memcpy(&v, ram + gpa, 4);
	return v;
}

/* The boot block goes to 0xF0000 unless the image is there, then right after the image. */
static void boot_information_goes_where_the_image_is_not(void **state)
{
	(void)state;
	struct elf_load_result r;
	struct mb1_layout boot;
	assert_null(load(make_elf64(MIB + 0x10, MIB, 0x200, MIB + 0x1000, 2), &r));
	assert_null(mb1_info_build(&mem, &r, "k.elf a=1", &boot));
	assert_int_equal(boot.gdt, MB1_BLOCK_FIRST_CHOICE);
	assert_int_equal(get32(boot.gdt + 8), 0x0000FFFF); /* the flat code descriptor */
	const struct mb1_info *info = (const void *)(ram + boot.info);
	assert_int_equal(info->flags & MB1_INFO_MEMORY, MB1_INFO_MEMORY);
	assert_int_equal(info->mem_upper, (sizeof(ram) - MIB) / 1024);
	assert_string_equal((const char *)ram + info->cmdline, "k.elf a=1");
	assert_true(info->mmap_addr > boot.info && info->cmdline < boot.end);

	/* a segment over 0xF0000 (a reset-vector stub, say): after the image */
	assert_null(load(make_elf64(0xF0000, 0xF0000, 0x10000, MIB + 0x1000, 2), &r));
	assert_null(mb1_info_build(&mem, &r, "k.elf", &boot));
	assert_int_equal(boot.gdt, MIB + 0x2000);
	assert_false(elf_overlaps(&r, boot.gdt, boot.end));

	/* no room at either place: refused with the reason */
	assert_null(load(make_elf64(0xF0000, 0xF0000, sizeof(ram) - 0xF0000, 0, 1), &r));
	assert_non_null(mb1_info_build(&mem, &r, "k.elf", &boot));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_elf64_segments_and_zeroes_bss),
		cmocka_unit_test(loads_elf32),
		cmocka_unit_test(malformed_images_are_refused_by_name),
		cmocka_unit_test(huge_offsets_do_not_wrap),
		cmocka_unit_test(segments_below_1mib_load),
		cmocka_unit_test(boot_information_goes_where_the_image_is_not),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
