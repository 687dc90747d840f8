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

; One stub for each of the 256 vectors: qk_interrupt(vector), then iret. Only
; vectors 32 and up return (qk_interrupt ends the kernel on any other), so no
; stub has to know which exceptions push an error code.
%assign v 0
%rep 256
qk_stub_%[v]:
	pushad
	push dword v
	call qk_interrupt
	add esp, 4
	popad
	iret
%assign v v + 1
%endrep

section .rodata
global qk_stubs
qk_stubs:
%assign v 0
%rep 256
	dd qk_stub_%[v]
%assign v v + 1
%endrep

section .bss
align 16
stack: resb 16384
stack_top:
