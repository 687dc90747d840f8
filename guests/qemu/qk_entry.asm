; Multiboot1 entry for the QEMU-style test kernels: 32-bit protected mode,
; paging off, as QEMU's -kernel and GRUB (or pmuvisor) leave it. Sets a stack
; and calls kmain(magic, info); also the interrupt stubs the kernels use.
bits 32
section .multiboot
align 4
	dd 0x1BADB002               ; magic
	dd 0x00000003               ; page-aligned modules, memory information
	dd -(0x1BADB002 + 0x00000003)

section .text
global _start
extern kmain
extern qk_interrupt
_start:
	mov esp, stack_top
	push ebx
	push eax
	call kmain
.halt:
	cli
	hlt
	jmp .halt

; One stub per vector the kernels use: qk_interrupt(vector), then iret.
%macro STUB 1
global qk_stub_%1
qk_stub_%1:
	pushad
	push dword %1
	call qk_interrupt
	add esp, 4
	popad
	iret
%endmacro
STUB 0x40
STUB 0x50
STUB 0x60
STUB 0x70

section .bss
align 16
stack: resb 16384
stack_top:
