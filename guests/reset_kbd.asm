; SPDX-License-Identifier: MIT
;
; reset_kbd - resets the machine through the keyboard controller
; (i8042): waits (bounded) for its input buffer to be empty, then sends
; command 0xFE, which pulses the CPU reset line, as PC OSes do.
;
; Prints "reset_kbd: resetting" on the debug console; modvmm then exits
; with status 18 (MODVMM_STATUS_RESET).  Should the machine run on, the
; guest prints "reset_kbd: FAIL still running" and exits with value 1
; (status 3).
;
;   modvmm -d i8042 build/guests/reset_kbd.bin

bits 16
org 0

%include "exit.inc"

KBC_STATUS	equ 0x64
KBC_IBF		equ 0x02

start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	PUTS msg_reset
	mov cx, 0xffff
.wait:
	in al, KBC_STATUS
	test al, KBC_IBF
	jz .send
	loop .wait
.send:
	mov al, 0xfe
	out KBC_STATUS, al
	PUTS msg_fail
	EXIT 1

msg_reset:	db "reset_kbd: resetting", 10, 0
msg_fail:	db "reset_kbd: FAIL still running", 10, 0

DEBUGCON_ROUTINES
