; SPDX-License-Identifier: MIT
;
; chaos_flood - a guest that floods both consoles and never stops: line
; after line of
;
;   flood 0000002a ................................................\n
;
; (80 bytes, a hex line number counting from 0), each line one "rep
; outsb" to the UART's THR and one to the debug console.  It never looks
; at the UART's LSR, so every UART access is a transmitted byte and
; --stats "serial8250 accesses" is the number of bytes it sent.  For
; --timeout tests: nothing may be lost up to the stop, memory must stay
; bounded however long it runs.

	bits 16
	org 0

COM1		equ 0x3f8
DEBUGCON	equ 0xe9

start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	xor ebx, ebx			; line number
.line:
	; the number as 8 hex digits into the line
	mov di, line + 6
	mov ecx, 8
	mov edx, ebx
.digit:
	rol edx, 4
	mov al, dl
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .store
	add al, 'a' - '0' - 10
.store:
	mov [di], al
	inc di
	loop .digit
	mov si, line
	mov cx, LINE_LEN
	mov dx, COM1
	rep outsb
	mov si, line
	mov cx, LINE_LEN
	mov dx, DEBUGCON
	rep outsb
	inc ebx
	jmp .line

line:	db "flood 00000000 "
	times 79 - ($ - line) db '.'
	db 10
LINE_LEN equ $ - line
