/*
 * Real mode and 16-bit code, as kernels use them for firmware calls and AP
 * start-up trampolines: a kernel linked below 1 MiB (at 0x20000, its 16-bit
 * code in a segment of its own at 0x8000), a switch from 32-bit protected
 * mode through 16-bit protected mode to real mode and back, and in real mode
 * port I/O, REP OUTSB with 16-bit addressing, a #GP past a segment limit
 * (delivered through the IVT, with no error code), segment arithmetic, CR0
 * and CPUID. Run twice, so a return to real mode after protected-mode exits
 * works too.
 */
#include "guests/qemu/qk.h"

/* What the real-mode code leaves for the checks (all in the low segment). */
extern uint32_t rm_cr0, rm_eax_after_dec, rm_vendor[3], rm_entries;
extern uint16_t rm_si_after, rm_cx_after, rm_ds_after;
extern const char rm_signature[4], rm_line2[];
extern const uint8_t rm_line2_len;
extern uint32_t rm_gp_esi, rm_gp_ecx;
extern uint16_t rm_gp_ip;
extern uint8_t rm_gp_count;
extern const uint8_t rm_gp_insn[];
void rm_enter(void);

/*
 * Below 1 MiB: our GDT (flat 32-bit code 0x08 and data 0x10, 16-bit code 0x18
 * and data 0x20 with 64 KiB limits), the switch down and back up, and the
 * real-mode body. Interrupts stay off throughout.
 */
asm(".section .realmode, \"awx\"\n"
    ".code32\n"
    ".globl rm_enter\n"
    "rm_enter:\n"
    "  pushal\n"
    "  mov %esp, rm_saved_esp\n"
    "  sidt rm_saved_idtr\n"
    "  lgdt rm_gdtr\n"
    "  ljmp $0x18, $1f\n"
    ".code16\n"
    "1: mov $0x20, %ax\n"
    "  mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n mov %ax, %fs\n mov %ax, %gs\n"
    "  mov %cr0, %eax\n and $0xFFFFFFFE, %eax\n mov %eax, %cr0\n"
    "  ljmp $0, $2f\n"
    "2: xor %ax, %ax\n"
    "  mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n mov %ax, %fs\n mov %ax, %gs\n"
    "  mov $0x7C00, %sp\n"
    "  lidt rm_idtr\n"
    "  incl rm_entries\n"
    /* the first line: OUT byte by byte (each one an exit in real mode) */
    "  cmpl $1, rm_entries\n jne 4f\n"
    "  mov $rm_line1, %si\n mov $0x3F8, %dx\n"
    "3: lodsb\n test %al, %al\n jz 4f\n out %al, %dx\n jmp 3b\n"
    /* the second: REP OUTSB through DS:SI with CX, from a segment that is not 0 */
    "4: cmpl $1, rm_entries\n jne 5f\n"
    "  mov $0x0800, %ax\n mov %ax, %ds\n"
    "  mov $(rm_line2 - 0x8000), %si\n movzbw %cs:rm_line2_len, %cx\n mov $0x3F8, %dx\n"
    "  cld\n rep outsb\n"
    "  mov %ds, %ax\n xor %bx, %bx\n mov %bx, %ds\n"
    "  mov %si, rm_si_after\n mov %cx, rm_cx_after\n mov %ax, rm_ds_after\n"
    /*
     * #GP in real mode: a 32-bit offset past DS's 64 KiB limit. A MOV asks
     * first whether this CPU checks limits; if so, a REP OUTSB that runs
     * into the limit must fault there, with no error code on the stack.
     */
    "  movw $rm_gp, 13 * 4\n movw $0, 13 * 4 + 2\n"
    "  movw $7f, rm_gp_resume\n"
    "  mov $0x10000, %esi\n"
    "  movb (%esi), %al\n"
    "7: cmpb $0, rm_gp_count\n je 5f\n"
    "  movw $8f, rm_gp_resume\n"
    "  mov $0xFFFE, %esi\n mov $4, %ecx\n mov $0x80, %dx\n"
    ".globl rm_gp_insn\n"
    "rm_gp_insn: addr32 rep outsb\n"
    "8: mov %esi, rm_gp_esi\n mov %ecx, rm_gp_ecx\n"
    /* segment arithmetic: 0x1000:0x0010 is linear 0x10010 */
    "5: mov $0x1000, %ax\n mov %ax, %es\n"
    "  movw $0xBEEF, %es:0x10\n"
    "  xor %ax, %ax\n mov %ax, %es\n"
    "  mov %cr0, %eax\n mov %eax, rm_cr0\n"
    "  xor %eax, %eax\n cpuid\n"
    "  mov %ebx, rm_vendor\n mov %edx, rm_vendor + 4\n mov %ecx, rm_vendor + 8\n"
    "  xor %eax, %eax\n dec %ax\n mov %eax, rm_eax_after_dec\n" /* 16-bit: AX wraps alone */
    /* back up */
    "  lgdtl rm_gdtr\n"
    "  mov %cr0, %eax\n or $1, %eax\n mov %eax, %cr0\n"
    "  ljmpl $0x08, $6f\n"
    ".code32\n"
    "6: mov $0x10, %ax\n"
    "  mov %ax, %ds\n mov %ax, %es\n mov %ax, %ss\n mov %ax, %fs\n mov %ax, %gs\n"
    "  mov rm_saved_esp, %esp\n"
    "  lidt rm_saved_idtr\n"
    "  popal\n"
    "  ret\n"
    /* the real-mode #GP handler: counts, keeps the IP it finds, resumes after the test */
    ".code16\n"
    "rm_gp: incb %cs:rm_gp_count\n"
    "  push %bp\n mov %sp, %bp\n"
    "  mov 2(%bp), %ax\n mov %ax, %cs:rm_gp_ip\n"
    "  mov %cs:rm_gp_resume, %ax\n mov %ax, 2(%bp)\n"
    "  pop %bp\n iret\n"
    ".code32\n"
    ".balign 8\n"
    "rm_gdt: .quad 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF, 0x00009A000000FFFF, "
    "0x000092000000FFFF\n"
    "rm_gdtr: .word 5 * 8 - 1\n .long rm_gdt\n"
    "rm_idtr: .word 0x3FF\n .long 0\n"
    "rm_saved_idtr: .word 0\n .long 0\n"
    ".balign 4\n"
    "rm_saved_esp: .long 0\n"
    ".globl rm_cr0, rm_eax_after_dec, rm_vendor, rm_entries, rm_si_after, rm_cx_after\n"
    ".globl rm_ds_after, rm_signature, rm_line2, rm_line2_len\n"
    ".globl rm_gp_count, rm_gp_ip, rm_gp_esi, rm_gp_ecx\n"
    "rm_gp_esi: .long 0\n"
    "rm_gp_ecx: .long 0\n"
    "rm_gp_resume: .word 0\n"
    "rm_gp_ip: .word 0\n"
    "rm_gp_count: .byte 0\n"
    "rm_cr0: .long 0\n"
    "rm_eax_after_dec: .long 0\n"
    "rm_vendor: .long 0, 0, 0\n"
    "rm_entries: .long 0\n"
    "rm_si_after: .word 0\n"
    "rm_cx_after: .word 0\n"
    "rm_ds_after: .word 0\n"
    "rm_signature: .ascii \"LOW!\"\n"
    "rm_line1: .asciz \"PASS: real mode: 16-bit code writes this line with OUT\\n\"\n"
    "rm_line2: .ascii \"PASS: real mode: REP OUTSB through DS:SI, 16-bit addressing\\n\"\n"
    "rm_line2_end:\n"
    "rm_line2_len: .byte rm_line2_end - rm_line2\n"
    ".text\n");

void kmain(uint32_t magic, const struct mb1_info *mbi);
void kmain(uint32_t magic, const struct mb1_info *mbi)
{
	(void)mbi;
	idt_init(0);
	check(magic == 0x2BADB002, "started by a multiboot1 loader");
	check((uint32_t)rm_signature < 0x10000 && (uint32_t)kmain < 0x100000 &&
	      mem_equal(rm_signature, "LOW!", 4), "the segments linked below 1 MiB were loaded there");
	uint32_t vendor[4];
	cpuid(0, vendor);
	volatile uint16_t *linear_10010 = (volatile uint16_t *)0x10010;
	for (int round = 1; round <= 2; round++) {
		*linear_10010 = 0;
		rm_enter();
		if (round == 1) {
			check(rm_si_after == (uint32_t)rm_line2 - 0x8000 + rm_line2_len &&
			      rm_cx_after == 0 && rm_ds_after == 0x0800,
			      "REP OUTSB in real mode left SI past the line, CX 0, DS as it was");
			if (rm_gp_count == 0)
				skip("real mode: REP OUTSB past the 64 KiB limit raises #GP",
				     "a MOV past the limit does not fault: this CPU does not check "
				     "segment limits");
			else
				check(rm_gp_count == 2 && rm_gp_ip == (uint32_t)rm_gp_insn &&
				      rm_gp_esi == 0x10000 && rm_gp_ecx == 2,
				      "real mode: REP OUTSB past the 64 KiB limit raises #GP at the "
				      "element, no error code pushed");
		}
		check(rm_entries == (uint32_t)round, round == 1 ? "entered real mode"
								 : "entered real mode a second time");
		check(!(rm_cr0 & 1), "CR0.PE reads 0 in real mode");
		check(*linear_10010 == 0xBEEF, "segment 0x1000, offset 0x10 wrote linear 0x10010");
		check(rm_vendor[0] == vendor[1] && rm_vendor[1] == vendor[3] &&
		      rm_vendor[2] == vendor[2], "CPUID in real mode gives the same vendor");
		check(rm_eax_after_dec == 0xFFFF, "16-bit DEC AX wraps AX alone");
	}
	uint32_t cr0;
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	check(cr0 & 1, "back in protected mode, C code runs on");
	finish();
}
