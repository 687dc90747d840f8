; Guest entry. pmuvisor (or QEMU's -kernel) enters here like a multiboot1
; loader: 32-bit protected mode, paging off, EAX = 0x2BADB002, EBX = the
; multiboot information. We identity-map 4 GiB with 2 MiB pages, switch to
; long mode and call guest_start(magic, mbi).

%include "arch/long_mode.inc"

MB1_MAGIC equ 0x1BADB002
MB1_FLAGS equ 0

section .multiboot
align 4
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)

section .text
bits 32
global _start
extern guest_start

_start:
	cli
	mov esp, stack_top
	mov edi, eax
	mov esi, ebx

	mov eax, pdpt
	or eax, 3
	mov [pml4], eax
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, pd
	or eax, 3
	mov [pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83
	mov [pd + ecx * 8], eax
	inc ecx
	cmp ecx, 2048
	jb .pd

	mov ebx, pml4
	ENTER_LONG_MODE ebx
	lgdt [gdtr]
	jmp 0x08:long_mode

bits 64
long_mode:
	LOAD_DATA_SEGMENTS
	mov rsp, stack_top
	mov edi, edi
	mov esi, esi
	call guest_start
.hang:
	cli
	hlt
	jmp .hang

section .rodata
align 8
gdt:
	dq 0
	dq 0x00AF9A000000FFFF        ; 64-bit code
	dq 0x00CF92000000FFFF        ; data
gdtr:
	dw gdtr - gdt - 1
	dq gdt

section .bss
align 4096
pml4: resb 4096
pdpt: resb 4096
pd:   resb 4096 * 4
align 16
resb 65536
stack_top:
