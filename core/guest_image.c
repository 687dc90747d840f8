#include "core/guest_image.h"
#include "arch/format.h"
#include "arch/log.h"
#include "arch/string.h"
#include "arch/tsc.h"
#include "core/acpi_tables.h"
#include "core/abi.h"
#include "core/elf_loader.h"
#include "core/linux_boot.h"
#include "core/mb1_info.h"

static const void *module_bytes(const struct boot_module *m)
{
	return (const void *)(uintptr_t)m->start;
}

/* A kernel's command line is its module string without the first word (the module's name). */
static const char *kernel_args(const char *string)
{
	while (*string && *string != ' ')
		string++;
	while (*string == ' ')
		string++;
	return string;
}

/*
 * The TSC rate, which Linux cannot read from CPUID on AMD and would otherwise
 * calibrate against a PIT pmuvisor does not have: given unless the line has one.
 */
/* Does a word of the line start with prefix? */
static bool has_word(const char *line, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *s = line; *s; s++)
		if ((s == line || s[-1] == ' ') && !strncmp(s, prefix, n))
			return true;
	return false;
}

static void with_tsc_rate(char *buf, size_t size, const char *args)
{
	if (has_word(args, "tsc_early_khz="))
		format(buf, size, "%s", args);
	else
		format(buf, size, "%s%stsc_early_khz=%lu", args, *args ? " " : "", tsc_hz / 1000);
}

static int load_linux(const char *name, const struct guest_mem *mem, const struct boot_module *m,
		      const struct boot_module *initrd, struct guest_entry *out)
{
	char err[200], cmdline[BOOT_MODULE_STRING_MAX + 32];
	struct linux_boot_result r;
	with_tsc_rate(cmdline, sizeof(cmdline), kernel_args(m->string));
	if (linux_boot_load(module_bytes(m), m->size, initrd ? module_bytes(initrd) : NULL,
			    initrd ? initrd->size : 0, cmdline, ACPI_TABLES_GPA, mem, &r, err,
			    sizeof(err))) {
		pr_err("%s: bad Linux kernel: %s", name, err);
		return -1;
	}
	acpi_tables_build(mem); /* below 1 MiB: the kernel's RAM check covered it */
	pr_info("%s: Linux bzImage, boot protocol %u.%02u, kernel at 0x%lx (up to 0x%lx with "
		"init_size), initrd %lu KiB at 0x%lx, zero page at 0x%lx with %u e820 entries, "
		"%lu MiB RAM, ACPI tables at 0x%x; command line \"%s\"", name, r.protocol >> 8,
		r.protocol & 0xFF, r.entry, r.kernel_end, r.initrd_size >> 10, r.initrd_gpa,
		r.boot_params, r.e820_entries, mem->size >> 20, ACPI_TABLES_GPA, cmdline);
	*out = (struct guest_entry){ .rip = r.entry, .esi = (u32)r.boot_params, .gdt = r.gdt };
	return 0;
}

static int load_multiboot(const char *name, const struct guest_mem *mem,
			  const struct boot_module *m, struct guest_entry *out)
{
	struct elf_load_result res;
	const char *bad = elf_load(module_bytes(m), m->size, mem, &res);
	if (bad) {
		pr_err("%s: bad guest image: %s", name, bad);
		return -1;
	}
	struct mb1_layout boot;
	if ((bad = mb1_info_build(mem, &res, m->string, &boot))) {
		pr_err("%s: %s", name, bad);
		return -1;
	}
	pr_info("%s: loaded %u segments at 0x%lx-0x%lx, entry 0x%lx, boot information at "
		"0x%lx-0x%lx, %lu MiB RAM", name, res.nr_segments, res.low, res.high, res.entry,
		boot.gdt, boot.end, mem->size >> 20);
	*out = (struct guest_entry){ .rip = res.entry, .eax = MB1_BOOTLOADER_MAGIC,
				     .ebx = (u32)boot.info, .gdt = boot.gdt };
	return 0;
}

int guest_image_load(const char *name, const struct guest_mem *mem, const struct boot_module *m,
		     const struct boot_module *initrd, struct guest_entry *out)
{
	if (linux_boot_is_bzimage(module_bytes(m), m->size))
		return load_linux(name, mem, m, initrd, out);
	if (initrd) {
		pr_err("%s: initrd= is for a Linux guest, and module '%s' is no bzImage", name,
		       m->string);
		return -1;
	}
	return load_multiboot(name, mem, m, out);
}
