# The UEFI image: a gnu-efi loader (boot/efi) carrying the core's bytes (build/core.bin,
# from the static-PIE link of the same objects).
#   make esp     build/esp/ laid out as a test machine's ESP, and build/esp.img (FAT)

EFI_INC := /usr/include/efi
EFI_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -fpic -ffreestanding -fno-stack-protector \
	-fshort-wchar -mno-red-zone -maccumulate-outgoing-args -mgeneral-regs-only \
	-DEFI_FUNCTION_WRAPPER -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I. -I$(BUILD)
EFI_LDS := /usr/lib/elf_x86_64_efi.lds
EFI_CRT0 := /usr/lib/crt0-efi-x86_64.o
EFI_C := boot/efi/efi_main.c boot/efi/efi_config.c boot/efi/efi_memmap.c arch/format.c \
	arch/serial.c arch/string.c # memcpy/memset: libefi's
EFI_OBJ := $(EFI_C:%.c=$(BUILD)/efi/%.o) $(BUILD)/efi/core_blob.o
ESP_CMDLINE ?= log=info
ESP_GUESTS ?= $(GUEST_ELFS)

.PHONY: esp
all: $(BUILD)/pmuvisor.efi

$(BUILD)/core.bin: $(BUILD)/pmuvisor-pie.elf
	$(OBJCOPY) -O binary $< $@

# Where the core goes and where the loader enters it, read from the linked image.
$(BUILD)/core_layout.h: $(BUILD)/pmuvisor-pie.elf
	nm $< | awk '$$3 == "__image_start" { print "#define CORE_IMAGE_START 0x" $$1 "ULL" } \
		$$3 == "__image_end" { print "#define CORE_IMAGE_END 0x" $$1 "ULL" } \
		$$3 == "core_entry64" { print "#define CORE_ENTRY64 0x" $$1 "ULL" }' > $@
	@test $$(wc -l < $@) -eq 3 || { echo "core_layout.h: symbols missing" >&2; rm -f $@; exit 1; }

$(BUILD)/efi/%.o: %.c $(BUILD)/core_layout.h
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/efi/core_blob.o: $(BUILD)/core.bin
	@mkdir -p $(dir $@)
	$(OBJCOPY) -I binary -O elf64-x86-64 -B i386:x86-64 $< $@

$(BUILD)/efi/pmuvisor.so: $(EFI_OBJ)
	$(LD) -nostdlib -shared -Bsymbolic -znocombreloc -z noexecstack -T $(EFI_LDS) $(EFI_CRT0) $(EFI_OBJ) \
		-L/usr/lib -lgnuefi -lefi -o $@

$(BUILD)/pmuvisor.efi: $(BUILD)/efi/pmuvisor.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

esp: $(BUILD)/pmuvisor.efi $(ESP_GUESTS)
	boot/efi/mkesp $(BUILD)/esp "$(ESP_CMDLINE)" $(foreach g,$(ESP_GUESTS),$(g):$(basename $(notdir $(g))))
	rm -f $(BUILD)/esp.img
	mkfs.fat -C $(BUILD)/esp.img 65536 >/dev/null
	mcopy -s -i $(BUILD)/esp.img $(BUILD)/esp/* ::/
