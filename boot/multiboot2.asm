; Multiboot2 entry: GRUB jumps here in 32-bit protected mode with paging off,
; EAX = 0x36d76289 and EBX = the multiboot2 information. We identity-map the
; first 4 GiB with 2 MiB pages, enter long mode and call mb2_main(magic, info).
; The core replaces these boot page tables and GDT with its own.
;
; The image is linked position-independent (the UEFI loader may place it
; anywhere), so this code reaches its data relative to an anchor (EBP), and
; both entries apply the image's own relocations before any C code runs.

MB2_MAGIC    equ 0xE85250D6
MB2_ARCH_X86 equ 0
R_X86_64_RELATIVE equ 8
%include "arch/long_mode.inc"

section .boot.header
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_X86
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_X86 + (mb2_header_end - mb2_header))
	dw 0, 0            ; end tag
	dd 8
mb2_header_end:

section .boot.text
bits 32
global mb2_entry32
extern mb2_main
extern __rela_start, __rela_end, __image_start

%define AT(sym) ebp + sym - anchor

mb2_entry32:
	cli
	mov edi, eax                ; multiboot2 magic
	mov esi, ebx                ; multiboot2 info
	; ESP is undefined here (multiboot2 spec), yet CALL is the only way to
	; learn EIP: borrow the info's first dword (given to us) as the stack slot.
	mov ecx, [ebx]
	lea esp, [ebx + 4]
	call anchor
anchor:
	pop ebp
	mov [ebx], ecx
	lea esp, [AT(boot_stack_top)]

	mov eax, 0x80000000         ; long mode available?
	cpuid
	cmp eax, 0x80000001
	jb no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz no_long_mode

	; PML4[0] -> PDPT, PDPT[0..3] -> PD0..PD3, each PD = 512 x 2 MiB pages.
	lea eax, [AT(boot_pdpt)]
	or eax, 0x3
	mov [AT(boot_pml4)], eax
	xor ecx, ecx
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	lea edx, [AT(boot_pd)]
	add eax, edx
	or eax, 0x3
	lea edx, [AT(boot_pdpt)]
	mov [edx + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	xor ecx, ecx
	lea edx, [AT(boot_pd)]
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                ; present, writable, 2 MiB
	mov [edx + ecx * 8], eax
	mov dword [edx + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	lea ebx, [AT(boot_pml4)]
	ENTER_LONG_MODE ebx
	lea eax, [AT(boot_gdt)]
	mov [AT(boot_gdtr) + 2], eax
	lgdt [AT(boot_gdtr)]
	push 0x08
	lea eax, [AT(long_mode)]
	push eax
	retf

no_long_mode:
	lea esi, [AT(no_lm_msg)]
.next:
	lodsb
	test al, al
	jz .stop
	mov dx, 0x3f8
	out dx, al
	jmp .next
.stop:
	hlt
	jmp .stop

bits 64
long_mode:
	LOAD_DATA_SEGMENTS
	mov edi, edi                ; mb2_main(magic, info)
	mov esi, esi
	push rdi
	push rsi
	call apply_relocations      ; none in the GRUB link: kept for one entry path
	pop rsi
	pop rdi
	call mb2_main
.hang:
	hlt
	jmp .hang

; The UEFI loader enters here, already in long mode, with the image wherever
; the firmware had room: RDI = struct boot_info *.
global core_entry64
extern core_main
core_entry64:
	cli
	lea rsp, [rel boot_stack_top]
	push rdi
	call apply_relocations
	pop rdi
	call core_main
	jmp long_mode.hang

; Applies the R_X86_64_RELATIVE relocations of .rela.dyn for the load bias
; (where the image is minus where it was linked). Clobbers rax, rcx, rdx, rsi, r8.
apply_relocations:
	lea rax, [rel __image_start]
	mov rcx, LINK_BASE          ; from the Makefile, as ld's __link_base
	sub rax, rcx
	lea rsi, [rel __rela_start]
	lea rdx, [rel __rela_end]
.next_reloc:
	cmp rsi, rdx
	jae .done
	cmp dword [rsi + 8], R_X86_64_RELATIVE
	jne .skip                   ; the link admits no other kind (checked by the Makefile)
	mov rcx, [rsi]
	add rcx, rax
	mov r8, [rsi + 16]
	add r8, rax
	mov [rcx], r8
.skip:
	add rsi, 24
	jmp .next_reloc
.done:
	ret

section .rodata
no_lm_msg: db "hv: error: this CPU has no long mode (64-bit); pmuvisor cannot run", 13, 10, 0

section .data
align 8
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF       ; 0x08: 64-bit code
	dq 0x00CF92000000FFFF       ; 0x10: data
boot_gdtr:
	dw boot_gdtr - boot_gdt - 1
	dq 0                        ; filled in at run time: the image may be anywhere

section .bss
align 4096
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pd:   resb 4096 * 4
align 16
global boot_stack_top
boot_stack: resb 32768
boot_stack_top:
