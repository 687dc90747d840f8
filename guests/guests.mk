# Unit guests: guests/<name>.c -> build/guests/<name>.elf (ELF32 multiboot1,
# 64-bit code), linked with guests/lib and the image's own pure arch/ code.

GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -fno-builtin \
	-fno-asynchronous-unwind-tables -I.
# pmu/pmu_caps.c: the pure CPUID decoders, shared with the host probe
GUEST_LIB_C := $(wildcard guests/lib/*.c) arch/format.c arch/string.c arch/mem.c pmu/pmu_caps.c
GUEST_LIB_ASM := $(wildcard guests/lib/*.asm) arch/isr.asm
GUEST_LIB_OBJ := $(GUEST_LIB_C:%.c=$(BUILD)/guest-obj/%.o) \
	$(GUEST_LIB_ASM:%.asm=$(BUILD)/guest-obj/%.asm.o)
GUEST_NAMES := $(basename $(notdir $(wildcard guests/*.c)))
GUEST_ELFS := $(GUEST_NAMES:%=$(BUILD)/guests/%.elf)

.PHONY: guests
guests: $(GUEST_ELFS)

$(BUILD)/guest-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/guest-obj/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -w+error -I. -o $@ $<

# Linked as x86-64, shipped as ELF32 so QEMU's -kernel also boots it directly.
$(BUILD)/guests/%.elf: $(BUILD)/guest-obj/guests/%.o $(GUEST_LIB_OBJ) guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(LD) -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
		-T guests/lib/guest.ld -o $@.64 $< $(GUEST_LIB_OBJ)
	$(OBJCOPY) -O elf32-i386 $@.64 $@
	@rm -f $@.64
include guests/qemu/qemu.mk
