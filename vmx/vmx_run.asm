; One world switch on VT-x:
;   int vmx_enter(struct vcpu_regs *regs, int launched)
; returns 0 after a VM exit (guest GPRs saved in *regs), or 1 when
; VMLAUNCH/VMRESUME itself failed (the caller reads VM_INSTRUCTION_ERROR).
; HOST_RIP points at vmx_exit_entry; HOST_RSP is written here every time.
bits 64
%include "arch/gprs.inc"
section .text
global vmx_enter
global vmx_exit_entry

%define HOST_RSP 0x6C14

vmx_enter:
	PUSH_CALLEE_SAVED
	push rdi                    ; regs: found again at [rsp] on exit

	mov rax, HOST_RSP
	vmwrite rax, rsp

	mov rax, rdi
	test esi, esi
	GPRS_LOAD rax               ; MOVs leave the flags of TEST alone
	mov rax, [rax + R_RAX]
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	pop rdi
	mov eax, 1
	jmp epilogue

vmx_exit_entry:
	xchg rdi, [rsp]             ; rdi = regs, [rsp] = guest rdi
	mov [rdi + R_RAX], rax
	GPRS_STORE rdi
	pop rax
	mov [rdi + R_RDI], rax
	xor eax, eax
epilogue:
	POP_CALLEE_SAVED
	ret
