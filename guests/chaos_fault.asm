; SPDX-License-Identifier: MIT
;
; chaos_fault - print, then crash at once: three lines and a last one
; without a newline to the UART and to the debug console, then a triple
; fault: protected mode with an IDT of limit 0, then an undefined opcode
; (as triple_fault.asm; in real mode KVM may keep retrying the
; exception instead of shutting down).  The
; UART and the debug console buffer their output, so the text reaches
; its file only if modvmm flushes the devices before it reports the
; crash (status 10).

	bits 16
	org 0

COM1		equ 0x3f8
DEBUGCON	equ 0xe9

start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov si, text
	mov cx, TEXT_LEN
	mov dx, COM1
	rep outsb
	mov si, text
	mov cx, TEXT_LEN
	mov dx, DEBUGCON
	rep outsb
	lgdt [gdt_desc]
	lidt [idt_none]
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
	dq 0x00cf9a000000ffff		; 0x08: flat 32-bit code
	dq 0x00cf92000000ffff		; 0x10: flat data
gdt_desc:
	dw 23
	dd gdt
idt_none:
	dw 0
	dd 0
text:	db "chaos_fault: line 1", 10
	db "chaos_fault: line 2", 10
	db "chaos_fault: line 3", 10
	db "chaos_fault: no newline"
TEXT_LEN equ $ - text
