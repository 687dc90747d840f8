; One world switch on AMD-V:
;   void svm_vmrun(struct vcpu_regs *regs, u64 guest_vmcb_pa, u64 host_vmcb_pa)
; The guest's RAX lives in the VMCB; the other GPRs in *regs. VMLOAD/VMSAVE
; switch the state VMRUN leaves alone (FS/GS/TR/LDTR bases, KERNEL_GS_BASE,
; STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*): the guest reads and writes its own
; directly (the MSR policy passes them through) and never the host's.
; The caller clears GIF around it (CLGI/STGI), see svm_world_switch().
bits 64
%include "arch/gprs.inc"
section .text
global svm_vmrun

svm_vmrun:
	PUSH_CALLEE_SAVED
	push rdx                    ; [rsp+16] host vmcb
	push rdi                    ; [rsp+8]  regs
	push rsi                    ; [rsp]    guest vmcb

	mov rax, rdx
	vmsave                      ; [rax]: the host's VMLOAD/VMSAVE state

	mov rax, rdi
	GPRS_LOAD rax
	mov rax, [rsp]              ; guest vmcb
	vmload                      ; [rax]
	vmrun                       ; [rax]
	vmsave                      ; [rax]

	push rdi                    ; guest rdi; regs is now at [rsp+16]
	mov rdi, [rsp + 16]
	GPRS_STORE rdi
	pop rax
	mov [rdi + R_RDI], rax

	add rsp, 16                 ; guest vmcb, regs
	pop rax                     ; host vmcb
	vmload                      ; [rax]
	POP_CALLEE_SAVED
	ret
