; SPDX-License-Identifier: MIT
; triple_fault.asm - crash on purpose: switch to protected mode with an
; IDT of limit 0, then execute an undefined opcode.  #UD cannot be
; delivered (#GP), nor can #GP (#DF), nor #DF: triple fault, which KVM
; reports as KVM_EXIT_SHUTDOWN (or, under an emulating KVM, as an
; internal error).  modvmm must dump the registers and exit with 10.
	bits 16
	org 0
	cli
	xor ax, ax
	mov ds, ax
	mov dx, 0x3f8
	mov al, 'x'
	out dx, al
	mov al, 10
	out dx, al
	lgdt [gdt_desc]
	lidt [idt_desc]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp 0x08:pm

	bits 32
pm:
	mov ax, 0x10
	mov ds, ax
	ud2
	hlt

	align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
gdt_desc:
	dw 23
	dd gdt
idt_desc:
	dw 0
	dd 0
