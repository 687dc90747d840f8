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

; One stub for each of the 256 vectors: qk_interrupt(vector, frame), then
; iret. The exceptions that push no error code get a 0 pushed in its place,
; so every stack is the same: the eight pushad registers, the error code,
; and the CPU's frame (EIP, CS, EFLAGS), which frame points at and
; qk_interrupt may change (a fault a kernel expected).
%assign v 0
%rep 256
qk_stub_%[v]:
%if !(v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30)
	push dword 0
%endif
	pushad
	lea eax, [esp + 36]         ; past the registers and the error code
	push eax
	push dword v
	call qk_interrupt
	add esp, 8
	popad
	add esp, 4
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
