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
HV_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack -T linker.ld

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
	$(NASM) -f elf64 -g -w+error -o $@ $<

$(BUILD)/pmuvisor.elf: $(HV_OBJ) linker.ld
	$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJ)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

include guests/guests.mk
include tests/tests.mk
