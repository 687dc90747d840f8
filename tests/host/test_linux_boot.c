#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/abi.h"
#include "core/linux_boot.h"

#define MIB (1ULL << 20)
#define RAM (32 * MIB)
#define SETUP_SECTS 3
#define PM_OFFSET ((SETUP_SECTS + 1) * 512)
#define PM_SIZE 0x3000

static u8 *ram;
static struct guest_mem mem;
static u8 image[PM_OFFSET + PM_SIZE];
static u8 initrd[0x2800];
static struct linux_boot_result r;
static char err[200];

static void put16(u32 off, u16 v) { memcpy(image + off, &v, 2); }
static void put32(u32 off, u32 v) { memcpy(image + off, &v, 4); }
static void put64(u32 off, u64 v) { memcpy(image + off, &v, 8); }
static u32 bp32(u32 off) { u32 v; memcpy(&v, ram + LINUX_BOOT_PARAMS_GPA + off, 4); return v; }
static u64 bp64(u32 off) { u64 v; memcpy(&v, ram + LINUX_BOOT_PARAMS_GPA + off, 8); return v; }

/* A bzImage as Debian's 6.1 kernels have it: protocol 2.15, relocatable, 2 MiB aligned. */
static void make_bzimage(void)
{
	memset(image, 0, sizeof(image));
	image[0x1F1] = SETUP_SECTS;
	put32(0x1F4, PM_SIZE / 16);
	put16(0x1FE, 0xAA55);
	image[0x201] = 0x6A; /* header ends at 0x26C */
	memcpy(image + 0x202, "HdrS", 4);
	put16(0x206, 0x020F);
	image[0x211] = 1; /* LOADED_HIGH */
	put32(0x22C, 0x7FFFFFFF);
	put32(0x230, 2 * MIB);
	image[0x234] = 1;
	put32(0x238, 2047);
	put64(0x258, 16 * MIB);
	put32(0x260, 4 * MIB);
	put32(0x264, 0x12345678); /* handover_offset: a field the loader copies, not reads */
	memset(image + PM_OFFSET, 0xC3, PM_SIZE);
	memset(initrd, 0x1D, sizeof(initrd));
}

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM);
	mem = (struct guest_mem){ ram, RAM };
	make_bzimage();
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static int load(u64 initrd_size, const char *cmdline)
{
	return linux_boot_load(image, sizeof(image), initrd, initrd_size, cmdline, 0xE0000, &mem, &r,
			       err, sizeof(err));
}

static void loads_kernel_zero_page_cmdline_and_initrd(void **state)
{
	(void)state;
	memset(ram, 0xEE, RAM);
	assert_int_equal(load(sizeof(initrd), "console=ttyS0 acpi=off"), 0);
	assert_int_equal(r.entry, LINUX_KERNEL_GPA);
	assert_int_equal(r.boot_params, LINUX_BOOT_PARAMS_GPA);
	assert_int_equal(r.protocol, 0x020F);
	assert_int_equal(r.kernel_end, 20 * MIB); /* pref_address + init_size */
	/* the initrd at the top of RAM, page-aligned */
	assert_int_equal(r.initrd_gpa, RAM - 0x3000);
	assert_int_equal(r.initrd_size, sizeof(initrd));
	assert_memory_equal(ram + r.initrd_gpa, initrd, sizeof(initrd));
	/* the protected-mode part at 1 MiB, nothing after it */
	assert_memory_equal(ram + LINUX_KERNEL_GPA, image + PM_OFFSET, PM_SIZE);
	assert_int_equal(ram[LINUX_KERNEL_GPA + PM_SIZE], 0xEE);
	assert_string_equal((char *)ram + LINUX_CMDLINE_GPA, "console=ttyS0 acpi=off");

	/* the zero page: cleared, the image's header, what the loader fills in */
	const u8 *bp = ram + LINUX_BOOT_PARAMS_GPA;
	assert_int_equal(bp[0x1EF], 0); /* sentinel: the loader cleared the page */
	assert_int_equal(bp64(0x070), 0xE0000); /* the ACPI RSDP */
	assert_memory_equal(bp + 0x1F1, image + 0x1F1, 0x210 - 0x1F1);
	assert_int_equal(bp32(0x264), 0x12345678);
	assert_int_equal(bp[0x26C], 0); /* past the header: not copied */
	assert_int_equal(bp[0x210], 0xFF); /* type_of_loader: undefined */
	assert_int_equal(bp32(0x214), LINUX_KERNEL_GPA);
	assert_int_equal(bp32(0x228), LINUX_CMDLINE_GPA);
	assert_int_equal(bp32(0x218), RAM - 0x3000);
	assert_int_equal(bp32(0x21C), sizeof(initrd));
	/* e820: low RAM below the EBDA, then everything from 1 MiB */
	assert_int_equal(bp[0x1E8], 2);
	assert_int_equal(r.e820_entries, 2);
	assert_int_equal(bp64(0x2D0), 0);
	assert_int_equal(bp64(0x2D8), 0x9FC00);
	assert_int_equal(bp32(0x2E0), 1);
	assert_int_equal(bp64(0x2E4), MIB);
	assert_int_equal(bp64(0x2EC), RAM - MIB);
	assert_int_equal(bp32(0x2F4), 1);
	assert_int_equal(bp[0x2F8], 0);
	/* the entry selectors' flat GDT */
	u64 code;
	assert_int_equal(r.gdt, LINUX_GDT_GPA);
	memcpy(&code, ram + LINUX_GDT_GPA + 8, 8);
	assert_int_equal(code, 0x00CF9B000000FFFFULL);
}

static void without_initrd_the_fields_stay_zero(void **state)
{
	(void)state;
	assert_int_equal(load(0, ""), 0);
	assert_int_equal(r.initrd_gpa, 0);
	assert_int_equal(bp32(0x218), 0);
	assert_int_equal(bp32(0x21C), 0);
	assert_string_equal((char *)ram + LINUX_CMDLINE_GPA, "");
}

static void initrd_stays_below_initrd_addr_max(void **state)
{
	(void)state;
	put32(0x22C, 24 * MIB - 1);
	assert_int_equal(load(sizeof(initrd), ""), 0);
	assert_int_equal(r.initrd_gpa, 24 * MIB - 0x3000);
}

static void a_fixed_kernel_decompresses_at_pref_address(void **state)
{
	(void)state;
	image[0x234] = 0;
	put32(0x230, 0); /* alignment means nothing when not relocatable */
	put64(0x258, 8 * MIB);
	assert_int_equal(load(0, ""), 0);
	assert_int_equal(r.kernel_end, 12 * MIB);
}

static void rejects(const char *expected)
{
	memset(ram, 0x5A, RAM);
	assert_int_equal(load(sizeof(initrd), "quiet"), -1);
	assert_non_null(strstr(err, expected));
	for (u64 i = 0; i < RAM; i += 4096) /* nothing written on a refusal */
		assert_int_equal(ram[i], 0x5A);
	make_bzimage();
}

static void malformed_or_old_images_are_refused_by_name(void **state)
{
	(void)state;
	image[0x202] = 'X';
	rejects("no Linux setup header");
	put16(0x1FE, 0);
	rejects("no Linux setup header");
	put16(0x206, 0x0209);
	rejects("boot protocol older than 2.10");
	image[0x201] = 0x20;
	rejects("setup header length (byte 0x201) is inconsistent");
	image[0x211] = 0;
	rejects("a zImage (loaded below 1 MiB) is not supported");
	image[0x1F1] = 40; /* setup sectors past the end */
	rejects("no protected-mode kernel after the setup sectors");
	put32(0x1F4, PM_SIZE / 16 + 2);
	rejects("shorter than its syssize field (truncated?)");
	put32(0x230, 3 * MIB);
	rejects("kernel_alignment is not a power of two");
	put64(0x258, 1ULL << 32);
	rejects("pref_address above 4 GiB");
	put32(0x260, 0);
	rejects("init_size is 0");
	put32(0x238, 4);
	rejects("command line longer than the kernel's cmdline_size");
}

/* Found by fuzz_linux_boot: the magic fits, the version field does not. */
static void an_image_that_ends_inside_its_header_is_refused(void **state)
{
	(void)state;
	const u8 *copy = malloc(0x206);
	assert_non_null(copy);
	memcpy((void *)copy, image, 0x206);
	assert_int_equal(linux_boot_load(copy, 0x206, NULL, 0, "", 0, &mem, &r, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "image ends inside its setup header (truncated?)");
	free((void *)copy);
}

static void a_kernel_or_initrd_too_big_for_ram_says_how_much(void **state)
{
	(void)state;
	put32(0x260, 20 * MIB);
	rejects("the kernel needs 36 MiB of guest RAM to decompress (pref_address + init_size), "
		"the guest has 32 MiB: give it more mem=");
	put32(0x22C, 20 * MIB + 0x1FFF); /* only 8 KiB above the kernel's area */
	rejects("the initrd (10 KiB) does not fit between the kernel's end at 20480 KiB and "
		"20488 KiB");
}

static void only_bzimages_are_recognized(void **state)
{
	(void)state;
	assert_true(linux_boot_is_bzimage(image, sizeof(image)));
	assert_false(linux_boot_is_bzimage(image, 0x205)); /* too short for "HdrS" */
	static const u8 elf[0x300] = { 0x7F, 'E', 'L', 'F' };
	assert_false(linux_boot_is_bzimage(elf, sizeof(elf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(loads_kernel_zero_page_cmdline_and_initrd, setup, teardown),
		cmocka_unit_test_setup_teardown(without_initrd_the_fields_stay_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(initrd_stays_below_initrd_addr_max, setup, teardown),
		cmocka_unit_test_setup_teardown(a_fixed_kernel_decompresses_at_pref_address, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_or_old_images_are_refused_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(an_image_that_ends_inside_its_header_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_kernel_or_initrd_too_big_for_ram_says_how_much, setup,
						teardown),
		cmocka_unit_test_setup_teardown(only_bzimages_are_recognized, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
