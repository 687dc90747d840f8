; One world switch on AMD-V:
;   void svm_vmrun(struct vcpu_regs *regs, u64 guest_vmcb_pa, u64 host_vmcb_pa)
; The guest's RAX lives in the VMCB; the other GPRs in *regs. VMLOAD/VMSAVE
; switch the state VMRUN leaves alone (FS/GS/TR/LDTR bases, KERNEL_GS_BASE,
; STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*), so the guest never writes the host's.
; The caller clears GIF around it (CLGI/STGI), see svm_world_switch().
bits 64
section .text
global svm_vmrun

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

svm_vmrun:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdx                    ; [rsp+16] host vmcb
	push rdi                    ; [rsp+8]  regs
	push rsi                    ; [rsp]    guest vmcb

	mov rax, rdx
	vmsave                      ; [rax]

	mov rax, rdi
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
	mov rax, [rsp]              ; guest vmcb

	vmload                      ; [rax]
	vmrun                       ; [rax]
	vmsave                      ; [rax]

	push rdi                    ; guest rdi; regs is now at [rsp+16]
	mov rdi, [rsp + 16]
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

	add rsp, 16                 ; guest vmcb, regs
	pop rax                     ; host vmcb
	vmload                      ; [rax]

	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
