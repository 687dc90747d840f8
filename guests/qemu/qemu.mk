# QEMU-style test kernels: guests/qemu/qk_<name>.c -> build/guests/qemu/qk_<name>.elf,
# 32-bit multiboot1 kernels with their own small library and no pmuvisor ABI.

QK_CFLAGS := -std=gnu11 -m32 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
	-fno-pic -fno-pie -mgeneral-regs-only -fno-builtin -fno-asynchronous-unwind-tables -I.
QK_LIB_OBJ := $(BUILD)/qk-obj/qk_lib.o $(BUILD)/qk-obj/qk_entry.o
QK_NAMES := $(basename $(notdir $(wildcard guests/qemu/qk_*.c)))
QK_ELFS := $(filter-out $(BUILD)/guests/qemu/qk_lib.elf,$(QK_NAMES:%=$(BUILD)/guests/qemu/%.elf))

guests: $(QK_ELFS)

$(BUILD)/qk-obj/%.o: guests/qemu/%.c guests/qemu/qk.h
	@mkdir -p $(dir $@)
	$(CC) $(QK_CFLAGS) -c $< -o $@

$(BUILD)/qk-obj/qk_entry.o: guests/qemu/qk_entry.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf32 -w+error -o $@ $<

# QEMU's multiboot loader copies a kernel as one block from its lowest to its
# highest byte: one with a segment under 1 MiB must lie there whole, or the
# copy runs over the option ROM doing it (tests/README.md).
$(BUILD)/guests/qemu/qk_realmode.elf: QK_LDFLAGS := --defsym=QK_BASE=0x20000

$(BUILD)/guests/qemu/%.elf: $(BUILD)/qk-obj/%.o $(QK_LIB_OBJ) guests/qemu/qk.ld
	@mkdir -p $(dir $@)
	$(LD) -m elf_i386 -nostdlib -static -no-pie -n -z noexecstack --no-warn-rwx-segments $(QK_LDFLAGS) -T guests/qemu/qk.ld -o $@ $< $(QK_LIB_OBJ)
