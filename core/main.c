/* core_main: where both boot paths meet. */
#include "boot/boot_info.h"
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/host_caps.h"
#include "arch/interrupts.h"
#include "arch/lapic.h"
#include "arch/log.h"
#include "arch/paging.h"
#include "arch/pic.h"
#include "arch/platform_exit.h"
#include "arch/shared_state.h"
#include "arch/serial.h"
#include "arch/string.h"
#include "arch/tsc.h"
#include "core/caps_report.h"
#include "core/cmdline.h"
#include "core/hv.h"
#include "pmu/pmu_caps.h"
#include "pmu/pmu_platform.h"

extern char __image_start[], __image_end[];

struct hv hv;

static const char *const crash_names[] = { [CRASH_UD] = "ud", [CRASH_GP] = "gp",
					   [CRASH_PF] = "pf", [CRASH_DE] = "de" };

static void emit_key_help(const char *line) { pr_info("  %s", line); }

static void parse_cmdline_or_exit(const struct boot_info *bi)
{
	char err[160];
	if (cmdline_parse(bi->cmdline, &hv.config, err, sizeof(err))) {
		pr_err("command line: %s", err);
		pr_info("known keys:");
		cmdline_describe(emit_key_help);
		platform_exit(STATUS_BAD_INPUT);
	}
	log_threshold = hv.config.log_level;
	platform_exit_method = hv.config.exit_method;
}

static void report_boot(const struct boot_info *bi)
{
	pr_info("pmuvisor %s booted via %s, image 0x%lx-0x%lx", PMUVISOR_VERSION,
		bi->path == BOOT_UEFI ? "uefi" : "multiboot2", (u64)(uintptr_t)__image_start,
		(u64)(uintptr_t)__image_end);
	pr_info("command line: \"%s\"", bi->cmdline);
	for (u32 i = 0; i < bi->nr_modules; i++)
		pr_info("module %u: \"%s\" at 0x%lx, %lu bytes", i, bi->modules[i].string,
			bi->modules[i].start, bi->modules[i].size);
	u64 ram = 0;
	for (u32 i = 0; i < bi->nr_ranges; i++)
		ram += bi->ranges[i].size;
	pr_info("usable RAM: %lu MiB in %u ranges", ram >> 20, bi->nr_ranges);
}

static void init_allocator(const struct boot_info *bi)
{
	struct boot_range reserved[BOOT_MAX_MODULES + 1];
	u32 n = 0;
	reserved[n++] = (struct boot_range){ (u64)(uintptr_t)__image_start,
					     (u64)(__image_end - __image_start) };
	for (u32 i = 0; i < bi->nr_modules; i++)
		reserved[n++] = (struct boot_range){ bi->modules[i].start, bi->modules[i].size };
	/* Below 1 MiB: firmware and legacy areas. Above 4 GiB: not identity mapped. */
	page_alloc_init(&hv.pages, bi, 0x100000, 0x100000000ULL, reserved, n);
	pr_info("page allocator: %lu MiB free", page_alloc_free_bytes(&hv.pages) >> 20);
}

void core_main(struct boot_info *bi_in)
{
	/* The boot path's copy may live in memory the allocator hands out later. */
	static struct boot_info bi;
	bi = *bi_in;

	serial_init();
	gdt_init();
	idt_init();
	pic_disable();
	paging_init();
	parse_cmdline_or_exit(&bi);
	report_boot(&bi);

	host_caps_probe();
	shared_state_init(); /* needs to know whether the CPU has XSAVE */
	pmu_caps_probe();
	lapic_init();
	pmu_platform_probe(&pmu_caps);
	struct tsc_info tsc = tsc_calibrate();
	caps_report(&tsc);

	if (hv.config.crash != CRASH_NONE)
		exceptions_selftest(crash_names[hv.config.crash]);

	init_allocator(&bi);
	platform_exit(hv_run_guests(&bi));
}
