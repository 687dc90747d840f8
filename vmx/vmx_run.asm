; One world switch on VT-x:
;   int vmx_enter(struct vcpu_regs *regs, int launched)
; returns 0 after a VM exit (guest GPRs saved in *regs), or 1 when
; VMLAUNCH/VMRESUME itself failed (the caller reads VM_INSTRUCTION_ERROR).
; HOST_RIP points at vmx_exit_entry; HOST_RSP is written here every time.
bits 64
section .text
global vmx_enter
global vmx_exit_entry

%define R_RAX 0
%define R_RBX 8
%define R_RCX 16
%define R_RDX 24
%define R_RSI 32
%define R_RDI 40
%define R_RBP 48
%define R_R8 56
%define R_R9 64
%define R_R10 72
%define R_R11 80
%define R_R12 88
%define R_R13 96
%define R_R14 104
%define R_R15 112
%define HOST_RSP 0x6C14

vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                    ; regs: found again at [rsp] on exit

	mov rax, HOST_RSP
	vmwrite rax, rsp

	mov rax, rdi
	test esi, esi
	mov rbx, [rax + R_RBX]
	mov rcx, [rax + R_RCX]
	mov rdx, [rax + R_RDX]
	mov rsi, [rax + R_RSI]
	mov rdi, [rax + R_RDI]
	mov rbp, [rax + R_RBP]
	mov r8, [rax + R_R8]
	mov r9, [rax + R_R9]
	mov r10, [rax + R_R10]
	mov r11, [rax + R_R11]
	mov r12, [rax + R_R12]
	mov r13, [rax + R_R13]
	mov r14, [rax + R_R14]
	mov r15, [rax + R_R15]
	mov rax, [rax + R_RAX]      ; MOVs leave the flags of TEST alone
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	pop rdi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	mov eax, 1
	ret

vmx_exit_entry:
	xchg rdi, [rsp]             ; rdi = regs, [rsp] = guest rdi
	mov [rdi + R_RAX], rax
	mov [rdi + R_RBX], rbx
	mov [rdi + R_RCX], rcx
	mov [rdi + R_RDX], rdx
	mov [rdi + R_RSI], rsi
	mov [rdi + R_RBP], rbp
	mov [rdi + R_R8], r8
	mov [rdi + R_R9], r9
	mov [rdi + R_R10], r10
	mov [rdi + R_R11], r11
	mov [rdi + R_R12], r12
	mov [rdi + R_R13], r13
	mov [rdi + R_R14], r14
	mov [rdi + R_R15], r15
	pop rax
	mov [rdi + R_RDI], rax
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	xor eax, eax
	ret
