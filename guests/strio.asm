; SPDX-License-Identifier: MIT
; strio.asm - string I/O: one "rep outsb" prints a whole line through the
; UART (KVM hands it over as one exit with count > 1), "rep insb" reads
; 16 bytes from the debug console (each reads 0xE9) and "rep insw" reads
; 8 words from an unclaimed port (each reads 0xFFFF).  Exit status 1 when
; all is well, 3 otherwise.
	bits 16
	org 0

start:
	cld
	xor ax, ax
	mov es, ax
	mov ds, ax
	mov si, line
	mov cx, line_end - line
	mov dx, 0x3f8
	rep outsb

	mov di, buf
	mov cx, 16
	mov dx, 0xe9
	rep insb
	mov si, buf
	mov cx, 16
.check_e9:
	lodsb
	cmp al, 0xe9
	jne fail
	loop .check_e9

	mov di, buf
	mov cx, 8
	mov dx, 0x6e0			; nothing decodes this port
	rep insw
	mov si, buf
	mov cx, 8
.check_ff:
	lodsw
	cmp ax, 0xffff
	jne fail
	loop .check_ff

	mov si, ok
	mov cx, ok_end - ok
	mov dx, 0x3f8
	rep outsb
	mov dx, 0xf4
	mov al, 0
	out dx, al
	hlt
fail:
	mov si, bad
	mov cx, bad_end - bad
	mov dx, 0x3f8
	rep outsb
	mov dx, 0xf4
	mov al, 1
	out dx, al
	hlt

line:	db "strio: printed with one rep outsb", 10
line_end:
ok:	db "strio: insb and insw OK", 10
ok_end:
bad:	db "strio: FAIL", 10
bad_end:
buf:	times 16 db 0
