#include "core/linux_boot.h"
#include "arch/format.h"
#include "arch/string.h"
#include "core/mb1_info.h"

/* Setup header fields, by offset in the image and in the zero page alike. */
#define HDR_START 0x1F1 /* setup_sects: the header is copied from here */
#define HDR_SETUP_SECTS 0x1F1
#define HDR_SYSSIZE 0x1F4
#define HDR_BOOT_FLAG 0x1FE
#define HDR_JUMP_END 0x201 /* this byte + 0x202 is where the header ends */
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21C
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22C
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_MIN_END 0x264      /* init_size is the last field this loader reads */
#define HDR_ZERO_PAGE_END 0x290 /* the header's room in the zero page */

#define BOOT_FLAG 0xAA55
#define LOADED_HIGH BIT(0)
#define LOADER_UNDEFINED 0xFF /* type_of_loader: a boot loader with no assigned ID */

/* Zero page fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_E820_ENTRIES 0x1E8
#define BP_E820_TABLE 0x2D0
#define BP_SIZE 0x1000
#define E820_RAM 1

/* Below 1 MiB, RAM ends where a PC's extended BIOS data area would begin. */
#define LOW_RAM_END 0x9FC00

struct e820_entry {
	u64 addr, size;
	u32 type;
} __attribute__((packed));

static u16 get16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 get32(const u8 *p) { return get16(p) | (u32)get16(p + 2) << 16; }
static u64 get64(const u8 *p) { return get32(p) | (u64)get32(p + 4) << 32; }
static void put32(u8 *p, u32 v) { memcpy(p, &v, sizeof(v)); }

/* What the loader takes from the setup header, checked against the image. */
struct bzimage {
	const u8 *image;
	u64 size;
	u16 protocol;
	u32 hdr_end;         /* offset just past the setup header */
	u64 pm_offset, pm_size; /* the protected-mode part */
	u32 alignment, initrd_addr_max, cmdline_size, init_size;
	bool relocatable;
	u64 pref_address;
};

bool linux_boot_is_bzimage(const void *image, u64 size)
{
	const u8 *h = image;
	return size >= HDR_MAGIC + 4 && get16(h + HDR_BOOT_FLAG) == BOOT_FLAG &&
	       !memcmp(h + HDR_MAGIC, "HdrS", 4);
}

static const char *read_header(struct bzimage *k)
{
	const u8 *h = k->image;
	if (!linux_boot_is_bzimage(h, k->size))
		return "no Linux setup header (boot flag 0xAA55 and \"HdrS\" at 0x1FE)";
	if (k->size < HDR_MIN_END)
		return "image ends inside its setup header (truncated?)";
	k->protocol = get16(h + HDR_VERSION);
	if (k->protocol < LINUX_MIN_PROTOCOL)
		return "boot protocol older than 2.10 (no init_size and pref_address)";
	k->hdr_end = 0x202u + h[HDR_JUMP_END];
	if (k->hdr_end < HDR_MIN_END || k->hdr_end > k->size)
		return "setup header length (byte 0x201) is inconsistent with protocol 2.10 or "
		       "runs past the image";
	if (k->hdr_end > HDR_ZERO_PAGE_END)
		k->hdr_end = HDR_ZERO_PAGE_END; /* fields newer than this loader stay zero */
	if (!(h[HDR_LOADFLAGS] & LOADED_HIGH))
		return "a zImage (loaded below 1 MiB) is not supported: build a bzImage";
	u32 setup_sects = h[HDR_SETUP_SECTS] ? h[HDR_SETUP_SECTS] : 4;
	k->pm_offset = (setup_sects + 1) * 512ull;
	if (k->pm_offset >= k->size)
		return "no protected-mode kernel after the setup sectors (truncated?)";
	k->pm_size = k->size - k->pm_offset;
	if ((u64)get32(h + HDR_SYSSIZE) * 16 > k->pm_size + 16)
		return "protected-mode kernel shorter than its syssize field (truncated?)";
	k->relocatable = h[HDR_RELOCATABLE] != 0;
	k->alignment = get32(h + HDR_KERNEL_ALIGNMENT);
	if (k->relocatable && (k->alignment == 0 || (k->alignment & (k->alignment - 1))))
		return "kernel_alignment is not a power of two";
	k->initrd_addr_max = get32(h + HDR_INITRD_ADDR_MAX);
	k->cmdline_size = get32(h + HDR_CMDLINE_SIZE);
	k->pref_address = get64(h + HDR_PREF_ADDRESS);
	if (k->pref_address >= 1ull << 32)
		return "pref_address above 4 GiB (the 32-bit entry cannot reach it)";
	k->init_size = get32(h + HDR_INIT_SIZE);
	if (k->init_size == 0)
		return "init_size is 0";
	return NULL;
}

/*
 * Where the decompressed kernel will live, as the kernel's own 32-bit entry
 * computes it: a relocatable kernel decompresses at its load address rounded
 * up to kernel_alignment, but never below pref_address (its link address);
 * any other kernel at pref_address. init_size bytes from there.
 */
static u64 kernel_area_end(const struct bzimage *k)
{
	u64 base = k->pref_address;
	if (k->relocatable && ALIGN_UP(LINUX_KERNEL_GPA, k->alignment) > base)
		base = ALIGN_UP(LINUX_KERNEL_GPA, k->alignment);
	u64 end = base + k->init_size;
	return end > LINUX_KERNEL_GPA + k->pm_size ? end : LINUX_KERNEL_GPA + k->pm_size;
}

static int fail(char *err, size_t errlen, const char *msg)
{
	format(err, errlen, "%s", msg);
	return -1;
}

/* The initrd at the top of RAM (and below initrd_addr_max), page-aligned, above the kernel. */
static int place_initrd(const struct bzimage *k, u64 size, u64 kernel_end,
			const struct guest_mem *mem, u64 *gpa, char *err, size_t errlen)
{
	u64 top = mem->size;
	if (top > (u64)k->initrd_addr_max + 1)
		top = (u64)k->initrd_addr_max + 1;
	if (size > top || ((top - size) & ~0xFFFull) < kernel_end) {
		format(err, errlen, "the initrd (%lu KiB) does not fit between the kernel's end at "
		       "%lu KiB and %lu KiB (top of RAM or initrd_addr_max): give the guest more "
		       "mem=", size >> 10, kernel_end >> 10, top >> 10);
		return -1;
	}
	*gpa = (top - size) & ~0xFFFull;
	return 0;
}

/* Guest RAM as the kernel's e820 map: low memory, then everything from 1 MiB. */
static u32 build_e820(const struct guest_mem *mem, struct e820_entry *e)
{
	e[0] = (struct e820_entry){ 0, LOW_RAM_END, E820_RAM };
	e[1] = (struct e820_entry){ LINUX_KERNEL_GPA, mem->size - LINUX_KERNEL_GPA, E820_RAM };
	return 2;
}

int linux_boot_load(const void *kernel, u64 kernel_size, const void *initrd, u64 initrd_size,
		    const char *cmdline, u64 acpi_rsdp, const struct guest_mem *mem,
		    struct linux_boot_result *out, char *err, size_t errlen)
{
	struct bzimage k = { .image = kernel, .size = kernel_size };
	const char *bad = read_header(&k);
	if (bad)
		return fail(err, errlen, bad);
	u64 kernel_end = kernel_area_end(&k);
	if (kernel_end > mem->size) {
		format(err, errlen, "the kernel needs %lu MiB of guest RAM to decompress "
		       "(pref_address + init_size), the guest has %lu MiB: give it more mem=",
		       (kernel_end + (1 << 20) - 1) >> 20, mem->size >> 20);
		return -1;
	}
	size_t len = strlen(cmdline);
	if (len > k.cmdline_size || len >= LINUX_CMDLINE_MAX)
		return fail(err, errlen, "command line longer than the kernel's cmdline_size");
	*out = (struct linux_boot_result){ .entry = LINUX_KERNEL_GPA,
					   .boot_params = LINUX_BOOT_PARAMS_GPA, .gdt = LINUX_GDT_GPA,
					   .protocol = k.protocol, .kernel_end = kernel_end };
	if (initrd_size && place_initrd(&k, initrd_size, kernel_end, mem, &out->initrd_gpa, err,
					errlen))
		return -1;
	out->initrd_size = initrd_size;

	/* Everything below is inside kernel_end or the initrd's place: checked above. */
	u8 *bp = mem->host + LINUX_BOOT_PARAMS_GPA;
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, k.image + HDR_START, k.hdr_end - HDR_START);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put32(bp + HDR_CODE32_START, LINUX_KERNEL_GPA);
	put32(bp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_GPA);
	put32(bp + HDR_RAMDISK_IMAGE, (u32)out->initrd_gpa);
	put32(bp + HDR_RAMDISK_SIZE, (u32)initrd_size);
	memcpy(bp + BP_ACPI_RSDP_ADDR, &acpi_rsdp, sizeof(acpi_rsdp));
	struct e820_entry e820[2];
	out->e820_entries = build_e820(mem, e820);
	bp[BP_E820_ENTRIES] = (u8)out->e820_entries;
	memcpy(bp + BP_E820_TABLE, e820, sizeof(e820));

	gmem_write(mem, LINUX_GDT_GPA, entry_flat_gdt, sizeof(entry_flat_gdt));
	gmem_write(mem, LINUX_CMDLINE_GPA, cmdline, len + 1);
	gmem_write(mem, LINUX_KERNEL_GPA, k.image + k.pm_offset, k.pm_size);
	if (initrd_size)
		gmem_write(mem, out->initrd_gpa, initrd, initrd_size);
	return 0;
}
