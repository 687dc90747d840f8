# pmuvisor: one entry point.
#   make            build/pmuvisor.elf (multiboot2), build/pmuvisor.efi (UEFI), guests
#   make iso        build/pmuvisor.iso (GRUB2, BIOS and UEFI)
#   make esp        build/esp/ (a UEFI test machine's ESP) and build/esp.img
#   make run        boot in QEMU (GRUB ISO, AMD-V under TCG) and run the unit guests
#   make test       host unit tests + system tests in QEMU and Bochs (prove)
#   make clean      remove build/

BUILD   := build
CC      := gcc
LD      := ld
NASM    := nasm
OBJCOPY := objcopy
PYTHON  := python3
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# The hypervisor image: freestanding, PIC-friendly code, no SIMD, no red zone.
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
	-fno-builtin -mno-red-zone -mgeneral-regs-only -fpie -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -I. -DPMUVISOR_VERSION='"$(VERSION)"'
# Where GRUB loads the image (multiboot2); the UEFI loader may place it elsewhere.
LINK_BASE := 0x1000000
HV_LDFLAGS := --defsym=__link_base=$(LINK_BASE) -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack -T linker.ld

HV_C   := $(wildcard boot/*.c arch/*.c core/*.c svm/*.c vmx/*.c pmu/*.c)
HV_ASM := $(wildcard boot/*.asm arch/*.asm svm/*.asm vmx/*.asm)
HV_OBJ := $(HV_C:%.c=$(BUILD)/hv/%.o) $(HV_ASM:%.asm=$(BUILD)/hv/%.asm.o)

.PHONY: all iso esp run test host-test system-test clean
.SECONDARY:
all: $(BUILD)/pmuvisor.elf guests

$(BUILD)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -w+error -I. -DLINK_BASE=$(LINK_BASE) -o $@ $<

# One set of objects, one linker.ld, two links: a plain executable for GRUB
# (whose multiboot2 loader refuses ELF files with relocations), and a static
# PIE whose bytes the UEFI loader carries and may place anywhere; the entry
# code applies its R_X86_64_RELATIVE relocations (none in the first link).
$(BUILD)/pmuvisor.elf: $(HV_OBJ) linker.ld
	$(LD) $(HV_LDFLAGS) -no-pie -o $@ $(HV_OBJ)

$(BUILD)/pmuvisor-pie.elf: $(HV_OBJ) linker.ld
	$(LD) $(HV_LDFLAGS) -pie --no-dynamic-linker -z text -o $@ $(HV_OBJ)
	@if readelf -rW $@ | awk 'NR > 3 && NF >= 3' | grep -v R_X86_64_RELATIVE | grep -q R_X86; then \
		echo "$@: relocations other than R_X86_64_RELATIVE" >&2; rm -f $@; exit 1; fi

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)

include boot/efi/efi.mk
include guests/guests.mk
include tests/tests.mk
