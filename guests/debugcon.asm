; SPDX-License-Identifier: MIT
;
; debugcon - detects the bochs/QEMU debug console and prints through it.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  A read of port
; 0xE9 returns 0xE9 when the console is there; the guest then prints
; "debugcon OK" on it and exits through the exit port with value 0
; (modvmm exit status 1).  Without the console it exits with value 1
; (status 3) and prints nothing.
;
;   modvmm build/guests/debugcon.bin

bits 16
org 0

%include "exit.inc"

start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	in al, DEBUGCON
	cmp al, 0xe9
	jne .absent
	PUTS msg
	EXIT 0
.absent:
	EXIT 1

msg:	db "debugcon OK", 10, 0

DEBUGCON_ROUTINES
