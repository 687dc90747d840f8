; Multiboot2 entry: GRUB jumps here in 32-bit protected mode with paging off,
; EAX = 0x36d76289 and EBX = the multiboot2 information. We identity-map the
; first 4 GiB with 2 MiB pages, enter long mode and call mb2_main(magic, info).
; The core replaces these boot page tables and GDT with its own.

MB2_MAGIC    equ 0xE85250D6
MB2_ARCH_X86 equ 0

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
global boot_stack_top

mb2_entry32:
	cli
	mov esp, boot_stack_top
	mov edi, eax                ; multiboot2 magic
	mov esi, ebx                ; multiboot2 info

	mov eax, 0x80000000         ; long mode available?
	cpuid
	cmp eax, 0x80000001
	jb no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz no_long_mode

	; PML4[0] -> PDPT, PDPT[0..3] -> PD0..PD3, each PD = 512 x 2 MiB pages.
	mov eax, boot_pdpt
	or eax, 0x3
	mov [boot_pml4], eax
	xor ecx, ecx
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, 0x3
	mov [boot_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                ; present, writable, 2 MiB
	mov [boot_pd + ecx * 8], eax
	mov dword [boot_pd + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	mov eax, cr4
	or eax, 1 << 5              ; PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, 0xC0000080         ; EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | 1       ; PG, PE
	mov cr0, eax
	lgdt [boot_gdtr]
	jmp 0x08:long_mode

no_long_mode:
	mov esi, no_lm_msg
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
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov edi, edi
	mov esi, esi
	call mb2_main
.hang:
	hlt
	jmp .hang

; The UEFI stub enters here, already in long mode: RDI = struct boot_info *.
global core_entry64
extern core_main
core_entry64:
	cli
	mov rsp, boot_stack_top
	call core_main
	jmp long_mode.hang

section .rodata
no_lm_msg: db "hv: error: this CPU has no long mode (64-bit); pmuvisor cannot run", 13, 10, 0
align 8
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF       ; 0x08: 64-bit code
	dq 0x00CF92000000FFFF       ; 0x10: data
boot_gdtr:
	dw boot_gdtr - boot_gdt - 1
	dq boot_gdt

section .bss
align 4096
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pd:   resb 4096 * 4
align 16
boot_stack: resb 32768
boot_stack_top:
