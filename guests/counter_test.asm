; SPDX-License-Identifier: MIT
;
; counter_test - exercises the counter example plugin (plugins/counter).
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Needs the default
; machine (serial8250 at 0x3f8 for output, debugport for the exit port)
; and `-d counter` at the default port 0x560.  Prints
; "counter: OK 0x<count>" and exits with status 1, or
; "counter: FAIL step N" and exits with status 3.
;
;   modvmm -d counter build/guests/counter_test.bin

bits 16
org 0

%include "pc16.inc"

COUNTER		equ 0x560
REG_COUNT	equ COUNTER + 0
REG_RESET	equ COUNTER + 1
REG_DOORBELL	equ COUNTER + 2
REG_ID		equ COUNTER + 3

%define CHECK_REG bl		; for check (pc.inc)

start:
	REAL_SETUP es

	; 1: the signature comes out of the ID port a byte at a time, so
	;    "rep insb" of 4 reads the whole dword.  Writing rewinds it.
	mov dx, REG_ID
	out dx, al
	mov di, id_buf
	mov cx, 4
	rep insb
	cmp dword [id_buf], 0x31544E43		; "CNT1"
	check e, 1

	; 2: reset, then the count reads zero at every width.
	mov dx, REG_RESET
	out dx, al
	mov dx, REG_COUNT
	in eax, dx
	test eax, eax
	check z, 2

	; 3: string output adds each byte: 1 + 2 + 3 + 4.
	mov si, add_bytes
	mov cx, 4
	rep outsb
	in eax, dx
	cmp eax, 10
	check e, 3

	; 4: adds of 4, 2 and 1 bytes.
	mov dx, REG_RESET
	out dx, al
	mov dx, REG_COUNT
	mov eax, 0xc0ff0000
	out dx, eax
	mov ax, 0xee00
	out dx, ax
	mov al, 0x42
	out dx, al
	in eax, dx
	cmp eax, 0xc0ffee42
	check e, 4

	; 5: narrow reads see the low bytes.
	in ax, dx
	cmp ax, 0xee42
	check e, 5
	in al, dx
	cmp al, 0x42
	check e, 5

	; 6: the count wraps at 2^32: adding 0xffffffff then 1 is a no-op.
	mov eax, 0xffffffff
	out dx, eax
	mov al, 1
	out dx, al
	in eax, dx
	cmp eax, 0xc0ffee42
	check e, 6

	; 7: the doorbell port reads its IRQ line; ringing it changes
	;    nothing here (interrupts are off).
	mov dx, REG_DOORBELL
	in al, dx
	cmp al, 23
	check be, 7
	out dx, al
	mov dx, REG_COUNT
	in eax, dx
	cmp eax, 0xc0ffee42
	check e, 7

	mov ebp, eax
	mov si, msg_ok
	call puts
	mov eax, ebp
	call puthex32
	mov al, 10
	call putc
	mov al, 0
	out EXIT_PORT, al
	jmp halt

fail:
	mov si, msg_fail
	call puts
	FAIL_STEP_ROUTINE

THR_ROUTINES 1

; puthex32: EAX as 8 lower-case hex digits.
puthex32:
	mov cx, 8
.digit:
	rol eax, 4
	push eax
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '0' - 10
.out:
	call putc
	pop eax
	loop .digit
	ret

msg_ok		db "counter: OK 0x", 0
msg_fail	db "counter: FAIL step ", 0
add_bytes	db 1, 2, 3, 4
id_buf		dd 0
