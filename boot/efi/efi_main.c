/*
 * pmuvisor.efi: a small UEFI loader for the one core image. It reads
 * \pmuvisor.cfg and the guest images from the ESP it was started from,
 * copies the core (the same bytes GRUB loads from pmuvisor.elf) to free
 * memory, fills a struct boot_info, exits boot services and enters the core
 * at core_entry64, which relocates it and joins the multiboot2 path.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/boot_info.h"
#include "boot/efi/efi_config.h"
#include "boot/efi/efi_memmap.h"
#include "arch/cpu.h"
#include "arch/format.h"
#include "arch/serial.h"
#include "arch/string.h"
#include "core_layout.h"

#define BELOW_4G 0xFFFFFFFFULL
#define MAP_SLACK (8 * 1024)

extern const u8 _binary_build_core_bin_start[], _binary_build_core_bin_end[];

static EFI_HANDLE image;
static struct efi_config config;

/* Errors go to the console and COM1 (the runner reads COM1), then the run ends with status 2. */
static EFI_STATUS fail(const char *fmt, ...)
{
	char msg[200], line[240];
	va_list ap;
	va_start(ap, fmt);
	vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int n = format(line, sizeof(line), "hv: error: efi: %s\nhv: exit status=2\n", msg);
	serial_write(line, (size_t)n);
	Print(L"pmuvisor: %a\n", msg);
	outl(0xf4, 2); /* QEMU's isa-debug-exit; nothing elsewhere */
	return EFI_LOAD_ERROR;
}

static void say(const char *text) { serial_write(text, strlen(text)); }

static void *alloc_below_4g(u64 bytes, EFI_MEMORY_TYPE type)
{
	EFI_PHYSICAL_ADDRESS addr = BELOW_4G;
	EFI_STATUS s = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, type,
					 EFI_SIZE_TO_PAGES(bytes), &addr);
	return EFI_ERROR(s) ? NULL : (void *)(uintptr_t)addr;
}

/* ESP path "guests/a.elf" -> "\guests\a.elf" in UCS-2. */
static void to_efi_path(const char *path, CHAR16 *out, size_t cap)
{
	size_t n = 0;
	if (path[0] != '/' && path[0] != '\\')
		out[n++] = L'\\';
	for (; *path && n + 1 < cap; path++)
		out[n++] = *path == '/' ? L'\\' : (CHAR16)*path;
	out[n] = 0;
}

static EFI_STATUS read_file(EFI_FILE_HANDLE root, const char *path, void **data, u64 *size)
{
	CHAR16 name[EFI_PATH_MAX + 2];
	EFI_FILE_HANDLE f;
	to_efi_path(path, name, EFI_PATH_MAX + 2);
	if (EFI_ERROR(uefi_call_wrapper(root->Open, 5, root, &f, name, EFI_FILE_MODE_READ, 0)))
		return fail("cannot open %s on the boot volume", path);
	EFI_FILE_INFO *info = LibFileInfo(f);
	if (!info)
		return fail("cannot stat %s", path);
	*size = info->FileSize;
	FreePool(info);
	*data = alloc_below_4g(*size + 1, EfiLoaderData);
	UINTN n = *size;
	if (!*data || EFI_ERROR(uefi_call_wrapper(f->Read, 3, f, &n, *data)) || n != *size)
		return fail("cannot read %s (%lu bytes)", path, *size);
	((char *)*data)[*size] = '\0';
	uefi_call_wrapper(f->Close, 1, f);
	return EFI_SUCCESS;
}

static EFI_STATUS load_config_and_modules(struct boot_info *bi)
{
	EFI_LOADED_IMAGE *li;
	if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
					(void **)&li)))
		return fail("no loaded-image protocol");
	EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return fail("cannot open the boot volume");
	void *text;
	u64 size;
	char err[160];
	if (read_file(root, "pmuvisor.cfg", &text, &size))
		return EFI_LOAD_ERROR;
	if (efi_config_parse(text, size, &config, err, sizeof(err)))
		return fail("pmuvisor.cfg: %s", err);
	memcpy(bi->cmdline, config.cmdline, sizeof(bi->cmdline));
	for (u32 i = 0; i < config.nr_modules; i++) {
		void *data;
		if (read_file(root, config.modules[i].path, &data, &size))
			return EFI_LOAD_ERROR;
		struct boot_module *m = &bi->modules[bi->nr_modules++];
		m->start = (u64)(uintptr_t)data;
		m->size = size;
		memcpy(m->string, config.modules[i].string, sizeof(m->string));
	}
	return EFI_SUCCESS;
}

/*
 * The same bytes GRUB loads from pmuvisor.elf, wherever the firmware has
 * room below 4 GiB: the image relocates itself at core_entry64. Returns
 * where the core starts, or 0.
 */
static u64 place_core(void)
{
	u64 blob = (u64)(_binary_build_core_bin_end - _binary_build_core_bin_start);
	u64 bytes = CORE_IMAGE_END - CORE_IMAGE_START;
	u8 *core = alloc_below_4g(bytes, EfiLoaderCode);
	if (!core) {
		fail("no %lu KiB below 4 GiB for the core image", bytes >> 10);
		return 0;
	}
	memcpy(core, _binary_build_core_bin_start, blob);
	memset(core + blob, 0, bytes - blob); /* .bss */
	return (u64)(uintptr_t)core;
}

static u64 find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	u64 found = 0;
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		if (!CompareGuid(&t->VendorGuid, &acpi20))
			return (u64)(uintptr_t)t->VendorTable;
		if (!CompareGuid(&t->VendorGuid, &acpi10))
			found = (u64)(uintptr_t)t->VendorTable;
	}
	return found;
}

/* No boot service may be called once ExitBootServices succeeds. */
static EFI_STATUS exit_boot_services(struct boot_info *bi)
{
	UINTN size = 0, key, desc_size;
	UINT32 version;
	uefi_call_wrapper(BS->GetMemoryMap, 5, &size, NULL, &key, &desc_size, &version);
	UINTN cap = size + MAP_SLACK;
	void *map = alloc_below_4g(cap, EfiLoaderData);
	if (!map)
		return fail("no memory for the memory map");
	for (int attempt = 0; attempt < 4; attempt++) {
		size = cap;
		if (EFI_ERROR(uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, &key, &desc_size,
						&version)))
			return fail("GetMemoryMap failed");
		efi_memmap_to_ranges(map, size, desc_size, bi);
		if (!EFI_ERROR(uefi_call_wrapper(BS->ExitBootServices, 2, image, key)))
			return EFI_SUCCESS;
	}
	return fail("ExitBootServices kept failing (memory map changed)");
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image_handle, system_table);
	image = image_handle;
	serial_init();
	struct boot_info *bi = alloc_below_4g(sizeof(*bi), EfiLoaderData);
	if (!bi)
		return fail("no memory for the boot information");
	memset(bi, 0, sizeof(*bi));
	bi->path = BOOT_UEFI;
	bi->acpi_rsdp = find_rsdp();
	u64 core;
	if (load_config_and_modules(bi) || !(core = place_core()))
		return EFI_LOAD_ERROR;
	u64 entry = core + (CORE_ENTRY64 - CORE_IMAGE_START);
	char line[120];
	format(line, sizeof(line), "hv: efi: loaded %u modules, core at 0x%lx, entering at 0x%lx\n",
	       bi->nr_modules, core, entry);
	say(line);
	if (exit_boot_services(bi))
		return EFI_LOAD_ERROR;
	cli();
	((void (*)(struct boot_info *))(uintptr_t)entry)(bi);
	return EFI_LOAD_ERROR; /* core_entry64 does not return */
}
