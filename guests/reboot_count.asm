; SPDX-License-Identifier: MIT
;
; reboot_count - counts its boots in CMOS byte 0x40 (CMOS RAM survives a
; reset, as on a PC) and resets the machine until its third boot, which
; exits with the count (status 7).  Each boot prints "reboot: boot N" on
; the debug console and checks that the reset gave it a fresh machine:
; its own image loaded again (the variable it sets is back to 0) and the
; rest of RAM cleared (the marker it leaves at 0x7000 is gone); else it
; prints a FAIL line and exits with 0x7f (status 255).
;
; The byte at offset 3 picks how it resets: 'c' the reset control
; register 0xCF9 (default), 'k' the i8042 pulse, 't' a triple fault (an
; INT through a real-mode IVT of limit 0).  Tests patch it.
;
;   modvmm --reboot build/guests/reboot_count.bin; echo $?    # 7

bits 16
org 0

%include "exit.inc"

CMOS_INDEX	equ 0x70
CMOS_DATA	equ 0x71
COUNT_REG	equ 0x40
BOOTS		equ 3
MARKER		equ 0x7000

start:
	jmp short main
	nop
method:	db 'c'

main:
	cli
	cld
	xor ax, ax
	mov ds, ax
	cmp byte [booted], 0
	jne fail_image
	mov byte [booted], 1
	cmp word [MARKER], 0
	jne fail_ram
	mov word [MARKER], 0x5a5a
	mov al, COUNT_REG
	out CMOS_INDEX, al
	in al, CMOS_DATA
	inc al
	mov bl, al
	mov al, COUNT_REG
	out CMOS_INDEX, al
	mov al, bl
	out CMOS_DATA, al
	PUTS msg_boot
	mov al, bl
	add al, '0'
	out DEBUGCON, al
	mov al, 10
	out DEBUGCON, al
	cmp bl, BOOTS
	jb reset
	mov al, bl
	out EXIT_PORT, al
	cli
	hlt

reset:
	mov al, [method]
	cmp al, 'k'
	je .kbd
	cmp al, 't'
	je .triple
	mov dx, 0xcf9
	mov al, 0x06
	out dx, al
	jmp .still
.kbd:
	mov al, 0xfe
	out 0x64, al
	jmp .still
.triple:
	; protected mode with an empty IDT, then #UD: #GP, #DF, shutdown
	; (as triple_fault.asm; a real-mode INT through a zero-limit IDT is
	; not a triple fault on every KVM)
	lgdt [tf_gdt_desc]
	lidt [null_idt]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp 0x08:.pm
	bits 32
.pm:
	ud2
	bits 16
.still:
	PUTS msg_still
	EXIT 0x7f

fail_image:
	PUTS msg_image
	EXIT 0x7f
fail_ram:
	PUTS msg_ram
	EXIT 0x7f

null_idt:	dw 0
		dd 0
	align 8
tf_gdt:		dq 0
		dq 0x00cf9a000000ffff
tf_gdt_desc:	dw 15
		dd tf_gdt
booted:		db 0
msg_boot:	db "reboot: boot ", 0
msg_still:	db "reboot: FAIL still running after the reset", 10, 0
msg_image:	db "reboot: FAIL the image was not loaded again", 10, 0
msg_ram:	db "reboot: FAIL RAM was not cleared", 10, 0

DEBUGCON_ROUTINES
